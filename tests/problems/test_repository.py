"""The problem repository and the `problems` / `review` commands (SQLite and PostgreSQL), and the pure
pieces: subject normalisation, evidence fingerprints, 整改时限 in working days."""
from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from reports.deadlines import due_date
from reports.tracking import fingerprint
from storage import models as m
from storage import problems as repo
from storage.problems import TRANSITIONS, subject_key
from storage.session import session_scope
from storage.vocabulary import PROBLEM_STATES
from tests.problems.builders import HOME, audit, broken, missing


@pytest.mark.parametrize(("rule", "subject", "key"), [
    ("link.broken", "http://WWW.Example.gov.cn:80/a/b.html?x=1#frag", "//www.example.gov.cn/a/b.html?x=1"),
    ("link.broken", "https://www.example.gov.cn:443/a/b.html", "//www.example.gov.cn/a/b.html"),
    ("link.broken", "http://www.example.gov.cn:8080/a", "//www.example.gov.cn:8080/a"),
    ("identity.missing", " PSB ", "psb"),
    ("newmedia.stale", "Weibo:AbC123", "weibo:AbC123"),
    ("disclosure.annual_report_missing", "2025", "2025"),
    ("identity.domain", "WWW.Example.GOV.cn", "www.example.gov.cn"),
])
def test_subject_key(rule: str, subject: str, key: str) -> None:
    assert subject_key(rule, subject) == key


def test_subjects_that_differ_stay_apart() -> None:
    assert subject_key("link.broken", "http://a.gov.cn/x") != subject_key("link.broken", "http://a.gov.cn/x/")
    assert subject_key("newmedia.stale", "weibo:Abc") != subject_key("newmedia.stale", "weibo:abc")


def test_due_date_follows_the_holiday_calendar() -> None:
    """整改时限 on the official calendar: National Day 2022 (10-01..10-07 off, Sat 10-08 and Sun 10-09 worked)."""
    assert due_date(date(2022, 9, 30), 5) == date(2022, 10, 12)
    assert due_date(date(2031, 1, 3), 1) == date(2031, 1, 6)  # a year without a notice yet: Monday to Friday


def test_due_date_counts_working_days() -> None:
    friday = date(2026, 11, 27)
    assert due_date(friday, 0) == friday
    assert due_date(friday, 1) == date(2026, 11, 30)  # the weekend does not count
    assert due_date(friday, 5) == date(2026, 12, 4)
    assert due_date(date(2026, 11, 28), 1) == date(2026, 11, 30)  # found on a Saturday
    with pytest.raises(ValueError):
        due_date(friday, -1)


def test_fingerprints_ignore_what_moves_from_run_to_run() -> None:
    base = {"status": 404, "error": None, "soft_404": None, "pages": ["a"], "pages_count": 1}
    assert fingerprint("link.broken", base) == fingerprint("link.broken", {**base, "pages": ["a", "b"],
                                                                            "pages_count": 2, "anchor": "x"})
    assert fingerprint("link.broken", base) != fingerprint("link.broken", {**base, "status": 500})
    stale = {"type": "news", "undated": False, "newest": {"title": "t", "date": "2026-01-01"}, "age_days": 40}
    assert fingerprint("column.stale", stale) == fingerprint("column.stale", {**stale, "age_days": 47,
                                                                                "days_over": 33})
    assert fingerprint("column.stale", stale) != fingerprint("column.stale", {**stale, "newest": {
        "title": "u", "date": "2026-01-09"}})
    typos = {"typos": [{"wrong": "按装", "quote": "…按装…", "path": "p[1]"}], "count": 1}
    assert fingerprint("content.typo", typos) == fingerprint("content.typo", {
        "typos": [{"wrong": "按装", "quote": "other text", "path": "p[7]"}], "count": 1})
    assert fingerprint("content.typo", typos) != fingerprint("content.typo", {"typos": [{"wrong": "帐号"}]})
    # a rule without listed keys: everything but the volatile keys
    assert fingerprint("x.unlisted", {"a": 1, "age_days": 3}) == fingerprint("x.unlisted", {"a": 1, "age_days": 9})
    assert fingerprint("x.unlisted", {"a": 1}) != fingerprint("x.unlisted", {"a": 2})


def test_every_state_has_its_transitions() -> None:
    assert set(TRANSITIONS) == {None, *PROBLEM_STATES}
    assert all(to <= set(PROBLEM_STATES) for to in TRANSITIONS.values())


def test_transitions_are_events_and_refused_ones_write_nothing(db_url: str) -> None:
    audit(db_url, [broken(HOME + "a.html")])
    with session_scope(db_url) as session:
        pid = session.scalar(select(m.Problem.id))
        repo.review(session, pid, "confirmed", actor="审核员", note="属实")
        with pytest.raises(repo.TransitionError, match="cannot become rectified"):
            repo.transition(session, pid, "rectified", actor="x", kind="recheck")
        with pytest.raises(repo.TransitionError, match="actor"):
            repo.transition(session, pid, "rectifying", actor=" ", kind="rectify")
        with pytest.raises(repo.TransitionError, match="no such problem"):
            repo.review(session, 999, "confirmed", actor="x")
    with session_scope(db_url) as session:
        record = repo.get_problem(session, pid)
        assert record.state == "confirmed"
        assert [(e.from_state, e.to_state, e.actor, e.kind) for e in record.events] == [
            (None, "open", "govaudit audit", "audit"), ("open", "confirmed", "审核员", "review")]
        assert record.events[1].note == "属实" and record.events[1].detail["fingerprint"]


def test_list_filters_and_pages(db_url: str) -> None:
    audit(db_url, [broken(HOME + "a.html"), broken(HOME + "b.html"), missing("psb"), missing("zhaocuo")])
    with session_scope(db_url) as session:
        assert repo.list_problems(session).total == 4
        assert {p.subject for p in repo.list_problems(session, rules=["identity."]).items} == {"psb", "zhaocuo"}
        assert repo.list_problems(session, rules=["identity.missing", "link.broken"]).total == 4
        page = repo.list_problems(session, limit=3, offset=2)
        assert page.total == 4 and len(page.items) == 2 and page.offset == 2
        first = repo.list_problems(session, limit=1).items[0]
        repo.review(session, first.id, "false_positive", actor="审核员")
        assert [p.id for p in repo.list_problems(session, states=["false_positive"]).items] == [first.id]
        assert repo.list_problems(session, sites=["nope"]).total == 0
        assert repo.list_problems(session, overdue_on=date(2026, 12, 4)).total == 0  # due that day
        assert repo.list_problems(session, overdue_on=date(2026, 12, 5)).total == 3  # not the false positive


def test_problems_and_review_commands(db_url: str, govaudit) -> None:
    audit(db_url, [broken(HOME + "a.html"), missing("psb")])
    res = govaudit("problems", "--db", db_url, "--format", "json", "--rule", "identity.missing", "--events",
              "--as-of", "2026-12-07")
    assert res.returncode == 0, res.stderr
    doc = json.loads(res.stdout)
    assert doc["total"] == 1 and doc["as_of"] == "2026-12-07"
    p = doc["problems"][0]
    assert (p["rule"], p["subject"], p["state"], p["runs_seen"], p["due"], p["overdue"]) == \
        ("identity.missing", "psb", "open", 1, "2026-12-04", True)
    assert p["site"]["id"] == "4213000001" and p["finding"]["message"].startswith("首页未发现")
    assert [e["to"] for e in p["events"]] == ["open"]
    ok = govaudit("review", str(p["id"]), "--as", "false_positive", "--by", "李审核", "--note", "在图片里", "--db", db_url)
    assert ok.returncode == 0, ok.stderr
    again = govaudit("review", str(p["id"]), "--as", "false_positive", "--by", "李审核", "--db", db_url)
    assert again.returncode == 2 and "cannot become false_positive" in again.output
    bad = govaudit("review", str(p["id"]), "--as", "wrong", "--by", "李审核", "--db", db_url)
    assert bad.returncode == 2
    unknown = govaudit("review", "4242", "--as", "confirmed", "--by", "李审核", "--db", db_url)
    assert unknown.returncode == 2 and "no such problem" in unknown.output
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(m.ProblemEvent)) == 3  # 2 opened + 1 review
    table = govaudit("problems", "--db", db_url, "--state", "false_positive")
    assert table.returncode == 0 and "psb" in table.stdout
    assert govaudit("problems", "--db", db_url, "--state", "nonsense").returncode == 2
