"""site.slow_homepage: not applicable under national-2019 (no limit), judged when a scheme sets one."""
from __future__ import annotations

from checks.base import Status
from checks.runner import run_rules
from reports.scheme import load_scheme
from storage.probes import ProbeFact
from tests.checks.snapshots import build
from tests.checks.test_site_availability import AS_OF, HOME, history


def judge_rule(probes: list[ProbeFact], **params):  # noqa: ANN201
    snap = build({"as_of": AS_OF.isoformat(), "pages": [{"url": HOME, "status": 200}], "probes": []})
    snap.probes = probes
    return run_rules(snap, ["site.slow_homepage"],
                     {**load_scheme("national-2019").params, **params})["site.slow_homepage"]


def _loads(ms: float) -> list[ProbeFact]:
    return [ProbeFact(started_at=p.started_at, status=200, total_ms=ms, timeout_s=30) for p in history(24, 0)]


def test_not_applicable_when_the_scheme_sets_no_limit() -> None:
    assert load_scheme("national-2019").params["homepage.max_load_s"] is None
    result = judge_rule(_loads(9000.0))
    assert result.status == Status.NOT_APPLICABLE and "homepage.max_load_s" in result.reason


def test_fail_median_above_limit() -> None:
    result = judge_rule(_loads(3500.0), **{"homepage.max_load_s": 3})
    assert result.status == Status.FAIL
    ev = result.findings[0].evidence
    assert (ev["median_s"], ev["max_load_s"], ev["samples"], ev["slow_samples"]) == (3.5, 3.0, 168, 168)


def test_pass_median_inside_limit_with_slow_outliers() -> None:
    probes = _loads(1000.0)
    probes[:40] = [ProbeFact(started_at=p.started_at, status=200, total_ms=9000.0, timeout_s=30) for p in probes[:40]]
    assert judge_rule(probes, **{"homepage.max_load_s": 3}).status == Status.PASS


def test_failed_samples_are_not_load_times() -> None:
    # 9 timeouts (site.availability's business) leave the median of the loaded samples.
    assert judge_rule(history(24, 9), **{"homepage.max_load_s": 3}).status == Status.PASS


def test_not_applicable_without_loaded_samples() -> None:
    assert judge_rule([], **{"homepage.max_load_s": 3}).status == Status.NOT_APPLICABLE
