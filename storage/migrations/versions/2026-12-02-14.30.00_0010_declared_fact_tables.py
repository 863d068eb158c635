"""declared fact tables: year-less item dates kept raw, posts keyed by account, evidence screenshots as facts

Revision ID: 0010
Revises: 0005
Create Date: 2026-12-02 14:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('column_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('month_day', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('year_hint', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('fetched_on', sa.Date(), nullable=True))
        batch_op.alter_column('page_url', existing_type=sa.Text(), nullable=True)

    # A post names its account as "platform:handle" (the snapshot's key) instead of the account row's id.
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account', sa.Text(), nullable=True))
    op.execute("UPDATE post SET account = (SELECT account.platform || ':' || account.handle FROM account "
               "WHERE account.id = post.account_id)")
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.alter_column('account', existing_type=sa.Text(), nullable=False)
        batch_op.drop_index(batch_op.f('ix_post_account_id'))
        batch_op.drop_constraint(batch_op.f('fk_post_account_id_account'), type_='foreignkey')
        batch_op.drop_column('account_id')
        batch_op.create_index(batch_op.f('ix_post_account'), ['account'], unique=False)

    op.create_table('evidence_shot',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('path', sa.Text(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('marks', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], name=op.f('fk_evidence_shot_run_id_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_shot'))
    )
    with op.batch_alter_table('evidence_shot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evidence_shot_run_id'), ['run_id'], unique=False)
    # Screenshots that were written onto findings after judging become facts of their run's pages.
    op.execute("INSERT INTO evidence_shot (run_id, url, path, kind, marks) "
               "SELECT run_id, COALESCE(page, subject), screenshot, 'page', '[]' FROM finding "
               "WHERE screenshot LIKE 'evidence/%.jpg' AND screenshot NOT LIKE 'evidence/homepage-run%' "
               "GROUP BY run_id, COALESCE(page, subject), screenshot")
    op.execute("UPDATE finding SET screenshot = NULL WHERE screenshot LIKE 'evidence/%.jpg' "
               "AND screenshot NOT LIKE 'evidence/homepage-run%'")


def downgrade() -> None:
    with op.batch_alter_table('evidence_shot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evidence_shot_run_id'))
    op.drop_table('evidence_shot')

    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_id', sa.Integer(), nullable=True))
    op.execute("UPDATE post SET account_id = (SELECT account.id FROM account WHERE account.run_id = post.run_id "
               "AND account.platform || ':' || account.handle = post.account)")
    with op.batch_alter_table('post', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_post_account'))
        batch_op.drop_column('account')
        batch_op.alter_column('account_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_post_account_id_account'), 'account', ['account_id'], ['id'],
                                    ondelete='CASCADE')
        batch_op.create_index(batch_op.f('ix_post_account_id'), ['account_id'], unique=False)

    with op.batch_alter_table('column_item', schema=None) as batch_op:
        batch_op.alter_column('page_url', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('fetched_on')
        batch_op.drop_column('year_hint')
        batch_op.drop_column('month_day')
