"""the web service's findings list (issue 18): indexes for a page of a 50,000-finding run — a run's findings by
severity (the count and page of `?severity=`), a run's finding ids in order (a deep page) and problem sightings by subject (each page's problem
look-up and the `?state=` join); bench/service_bench.py

Revision ID: 0024
Revises: 0014
Create Date: 2026-12-03 15:45:00
"""
from __future__ import annotations

from alembic import op

revision = '0024'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_finding_run_severity', 'finding', ['run_id', 'severity'], unique=False)
    op.create_index('ix_finding_run_id_id', 'finding', ['run_id', 'id'], unique=False)
    # a hash index on PostgreSQL: a subject (a URL) may be longer than a btree entry (issue 21)
    op.create_index('ix_problem_sighting_subject', 'problem_sighting', ['subject'], unique=False,
                    postgresql_using='hash')


def downgrade() -> None:
    op.drop_index('ix_problem_sighting_subject', table_name='problem_sighting')
    op.drop_index('ix_finding_run_id_id', table_name='finding')
    op.drop_index('ix_finding_run_severity', table_name='finding')
