"""incremental re-audits (issue 16 B): each fetched page's validators (ETag, Last-Modified), so that the
next nightly audit can ask for it conditionally (docs/incremental.md)

Revision ID: 0020
Revises: 0011
Create Date: 2026-12-02 19:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.add_column(sa.Column('etag', sa.String(length=256), nullable=True))
        batch_op.add_column(sa.Column('last_modified', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('page', schema=None) as batch_op:
        batch_op.drop_column('last_modified')
        batch_op.drop_column('etag')
