"""issue 16 (partial re-audits): page_drop, the pages of a run's base run that the run no longer has
(a crawl of today's state does not reach them, or they are gone); storage/crawlset.py hides them and
their links

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04 03:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('page_drop',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('url_hash', sa.String(length=64), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], name=op.f('fk_page_drop_run_id_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', 'url_hash', name=op.f('pk_page_drop'))
    )


def downgrade() -> None:
    op.drop_table('page_drop')
