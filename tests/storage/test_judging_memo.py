"""Judging reuses a rule's result when what the rule read is unchanged (storage/memo.py), and only then:
a changed page, a new day for rules that read `as_of`, carried link checks, other parameters or other
code make the rule run again — each with a planted defect the kept result would miss (negative controls)."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import func, select

from crawler.writer import PAGE_COLUMNS, write_batch
from reports.judge import judge_stored, score_and_store
from reports.scheme import load_scheme
from storage import memo as memo_module
from storage import models as m
from storage.reads import Reading
from storage.reuse import carry
from storage.runs import finish_run, start_run
from storage.session import session_scope, upgrade

SITE = {"id": "s1", "name": "示例", "url": "http://www.example.gov.cn/"}
BASE = "http://www.example.gov.cn/"
DAY = date(2026, 12, 1)
TYPO = "再接再励"  # checks/data/typos.yaml: wrong in every context
DATED = "content.typo"  # reads pages only
AS_OF_RULE = "site.availability"  # reads as_of (the probe window ends on it)


def _row(run_id: int, url: str, html: str | None, *, crawled: bool = True, status: int = 200, depth: int | None = 1,
         links: tuple = (), flags: tuple = ()) -> tuple:
    values = {c: None for c in PAGE_COLUMNS} | {
        "run_id": run_id, "url": url, "crawled": crawled, "method": "GET", "status": status, "depth": depth,
        "redirects": [], "flags": list(flags), "rendered": False, "content_type": "text/html",
        "content_hash": None if html is None else str(hash(html)), "elapsed_ms": 120.0}
    return tuple(values[c] for c in PAGE_COLUMNS), html if crawled else None, [(t, "a", "链接") for t in links]


def _pages(run_id: int, page2: str = "<html><body><p>工作动态</p></body></html>") -> list[tuple]:
    return [
        _row(run_id, BASE, "<html><head><title>示例政府</title></head><body><a href='p1.html'>a</a></body></html>",
             depth=0, links=(f"{BASE}p1.html", f"{BASE}p2.html", "http://other.example/gone", "http://other.example/ok")),
        _row(run_id, f"{BASE}p1.html", "<html><body><p>政务公开</p></body></html>", links=(f"{BASE}p2.html",)),
        _row(run_id, f"{BASE}p2.html", page2),
        _row(run_id, "http://other.example/gone", None, crawled=False, status=404, depth=None),
        _row(run_id, "http://other.example/ok", None, crawled=False, status=200, depth=None),
    ]


def _run(db_url: str, rows=_pages, *args) -> int:  # noqa: ANN001
    run = start_run(db_url, SITE, DAY, {})
    write_batch(db_url, rows(run, *args), [])
    finish_run(db_url, run, "complete", pages=5)
    return run


def _judge(db_url: str, run_id: int, scheme=None, as_of: date = DAY, reuse: bool = True):  # noqa: ANN001, ANN202
    scheme = scheme or load_scheme("national-2019")
    with session_scope(db_url) as session:
        judged = judge_stored(session, run_id, scheme, as_of, reuse=reuse)
        score_and_store(session, judged)
    return judged


def _outcome(judged) -> dict:  # noqa: ANN001
    return {rule: (str(r.status), r.reason, sorted((f.subject, f.message, repr(sorted(f.evidence.items())))
                                                    for f in r.findings))
            for rule, r in judged.results.items()}


def test_an_unchanged_run_reuses_what_did_not_change_and_equals_judging_afresh(db_url: str) -> None:
    upgrade(db_url)
    first = _judge(db_url, _run(db_url))
    assert first.memo.reused == []  # nothing kept yet
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(m.RuleMemo)) == len(first.memo.kept) > 0
    second_run = _run(db_url)
    second = _judge(db_url, second_run)
    assert DATED in second.memo.reused and AS_OF_RULE in second.memo.reused
    # a reused result is the result: the same as judging every rule afresh
    afresh = _judge(db_url, second_run, reuse=False)
    assert afresh.memo.reused == []
    assert _outcome(second) == _outcome(afresh)
    with session_scope(db_url) as session:
        run = session.get(m.Run, second_run)
        assert run.stats["judging"]["reused"] == []  # the last judging (afresh) is what the run says
        assert run.stats["judging"]["rules"] == len(afresh.results)


def test_a_changed_page_is_judged_again(db_url: str) -> None:
    upgrade(db_url)
    _judge(db_url, _run(db_url))
    typo_page = f"<html><body><p>我们要{TYPO}，做好工作</p></body></html>"
    judged = _judge(db_url, _run(db_url, _pages, typo_page))
    assert DATED not in judged.memo.reused
    assert [f.subject for f in judged.results[DATED].findings] == [f"{BASE}p2.html"]
    # negative control: the page set back, the rule runs again and the finding is gone
    back = _judge(db_url, _run(db_url))
    assert DATED not in back.memo.reused and back.results[DATED].findings == []


def test_a_new_day_judges_again_the_rules_that_read_as_of_only(db_url: str) -> None:
    upgrade(db_url)
    _judge(db_url, _run(db_url))
    later = _judge(db_url, _run(db_url), as_of=date(2026, 12, 20))
    assert AS_OF_RULE not in later.memo.reused
    assert DATED in later.memo.reused
    fresh = _judge(db_url, _run(db_url), as_of=date(2026, 12, 20), reuse=False)
    assert _outcome(later) == _outcome(fresh)


def test_other_parameters_or_other_code_judge_everything_again(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    upgrade(db_url)
    scheme = load_scheme("national-2019")
    _judge(db_url, _run(db_url), scheme)
    other = dataclasses.replace(scheme, params={**scheme.params, "homepage.max_age_days": 3})
    assert _judge(db_url, _run(db_url), other).memo.reused == []
    assert _judge(db_url, _run(db_url), other).memo.reused  # and with those kept, reused again
    monkeypatch.setattr(memo_module, "code_digest", lambda: "a newer govaudit")
    assert _judge(db_url, _run(db_url), other).memo.reused == []


def _carried(db_url: str, first_run: int, target: str) -> int:
    """A re-audit of `first_run`: the homepage fetched again, the rest carried, `target`'s check carried."""
    second_run = start_run(db_url, SITE, DAY, {})
    write_batch(db_url, [_pages(second_run)[0]], [])
    with session_scope(db_url) as session:
        carry(session, first_run, second_run, (), checks={target: date(2026, 11, 28)}, today=DAY)
    finish_run(db_url, second_run, "complete", pages=5)
    return second_run


def test_a_carried_broken_link_check_is_an_input_of_link_broken(db_url: str) -> None:
    """The carried check shows in link.broken's evidence: a kept result without it is not reused."""
    upgrade(db_url)
    first_run = _run(db_url)
    _judge(db_url, first_run)
    judged = _judge(db_url, _carried(db_url, first_run, "http://other.example/gone"))
    assert "link.broken" not in judged.memo.reused
    [finding] = judged.results["link.broken"].findings
    assert finding.evidence["carried_over"] == {"checked_on": "2026-11-28"}
    assert DATED in judged.memo.reused  # the pages (carry marks aside) are the same


def test_a_carried_healthy_link_check_changes_no_evidence_and_link_broken_is_reused(db_url: str) -> None:
    upgrade(db_url)
    first_run = _run(db_url)
    _judge(db_url, first_run)
    second_run = _carried(db_url, first_run, "http://other.example/ok")
    judged = _judge(db_url, second_run)
    assert "link.broken" in judged.memo.reused
    assert _outcome(judged) == _outcome(_judge(db_url, second_run, reuse=False))


def test_judging_a_run_again_keeps_its_kept_results(db_url: str) -> None:
    upgrade(db_url)
    run = _run(db_url)
    kept = len(_judge(db_url, run).memo.kept)
    again = _judge(db_url, run)
    assert DATED in again.memo.reused
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(m.RuleMemo).where(m.RuleMemo.run_id == run)) == kept


def test_a_rule_may_not_write_on_the_snapshot_and_unknown_reads_are_not_kept() -> None:
    reads: set[str] = set()
    view = Reading(type("S", (), {"pages": {}, "odd": 1})(), reads)
    assert view.pages == {} and reads == {"pages"}
    with pytest.raises(AttributeError, match="rules are pure"):
        view.pages = {}
    memo = memo_module.JudgingMemo(None, 1, "s1", {})  # type: ignore[arg-type]
    assert memo.members({"pages", "homepage"}) == ["facts", "homepage_url", "pages", "run_state"]
    assert memo.members({"pages", "odd"}) is None  # nothing the memo can digest: the rule is not kept


def test_the_links_digest_of_a_run_over_its_base_equals_hashing_every_link(db_url: str) -> None:
    """A re-audit's links digest is its own rows' plus the base's kept sum less the rows it hides."""
    from storage.snapshot import build_snapshot

    upgrade(db_url)
    first_run = _run(db_url)
    _judge(db_url, first_run)
    with session_scope(db_url) as session:
        assert memo_module.LINKS_DIGEST in session.get(m.Run, first_run).stats
    second_run = start_run(db_url, SITE, DAY, {})
    home = _row(second_run, BASE, "<html><body>新首页</body></html>", depth=0, links=(f"{BASE}p1.html", f"{BASE}new.html"))
    write_batch(db_url, [home], [])
    with session_scope(db_url) as session:
        carry(session, first_run, second_run, (), checks={}, today=DAY)
    with session_scope(db_url) as session:
        snap = build_snapshot(session, second_run, DAY, digests=True)
        memo = memo_module.JudgingMemo(session, second_run, "s1", {})
        assert memo.digest(snap, "links") == f"{memo_module._link_sum(list(snap.links)):032x}"
        assert [(ln.source, ln.target) for ln in snap.links] == [
            (BASE, f"{BASE}p1.html"), (BASE, f"{BASE}new.html"), (f"{BASE}p1.html", f"{BASE}p2.html")]
