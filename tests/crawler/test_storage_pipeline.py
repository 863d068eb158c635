"""The storage pipeline and its writer process: batches land, and a failed write is noticed, never lost."""
from __future__ import annotations

import atexit
import gc
import multiprocessing
import os
import signal
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import pytest

from crawler import writer
from crawler.items import LinkRecord, PageRecord
from crawler.pipelines import StoragePipeline
from storage import models as m
from storage.facts import FactRow
from storage.facts.pages import LinkFact
from storage.session import session_scope, upgrade
from storage.snapshot import build_snapshot

HOME = "http://www.example.gov.cn/"


def _run(db_url: str) -> int:
    upgrade(db_url)
    with session_scope(db_url) as session:
        session.add(m.Site(id="4213000001", name="示例县人民政府", url=HOME, config={}))
        session.flush()
        run = m.Run(site_id="4213000001", as_of=date(2026, 11, 27), homepage_url=HOME, stats={})
        session.add(run)
        session.flush()
        return run.id


def _page(run_id: int, i: int) -> PageRecord:
    return PageRecord(run_id=run_id, url=f"{HOME}p{i}.html", crawled=True, status=200, content_type="text/html",
                      html=f"<html><body>第{i}页</body></html>", title=f"第{i}页", text=f"第{i}页",
                      links=[LinkRecord(f"{HOME}p{i + 1}.html", "a", "下一页"), LinkRecord(f"{HOME}logo.png", "img")])


def test_batches_are_written_in_order(db_url: str) -> None:
    run_id = _run(db_url)
    pipe = StoragePipeline(db_url, batch=3)
    for i in range(10):
        pipe.process_item(_page(run_id, i))
    pipe.close_spider()
    assert (pipe.error, pipe.written) == (None, 10)
    with session_scope(db_url) as session:
        snap = build_snapshot(session, run_id)
        assert sorted(snap.pages) == sorted(f"{HOME}p{i}.html" for i in range(10))
        assert snap.html(f"{HOME}p7.html") == "<html><body>第7页</body></html>"
        assert len(snap.links) == 20 and snap.links[:2] == [
            LinkFact(f"{HOME}p0.html", f"{HOME}p1.html", "a", "下一页"), LinkFact(f"{HOME}p0.html", f"{HOME}logo.png", "img")]


def test_a_refused_batch_is_an_error_not_an_exception(db_url: str) -> None:
    _run(db_url)
    pipe = StoragePipeline(db_url, batch=2)
    for i in range(5):  # run 999 does not exist: the foreign key refuses the first batch
        pipe.process_item(_page(999, i))
    pipe.close_spider()
    assert pipe.error and "IntegrityError" in pipe.error and pipe.written == 0
    with session_scope(db_url) as session:
        assert session.query(m.Page).count() == 0


class _Crash:
    """Unpickled in the writer process, it ends that process (as the kernel's OOM killer would)."""

    def __reduce__(self):  # noqa: ANN204
        return os._exit, (1,)


def test_a_writer_process_that_dies_with_a_batch_fails_the_run(sqlite_url: str) -> None:
    run_id = _run(sqlite_url)
    pipe = StoragePipeline(sqlite_url, batch=1)
    pipe.process_item(_page(run_id, 0))
    pipe.process_item(FactRow(run_id, _Crash()))
    pipe.process_item(_page(run_id, 1))
    for i in range(2, 5):
        pipe.process_item(_page(run_id, i))  # never raises
    pipe.close_spider()
    assert pipe.error and "BrokenProcessPool" in pipe.error
    # the next site's batches go to a new writer process
    other = StoragePipeline(sqlite_url, batch=1)
    other.process_item(_page(run_id, 9))
    other.close_spider()
    assert (other.error, other.written) == (None, 1)


def test_a_writer_process_killed_between_batches_is_replaced(sqlite_url: str) -> None:
    run_id = _run(sqlite_url)
    pipe = StoragePipeline(sqlite_url, batch=1)
    pipe.process_item(_page(run_id, 0))
    pipe._wait()
    for pid in list(writer._pool._processes):  # idle: no batch is lost
        os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    for i in range(1, 4):
        pipe.process_item(_page(run_id, i))
    pipe.close_spider()
    assert (pipe.error, pipe.written) == (None, 4)


def _probe_then_init(probe: str, crawl_pid: int) -> None:
    """The writer's initializer, after an exit handler of the test's own: registered first, it runs last."""
    atexit.register(lambda: Path(probe).write_text(f"frozen {gc.get_freeze_count() > 0}", encoding="utf-8"))
    writer._writer_process_init(crawl_pid)


def test_writer_process_exits_without_the_final_collections(tmp_path: Path) -> None:
    """The crawl waits for the writer process's exit (writer.shutdown): its heap is frozen at exit, after its
    connections were closed (storage.session.skip_exit_collections)."""
    probe = tmp_path / "probe"
    pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_probe_then_init, initargs=(str(probe), os.getpid()))
    assert pool.submit(int).result() == 0
    pool.shutdown(wait=True)
    assert probe.read_text(encoding="utf-8") == "frozen True"


def test_writer_started_with_the_crawl_serves_its_batches(sqlite_url: str) -> None:
    """writer.start() (crawl._crawl_here) spawns the writer process before the first batch, which it then takes."""
    run_id = _run(sqlite_url)
    writer.shutdown()  # a pool left by an earlier test
    writer.start()
    try:
        pool = writer._pool
        assert len(pool._processes) == 1  # spawned now, not at the first batch
        writer.start()
        assert writer._pool is pool
        pipe = StoragePipeline(sqlite_url, batch=200)
        pipe.process_item(_page(run_id, 0))
        pipe.close_spider()
        assert (pipe.error, pipe.written, writer._pool) == (None, 1, pool)
    finally:
        writer.shutdown()
    assert writer._pool is None


def test_a_writer_that_cannot_start_early_is_left_to_the_first_batch(sqlite_url: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """writer.start() never fails the crawl itself: the first batch meets the error and fails its run."""
    run_id = _run(sqlite_url)
    writer.shutdown()

    def no_process() -> None:
        raise OSError("no more processes")

    monkeypatch.setattr(writer, "_new_pool", no_process)
    writer.start()
    assert writer._pool is None
    pipe = StoragePipeline(sqlite_url, batch=200)
    pipe.process_item(_page(run_id, 0))
    pipe.close_spider()
    assert pipe.error == "OSError: no more processes"
