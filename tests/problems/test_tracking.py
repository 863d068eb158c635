"""Problems across runs on stored runs (SQLite and PostgreSQL): identity, the diff, closing only what a
complete run saw again, recurrence, claimed fixes in later audits, false positives and scores."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from reports.outputs.json import validate
from storage import models as m
from storage import problems as repo
from storage.session import session_scope
from tests.problems.builders import HOME, audit, broken, document, missing, score_of

A, B, C, D = (HOME + p for p in ("a.html", "b.html", "c.html", "d.html"))


def _states(db_url: str) -> dict[str, str]:
    with session_scope(db_url) as session:
        return {p.subject: p.state for p in session.scalars(select(m.Problem))}


def _assert_states_are_their_newest_events(db_url: str) -> None:
    with session_scope(db_url) as session:
        for p in session.scalars(select(m.Problem)):
            last = session.scalars(select(m.ProblemEvent).where(m.ProblemEvent.problem_id == p.id)
                                   .order_by(m.ProblemEvent.id.desc())).first()
            assert last is not None and last.to_state == p.state, (p.id, p.state, last and last.to_state)


def test_diff_against_the_previous_complete_run(db_url: str) -> None:
    first = audit(db_url, [broken(A), broken(B), broken(C), missing("psb")])
    second = audit(db_url, [broken(A), broken(B), broken(D), missing("psb")], pages=[A, B, C, D])
    doc = document(db_url, second)
    validate(doc)
    assert doc["diff"]["previous_run"] == first
    assert (doc["diff"]["new"], doc["diff"]["persisting"], doc["diff"]["recurring"]) == (1, 3, 0)
    assert [(x["rule"], x["subject"]) for x in doc["diff"]["fixed"]] == [("link.broken", C)]
    changes = {f["subject"]: f["problem"]["change"] for f in doc["findings"]}
    assert changes == {A: "persisting", B: "persisting", D: "new", "psb": "persisting"}
    assert {f["subject"]: f["problem"]["runs_seen"] for f in doc["findings"]}[A] == 2
    assert _states(db_url) == {A: "open", B: "open", C: "closed", D: "open", "psb": "open"}
    first_doc = document(db_url, first)  # the first run's document still says what it said
    assert first_doc["diff"] == {"previous_run": None, "new": 4, "persisting": 0, "recurring": 0, "fixed": []}
    assert {f["problem"]["runs_seen"] for f in first_doc["findings"]} == {1}
    _assert_states_are_their_newest_events(db_url)


def test_a_closed_problem_found_again_is_recurring_with_a_new_deadline(db_url: str) -> None:
    audit(db_url, [broken(A), broken(C)])
    audit(db_url, [broken(A)], pages=[A, C], as_of=date(2026, 12, 4))
    third = audit(db_url, [broken(A), broken(C)], as_of=date(2026, 12, 11))
    doc = document(db_url, third)
    assert doc["diff"]["recurring"] == 1 and doc["diff"]["persisting"] == 1 and doc["diff"]["new"] == 0
    found = {f["subject"]: f["problem"] for f in doc["findings"]}
    assert found[C]["change"] == "recurring" and found[C]["state"] == "open"
    assert found[C]["first_seen"] == "2026-11-27" and found[C]["due"] == "2026-12-18"  # 5 working days after
    assert found[A]["due"] == "2026-12-04" and found[A]["overdue"] is True  # open past its 整改时限 on 12-11
    with session_scope(db_url) as session:
        pid = found[C]["id"]
        history = [(e.from_state, e.to_state) for e in repo.get_problem(session, pid).events]
    assert history == [(None, "open"), ("open", "closed"), ("closed", "open")]
    _assert_states_are_their_newest_events(db_url)


def test_an_incomplete_run_never_closes_and_is_never_the_comparison(db_url: str) -> None:
    first = audit(db_url, [broken(A), broken(B)])
    partial = audit(db_url, [broken(A)], pages=[A, B], state="interrupted")
    assert document(db_url, partial)["diff"]["fixed"] == []
    assert _states(db_url) == {A: "open", B: "open"}
    third = audit(db_url, [broken(A)], pages=[A, B])
    doc = document(db_url, third)
    assert doc["diff"]["previous_run"] == first  # not the interrupted run
    assert [x["subject"] for x in doc["diff"]["fixed"]] == [B] and _states(db_url)[B] == "closed"


def test_a_problem_is_not_fixed_when_its_rule_was_not_judged_or_its_pages_not_seen(db_url: str) -> None:
    audit(db_url, [broken(A, page=HOME + "deep.html"), missing("psb")], pages=[A, HOME + "deep.html"])
    second = audit(db_url, [], pages=[], not_measured=("identity.missing",))
    doc = document(db_url, second)
    # the deep page and the target were not fetched this time, and identity.missing was not measured
    assert doc["diff"]["fixed"] == [] and _states(db_url) == {A: "open", "psb": "open"}
    third = audit(db_url, [], pages=[HOME + "deep.html"])
    assert {x["subject"] for x in document(db_url, third)["diff"]["fixed"]} == {A, "psb"}
    assert _states(db_url) == {A: "closed", "psb": "closed"}


def test_a_claimed_fix_a_full_audit_still_finds_fails_and_one_it_no_longer_finds_is_rectified(db_url: str) -> None:
    audit(db_url, [broken(A), broken(B)])
    with session_scope(db_url) as session:
        ids = {p.subject: p.id for p in session.scalars(select(m.Problem))}
        for subject in (A, B):
            repo.transition(session, ids[subject], "rectifying", actor="示例县", kind="rectify", evidence_url=subject)
    audit(db_url, [broken(A)], pages=[A, B])
    assert _states(db_url) == {A: "recheck_failed", B: "rectified"}
    _assert_states_are_their_newest_events(db_url)


def test_subjects_that_normalise_alike_are_one_problem(db_url: str) -> None:
    audit(db_url, [broken("http://WWW.Example.gov.cn:80/a.html#top")])
    second = audit(db_url, [broken("https://www.example.gov.cn/a.html")])
    doc = document(db_url, second)
    assert doc["diff"]["new"] == 0 and doc["diff"]["persisting"] == 1
    with session_scope(db_url) as session:
        assert session.scalar(select(m.Problem.subject_key)) == "//www.example.gov.cn/a.html"


def test_a_false_positive_leaves_the_score_and_findings_while_its_evidence_is_unchanged(db_url: str) -> None:
    first = audit(db_url, [broken(A), broken(B, page=HOME + "x.html"), missing("psb")], pages=[A, B, HOME + "x.html"])
    first_score = score_of(db_url, first)
    with session_scope(db_url) as session:
        ids = {p.subject: p.id for p in session.scalars(select(m.Problem))}
        repo.review(session, ids["psb"], "false_positive", actor="李审核", note="备案号在图片里")
        repo.review(session, ids[B], "false_positive", actor="李审核", note="内网地址，外部不可访问属正常")
    second = audit(db_url, [broken(A), broken(B, page=HOME + "x.html"), missing("psb")], pages=[A, B, HOME + "x.html"])
    assert score_of(db_url, first) == first_score  # a stored score never changes
    # identity.deduction (1) for psb and links.other_deduction (0.1) for B are no longer deducted
    assert round(score_of(db_url, second) - first_score, 2) == 1.1
    doc = document(db_url, second)
    validate(doc)
    assert [f["subject"] for f in doc["findings"]] == [A]
    assert sorted((s["subject"], s["problem"]["state"], s["review"]["by"]) for s in doc["suppressed"]) == \
        [(B, "false_positive", "李审核"), ("psb", "false_positive", "李审核")]
    assert {r["rule"]: r["status"] for r in doc["rules"]}["identity.missing"] == "pass"
    assert "误报" in {r["rule"]: r.get("reason", "") for r in doc["rules"]}["identity.missing"]
    assert doc["diff"]["persisting"] == 1 and doc["diff"]["fixed"] == []
    # B answers 500 now instead of 404: a new kind of evidence reopens it as doubtful, counted again
    third = audit(db_url, [broken(A), broken(B, page=HOME + "x.html", status=500), missing("psb")],
                  pages=[A, B, HOME + "x.html"])
    doc = document(db_url, third)
    assert _states(db_url)[B] == "doubtful" and _states(db_url)["psb"] == "false_positive"
    assert {f["subject"] for f in doc["findings"]} == {A, B} and [s["subject"] for s in doc["suppressed"]] == ["psb"]
    assert round(score_of(db_url, third) - first_score, 2) == 1.0
    _assert_states_are_their_newest_events(db_url)


def test_only_the_repository_writes_the_problem_tables() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    models = {"Problem", "ProblemEvent", "ProblemSighting", "ProblemRun"}
    bad = []
    for package in ("storage", "reports", "checks", "crawler", "govaudit", "demo"):
        for path in (root / package).rglob("*.py"):
            rel = str(path.relative_to(root))
            if rel in ("storage/problems.py", "storage/models/problem.py") or "migrations" in rel:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
                    if name in models:
                        bad.append(f"{rel}:{node.lineno} builds {name}")
                if isinstance(node, ast.Assign | ast.AugAssign):
                    for target in getattr(node, "targets", [getattr(node, "target", None)]):
                        if isinstance(target, ast.Attribute) and target.attr in ("due_on", "opened_on", "first_run_id",
                                                                                 "last_run_id", "subject_key"):
                            bad.append(f"{rel}:{node.lineno} sets .{target.attr}")
    assert not bad, "\n".join(bad)


def test_reports_show_the_diff_on_top_and_false_positives_in_the_appendix(db_url: str) -> None:
    from reports.outputs.html import render_report
    from reports.outputs.xlsx import workbook

    audit(db_url, [broken(A), broken(C), missing("psb")])
    with session_scope(db_url) as session:
        repo.review(session, session.scalar(select(m.Problem.id).where(m.Problem.subject == "psb")),
                    "false_positive", actor="李审核", note="备案号在图片里")
    second = audit(db_url, [broken(A), broken(D), missing("psb")], pages=[A, C, D])
    doc = document(db_url, second)
    html = render_report(doc)
    top, full_list = html.index("问题变化"), html.index('id="problems-h"')
    assert html.index('id="summary-h"') < top < full_list  # the diff before the full list of problems
    for section in ("新发现（1 个）", "仍存在（1 个）", "已整改（1 个）", "反复出现（0 个）"):
        assert section in html[top:full_list], section
    appendix = html.index("附录：经复核认定的误报（1 个")
    assert appendix > full_list and "备案号在图片里" in html[appendix:]
    rows = list(workbook([doc])["问题变化"].iter_rows(min_row=2, values_only=True))
    assert sorted((r[3], r[6]) for r in rows) == sorted([("仍存在", A), ("新发现", D), ("已整改", C),
                                                          ("误报（已复核）", "psb")])


def test_a_recheck_run_is_not_judged_again_as_an_audit(db_url: str, govaudit) -> None:
    from storage.runs import start_run
    from tests.problems.builders import SITE, AS_OF

    audit(db_url, [])
    run_id = start_run(db_url, SITE, AS_OF, {}, kind="recheck")
    res = govaudit("check", "--run", str(run_id), "--db", db_url)
    assert res.returncode == 2 and "recheck run" in res.output


def test_recheck_without_claims_or_site(db_url: str, govaudit, tmp_path) -> None:
    audit(db_url, [broken(A)])
    nothing = govaudit("recheck", "--site", "4213000001", "--db", db_url, "--out", str(tmp_path))
    assert nothing.returncode == 0 and "nothing to re-check" in nothing.output
    unknown = govaudit("recheck", "--site", "nope", "--db", db_url, "--out", str(tmp_path))
    assert unknown.returncode == 2 and "no such site" in unknown.output
    with session_scope(db_url) as session:
        assert session.scalar(select(m.Run.kind).where(m.Run.kind == "recheck")) is None  # no run was opened
