"""`govaudit prune` (docs/history.md "Retention"): 60 nightly runs over four months thinned daily → weekly →
monthly, their rows, evidence files and orphaned page bodies gone, the database smaller — and nothing a
problem, an evaluation, a baseline or the newest complete audit references disappears (SQLite and PostgreSQL).

The runs are built through the storage layer (tests/problems/builders.py: judged, scored and tracked as an
audit does), each with pages, a body of its own and one shared with every other run, links, and screenshots
(one per run, one shared) on disk."""
from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from storage import models as m
from storage.base import Base
from storage.retention import Policy, bucket
from storage.session import make_engine, session_scope
from tests.problems import builders as b
from tests.problems.conftest import govaudit  # noqa: F401 - the in-process CLI fixture

TODAY = date(2026, 11, 27)  # a Friday
NIGHTS = [TODAY - timedelta(days=2 * i) for i in range(60)]  # every other night, 2026-08-01 … 2026-11-27
ABOUT = b.HOME + "about.html"
OPEN_LINK = b.HOME + "old/gone.html"  # broken from 08-13 on, never fixed: an open problem
FIXED_LINK = b.HOME + "tmp/fixed.html"  # broken 09-02 … 09-10, then fixed: a closed problem
SITE_B = {"id": "4213000002", "name": "示例市人民政府", "url": "http://www.example2.gov.cn/"}

# By the windows alone (daily 14, weekly 4, monthly 2 as of 2026-11-27; Mondays 11-09, 11-02, 10-26, 10-19, 10-12):
POLICY_KEPT = {
    # the last 14 days (11-14 … 11-27): one run per day
    "11-27", "11-25", "11-23", "11-21", "11-19", "11-17", "11-15",
    # the 4 weeks before (10-17 … 11-13): the newest of each ISO week
    "11-13", "11-07", "11-01", "10-24", "10-18",
    # the 2 months before (09-01 … 10-16): the newest of each month
    "10-16", "09-30",
}
# Never removed whatever the windows say (negative controls: none of them is in POLICY_KEPT):
PROTECTED = {
    "08-13": "problem",  # first seen of the open problem (August is beyond every window)
    "09-02": "problem",  # first run of the closed problem
    "09-10": "problem",  # its last run
    "10-10": "evaluation",
    "08-01": "baseline",
}


def _day(d: date) -> str:
    return d.strftime("%m-%d")


def _build(db_url: str, tmp_path: Path, monkeypatch) -> dict[str, int]:  # noqa: ANN001
    """The 60 runs of site A (as_of MM-DD → run id), with an evaluation, a baseline, problems; and site B."""
    from reports.scheme import load_scheme
    from storage.session import upgrade

    upgrade(db_url)
    scheme = load_scheme("national-2019")
    monkeypatch.setattr(b, "upgrade", lambda url: None)  # once is enough (the builder upgrades per run)
    monkeypatch.setattr(b, "load_scheme", lambda name: scheme)
    evidence = tmp_path / "out" / b.SITE["id"] / "evidence"
    evidence.mkdir(parents=True)
    (evidence / "shared.jpg").write_bytes(b"shared screenshot")  # stable name: every run shows it
    ids: dict[str, int] = {}
    for night in sorted(NIGHTS):
        findings = []
        if night >= date(2026, 8, 13):
            findings.append(b.broken(OPEN_LINK))
        if date(2026, 9, 2) <= night <= date(2026, 9, 10):
            findings.append(b.broken(FIXED_LINK))
        run_id = b.audit(db_url, findings, as_of=night)
        ids[_day(night)] = run_id
        (evidence / f"homepage-run{run_id}.jpg").write_bytes(os.urandom(200))
        with session_scope(db_url) as s:
            run = s.get(m.Run, run_id)
            run.stats = {"browser": {"evidence_dir": str(evidence),
                                     "homepage": {"screenshot": f"evidence/homepage-run{run_id}.jpg"}}}
            home = s.scalar(select(m.Page).where(m.Page.run_id == run_id, m.Page.url == b.HOME))
            about = m.Page(run_id=run_id, url=ABOUT, status=200, crawled=True)
            s.add(about)
            s.flush()
            own = f"run-{run_id}"
            s.add(m.BodyBlob(hash=own, size=20000, html_z=os.urandom(20000)))
            if s.get(m.BodyBlob, "shared") is None:
                s.add(m.BodyBlob(hash="shared", size=100, html_z=b"shared body"))
            s.flush()
            s.add_all([m.PageBlob(page_id=home.id, hash=own), m.PageBlob(page_id=about.id, hash="shared")])
            s.add_all([m.Link(run_id=run_id, source=b.HOME, target=f"{b.HOME}news/{i}.html", text="新闻" * 20)
                       for i in range(200)])
            s.add(m.EvidenceShot(run_id=run_id, url=b.HOME, path="evidence/shared.jpg", kind="page", marks=[], box=[]))
    with session_scope(db_url) as s:
        evaluation = m.Evaluation(name="2026年度", scheme="national-2019", as_of=date(2026, 10, 10))
        s.add(evaluation)
        s.flush()
        s.add(m.EvaluationUnit(evaluation_id=evaluation.id, site_id=b.SITE["id"], name=b.SITE["name"], kind="portal",
                               group="县市区", run_id=ids["10-10"]))
        s.add(m.MonitorBaseline(site_id=b.SITE["id"], url=b.HOME, title="示例", text="示例", script_hosts=[],
                                iframe_hosts=[], source_run_id=ids["08-01"], accepted_by="auto"))
    return ids


def _site_b(db_url: str) -> list[int]:
    """Site B: four runs in 2025, beyond every window; the newest is interrupted, so the one before is its
    newest complete audit."""
    from storage.runs import finish_run, start_run

    out = []
    for day, state in ((date(2025, 3, 1), "complete"), (date(2025, 3, 2), "complete"), (date(2025, 3, 3), "complete"),
                       (date(2025, 3, 4), "interrupted")):
        run_id = start_run(db_url, SITE_B, day, {})
        finish_run(db_url, run_id, state, pages=0)
        out.append(run_id)
    return out


def _run_tables() -> list:
    return [t for t in Base.metadata.sorted_tables if "run_id" in t.c and t.c["run_id"].foreign_keys]


def _rows_of(db_url: str, run_ids: set[int]) -> int:
    with session_scope(db_url) as s:
        n = sum(s.scalar(select(func.count()).select_from(t).where(t.c["run_id"].in_(run_ids))) or 0
                for t in _run_tables())
        return n + (s.scalar(select(func.count()).select_from(m.PageBlob).join(m.Page, m.Page.id == m.PageBlob.page_id)
                             .where(m.Page.run_id.in_(run_ids))) or 0)


def _size(db_url: str) -> int:
    engine = make_engine(db_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            return Path(engine.url.database).stat().st_size
        conn.execute(text("VACUUM FULL"))  # PostgreSQL reuses freed space; FULL gives it back to compare
        return conn.scalar(text("SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n "
                                "ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"))


def test_the_windows() -> None:
    policy = Policy(daily=14, weekly=4, monthly=2)
    assert bucket(TODAY, TODAY, policy) == ("day", TODAY)
    assert bucket(date(2026, 11, 14), TODAY, policy) == ("day", date(2026, 11, 14))
    assert bucket(date(2026, 11, 13), TODAY, policy) == ("week", 2026, 46)
    assert bucket(date(2026, 10, 17), TODAY, policy) == ("week", 2026, 42)
    assert bucket(date(2026, 10, 16), TODAY, policy) == ("month", 2026, 10)
    assert bucket(date(2026, 9, 1), TODAY, policy) == ("month", 2026, 9)
    assert bucket(date(2026, 8, 31), TODAY, policy) is None
    assert bucket(date(2026, 8, 31), TODAY, Policy(daily=14, weekly=4, monthly=0)) is None
    assert bucket(date(2026, 10, 16), TODAY, Policy(daily=14, weekly=4, monthly=0)) is None
    assert bucket(TODAY, TODAY, Policy(daily=0, weekly=0, monthly=1)) == ("month", 2026, 11)
    with pytest.raises(ValueError):
        Policy(daily=-1)


def test_prune_thins_sixty_nights_and_keeps_what_is_referenced(db_url: str, tmp_path: Path, govaudit,  # noqa: ANN001, F811
                                                               monkeypatch) -> None:  # noqa: ANN001
    ids = _build(db_url, tmp_path, monkeypatch)
    site_b = _site_b(db_url)
    evidence = tmp_path / "out" / b.SITE["id"] / "evidence"
    sites = tmp_path / "sites.yaml"
    sites.write_text(f"sites:\n  - {{id: '{b.SITE['id']}', name: x, url: '{b.HOME}'}}\n"
                     f"  - {{id: '{SITE_B['id']}', name: y, url: '{SITE_B['url']}'}}\n"
                     f"  - {{id: '4213000099', name: z, url: 'http://www.example3.gov.cn/'}}\n"  # not audited yet
                     "retention: {daily: 14, weekly: 4, monthly: 2}\n", encoding="utf-8")
    with session_scope(db_url) as s:
        assert {p.state for p in s.scalars(select(m.Problem))} == {"open", "closed"}
        blobs_before = s.scalar(select(func.count()).select_from(m.BodyBlob))
    assert blobs_before == 61
    # Recheck runs are never thinned.
    from storage.runs import finish_run, start_run

    recheck = start_run(db_url, b.SITE, date(2026, 9, 15), {}, kind="recheck")
    finish_run(db_url, recheck, "complete", pages=1)
    size_before = _size(db_url)

    dry = govaudit("prune", "--sites", str(sites), "--as-of", TODAY.isoformat(), "--dry-run", "--format", "json",
                   "--db", db_url)
    assert dry.returncode == 0, dry.output
    plan = json.loads(dry.stdout)
    by_day = {_day(date.fromisoformat(r["as_of"])): r for r in plan["runs"] if r["site"] == b.SITE["id"] and r["kind"] == "audit"}
    kept = {d for d, r in by_day.items() if r["keep"]}
    assert kept == POLICY_KEPT | set(PROTECTED), sorted(kept ^ (POLICY_KEPT | set(PROTECTED)))
    for day, reason in PROTECTED.items():
        assert by_day[day]["reason"] == reason, (day, by_day[day])
    assert by_day["08-03"]["reason"] == "expired" and by_day["09-28"]["reason"] == "thinned"
    gone = {ids[d] for d in by_day if d not in kept}
    assert len(gone) == 60 - 19
    b_runs = {r["run"]: r for r in plan["runs"] if r["site"] == SITE_B["id"]}
    assert [b_runs[r]["keep"] for r in site_b] == [False, False, True, False]
    assert b_runs[site_b[2]]["reason"] == "latest"
    assert set(plan["removed_runs"]) == gone | {site_b[0], site_b[1], site_b[3]}
    assert recheck not in plan["removed_runs"]
    assert sorted(plan["files"]) == sorted(str(evidence / f"homepage-run{r}.jpg") for r in gone)
    assert plan["bodies"] == len(gone)
    # a dry run changes nothing
    assert _rows_of(db_url, gone) > 0 and all((evidence / f"homepage-run{r}.jpg").exists() for r in gone)
    with session_scope(db_url) as s:
        assert s.scalar(select(func.count()).select_from(m.Run)) == 60 + 4 + 1

    res = govaudit("prune", "--sites", str(sites), "--as-of", TODAY.isoformat(), "--by", "张三", "--db", db_url)
    assert res.returncode == 0, res.output
    assert f"removed {len(gone) + 3} runs, {len(gone)} evidence files, {len(gone)} page bodies; kept 21 runs" in res.output
    assert _rows_of(db_url, gone | {site_b[0], site_b[1], site_b[3]}) == 0
    with session_scope(db_url) as s:
        left = {_day(r.as_of) for r in s.scalars(select(m.Run).where(m.Run.site_id == b.SITE["id"], m.Run.kind == "audit"))}
        assert left == POLICY_KEPT | set(PROTECTED)
        assert {r.id for r in s.scalars(select(m.Run).where(m.Run.site_id == SITE_B["id"]))} == {site_b[2]}
        assert s.get(m.Run, recheck) is not None
        # what referenced the protected runs still does
        problems = {p.subject: p for p in s.scalars(select(m.Problem))}
        assert problems[OPEN_LINK].first_run_id == ids["08-13"] and problems[OPEN_LINK].state == "open"
        assert problems[FIXED_LINK].state == "closed"
        assert s.scalar(select(m.EvaluationUnit.run_id)) == ids["10-10"]
        assert s.scalar(select(m.MonitorBaseline.source_run_id)) == ids["08-01"]
        # bodies: each removed run's own went, the kept runs' and the shared one stayed
        hashes = set(s.scalars(select(m.BodyBlob.hash)))
        assert hashes == {f"run-{ids[d]}" for d in left} | {"shared"}
        assert s.scalar(select(func.count()).select_from(m.PageBlob)) == 2 * len(left)
        log = s.scalars(select(m.AuditLog).where(m.AuditLog.action == "runs.prune")).all()
        assert len(log) == 1 and log[0].actor == "张三" and sorted(log[0].detail["runs"]) == sorted(plan["removed_runs"])
    assert not any((evidence / f"homepage-run{r}.jpg").exists() for r in gone)
    assert all((evidence / f"homepage-run{ids[d]}.jpg").exists() for d in left)
    assert (evidence / "shared.jpg").exists()  # still named by the kept runs
    size_after = _size(db_url)
    assert size_before - size_after >= len(gone) * 20000, (size_before, size_after)  # at least the bodies removed

    # The kept runs still read: their problems list and history.
    hist = govaudit("history", "--site", b.SITE["id"], "--format", "json", "--db", db_url)
    assert hist.returncode == 0 and len(json.loads(hist.stdout)["runs"]) == len(left) + 1
    probs = govaudit("problems", "--site", b.SITE["id"], "--format", "json", "--db", db_url)
    assert probs.returncode == 0, probs.output

    # Pruning again with the same windows removes nothing.
    again = govaudit("prune", "--sites", str(sites), "--as-of", TODAY.isoformat(), "--db", db_url)
    assert again.returncode == 0 and "removed 0 runs, 0 evidence files, 0 page bodies" in again.output


def test_prune_defers_body_collection_while_a_run_is_running(sqlite_url: str, govaudit) -> None:  # noqa: ANN001, F811
    from storage.runs import start_run

    old = b.audit(sqlite_url, [], as_of=TODAY - timedelta(days=900))
    b.audit(sqlite_url, [], as_of=TODAY - timedelta(days=1))
    with session_scope(sqlite_url) as s:
        s.add(m.BodyBlob(hash="orphan", size=1, html_z=b"x"))
    running = start_run(sqlite_url, b.SITE, TODAY, {})
    res = govaudit("prune", "--as-of", TODAY.isoformat(), "--db", sqlite_url)
    assert res.returncode == 0, res.output
    assert "removed 1 runs" in res.output and f"run {running} is running" in res.output
    with session_scope(sqlite_url) as s:
        assert s.get(m.Run, old) is None and s.get(m.Run, running) is not None
        assert s.get(m.BodyBlob, "orphan") is not None


def test_bad_usage_exits_2(sqlite_url: str, govaudit) -> None:  # noqa: ANN001, F811
    assert govaudit("prune", "--daily", "-1", "--db", sqlite_url).returncode == 2
    assert govaudit("prune", "--site", "nope", "--db", sqlite_url).returncode == 2
    assert govaudit("prune", "--format", "xml", "--db", sqlite_url).returncode == 2


def test_prune_of_one_site_leaves_the_others(sqlite_url: str, govaudit) -> None:  # noqa: ANN001, F811
    from storage.runs import finish_run, start_run

    old = b.audit(sqlite_url, [], as_of=TODAY - timedelta(days=900))
    b.audit(sqlite_url, [], as_of=TODAY - timedelta(days=1))
    others = []
    for days in (901, 900):
        run_id = start_run(sqlite_url, SITE_B, TODAY - timedelta(days=days), {})
        finish_run(sqlite_url, run_id, "complete", pages=0)
        others.append(run_id)
    res = govaudit("prune", "--site", b.SITE["id"], "--as-of", TODAY.isoformat(), "--db", sqlite_url)
    assert res.returncode == 0 and "removed 1 runs" in res.output, res.output
    with session_scope(sqlite_url) as s:
        assert s.get(m.Run, old) is None
        assert [r for r in others if s.get(m.Run, r) is not None] == others
