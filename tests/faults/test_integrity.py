"""Integrity (issue 21): the stale-run reaper, per-run commits, busy retries, serialized migrations and
hostile crawled values stored safely — each on SQLite and PostgreSQL where the database matters."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from storage import models as m
from storage.base import utcnow
from storage.jobs import ABANDONED, abandon_attempts
from storage.runs import LOST, keep_alive, reap_stale_runs, start_run, this_host
from storage.session import session_scope, upgrade
from tests.conftest import ROOT
from tests.problems.builders import AS_OF, SITE


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def _run(db_url: str, *, pid: int | None, host: str | None, beat_ago_s: float, options: dict | None = None) -> int:
    run_id = start_run(db_url, SITE, AS_OF, options or {"scheme": "national-2019"})
    with session_scope(db_url) as session:
        run = session.get(m.Run, run_id)
        run.pid, run.host, run.heartbeat_at = pid, host, utcnow() - timedelta(seconds=beat_ago_s)
    return run_id


def _state(db_url: str, run_id: int) -> tuple[str, str | None]:
    with session_scope(db_url) as session:
        run = session.get(m.Run, run_id)
        return run.state, run.error


def test_reaper_interrupts_runs_of_lost_processes_only(db_url: str) -> None:
    upgrade(db_url)
    here = this_host()
    dead_here = _run(db_url, pid=_dead_pid(), host=here, beat_ago_s=1)
    alive_here = _run(db_url, pid=os.getpid(), host=here, beat_ago_s=1)
    silent_here = _run(db_url, pid=os.getpid(), host=here, beat_ago_s=3600)  # a reused pid: no beat for an hour
    beating_elsewhere = _run(db_url, pid=1, host="other-machine", beat_ago_s=5)
    silent_elsewhere = _run(db_url, pid=1, host="other-machine", beat_ago_s=3600)
    reaped = reap_stale_runs(db_url, stale_after_s=600)
    assert sorted(reaped) == sorted([dead_here, silent_here, silent_elsewhere])
    for run_id in reaped:
        assert _state(db_url, run_id) == ("interrupted", LOST)
    for run_id in (alive_here, beating_elsewhere):
        assert _state(db_url, run_id) == ("running", None)
    assert reap_stale_runs(db_url, stale_after_s=600) == []  # nothing left to reap


def test_heartbeat_keeps_a_live_run_from_the_reaper(db_url: str) -> None:
    upgrade(db_url)
    run_id = _run(db_url, pid=os.getpid(), host=this_host(), beat_ago_s=30)
    with keep_alive(db_url, interval_s=0.1):
        time.sleep(0.6)
    with session_scope(db_url) as session:
        beat = session.get(m.Run, run_id).heartbeat_at
    beat = beat if beat.tzinfo else beat.replace(tzinfo=utcnow().tzinfo)
    assert utcnow() - beat < timedelta(seconds=5)
    assert reap_stale_runs(db_url, stale_after_s=10) == []


def test_queue_lost_attempts_go_through_the_same_interrupt(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    run_id = _run(sqlite_url, pid=os.getpid(), host=this_host(), beat_ago_s=1, options={"job": "b:4213000001"})
    assert abandon_attempts(sqlite_url, SITE["id"], "b:4213000001") == [run_id]
    assert _state(sqlite_url, run_id) == ("interrupted", ABANDONED)
    with session_scope(sqlite_url) as session:
        assert session.get(m.Run, run_id).stats["close_reason"] == "worker_lost"


def test_two_processes_migrating_a_fresh_database_both_succeed(db_url: str) -> None:
    start = time.time() + 2.0  # both start migrating at the same instant
    code = ("import sys, time; from storage.session import upgrade; "
            f"time.sleep(max(0, {start} - time.time())); upgrade(sys.argv[1])")
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], env={**os.environ, "PYTHONPATH": str(ROOT)},
                              stderr=subprocess.PIPE, text=True) for _ in range(3)]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], "\n".join(e[-1500:] for e in errors)
    upgrade(db_url)  # at head: a no-op
    with session_scope(db_url) as session:
        assert session.scalar(select(m.Run.id)) is None  # the schema is there and usable


def test_a_probe_round_waits_out_another_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite: another process holds the write lock longer than the busy timeout; the probe round is
    stored once it is released (it failed "database is locked" and was lost before)."""
    from storage.probes import store_probes
    from storage.session import dispose_engines

    monkeypatch.setenv("GOVAUDIT_SQLITE_BUSY_S", "0.3")
    monkeypatch.setenv("GOVAUDIT_BUSY_RETRY_S", "30")
    db = tmp_path / "g.db"
    url = f"sqlite:///{db}"
    dispose_engines()
    upgrade(url)
    other = sqlite3.connect(db, timeout=5, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the write lock, as a long judging transaction held it
    release = threading.Timer(2.0, lambda: other.execute("COMMIT"))
    release.start()
    try:
        site = {"id": SITE["id"], "name": SITE["name"], "url": SITE["url"], "kind": "portal", "unit": None,
                "config": SITE}
        store_probes(url, [site], [{"site_id": SITE["id"], "started_at": utcnow(), "status": 200, "url": SITE["url"],
                                    "timeout_s": 30.0}])
    finally:
        release.join()
        other.close()
    with session_scope(url) as session:
        assert session.scalar(select(m.Probe.id)) is not None
    dispose_engines()


def test_scoring_commits_per_run_so_a_probe_can_write_between_sites(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite: while the second site is scored, the first site's results are committed and the write
    lock is free — another process can store a probe round in between (one transaction for all the
    sites held it before)."""
    import govaudit.pipeline as pipeline
    from checks.base import RuleResult
    from crawler.crawl import CrawlJob
    from reports.judge import Judged
    from reports.scheme import load_scheme
    from storage.runs import finish_run

    db = tmp_path / "g.db"
    url = f"sqlite:///{db}"
    upgrade(url)
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE other_writer (x INTEGER)")  # another process's table (a probe round's)
    scheme = load_scheme("national-2019")
    runs = []
    for _ in range(2):
        run_id = start_run(url, SITE, AS_OF, {"scheme": scheme.ref})
        finish_run(url, run_id, "complete", pages=1)
        runs.append(run_id)
    results = {rule: RuleResult.of([]) for rule in scheme.rule_ids}
    audit = pipeline.Audit(sites=[], options=pipeline.AuditOptions(db_url=url, out=tmp_path, as_of=AS_OF,
                                                                   scheme=scheme), reporter=pipeline.Reporter())
    audit.jobs = [CrawlJob(site_id=SITE["id"], run_id=r, homepage=SITE["url"]) for r in runs]
    audit.judged = [Judged(r, AS_OF, scheme, results, {SITE["url"]}) for r in runs]
    real = pipeline.score_and_store
    probes: list[str] = []

    def scoring(session, judged):  # noqa: ANN001, ANN202
        if judged.run_id == runs[1]:  # between the sites: another process writes
            other = sqlite3.connect(db, timeout=0.5)
            try:
                other.execute("INSERT INTO other_writer (x) VALUES (1)")
                other.commit()
                probes.append("stored")
            except sqlite3.OperationalError as exc:
                probes.append(str(exc))
            finally:
                other.close()
        return real(session, judged)

    monkeypatch.setattr(pipeline, "score_and_store", scoring)
    pipeline.score_step(audit)
    assert probes == ["stored"]
    with session_scope(url) as session:
        assert all(session.get(m.Score, r) is not None for r in runs)


HOSTILE_CT = "application/vnd." + "x" * 146  # a 162-character media type (the part before ";" is stored)


def _noise(n: int) -> str:
    """n characters that do not compress: PostgreSQL compresses a long index entry before its size check,
    so a repetitive URL would pass where a real one fails."""
    import random
    import string

    rng = random.Random(21)
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def _long_path(base: str, path: str = "/long") -> str:
    """A path and query making the URL 3,840 characters long (above PostgreSQL's btree entry limit)."""
    return f"{path}?q=" + _noise(3840 - len(base) - len(path) - 3)


def _hostile_routes() -> dict:
    from demo.server import Route

    feed = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>" + "标" * 350
            + "</title><item><title>一条</title><link>http://127.0.0.1/x</link>"
            "<pubDate>Thu, 26 Nov 2026 08:00:00 +0800</pubDate></item></channel></rss>").encode()
    return {"/ct.html": Route(body="<html><body>类型</body></html>".encode(), content_type=HOSTILE_CT),
            "/long": Route(body="<html><body>长地址页</body></html>".encode()),
            "/feed.xml": Route(body=feed, content_type="application/rss+xml")}


@pytest.mark.slow
def test_long_crawled_values_never_fail_a_multi_site_audit(db_url: str, tmp_path: Path, cli) -> None:  # noqa: ANN001
    """A 162-character Content-Type, a 3,840-character URL and a 350-character feed title on one site of
    two: both sites complete with reports (on PostgreSQL the run, then the whole audit, failed before)."""
    from demo.server import FixtureServer, Route

    assert len(HOSTILE_CT) == 162
    hostile = FixtureServer(_hostile_routes())
    plain = FixtureServer({"/": Route(body="<html><head><title>正常站点</title></head><body>正常</body></html>"
                                      .encode())})
    with hostile, plain:
        long_url = hostile.base_url + _long_path(hostile.base_url)
        gone_url = hostile.base_url + _long_path(hostile.base_url, "/gone")  # 404: a finding about it
        assert len(long_url) == len(gone_url) == 3840
        hostile.add("/", Route(body=(f'<html><head><title>长值站点</title></head><body><a href="/ct.html">类型</a>'
                                     f'<a href="{long_url}">长地址</a><a href="{gone_url}">失效</a>'
                                     f'</body></html>').encode()))
        (tmp_path / "sites.yaml").write_text(f"""sites:
  - id: "4213000011"
    name: 长值站点
    url: "{hostile.base_url}/"
    accounts:
      - {{platform: rss, handle: "{hostile.base_url}/feed.xml", name: 订阅号}}
  - {{id: "4213000012", name: 正常站点, url: "{plain.base_url}/"}}
""", encoding="utf-8")
        res = cli("audit", "--sites", str(tmp_path / "sites.yaml"), "--db", db_url, "--out", str(tmp_path / "out"),
                  "--no-browser", "--as-of", "2026-11-27", env={"GOVAUDIT_CRAWL_WORKERS": "1"}, timeout=400)
    assert res.returncode == 0, res.stderr[-3000:]
    for site_id in ("4213000011", "4213000012"):
        doc = json.loads((tmp_path / "out" / site_id / "findings.json").read_text(encoding="utf-8"))
        assert doc["run"]["state"] == "complete", doc["run"]
        assert (tmp_path / "out" / site_id / "report.html").is_file()
    with session_scope(db_url) as session:
        pages = {p.url: p for p in session.scalars(select(m.Page))}
        ct = pages[hostile.base_url + "/ct.html"]
        assert len(ct.content_type) == 128 and ct.content_type.endswith("…")
        assert long_url in pages  # kept in full
        accounts = list(session.scalars(select(m.Account)))
        assert accounts and all(a.name is None or len(a.name) <= 255 for a in accounts)
        assert any(a.name and a.name.endswith("…") for a in accounts)
        broken = session.scalars(select(m.Finding.subject).where(m.Finding.rule == "link.broken")).all()
        assert gone_url in broken  # a finding (and its problem) about a 3,840-character URL
        assert session.scalar(select(m.Problem.id).where(m.Problem.subject == gone_url)) is not None


def test_migration_0022_backfills_the_hashes_of_stored_rows(db_url: str) -> None:
    from alembic import command
    from sqlalchemy import text

    from storage.base import text_hash
    from storage.session import alembic_config, make_engine

    command.upgrade(alembic_config(db_url), "0014")
    with make_engine(db_url).begin() as conn:
        conn.execute(text("INSERT INTO site (id, name, url, kind, config) VALUES ('s', 'S', 'http://a/', 'portal', '{}')"))
        conn.execute(text("INSERT INTO run (id, site_id, as_of, started_at, state, kind, pages, homepage_url, options, "
                          "stats) VALUES (1, 's', '2026-11-27', '2026-11-27 00:00:00', 'running', 'audit', 0, "
                          "'http://a/', '{}', '{}')"))
        conn.execute(text("INSERT INTO page (run_id, url, crawled, method, redirects, rendered, flags) "
                          "VALUES (1, 'http://a/x', true, 'GET', '[]', false, '[]')"))
        conn.execute(text("INSERT INTO finding (run_id, rule, subject, severity, message, evidence) "
                          "VALUES (1, 'link.broken', 'http://a/y', 'info', 'm', '{}')"))
    upgrade(db_url)
    with session_scope(db_url) as session:
        assert session.scalar(select(m.Page.url_hash)) == text_hash("http://a/x")
        assert session.scalar(select(m.Finding.subject_hash)) == text_hash("http://a/y")
        assert session.get(m.Run, 1).pid is None


def _long_fact(cls: type, text: str):  # noqa: ANN202
    """A fact of `cls` with every text field 3,840 characters long (other fields: a plain value)."""
    import dataclasses
    import typing
    from datetime import date, datetime, timezone

    hints = typing.get_type_hints(cls)
    plain = {int: 1, float: 1.0, bool: True, date: AS_OF, datetime: datetime(2026, 11, 27, tzinfo=timezone.utc),
             dict: {}, list: [], tuple: ()}
    values = {}
    for f in dataclasses.fields(cls):
        hint = hints[f.name]
        kinds = [a for a in (typing.get_args(hint) or (hint,)) if a is not type(None)]
        base = typing.get_origin(kinds[0]) or kinds[0]
        if base is str:
            values[f.name] = text
        elif base in plain:
            values[f.name] = plain[base]
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            values[f.name] = None
    return cls(**values)


def test_every_fact_table_stores_long_text_in_every_field(db_url: str) -> None:
    """Every declared fact table through the writer with 3,840-character text in each text field: each
    row stored (bounded where the column is, in full where it is Text) — on PostgreSQL a unique or
    indexed URL column exceeded the btree entry limit before."""
    from crawler.writer import store
    from storage.facts import TABLES, FactRow

    upgrade(db_url)
    run_id = start_run(db_url, SITE, AS_OF, {"scheme": "national-2019"})
    text = "http://www.example.gov.cn/" + _noise(3840 - 26)
    for table in TABLES.values():
        store(db_url, [FactRow(run_id, _long_fact(table.fact, text))])
    with session_scope(db_url) as session:
        for table in TABLES.values():
            row = session.scalars(select(table.model).where(table.model.run_id == run_id)).one()
            for column in table.model.__table__.columns:
                value = getattr(row, column.key, None)
                length = getattr(column.type, "length", None)
                if isinstance(value, str) and length is not None:
                    assert len(value) <= length, (table.model.__tablename__, column.name)
                elif isinstance(value, str) and column.name in table.fields:
                    assert value == text, (table.model.__tablename__, column.name)
