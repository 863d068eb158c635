"""Engines and sessions: `session_scope()` is the only way code gets a session."""
from __future__ import annotations

import atexit
import gc
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB = "sqlite:///govaudit.db"
_MIGRATIONS = Path(__file__).parent / "migrations"
_engines: dict[str, Engine] = {}
log = logging.getLogger(__name__)
T = TypeVar("T")


def make_engine(url: str) -> Engine:
    """One engine per URL; SQLite gets WAL, foreign keys and a busy timeout."""
    if url in _engines:
        return _engines[url]
    if url.startswith("sqlite"):
        # how long a statement waits for another process's write lock before "database is locked"
        busy_s = float(os.environ.get("GOVAUDIT_SQLITE_BUSY_S") or 30)
        engine = create_engine(url, connect_args={"timeout": busy_s})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    _engines[url] = engine
    return engine


def dispose_engines() -> None:
    """Close every pooled connection (tests and forked workers)."""
    for engine in _engines.values():
        engine.dispose()
    _engines.clear()


def skip_exit_collections() -> None:
    """At this process's exit, close the pooled connections and freeze the heap. The interpreter's last garbage
    collections walk every object of the modules loaded — ~1,900 for an audit, 0.5–0.7 s after its work was
    done; frozen, the heap goes back to the OS with the process. Of what those collections did, the closing of
    pooled connections matters (SQLite's last close checkpoints the WAL and removes -wal/-shm): done here
    first. Outputs are written and closed before a command returns; logging and the standard streams are
    flushed by their own exit handlers."""
    atexit.register(_dispose_and_freeze)


def _dispose_and_freeze() -> None:
    dispose_engines()
    gc.freeze()


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A session that commits on success, rolls back on error and always closes."""
    session = sessionmaker(bind=make_engine(url), expire_on_commit=False)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_busy(exc: BaseException) -> bool:
    """A database error that waiting cures: SQLite's "database is locked"/"busy", a PostgreSQL
    serialization failure or deadlock."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return False
    text = str(exc.orig or exc).lower()
    code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return "database is locked" in text or "database is busy" in text or code in ("40001", "40P01")


def retry_busy(work: Callable[[], T], total_s: float | None = None, what: str = "write") -> T:
    """Run `work` (a whole transaction) again while the database is busy, with growing pauses, for up to
    `total_s` ($GOVAUDIT_BUSY_RETRY_S, 300 s) — a probe from cron must not lose its round to another
    process's write."""
    total_s = float(os.environ.get("GOVAUDIT_BUSY_RETRY_S") or 300) if total_s is None else total_s
    deadline = time.monotonic() + total_s
    pause = 0.2
    while True:
        try:
            return work()
        except Exception as exc:
            if not is_busy(exc) or time.monotonic() + pause > deadline:
                raise
            log.warning("%s: the database is busy, trying again in %.1f s", what, pause)
            time.sleep(pause)
            pause = min(pause * 2, 10.0)


def alembic_config(url: str):  # noqa: ANN201 - alembic.config.Config
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.set_main_option(
        "file_template", "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d.%%(minute).2d.%%(second).2d_%%(rev)s_%%(slug)s"
    )
    return cfg


def upgrade(url: str) -> None:
    """Bring the database to the newest schema (a no-op when it is already there)."""
    with _migration_lock(url), make_engine(url).begin() as conn:
        if conn.dialect.name == "postgresql":  # held until this transaction ends; alembic's DDL runs inside it
            from sqlalchemy import text

            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        if _at_head(conn):
            return
        from alembic import command

        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


_REVISION = re.compile(r"^revision = '([^']+)'$", re.M)
_DOWN_REVISION = re.compile(r"^down_revision = (?:'([^']+)'|None)$", re.M)


def script_head() -> str | None:
    """The newest revision of storage/migrations, read from the revision files' own `revision = '…'` and
    `down_revision = '…'` lines; None when any file is not of that simple form or the chain has not
    exactly one head (then alembic decides)."""
    revisions, downs = set(), set()
    for path in (_MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev, down = _REVISION.findall(text), _DOWN_REVISION.findall(text)
        if len(rev) != 1 or len(down) != 1:
            return None
        revisions.add(rev[0])
        downs.add(down[0])
    heads = revisions - downs
    return heads.pop() if len(heads) == 1 else None


def _at_head(conn) -> bool:  # noqa: ANN001 - a Connection
    """Whether the database is stamped with the newest revision: importing alembic and loading its scripts only
    to find nothing to do took ~0.2 s of every command's start."""
    from sqlalchemy import inspect

    head = script_head()
    if head is None or not inspect(conn).has_table("alembic_version"):
        return False
    return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalars().all() == [head]


# Two processes migrating one database at once (a fresh database, cron and the service starting together)
# take turns: the second finds the schema at head. PostgreSQL: an advisory lock of this key; SQLite: an
# exclusive lock on a file beside the database.
MIGRATION_LOCK_KEY = 0x676F76617564  # "govaud"


@contextmanager
def _migration_lock(url: str) -> Iterator[None]:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:" \
            or parsed.database.startswith("file:"):
        yield
        return
    import fcntl

    with open(f"{parsed.database}.migrate-lock", "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
