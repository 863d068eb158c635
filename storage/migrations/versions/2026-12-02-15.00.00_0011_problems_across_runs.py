"""problems across runs (issue 14): problems, their append-only events, the runs that saw them, the
runs' comparison with their previous complete run, run kinds (audit | recheck) and re-checked item pages

Revision ID: 0011
Revises: 0015
Create Date: 2026-12-02 15:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('item_page',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('column_url', sa.Text(), nullable=False),
    sa.Column('listed_title', sa.Text(), nullable=True),
    sa.Column('listed_date', sa.Date(), nullable=True),
    sa.Column('page_date', sa.Date(), nullable=True),
    sa.Column('page_date_source', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], name=op.f('fk_item_page_run_id_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_page')),
    sa.UniqueConstraint('run_id', 'url', name=op.f('uq_item_page_run_id_url'))
    )
    with op.batch_alter_table('item_page', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_page_column_url'), ['column_url'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_page_run_id'), ['run_id'], unique=False)

    op.create_table('problem',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('site_id', sa.String(length=64), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('subject_key', sa.Text(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('first_run_id', sa.Integer(), nullable=False),
    sa.Column('last_run_id', sa.Integer(), nullable=False),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['first_run_id'], ['run.id'], name=op.f('fk_problem_first_run_id_run')),
    sa.ForeignKeyConstraint(['last_run_id'], ['run.id'], name=op.f('fk_problem_last_run_id_run')),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], name=op.f('fk_problem_site_id_site')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem')),
    sa.UniqueConstraint('site_id', 'rule', 'subject_key', name=op.f('uq_problem_site_id_rule_subject_key'))
    )
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_site_id'), ['site_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_state'), ['state'], unique=False)

    op.create_table('problem_run',
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('previous_run_id', sa.Integer(), nullable=True),
    sa.Column('fixed', sa.JSON(), nullable=False),
    sa.Column('tracked_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['previous_run_id'], ['run.id'], name=op.f('fk_problem_run_previous_run_id_run'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], name=op.f('fk_problem_run_run_id_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('run_id', name=op.f('pk_problem_run'))
    )
    op.create_table('problem_event',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=128), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('from_state', sa.String(length=16), nullable=True),
    sa.Column('to_state', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('evidence_url', sa.Text(), nullable=True),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'], name=op.f('fk_problem_event_problem_id_problem'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], name=op.f('fk_problem_event_run_id_run'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_event'))
    )
    with op.batch_alter_table('problem_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_event_problem_id'), ['problem_id'], unique=False)

    op.create_table('problem_sighting',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('problem_id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('change', sa.String(length=16), nullable=False),
    sa.Column('fingerprint', sa.String(length=40), nullable=False),
    sa.Column('suppressed', sa.Boolean(), nullable=False),
    sa.Column('finding', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['problem_id'], ['problem.id'], name=op.f('fk_problem_sighting_problem_id_problem'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['run.id'], name=op.f('fk_problem_sighting_run_id_run'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_sighting')),
    sa.UniqueConstraint('problem_id', 'run_id', name=op.f('uq_problem_sighting_problem_id_run_id'))
    )
    with op.batch_alter_table('problem_sighting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_sighting_problem_id'), ['problem_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_sighting_run_id'), ['run_id'], unique=False)

    with op.batch_alter_table('run', schema=None) as batch_op:
        # every run stored before this revision was a full audit
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='audit', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('kind')

    with op.batch_alter_table('problem_sighting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_sighting_run_id'))
        batch_op.drop_index(batch_op.f('ix_problem_sighting_problem_id'))

    op.drop_table('problem_sighting')
    with op.batch_alter_table('problem_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_event_problem_id'))

    op.drop_table('problem_event')
    op.drop_table('problem_run')
    with op.batch_alter_table('problem', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_state'))
        batch_op.drop_index(batch_op.f('ix_problem_site_id'))

    op.drop_table('problem')
    with op.batch_alter_table('item_page', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_page_run_id'))
        batch_op.drop_index(batch_op.f('ix_item_page_column_url'))

    op.drop_table('item_page')
