"""Alembic: a linear chain, `upgrade head` on SQLite and PostgreSQL, and no drift from the models."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

import storage.models  # noqa: F401
from storage.base import Base
from storage.session import alembic_config, make_engine, script_head, upgrade


def test_revision_chain_is_linear(sqlite_url: str) -> None:
    script = ScriptDirectory.from_config(alembic_config(sqlite_url))
    assert len(script.get_heads()) == 1, script.get_heads()
    for rev in script.walk_revisions():
        down = rev.down_revision
        assert down is None or isinstance(down, str), f"{rev.revision} merges branches"


def test_upgrade_head_matches_models(db_url: str) -> None:
    upgrade(db_url)
    engine = make_engine(db_url)
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_upgrade_is_idempotent_and_downgrades(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    upgrade(sqlite_url)
    command.downgrade(alembic_config(sqlite_url), "base")
    assert "run" not in inspect(make_engine(sqlite_url)).get_table_names()


def test_script_head_is_alembics(sqlite_url: str) -> None:
    assert [script_head()] == ScriptDirectory.from_config(alembic_config(sqlite_url)).get_heads()


def test_upgrade_at_head_does_not_run_alembic(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every command starts with upgrade(): at head it only reads the version table (storage/session.py)."""
    upgrade(sqlite_url)

    def refuse(*_args, **_kwargs) -> None:  # noqa: ANN002, ANN003
        raise AssertionError("alembic asked to upgrade")

    monkeypatch.setattr(command, "upgrade", refuse)
    upgrade(sqlite_url)
    monkeypatch.undo()
    command.downgrade(alembic_config(sqlite_url), "-1")
    monkeypatch.setattr(command, "upgrade", refuse)
    with pytest.raises(AssertionError, match="alembic asked"):  # one revision behind: alembic upgrades
        upgrade(sqlite_url)
