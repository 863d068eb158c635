"""`govaudit probe`: samples stored per site (SQLite and PostgreSQL), the loop, the summary, and the
7-day history judged through storage (veto at 5%, none at 4%, not_applicable at 19 a day)."""
from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from crawler.gatherers.probe import fetch
from demo.server import FixtureServer, Route, redirect
from govaudit.monitor import parse_duration
from govaudit.registry import load_registry
from reports.judge import judge_run
from reports.scheme import load_scheme
from storage import models as m
from storage.probes import _aware
from storage.session import session_scope, upgrade
from storage.vocabulary import BEIJING
from tests.conftest import run_cli


@pytest.fixture(scope="module")
def server() -> FixtureServer:
    routes = {"/": Route(body=b"<html><title>home</title></html>"), "/slow/": Route(body=b"x", delay=1.5),
              "/moved/": redirect("/"), "/wall/": Route(status=412, body=b"<script>$_ts={}</script>")}
    with FixtureServer(routes) as s:
        yield s


def _sites(tmp_path: Path, server: FixtureServer) -> Path:
    path = tmp_path / "sites.yaml"
    path.write_text(yaml.safe_dump({"sites": [
        {"id": "up", "name": "正常", "url": server.base_url + "/"},
        {"id": "slow", "name": "慢", "url": server.base_url + "/slow/"},
        {"id": "down", "name": "关闭", "url": "http://127.0.0.1:9/"},
        {"id": "moved", "name": "跳转", "url": server.base_url + "/moved/"},
    ]}, allow_unicode=True), encoding="utf-8")
    return path


def test_probe_cli_stores_one_sample_per_site(db_url: str, tmp_path: Path, server: FixtureServer) -> None:
    sites = _sites(tmp_path, server)
    proc = run_cli("probe", "--sites", str(sites), "--db", db_url, "--timeout", "1", timeout=60)
    assert proc.returncode == 0, proc.stderr
    with session_scope(db_url) as session:
        rows = {p.site_id: p for p in session.scalars(select(m.Probe))}
    assert set(rows) == {"up", "slow", "down", "moved"}
    assert rows["up"].status == 200 and rows["up"].error is None and rows["up"].dns_ms is not None
    assert rows["up"].connect_ms is not None and rows["up"].first_byte_ms is not None
    assert rows["up"].total_ms >= rows["up"].first_byte_ms
    assert rows["slow"].error == "timeout" and rows["slow"].timeout_s == 1
    assert rows["down"].error == "connect"
    assert rows["moved"].status == 200 and rows["moved"].redirects == 1 and rows["moved"].final_url == server.base_url + "/"
    summary = run_cli("probe", "--sites", str(sites), "--db", db_url, "--summary", "--as-of",
                      _aware(rows["up"].started_at).astimezone(BEIJING).date().isoformat(), env={"COLUMNS": "200"}, timeout=60)
    assert summary.returncode == 0, summary.stderr
    lines = {ln.split("│")[1].strip(): [c.strip() for c in ln.split("│")[2:-1]] for ln in summary.stdout.splitlines()
             if ln.startswith("│")}
    assert lines["down"][1:3] == ["1", "1"] and lines["down"][-1] == "connect×1"
    assert lines["up"][1:3] == ["1", "0"]
    # The 1 s probe limit is shorter than the scheme's 15 s: that timeout is not counted (未计).
    assert lines["slow"][1] == "0" and lines["slow"][-2] == "1"


def test_probe_loop_rounds(tmp_path: Path, server: FixtureServer) -> None:
    from govaudit.monitor import probe_rounds

    url = f"sqlite:///{tmp_path / 'loop.db'}"
    upgrade(url)
    sites = load_registry(_sites(tmp_path, server)).sites[:1]
    slept: list[float] = []
    rounds = probe_rounds(sites, url, 5, every_s=300, for_s=900, user_agent=None, report=lambda r: None,
                          sleep=slept.append)
    # Sleeps aim at fixed slots from the start (0, 300, 600 s); the fake sleep does not move the clock.
    assert rounds == 3 and len(slept) == 2 and 290 < slept[0] <= 300 and 590 < slept[1] <= 600
    with session_scope(url) as session:
        assert len(session.scalars(select(m.Probe)).all()) == 3


def test_usage_errors(tmp_path: Path, server: FixtureServer) -> None:
    sites = _sites(tmp_path, server)
    assert run_cli("probe", "--sites", str(sites), "--for", "1h", timeout=60).returncode == 2
    assert run_cli("probe", "--sites", str(sites), "--every", "soon", timeout=60).returncode == 2
    assert parse_duration("5m") == 300 and parse_duration("7d") == 7 * 86400 and parse_duration("90") == 90


def test_wall_flagged(server: FixtureServer) -> None:
    rec = asyncio.run(fetch(server.base_url + "/wall/", timeout_s=5))
    assert rec.status == 412 and rec.flags == ["js_challenge"]


AS_OF = date(2026, 11, 27)


def _store_history(db_url: str, site_id: str, per_day: int, failures: int) -> int:
    """A site, a finished run at AS_OF and 7 Beijing days of probes; returns the run id."""
    with session_scope(db_url) as session:
        session.add(m.Site(id=site_id, name=site_id, url=f"http://{site_id}.example.gov.cn/", config={}))
        session.flush()
        run = m.Run(site_id=site_id, as_of=AS_OF, homepage_url=f"http://{site_id}.example.gov.cn/", state="complete",
                    options={}, stats={"facts": ["pages", "links"]})
        session.add(run)
        session.flush()
        session.add(m.Page(run_id=run.id, url=run.homepage_url, crawled=True, status=200))
        n = 0
        step = timedelta(minutes=24 * 60 // per_day)
        for d in range(6, -1, -1):
            # Beijing midnight is 16:00 UTC the day before: the window must follow Beijing days.
            start = datetime.combine(AS_OF - timedelta(days=d), datetime.min.time(), BEIJING).astimezone(timezone.utc)
            for k in range(per_day):
                fail = n < failures
                session.add(m.Probe(site_id=site_id, url=run.homepage_url, started_at=start + k * step,
                                    status=None if fail else 200, error="timeout" if fail else None,
                                    total_ms=30000.0 if fail else 500.0, timeout_s=30.0, flags=[]))
                n += 1
        # Outside the window: the day after as_of, all failed.
        after = datetime.combine(AS_OF + timedelta(days=1), datetime.min.time(), BEIJING).astimezone(timezone.utc)
        session.add_all(m.Probe(site_id=site_id, url=run.homepage_url, started_at=after + timedelta(minutes=k),
                                status=None, error="connect", total_ms=1.0, timeout_s=30.0, flags=[]) for k in range(30))
        return run.id


@pytest.mark.parametrize(("per_day", "failures", "vetoed", "status"), [
    (24, 7, False, "pass"),          # 4.2 %
    (24, 9, True, "fail"),           # 5.4 %
    (19, 19, False, "not_applicable"),
])
def test_history_through_storage(db_url: str, per_day: int, failures: int, vetoed: bool, status: str) -> None:
    upgrade(db_url)
    run_id = _store_history(db_url, f"s{per_day}x{failures}", per_day, failures)
    with session_scope(db_url) as session:
        card = judge_run(session, run_id, load_scheme("national-2019"), AS_OF)
        result = session.scalar(select(m.RuleOutcome).where(m.RuleOutcome.run_id == run_id,
                                                          m.RuleOutcome.rule == "site.availability"))
        assert result.status == status, result.reason
        assert ("web.veto.unreachable" in card.veto_indicators) is vetoed  # other rules judge an empty site too
        if vetoed:
            finding = session.scalar(select(m.Finding).where(m.Finding.run_id == run_id,
                                                             m.Finding.rule == "site.availability"))
            assert finding.severity == "veto" and finding.evidence["probes"] == 168


def test_window_bounds_follow_beijing_days(db_url: str) -> None:
    """00:30 Beijing on a day is 16:30 UTC the day before: it belongs to the Beijing day (both databases)."""
    from storage.probes import load_probes, window_bounds

    upgrade(db_url)
    with session_scope(db_url) as session:
        session.add(m.Site(id="tz", name="tz", url="http://tz.example.gov.cn/", config={}))
        session.flush()
        for at in (datetime(2026, 11, 20, 16, 30, tzinfo=timezone.utc),   # 11-21 00:30 Beijing: inside
                   datetime(2026, 11, 20, 15, 30, tzinfo=timezone.utc),   # 11-20 23:30 Beijing: outside
                   datetime(2026, 11, 21, 15, 59, tzinfo=timezone.utc)):  # 11-21 23:59 Beijing: inside
            session.add(m.Probe(site_id="tz", url="http://tz.example.gov.cn/", started_at=at, timeout_s=30, flags=[]))
    with session_scope(db_url) as session:
        got = load_probes(session, "tz", *window_bounds(date(2026, 11, 21), 1))
    assert [p.local_time.strftime("%m-%d %H:%M") for p in got] == ["11-21 00:30", "11-21 23:59"]


def test_round_of_network_failures_is_flagged() -> None:
    from crawler.gatherers.probe import ProbeRecord, mark_round

    def rec(error: str | None) -> ProbeRecord:
        return ProbeRecord(site_id="s", url="http://s/", started_at=datetime.now(timezone.utc), timeout_s=30,
                           error=error, status=None if error else 200)

    down = [rec("connect"), rec("dns"), rec("timeout")]
    mark_round(down)
    assert all(r.flags == ["all_sites_failed"] for r in down)
    mixed = [rec("connect"), rec("dns"), rec(None)]
    mark_round(mixed)
    assert not any(r.flags for r in mixed)
    two = [rec("connect"), rec("connect")]  # too few sites to tell
    mark_round(two)
    assert not any(r.flags for r in two)


def test_redirect_into_private_range_refused_for_public_site(server: FixtureServer) -> None:
    # The fixture lives on loopback: allowed by default; a public site (allow_private=False) may not follow it.
    moved = server.base_url + "/moved/"
    assert asyncio.run(fetch(moved, timeout_s=5)).status == 200
    rec = asyncio.run(fetch(moved, timeout_s=5, allow_private=False))
    assert rec.error == "refused_private" and rec.redirects == 1


def test_canaries_tell_the_monitors_own_outage(tmp_path: Path, server: FixtureServer) -> None:
    """A one-site registry cannot tell its site's outage from the monitor's: canaries can. The site is
    down in both rounds; only when the canary fails too are its failures left uncounted."""
    sites = tmp_path / "one.yaml"
    sites.write_text(yaml.safe_dump({"sites": [{"id": "down", "name": "关闭", "url": "http://127.0.0.1:9/"},
                                               {"id": "up", "name": "正常", "url": server.base_url + "/"}]},
                                    allow_unicode=True), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'c.db'}"
    dead_canary, live_canary = "http://127.0.0.1:9/canary", server.base_url + "/moved/"
    offline = run_cli("probe", "--sites", str(sites), "--db", db, "--timeout", "2", "--canary", dead_canary, timeout=60)
    online = run_cli("probe", "--sites", str(sites), "--db", db, "--timeout", "2", "--canary", live_canary,
                     "--canary", dead_canary, timeout=60)  # one canary answering is enough: the monitor is online
    assert offline.returncode == 0 and online.returncode == 0, offline.stderr + online.stderr
    assert "monitor_offline" in offline.stdout and "monitor_offline" not in online.stdout
    with session_scope(db) as session:
        rows = session.scalars(select(m.Probe).order_by(m.Probe.id)).all()
    assert [(p.site_id, p.error, p.flags) for p in rows] == [
        ("down", "connect", ["monitor_offline"]), ("up", None, []),  # a sample that loaded still counts
        ("down", "connect", []), ("up", None, [])]
    assert "canaries failed too" in rows[0].error_detail
    from checks.derived.availability import measured
    from storage.probes import load_probes
    with session_scope(db) as session:
        facts = load_probes(session, "down", datetime(2000, 1, 1, tzinfo=timezone.utc), datetime(2100, 1, 1, tzinfo=timezone.utc))
    assert [measured(p, 15) for p in facts] == [False, True]
    bad = run_cli("probe", "--sites", str(sites), "--db", db, "--canary", "ftp://example.com/", timeout=60)
    assert bad.returncode == 2 and "--canary" in bad.stderr
