"""evidence crops: the first screen and element crops of a captured page, with their box

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-02 14:30:52
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Full-page rows taken before crops existed have no box: an empty list, never NULL.
    with op.batch_alter_table('evidence_shot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('box', sa.JSON(), nullable=True))
    op.execute("UPDATE evidence_shot SET box = '[]'")
    with op.batch_alter_table('evidence_shot', schema=None) as batch_op:
        batch_op.alter_column('box', existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    op.execute("DELETE FROM evidence_shot WHERE kind <> 'page'")
    with op.batch_alter_table('evidence_shot', schema=None) as batch_op:
        batch_op.drop_column('box')
