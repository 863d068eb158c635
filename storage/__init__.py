"""Storage of gathered artifacts and judged results (SQLAlchemy 2.0, Alembic)."""
