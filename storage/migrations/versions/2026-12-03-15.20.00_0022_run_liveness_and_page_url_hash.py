"""issue 21 (integrity): who runs a run and when it last beat (the stale-run reaper), a page's URL
unique by its hash, and a finding's subject and a problem's subject key too (a URL may exceed a btree
index entry), no (run_id, target) index on links
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
down_revision = '0024'
branch_labels = None
depends_on = None


# (table, text column, its hash column, the old unique constraint and its columns, the new one's columns)
HASHED = [
    ('page', 'url', 'url_hash', 'uq_page_run_id_url', ['run_id', 'url']),
    ('finding', 'subject', 'subject_hash', 'uq_finding_run_id_rule_subject', ['run_id', 'rule', 'subject']),
    ('problem', 'subject_key', 'subject_key_hash', 'uq_problem_site_id_rule_subject_key',
     ['site_id', 'rule', 'subject_key']),
    # fact tables keyed by a text (storage/facts/table.py: a unique Text field is keyed by its hash)
    ('site_column', 'url', 'url_hash', 'uq_site_column_run_id_url', ['run_id', 'url']),
    ('item_page', 'url', 'url_hash', 'uq_item_page_run_id_url', ['run_id', 'url']),
    ('monitor_baseline_fact', 'url', 'url_hash', 'uq_monitor_baseline_fact_run_id_url', ['run_id', 'url']),
    ('browser_tls', 'host', 'host_hash', 'uq_browser_tls_run_id_host_port', ['run_id', 'host', 'port']),
    ('account', 'handle', 'handle_hash', 'uq_account_run_id_platform_handle', ['run_id', 'platform', 'handle']),
]
# plain indexes on text columns: hash indexes on PostgreSQL (no entry size limit; equality only)
TEXT_INDEXES = [('column_item', 'ix_column_item_column_url', 'column_url'),
                ('item_page', 'ix_item_page_column_url', 'column_url'),
                ('post', 'ix_post_account', 'account')]


def _new_name(old: str, cols: list[str], hashed: str) -> str:
    """The naming convention's name of the new constraint (uq_<table>_<columns>)."""
    table = old[3:old.index('_' + '_'.join(cols))]
    return op.f('uq_' + table + '_' + '_'.join(c if c != hashed.removesuffix('_hash') else hashed for c in cols))


def _backfill(name: str, column: str, hashed: str) -> None:
    conn = op.get_bind()
    table = sa.table(name, sa.column('id', sa.Integer), sa.column(column, sa.Text), sa.column(hashed, sa.String))
    last = 0
    while True:
        rows = conn.execute(sa.select(table.c.id, table.c[column]).where(table.c.id > last).order_by(table.c.id)
                            .limit(5000)).all()
        if not rows:
            return
        conn.execute(table.update().where(table.c.id == sa.bindparam('row_id')).values({hashed: sa.bindparam('h')}),
                     [{'row_id': i, 'h': hashlib.sha256(v.encode('utf-8', 'surrogatepass')).hexdigest()}
                      for i, v in rows])
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pid', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('host', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True))
    for name, column, hashed, old, cols in HASHED:
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.add_column(sa.Column(hashed, sa.String(length=64), nullable=True))
        _backfill(name, column, hashed)
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.alter_column(hashed, existing_type=sa.String(length=64), nullable=False)
            batch_op.drop_constraint(old, type_='unique')
            batch_op.create_unique_constraint(_new_name(old, cols, hashed), [c if c != column else hashed for c in cols])
    if op.get_bind().dialect.name == 'postgresql':
        for table, index, column in TEXT_INDEXES:
            op.drop_index(index, table_name=table)
            op.create_index(index, table, [column], unique=False, postgresql_using='hash')
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.drop_index('ix_link_run_target')


def downgrade() -> None:
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.create_index('ix_link_run_target', ['run_id', 'target'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for table, index, column in TEXT_INDEXES:
            op.drop_index(index, table_name=table)
            op.create_index(index, table, [column], unique=False)
    for name, column, hashed, old, cols in reversed(HASHED):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_constraint(_new_name(old, cols, hashed), type_='unique')
            batch_op.create_unique_constraint(old, cols)
            batch_op.drop_column(hashed)
    with op.batch_alter_table('run', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
        batch_op.drop_column('host')
        batch_op.drop_column('pid')
