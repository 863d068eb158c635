"""`govaudit schedule` (issue 16's acceptance): two sites on a second-level cron served by two scheduler
processes at once (two machines) → never two runs of one site at a time; SIGTERM mid-run → the run is
interrupted, the schedulers exit 0 and release their leases; a restarted scheduler runs the next one.
And: a job missed five times during downtime runs once on restart (coalesce), not five times."""
from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from demo.portal import start_demo
from storage import models as m
from storage.session import session_scope
from storage.supervision import acquire_lease, release_lease
from tests.conftest import ROOT

AS_OF = date(2026, 11, 27)


def _registry(path: Path, portals, schedule: dict) -> Path:
    sites = [{"id": f"42130000{i:02d}", "name": f"示例县{i}", "url": p.url, "kind": "portal"} for i, p in enumerate(portals, 1)]
    path.write_text(yaml.safe_dump({"sites": sites, "schedule": {**schedule, "out": "out"}}, allow_unicode=True),
                    encoding="utf-8")
    return path


def _start(sites: Path, db_url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GOVAUDIT_SCHEDULE_BROWSER": "0", "GOVAUDIT_LOG_LEVEL": "INFO"}
    return subprocess.Popen([sys.executable, "-m", "govaudit", "schedule", "--sites", str(sites), "--db", db_url],
                            cwd=ROOT, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


def _runs(db_url: str) -> list[m.Run]:
    with session_scope(db_url) as session:
        rows = session.scalars(select(m.Run).order_by(m.Run.id)).all()
        session.expunge_all()
        return rows


def _slow_down(server, seconds: float) -> None:  # noqa: ANN001
    """Give every route of a fixture server a delay (later requests only)."""
    for table in (server._routes, server._added):
        for path, route in list(table.items()):
            table[path] = dataclasses.replace(route, delay=seconds)


def _wait(pred, timeout: float) -> bool:  # noqa: ANN001
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.5)
    return False


@pytest.mark.slow
def test_two_schedulers_never_overlap_a_site_and_stop_on_sigterm(tmp_path: Path, sqlite_url: str) -> None:
    from storage.session import upgrade

    db_url = sqlite_url
    upgrade(db_url)
    with start_demo(AS_OF) as a, start_demo(AS_OF) as b:
        sites = _registry(tmp_path / "sites.yaml", [a, b], {"audit": "*/2 * * * * *"})
        procs = [_start(sites, db_url, tmp_path / f"sched{i}.log") for i in (1, 2)]
        try:
            assert _wait(lambda: sum(r.state == "complete" for r in _runs(db_url)) >= 3, 150), \
                (tmp_path / "sched1.log").read_text()[-3000:]
            # From now on every page answers slowly, so the run in flight is still crawling when SIGTERM comes.
            for portal in (a, b):
                for server in (portal.server, portal.external):
                    _slow_down(server, 2.0)
            assert _wait(lambda: any(r.state == "running" for r in _runs(db_url)), 60)
            time.sleep(3)
            assert any(r.state == "running" for r in _runs(db_url))
            for p in procs:
                p.send_signal(signal.SIGTERM)
            codes = [p.wait(90) for p in procs]
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
        assert codes == [0, 0], (tmp_path / "sched1.log").read_text()[-3000:]
        runs = _runs(db_url)
        assert {r.site_id for r in runs} == {"4213000001", "4213000002"}
        assert "running" not in {r.state for r in runs}
        assert "interrupted" in {r.state for r in runs}
        for site in ("4213000001", "4213000002"):
            spans = sorted((r.started_at, r.finished_at) for r in runs if r.site_id == site)
            for (s1, e1), (s2, _) in zip(spans, spans[1:]):
                assert e1 is not None and e1 <= s2, f"runs of {site} overlap: {spans}"
        with session_scope(db_url) as session:
            assert session.scalars(select(m.JobLease)).all() == []
        before = len(runs)
        for portal in (a, b):
            for server in (portal.server, portal.external):
                _slow_down(server, 0.0)
        proc = _start(sites, db_url, tmp_path / "sched3.log")
        try:
            assert _wait(lambda: any(r.id > runs[-1].id and r.state == "complete" for r in _runs(db_url)), 120)
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(90) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
        assert len(_runs(db_url)) > before


def test_a_job_missed_five_times_runs_once(tmp_path: Path, sqlite_url: str) -> None:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    with start_demo(AS_OF) as a:
        sites = _registry(tmp_path / "sites.yaml", [a], {"probe": "0 * * * *"})
        proc = _start(sites, sqlite_url, tmp_path / "s1.log")
        assert _wait(lambda: _job_store_has(sqlite_url), 60)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        store = SQLAlchemyJobStore(url=sqlite_url, tablename="apscheduler_jobs")
        store.start(None, "default")
        job = store.lookup_job("probe")
        job.next_run_time = datetime.now(timezone.utc) - timedelta(hours=5, minutes=1)
        store.update_job(job)
        store.shutdown()
        proc = _start(sites, sqlite_url, tmp_path / "s2.log")
        try:
            assert _wait(lambda: _probes(sqlite_url) >= 1, 60), (tmp_path / "s2.log").read_text()[-2000:]
            time.sleep(4)
            assert _probes(sqlite_url) == 1  # five missed hourly runs, caught up once
        finally:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(60) == 0


def test_leases_exclude_other_holders_until_they_expire(sqlite_url: str) -> None:
    from storage.session import upgrade

    upgrade(sqlite_url)
    now = datetime.now(timezone.utc)
    assert acquire_lease(sqlite_url, "site:1", "machine-a", 60, now=now)
    assert not acquire_lease(sqlite_url, "site:1", "machine-b", 60, now=now + timedelta(seconds=30))
    assert acquire_lease(sqlite_url, "site:1", "machine-b", 60, now=now + timedelta(seconds=61))  # a dead holder
    assert not acquire_lease(sqlite_url, "site:1", "machine-a", 60, now=now + timedelta(seconds=62))
    release_lease(sqlite_url, "site:1", "machine-b")
    assert acquire_lease(sqlite_url, "site:1", "machine-a", 60, now=now + timedelta(seconds=63))


def test_bad_cron_is_refused_with_its_line(tmp_path: Path, cli) -> None:
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - {id: '1', name: x, url: 'http://127.0.0.1:9/'}\nschedule:\n  audit: '0 2 * *'\n",
                     encoding="utf-8")
    res = cli("schedule", "--sites", str(sites), "--db", f"sqlite:///{tmp_path / 'x.db'}")
    assert res.returncode == 2 and "sites.yaml:4" in res.stderr and "schedule.audit" in res.stderr


def _job_store_has(db_url: str) -> bool:
    from sqlalchemy import inspect

    from storage.session import make_engine

    return "apscheduler_jobs" in inspect(make_engine(db_url)).get_table_names()


def _probes(db_url: str) -> int:
    with session_scope(db_url) as session:
        return len(session.scalars(select(m.Probe)).all())
