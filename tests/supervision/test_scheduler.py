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
            slowed = max(r.id for r in _runs(db_url))  # runs after this one start on the slowed sites
            assert _wait(lambda: any(r.state == "running" and r.id > slowed for r in _runs(db_url)), 90)
            time.sleep(1)
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


def test_leases_exclude_other_holders_until_they_expire(db_url: str) -> None:
    from storage.session import upgrade

    upgrade(db_url)
    now = datetime.now(timezone.utc)
    assert acquire_lease(db_url, "site:1", "machine-a", 60, now=now)
    assert not acquire_lease(db_url, "site:1", "machine-b", 60, now=now + timedelta(seconds=30))
    assert acquire_lease(db_url, "site:1", "machine-b", 60, now=now + timedelta(seconds=61))  # a dead holder
    assert not acquire_lease(db_url, "site:1", "machine-a", 60, now=now + timedelta(seconds=62))
    release_lease(db_url, "site:1", "machine-b")
    assert acquire_lease(db_url, "site:1", "machine-a", 60, now=now + timedelta(seconds=63))


@pytest.mark.postgres
def test_a_lease_raced_by_many_holders_has_one_winner_on_postgres(pg_url: str) -> None:
    """Eight holders (threads with their own connections, as processes on machines would be) start at the
    same instant: on a new lease (the INSERT race) and on an expired one (the UPDATE race) exactly one wins."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from storage.session import upgrade

    upgrade(pg_url)
    holders = [f"machine-{i}" for i in range(8)]
    for round_ in range(10):
        name = f"site:{round_}"
        for attempt, now in enumerate((datetime.now(timezone.utc), datetime.now(timezone.utc) + timedelta(seconds=120))):
            barrier = threading.Barrier(len(holders))

            def take(holder: str, now=now, name=name, barrier=barrier) -> bool:  # noqa: ANN001
                barrier.wait()
                return acquire_lease(pg_url, name, holder, 60, now=now)

            with ThreadPoolExecutor(len(holders)) as pool:
                won = list(pool.map(take, holders))
            assert sum(won) == 1, (round_, attempt, won)


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


def _tiny_site(broken: bool = True):  # noqa: ANN202 - a started FixtureServer
    """A two-page site on loopback: a homepage linking to /a.html and /gone.html (404 unless fixed)."""
    from demo.server import FixtureServer, Route

    home = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>示例县人民政府</title></head><body>"
            "<a href='/a.html'>通知公告</a> <a href='/gone.html'>旧栏目</a></body></html>").encode("utf-8")
    page = "<html><head><meta charset='utf-8'><title>通知</title></head><body>通知公告</body></html>".encode("utf-8")
    routes = {"/": Route(body=home), "/a.html": Route(body=page)}
    if not broken:
        routes["/gone.html"] = Route(body=page)
    return FixtureServer(routes).start()


@pytest.mark.slow
@pytest.mark.postgres
def test_two_schedulers_on_one_postgresql_never_overlap_a_site(tmp_path: Path, pg_url: str) -> None:
    """The lease and APScheduler's job store on PostgreSQL: two scheduler processes (two machines) share one
    database and a second-level cron; the site's runs never overlap, the other one skips its turns."""
    from storage.session import upgrade

    upgrade(pg_url)
    server = _tiny_site()
    try:
        sites = tmp_path / "sites.yaml"
        sites.write_text(yaml.safe_dump({"sites": [{"id": "4213000001", "name": "示例县", "url": server.base_url + "/",
                                                    "kind": "portal"}],
                                         "schedule": {"audit": "*/2 * * * * *", "out": "out"}}, allow_unicode=True),
                         encoding="utf-8")
        procs = [_start(sites, pg_url, tmp_path / f"sched{i}.log") for i in (1, 2)]
        try:
            assert _wait(lambda: sum(r.state == "complete" for r in _runs(pg_url)) >= 2, 150), \
                (tmp_path / "sched1.log").read_text()[-3000:]
            for p in procs:
                p.send_signal(signal.SIGTERM)
            codes = [p.wait(90) for p in procs]
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
    finally:
        server.stop()
    logs = [(tmp_path / f"sched{i}.log").read_text() for i in (1, 2)]
    assert codes == [0, 0], logs[0][-3000:]
    assert sum("skipped: site:4213000001 is held by another process" in text for text in logs) >= 1, logs
    runs = _runs(pg_url)
    assert "running" not in {r.state for r in runs}
    spans = sorted((r.started_at, r.finished_at) for r in runs)
    for (s1, e1), (s2, _) in zip(spans, spans[1:]):
        assert e1 is not None and e1 <= s2, f"runs overlap: {spans}"
    with session_scope(pg_url) as session:
        assert session.scalars(select(m.JobLease)).all() == []
        assert {j for j in session.execute(select(m.Run.site_id)).scalars()} == {"4213000001"}
    assert _job_store_has(pg_url)


@pytest.mark.slow
@pytest.mark.parametrize("store", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_scheduled_recheck_and_bulletin_run(tmp_path: Path, store: str, request: pytest.FixtureRequest,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A `schedule:` block with `recheck` and `bulletin` crons: the re-check job re-checks the claimed fix (a
    run of kind recheck, a recheck event, the problem rectified), the bulletin job writes 通报.xlsx and .docx."""
    from docx import Document
    from openpyxl import load_workbook

    from storage.problems import transition
    from storage.vocabulary import beijing_today
    from tests.problems import builders as b

    db_url = request.getfixturevalue("sqlite_url" if store == "sqlite" else "pg_url")
    server = _tiny_site(broken=False)  # the unit fixed /gone.html
    try:
        home = server.base_url + "/"
        site = {"id": "4213000001", "name": "示例县人民政府", "url": home, "kind": "portal"}
        monkeypatch.setattr(b, "SITE", site)
        monkeypatch.setattr(b, "HOME", home)
        b.audit(db_url, [b.broken(home + "gone.html", page=home)], as_of=beijing_today() - timedelta(days=1))
        with session_scope(db_url) as session:
            problem = session.scalars(select(m.Problem)).one()
            transition(session, problem.id, "rectifying", actor="示例县政府办", kind="rectify", note="已删除失效链接")
            problem_id = problem.id
        sites = tmp_path / "sites.yaml"
        sites.write_text(yaml.safe_dump({"sites": [site], "schedule": {"recheck": "*/2 * * * * *",
                                                                       "bulletin": "*/2 * * * * *", "out": "out"}},
                                        allow_unicode=True), encoding="utf-8")
        proc = _start(sites, db_url, tmp_path / "sched.log")
        bulletins = tmp_path / "out" / "bulletin"
        try:
            def done() -> bool:
                with session_scope(db_url) as session:
                    rechecked = session.scalars(select(m.ProblemEvent).where(
                        m.ProblemEvent.problem_id == problem_id, m.ProblemEvent.kind == "recheck")).all()
                return bool(rechecked) and any(bulletins.glob("*/通报.docx")) and any(bulletins.glob("*/通报.xlsx"))

            assert _wait(done, 120), (tmp_path / "sched.log").read_text()[-3000:]
            time.sleep(1)  # let a bulletin job in flight finish its files
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(90) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
    finally:
        server.stop()
    with session_scope(db_url) as session:
        assert session.get(m.Problem, problem_id).state == "rectified"
        rechecks = session.scalars(select(m.Run).where(m.Run.kind == "recheck")).all()
        assert [r.state for r in rechecks] == ["complete"]  # later turns: nothing left to re-check
        assert session.scalars(select(m.JobLease)).all() == []
    folder = next(bulletins.glob("*/通报.xlsx")).parent
    end = beijing_today() - timedelta(days=1)
    assert folder.name == f"{end - timedelta(days=90):%Y%m%d}-{end:%Y%m%d}"
    book = load_workbook(folder / "通报.xlsx")
    assert "问题网站名单" in book.sheetnames
    cells = {str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None}
    assert "4213000001" in cells
    doc = Document(str(folder / "通报.docx"))
    assert doc.tables and any("示例县人民政府" in cell.text for t in doc.tables for row in t.rows for cell in row.cells)


def test_scheduled_prune_thins_with_the_registry_windows(tmp_path: Path, sqlite_url: str) -> None:
    """`schedule: {prune: CRON}` runs govaudit prune with the `retention:` block: a run older than every
    window goes, the newest complete audit stays, the audit log names the scheduler."""
    from storage.vocabulary import beijing_today
    from tests.problems import builders as b

    old = b.audit(sqlite_url, [], as_of=beijing_today() - timedelta(days=40))
    new = b.audit(sqlite_url, [], as_of=beijing_today() - timedelta(days=1))
    sites = tmp_path / "sites.yaml"
    sites.write_text(yaml.safe_dump({"sites": [b.SITE], "schedule": {"prune": "*/2 * * * * *", "out": "out"},
                                     "retention": {"daily": 7, "weekly": 2, "monthly": 0}}, allow_unicode=True),
                     encoding="utf-8")
    proc = _start(sites, sqlite_url, tmp_path / "sched.log")
    try:
        assert _wait(lambda: [r.id for r in _runs(sqlite_url)] == [new], 60), (tmp_path / "sched.log").read_text()[-3000:]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    with session_scope(sqlite_url) as session:
        entries = session.scalars(select(m.AuditLog).where(m.AuditLog.action == "runs.prune")).all()
        assert entries and entries[0].actor == "schedule" and entries[0].detail["runs"] == [old]
