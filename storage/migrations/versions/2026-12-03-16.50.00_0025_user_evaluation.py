"""the web service's judges (issue 18): user_evaluation, the evaluations a judge is assigned to

Revision ID: 0025
Revises: 0022
Create Date: 2026-12-03 16:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0025'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_evaluation',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('evaluation_id', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['evaluation_id'], ['evaluation.id'], name=op.f('fk_user_evaluation_evaluation_id_evaluation'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_user_evaluation_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'evaluation_id', name=op.f('pk_user_evaluation'))
    )
    with op.batch_alter_table('user_evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_evaluation_evaluation_id'), ['evaluation_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('user_evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_evaluation_evaluation_id'))
    op.drop_table('user_evaluation')
