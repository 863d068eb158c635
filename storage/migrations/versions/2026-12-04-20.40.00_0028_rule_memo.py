"""issue 16 (incremental judging): rule_memo, a rule's result kept with the digests of what it read
(storage/memo.py) — reused by a later judging of the site whose inputs digest the same

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-04 20:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rule_memo',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('reads', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], name=op.f('fk_rule_memo_run_id_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rule_memo'))
    )
    op.create_index(op.f('ix_rule_memo_run_id'), 'rule_memo', ['run_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_rule_memo_run_id'), table_name='rule_memo')
    op.drop_table('rule_memo')
