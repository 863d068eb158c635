"""issue 17 (storage per night): an incremental run points at its base run (run.base_run_id) and reads
the crawled pages and links it did not store itself through it (storage/crawlset.py) instead of copying them

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 03:10:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('base_run_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_run_base_run_id'), ['base_run_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_run_base_run_id_run'), 'run', ['base_run_id'], ['id'])


def downgrade() -> None:
    # a run pointing at a base holds only its own rows: downgrading loses what it read through the base
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_run_base_run_id_run'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_run_base_run_id'))
        batch_op.drop_column('base_run_id')
