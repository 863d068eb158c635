"""issue 21 (integrity): who runs a run and when it last beat (the stale-run reaper), a page's URL
unique by its hash (a URL may exceed a btree index entry), no (run_id, target) index on links
(queried only by LIKE; a long target exceeded the entry limit)

Revision ID: 0022
Revises: 0014
Create Date: 2026-12-03 15:20:00
"""
from __future__ import annotations

import hashlib

import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0014'
branch_labels = None
depends_on = None


def _backfill_url_hashes() -> None:
    conn = op.get_bind()
    page = sa.table('page', sa.column('id', sa.Integer), sa.column('url', sa.Text), sa.column('url_hash', sa.String))
    last = 0
    while True:
        rows = conn.execute(sa.select(page.c.id, page.c.url).where(page.c.id > last).order_by(page.c.id)
                            .limit(5000)).all()
        if not rows:
            return
        conn.execute(page.update().where(page.c.id == sa.bindparam('pid')).values(url_hash=sa.bindparam('h')),
                     [{'pid': i, 'h': hashlib.sha256(u.encode('utf-8', 'surrogatepass')).hexdigest()} for i, u in rows])
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('host', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.add_column(sa.Column('url_hash', sa.String(length=64), nullable=True))
    _backfill_url_hashes()
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.alter_column('url_hash', existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_constraint('uq_page_run_id_url', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_page_run_id_url_hash'), ['run_id', 'url_hash'])
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.drop_index('ix_link_run_target')


def downgrade() -> None:
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.create_index('ix_link_run_target', ['run_id', 'target'], unique=False)
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_page_run_id_url_hash'), type_='unique')
        batch_op.create_unique_constraint('uq_page_run_id_url', ['run_id', 'url'])
        batch_op.drop_column('url_hash')
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('host')
        batch_op.drop_column('pid')
