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
    if op.get_bind().dialect.name == 'sqlite':
        # ALTER TABLE … ADD COLUMN … REFERENCES, never a table rebuild: rebuilding `run` drops it, and with
        # foreign keys on that deletes every page, link and finding of every run (ON DELETE CASCADE)
        op.execute('ALTER TABLE run ADD COLUMN base_run_id INTEGER '
                   'CONSTRAINT fk_run_base_run_id_run REFERENCES run (id)')
    else:
        op.add_column('run', sa.Column('base_run_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_run_base_run_id_run'), 'run', 'run', ['base_run_id'], ['id'])
    op.create_index(op.f('ix_run_base_run_id'), 'run', ['base_run_id'], unique=False)


def downgrade() -> None:
    # a run pointing at a base holds only its own rows: downgrading loses what it read through the base
    op.drop_index(op.f('ix_run_base_run_id'), table_name='run')
    with op.batch_alter_table('run', schema=None) as batch_op:
        if op.get_bind().dialect.name != 'sqlite':
            batch_op.drop_constraint(batch_op.f('fk_run_base_run_id_run'), type_='foreignkey')
        batch_op.drop_column('base_run_id')
