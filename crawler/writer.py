"""The one writer of crawl facts: batches of pages, bodies, links and declared facts, in a process of its own.

The item pipeline hands it the crawl's batches; post-crawl gatherers and the evidence step hand it
their facts through `store()` — nothing else in gathering writes to storage.

Writing 150,000 link rows through SQLAlchemy and the driver is Python work; in a thread of the crawl
process it took the GIL from Scrapy's reactor thread, the crawl's bottleneck, so the batches go to one
writer process (the second core) instead. One writer serves every site crawled in a process and takes
batches in the order they were handed over; each batch is one transaction. A crawl worker process
(several sites, `crawler.crawl`) is daemonic and may not start processes: there the writer is a
thread, as the workers already share out the cores. This module imports storage code and
`crawler.lifeline` only: the writer process never loads Scrapy.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import threading
import zlib
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from importlib import import_module
from typing import Any

from sqlalchemy import insert, select

from crawler.lifeline import exit_with
from storage import models as m
from storage.bounded import bound_rows
from storage.facts import FactRow, FactTable, table_of
from storage.runs import mark_gathered
from storage.session import session_scope, skip_exit_collections

PAGE_COLUMNS = tuple(c.name for c in m.Page.__table__.columns if c.name not in ("id", "url_hash"))  # url_hash: its default

# A page as the writer takes it: the values of PAGE_COLUMNS, the HTML (or None), and its links as
# (target, tag, text) tuples.
PageRow = tuple[tuple, str | None, list[tuple[str, str, str | None]]]
# The fact families a run gathered, marked with the batch: (run id, families).
Gathered = tuple[int, tuple[str, ...]]

_pool: Executor | None = None
_lock = threading.Lock()


def submit(db_url: str, pages: list[PageRow], facts: list[FactRow], gathered: Gathered | None = None) -> Future:
    """Queue one batch for the writer process; the future fails with the batch's error. A writer
    process that died (killed, out of memory) fails the batches it had; the next batch starts a new one."""
    global _pool
    with _lock:
        if _pool is None:
            _pool = _new_pool()
        try:
            return _pool.submit(write_batch, db_url, pages, facts, gathered)
        except BrokenProcessPool:
            _pool = _new_pool()
            return _pool.submit(write_batch, db_url, pages, facts, gathered)


def start() -> None:
    """Start the writer process now, not at the first batch: a fresh interpreter importing SQLAlchemy and the
    models takes ~0.5 s, which the crawl waited for at its first batch — for an incremental re-audit of a
    few pages, at the spider's close. Started with the crawl, it overlaps with Scrapy's start-up and the
    crawl (the process is spawned by the pool's first task, a no-op here). A writer that cannot start is left to
    the first batch, which then fails its run as it always did."""
    global _pool
    with _lock:
        if _pool is not None:
            return
        pool = None
        try:
            pool = _new_pool()
            pool.submit(int)
        except Exception:  # noqa: BLE001 - e.g. no process could be spawned: an early start only
            if pool is not None:
                pool.shutdown(wait=False)
            return
        _pool = pool


def store(db_url: str, facts: list[FactRow], gathered: Gathered | None = None) -> int:
    """Write facts gathered outside the crawl (post-crawl gatherers, evidence) here and now, the same way."""
    return write_batch(db_url, [], facts, gathered)


def _new_pool() -> Executor:
    if multiprocessing.current_process().daemon:
        return ThreadPoolExecutor(max_workers=1, thread_name_prefix="govaudit-storage")
    # spawn: a fresh interpreter, no inherited reactor, threads or pooled connections
    return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_writer_process_init, initargs=(os.getpid(),))


def shutdown() -> None:
    """Wait for every queued batch and end the writer process (the next batch starts a new one)."""
    global _pool
    with _lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.shutdown(wait=True)


def _writer_process_init(crawl_pid: int) -> None:
    """Ctrl-C (SIGINT) and a service stop (SIGTERM) reach the whole process group: the crawl stops,
    marks its runs interrupted and still hands over its last batch, which this process must write
    rather than die on; it ends when the crawl process shuts it down. If the crawl process itself is
    killed, the pool never says so (the child holds both ends of its queue), so a watchdog ends this
    process too, its open transaction rolled back."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    exit_with(crawl_pid)
    skip_exit_collections()  # the crawl waits for this process's exit: ~0.15 s less (storage/session.py)


def _store_bodies(session, bodies: list[tuple[int, str]]) -> None:  # noqa: ANN001
    """Content-addressed bodies (storage/models/blob.py): each distinct body once, by its SHA-256, in
    `body_blob` (kept when another run or writer stored it already), and one pointer per page."""
    if not bodies:
        return
    blobs: dict[str, bytes] = {}
    refs = []
    for page_id, html in bodies:
        data = html.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        refs.append({"page_id": page_id, "hash": digest})
        blobs.setdefault(digest, data)
    table = m.BodyBlob.__table__
    keys = list(blobs)
    known: set[str] = set()
    for at in range(0, len(keys), 500):
        known.update(session.scalars(select(table.c.hash).where(table.c.hash.in_(keys[at:at + 500]))))
    new = [{"hash": h, "size": len(d), "html_z": zlib.compress(d, 6)} for h, d in blobs.items() if h not in known]
    if new:
        dialect = session.get_bind().dialect.name
        if dialect in ("postgresql", "sqlite"):  # another writer may store the same body meanwhile
            dialect_insert = import_module(f"sqlalchemy.dialects.{dialect}").insert
            session.execute(dialect_insert(table).on_conflict_do_nothing(index_elements=["hash"]), new)
        else:
            session.execute(insert(table), new)
    session.execute(insert(m.PageBlob.__table__), refs)


def write_batch(db_url: str, pages: list[PageRow], facts: list[FactRow], gathered: Gathered | None = None) -> int:
    """Write pages (with bodies and links), then the other facts, in one transaction, and mark the fact
    families the run gathered; returns the pages written."""
    with session_scope(db_url) as session:
        if pages:
            table = m.Page.__table__
            rows = bound_rows(table, [dict(zip(PAGE_COLUMNS, values, strict=True)) for values, _, _ in pages])
            # Core inserts (not the ORM bulk path): the ORM's per-row bookkeeping was most of the write time.
            ids = session.scalars(insert(table).returning(table.c.id, sort_by_parameter_order=True), rows).all()
            _store_bodies(session, [(pid, html) for pid, (_, html, _) in zip(ids, pages, strict=True)
                                    if html is not None])
            run_at, url_at = PAGE_COLUMNS.index("run_id"), PAGE_COLUMNS.index("url")
            links = [{"run_id": values[run_at], "source": values[url_at], "target": t, "tag": g, "text": x}
                     for values, _, page_links in pages for t, g, x in page_links]
            if links:
                session.execute(insert(m.Link.__table__), bound_rows(m.Link.__table__, links))
        by_table: dict[FactTable, list[dict[str, Any]]] = {}
        for run_id, fact in facts:
            table = table_of(fact)
            by_table.setdefault(table, []).append(table.row(run_id, fact))
        for table, rows in by_table.items():
            session.execute(insert(table.model.__table__), bound_rows(table.model.__table__, rows))
        if gathered is not None:
            mark_gathered(session, *gathered)
    return len(pages)
