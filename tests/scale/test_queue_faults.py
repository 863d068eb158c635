"""Distributed audits under faults (docs/scale.md): a worker SIGKILLed mid-site, Redis restarted mid-run,
PostgreSQL unreachable. Workers are real `govaudit worker` processes on one queue and one PostgreSQL."""
from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

from storage import models as m
from storage.jobs import ABANDONED
from bench.queue_fixtures import Relay, RedisServer, Sites, queue_url, start_audit, start_worker, stop, until

pytestmark = [pytest.mark.slow, pytest.mark.postgres, pytest.mark.redis, pytest.mark.timeout(600)]


def _queue(url: str):  # noqa: ANN202
    from govaudit.distributed import Queue

    return Queue(url)


def _runs(db_url: str) -> list[m.Run]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(m.Run.__table__).order_by(m.Run.id)))
    finally:
        engine.dispose()


def _scalar(db_url: str, stmt):  # noqa: ANN001, ANN202
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return conn.execute(stmt).scalar()
    finally:
        engine.dispose()


def _broken(db_url: str, run_id: int) -> list[str]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(m.Finding.subject).where(m.Finding.run_id == run_id,
                                                                    m.Finding.rule == "link.broken")).scalars())
    finally:
        engine.dispose()


def _pages(db_url: str) -> int:
    """Page rows stored so far (0 while the submitter is still creating the schema)."""
    from sqlalchemy.exc import ProgrammingError

    try:
        return _scalar(db_url, select(func.count()).select_from(m.Page.__table__))
    except ProgrammingError:
        return 0


def _batch_status(proc_stderr_batch: str, url: str) -> dict:
    return _queue(url).statuses(proc_stderr_batch)


def _batch_of(db_url: str) -> str | None:
    runs = _runs(db_url)
    return runs[0].options["job"].rsplit(":", 1)[0] if runs else None


def test_a_killed_worker_s_job_is_redelivered_and_completed_by_the_other(tmp_path: Path, pg_url: str,
                                                                          redis_url: str) -> None:
    sites = Sites(tmp_path, count=1, pages=1500, missing=12)
    url = queue_url()
    a = start_worker(url, pg_url, tmp_path, "a")
    b = None
    audit = start_audit(sites.yaml, url, pg_url, tmp_path / "out")
    try:
        # Worker a alone takes the job; once it has stored pages it is killed mid-site.
        until(lambda: _pages(pg_url) >= 200, 120,
              "worker a to store pages")
        b = start_worker(url, pg_url, tmp_path, "b")
        first = _runs(pg_url)[0]
        assert first.state == "running"
        a.send_signal(signal.SIGKILL)
        a.wait()
        out, err = audit.communicate(timeout=400)
        assert audit.returncode == 0, err + (tmp_path / "b.log").read_text()
        runs = _runs(pg_url)
        assert [r.state for r in runs] == ["interrupted", "complete"], [(r.id, r.state, r.error) for r in runs]
        assert runs[0].id == first.id and runs[0].error == ABANDONED
        assert runs[0].options["job"] == runs[1].options["job"]
        status = _batch_status(_batch_of(pg_url), url)["site00"]
        assert status["state"] == "done" and status["run"] == runs[1].id and status["abandoned"] == [first.id]
        assert status["worker"].endswith(f":{b.pid}")  # completed by the other worker
        # Findings: none on the lost attempt, every planted broken link once on the complete run.
        assert _scalar(pg_url, select(func.count()).select_from(m.Finding.__table__)
                       .where(m.Finding.run_id == first.id)) == 0
        broken = _broken(pg_url, runs[1].id)
        assert sorted(broken) == sorted(set(broken)) and set(broken) == sites.missing["site00"]
        # The summary the submitter wrote names the completed run.
        summary = json.loads((tmp_path / "out" / "summary.json").read_text(encoding="utf-8"))
        assert summary["generated_from"] == [runs[1].id]
    finally:
        for p in (a, b, audit):
            if p is not None:
                stop(p)
        sites.stop()


def test_workers_reconnect_after_redis_restarts_mid_run(tmp_path: Path, pg_url: str) -> None:
    redis = RedisServer(tmp_path).start()
    sites = Sites(tmp_path, count=2, pages=900, missing=5)
    url = queue_url(port=redis.port, db=0)
    workers = [start_worker(url, pg_url, tmp_path, name) for name in ("a", "b")]
    audit = start_audit(sites.yaml, url, pg_url, tmp_path / "out")
    try:
        until(lambda: _pages(pg_url) >= 200, 120,
              "pages stored")
        redis.kill()
        until(lambda: _pages(pg_url) >= 400, 60,
              "the crawl to go on without Redis")
        redis.start()  # same port, same append-only file
        out, err = audit.communicate(timeout=400)
        assert audit.returncode == 0, err + "".join((tmp_path / f"{n}.log").read_text() for n in "ab")
        runs = _runs(pg_url)
        assert sorted(r.state for r in runs) == ["complete", "complete"], [(r.id, r.state, r.error) for r in runs]
        assert sorted(r.site_id for r in runs) == sites.ids
        assert all(w.poll() is None for w in workers)  # the workers lived through it
    finally:
        for p in (*workers, audit):
            stop(p)
        redis.kill()
        sites.stop()


def test_an_unreachable_database_fails_the_job_cleanly_and_it_is_retried(tmp_path: Path, pg_url: str,
                                                                           redis_url: str) -> None:
    sites = Sites(tmp_path, count=1, pages=200, missing=3)
    url = queue_url()
    relay = Relay()  # the workers' way to PostgreSQL, closed for now
    via_relay = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{relay.port}")
    worker = start_worker(url, via_relay, tmp_path, "a")
    audit = start_audit(sites.yaml, url, pg_url, tmp_path / "out")
    try:
        q = _queue(url)

        def failed_once() -> dict | None:
            batches = [k.decode() for k in q.redis.keys(q.key("batch", "*"))]
            status = q.statuses(batches[0].rsplit(":", 1)[1]).get("site00", {}) if batches else {}
            return status if status.get("state") == "retrying" else None

        status = until(failed_once, 120, "a failed attempt")
        assert "JobFailed" in status["error"] and "connection" in status["error"].lower(), status
        assert _runs(pg_url) == []  # nothing half-written
        relay.open()
        out, err = audit.communicate(timeout=300)
        assert audit.returncode == 0, err + (tmp_path / "a.log").read_text()
        runs = _runs(pg_url)
        assert [r.state for r in runs] == ["complete"]
        final = _batch_status(runs[0].options["job"].rsplit(":", 1)[0], url)["site00"]
        assert final["state"] == "done" and final["attempt"] >= 2
    finally:
        stop(worker)
        stop(audit)
        relay.close()
        sites.stop()
