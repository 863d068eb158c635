"""content-addressed page bodies: body_blob (one row per distinct body) and page_blob (a page's body)

Revision ID: 0014
Revises: 0011
Create Date: 2026-12-02 19:20:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'body_blob',
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('html_z', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('hash', name=op.f('pk_body_blob')),
    )
    op.create_table(
        'page_blob',
        sa.Column('page_id', sa.Integer(), nullable=False),
        sa.Column('hash', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['page_id'], ['page.id'], name=op.f('fk_page_blob_page_id_page'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['hash'], ['body_blob.hash'], name=op.f('fk_page_blob_hash_body_blob')),
        sa.PrimaryKeyConstraint('page_id', name=op.f('pk_page_blob')),
    )
    op.create_index(op.f('ix_page_blob_hash'), 'page_blob', ['hash'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_page_blob_hash', table_name='page_blob')
    op.drop_table('page_blob')
    op.drop_table('body_blob')
