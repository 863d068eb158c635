"""Shared fixtures: databases (SQLite and PostgreSQL), the CLI as a subprocess, fixture servers."""
from __future__ import annotations

import contextlib

import os
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("GOVAUDIT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_HOSTPORT = ("127.0.0.1", 6379)
REQUIRE_SERVICES = os.environ.get("GOVAUDIT_REQUIRE_SERVICES") == "1"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def service_or_skip(name: str, host: str, port: int) -> None:
    """Skip when the service is down — unless GOVAUDIT_REQUIRE_SERVICES=1 (CI), then fail."""
    if not _reachable(host, port):
        msg = f"{name} not reachable at {host}:{port}"
        if REQUIRE_SERVICES:
            pytest.fail(msg + " and GOVAUDIT_REQUIRE_SERVICES=1")
        pytest.skip(msg)


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database (dropped after) — for fixtures of any scope."""
    service_or_skip("PostgreSQL", "127.0.0.1", 5432)
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"govaudit_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from storage.session import dispose_engines

        dispose_engines()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema-isolated database URL (a new database per test, dropped after)."""
    with pg_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'govaudit.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage/CLI test runs against SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'govaudit.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def redis_url() -> str:
    service_or_skip("Redis", *REDIS_HOSTPORT)
    return "redis://127.0.0.1:6379/15"


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `python -m govaudit …` in a child process (the crawl needs a fresh reactor each time)."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "govaudit", *args], cwd=cwd or ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def cli():
    return run_cli
