"""The one wrapper around rules (checks/runner.py): missing facts, exceptions, whole-site rules, one finding
per subject — on rules written here, so the wrapper is tested apart from any shipped rule."""
from __future__ import annotations

from datetime import date

from checks.base import Finding, Params, Rule, RuleResult, Status
from checks.registry import RegisteredRule
from checks.runner import run_rules
from storage.facts.pages import PageFact, SiteFact
from storage.snapshot import Snapshot, snapshot_from

HOME = "https://www.example.gov.cn/"


def _snap(state: str = "complete", facts: frozenset[str] = frozenset({"pages", "links"})) -> Snapshot:
    return snapshot_from(SiteFact("4213000001", "示例县人民政府", HOME), date(2026, 11, 27), HOME,
                         pages=[PageFact(HOME)], run_state=state, facts=facts)


def _rule(rule_id: str, check, reads: tuple[str, ...] = ("pages",), whole_site: bool = False) -> RegisteredRule:  # noqa: ANN001
    return RegisteredRule(Rule(rule_id, "测试", "test", "test.indicator", reads=reads, whole_site=whole_site),
                          check, "tests.checks.test_runner", "")


def _finding(rule_id: str, subject: str, message: str = "问题") -> Finding:
    return Finding(rule=rule_id, subject=subject, message=message)


def test_a_rule_that_raises_is_an_error_and_the_others_still_run() -> None:
    def boom(snap: Snapshot, params: Params) -> RuleResult:
        raise ZeroDivisionError("division by zero")

    registry = {"t.boom": _rule("t.boom", boom),
                "t.ok": _rule("t.ok", lambda snap, params: RuleResult.of([_finding("t.ok", HOME)]))}
    results = run_rules(_snap(), ["t.boom", "t.ok"], {}, registry)
    assert results["t.boom"].status == Status.ERROR and "ZeroDivisionError: division by zero" in results["t.boom"].reason
    assert results["t.ok"].status == Status.FAIL and [f.subject for f in results["t.ok"].findings] == [HOME]


def test_a_rule_whose_facts_were_not_gathered_is_not_measured_and_not_called() -> None:
    called: list[str] = []

    def check(snap: Snapshot, params: Params) -> RuleResult:
        called.append("yes")
        return RuleResult.of([])

    registry = {"t.columns": _rule("t.columns", check, reads=("pages", "columns"))}
    result = run_rules(_snap(), ["t.columns"], {}, registry)["t.columns"]
    assert result.status == Status.NOT_MEASURED and "columns" in result.reason and not called
    gathered = run_rules(_snap(facts=frozenset({"pages", "columns"})), ["t.columns"], {}, registry)["t.columns"]
    assert gathered.status == Status.PASS and called == ["yes"]


def test_whole_site_absence_is_not_measured_on_an_incomplete_run() -> None:
    registry = {"t.absent": _rule("t.absent", lambda snap, params: RuleResult.of([_finding("t.absent", "guide")]),
                                  whole_site=True),
                "t.local": _rule("t.local", lambda snap, params: RuleResult.of([_finding("t.local", HOME)]))}
    interrupted = run_rules(_snap("interrupted"), ["t.absent", "t.local"], {}, registry)
    assert interrupted["t.absent"].status == Status.NOT_MEASURED and "interrupted" in interrupted["t.absent"].reason
    assert interrupted["t.local"].status == Status.FAIL  # a defect seen is a defect, complete crawl or not
    complete = run_rules(_snap("complete"), ["t.absent"], {}, registry)
    assert complete["t.absent"].status == Status.FAIL and complete["t.absent"].findings[0].subject == "guide"
    passing = {"t.absent": _rule("t.absent", lambda snap, params: RuleResult.of([]), whole_site=True)}
    assert run_rules(_snap("failed"), ["t.absent"], {}, passing)["t.absent"].status == Status.PASS


def test_one_finding_per_subject_first_kept_and_an_empty_fail_is_a_pass() -> None:
    registry = {
        "t.dup": _rule("t.dup", lambda snap, params: RuleResult.of(
            [_finding("t.dup", HOME, "第一"), _finding("t.dup", HOME, "第二"), _finding("t.dup", HOME + "a")])),
        "t.empty": _rule("t.empty", lambda snap, params: RuleResult(Status.FAIL)),
    }
    results = run_rules(_snap(), ["t.dup", "t.empty"], {}, registry)
    assert [(f.subject, f.message) for f in results["t.dup"].findings] == [(HOME, "第一"), (HOME + "a", "问题")]
    assert results["t.empty"].status == Status.PASS
    assert results["t.dup"].duration_ms >= 0


def test_a_finding_filed_under_another_rule_is_an_error_of_ours() -> None:
    registry = {"t.wrong": _rule("t.wrong", lambda snap, params: RuleResult.of([_finding("t.other", HOME)]))}
    result = run_rules(_snap(), ["t.wrong"], {}, registry)["t.wrong"]
    assert result.status == Status.ERROR and "t.other" in result.reason


def test_a_missing_scheme_parameter_names_the_rule_and_the_key() -> None:
    registry = {"t.param": _rule("t.param", lambda snap, params: RuleResult.of([]) if params["x.limit"] else None)}
    result = run_rules(_snap(), ["t.param"], {}, registry)["t.param"]
    assert result.status == Status.ERROR and "t.param" in result.reason and "x.limit" in result.reason
