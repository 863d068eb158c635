"""site.availability over generated probe histories (7 days × N probes a day, failures placed by hour)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from checks.base import Status
from checks.runner import run_rules
from reports.judge import judge
from reports.scheme import load_scheme
from storage.probes import ProbeFact
from storage.vocabulary import BEIJING
from tests.checks.snapshots import build

AS_OF = date(2026, 11, 27)
HOME = "http://www.example.gov.cn/"


def history(per_day: int, failures: int, days: int = 7, fail_kind: str = "timeout", as_of: date = AS_OF,
            extra: list[ProbeFact] | None = None) -> list[ProbeFact]:
    """`per_day` samples on each of the `days` Beijing days ending at as_of; the first `failures` fail."""
    probes: list[ProbeFact] = []
    step = timedelta(minutes=24 * 60 // per_day)
    n = 0
    for d in range(days - 1, -1, -1):
        start = datetime.combine(as_of - timedelta(days=d), datetime.min.time(), BEIJING)
        for k in range(per_day):
            at = start + k * step
            if n < failures:
                if fail_kind == "timeout":
                    p = ProbeFact(started_at=at, status=None, error="timeout", total_ms=30000.0, timeout_s=30)
                elif fail_kind == "slow":  # answered, but only after the limit
                    p = ProbeFact(started_at=at, status=200, total_ms=15000.0, timeout_s=30)
                else:
                    p = ProbeFact(started_at=at, status=None, error=fail_kind, total_ms=12.0, timeout_s=30)
            else:
                p = ProbeFact(started_at=at, status=200, total_ms=800.0 + k, timeout_s=30)
            probes.append(p)
            n += 1
    return probes + (extra or [])


def judge_rule(probes: list[ProbeFact], **params):  # noqa: ANN201
    snap = build({"as_of": AS_OF.isoformat(), "pages": [{"url": HOME, "status": 200}], "probes": []})
    snap.probes = probes
    scheme = {**load_scheme("national-2019").params, **params}
    return run_rules(snap, ["site.availability"], scheme)["site.availability"]


def test_pass_4_percent() -> None:  # 7 of 168 = 4.2 %
    result = judge_rule(history(24, 7))
    assert result.status == Status.PASS, result.reason


def test_fail_5_percent() -> None:  # 9 of 168 = 5.4 %
    result = judge_rule(history(24, 9))
    assert result.status == Status.FAIL
    (f,) = result.findings
    assert f.subject == HOME
    ev = f.evidence
    assert (ev["probes"], ev["failures"], ev["ratio"]) == (168, 9, round(9 / 168, 4))
    assert ev["window"] == ["2026-11-21", "2026-11-27"]
    assert ev["errors"] == {"timeout": 9}
    assert ev["days"][0] == {"day": "2026-11-21", "probes": 24, "failures": 9}
    assert ev["worst_hours"][0] == {"hour": "2026-11-21 00:00", "probes": 1, "failures": 1}
    assert len(ev["worst_hours"]) == 5


def test_fail_exactly_5_percent_is_a_veto() -> None:  # 超过（含）: 7 of 140 = 5.00 %
    assert judge_rule(history(20, 7)).status == Status.FAIL
    assert judge_rule(history(20, 6)).status == Status.PASS


def test_not_applicable_19_a_day() -> None:
    result = judge_rule(history(19, 19))
    assert result.status == Status.NOT_APPLICABLE
    assert "19" in result.reason and "20" in result.reason


def test_not_applicable_one_short_day() -> None:
    probes = [p for p in history(24, 0) if not (p.local_time.date() == date(2026, 11, 24) and p.local_time.hour >= 19)]
    result = judge_rule(probes)
    assert result.status == Status.NOT_APPLICABLE
    assert "2026-11-24: 19" in result.reason


def test_not_applicable_without_probes() -> None:
    assert judge_rule([]).status == Status.NOT_APPLICABLE


def test_window_ends_at_as_of() -> None:
    # Failures the day after as_of and eight days before it are outside the window.
    later = history(24, 24, days=1, as_of=AS_OF + timedelta(days=1))
    earlier = history(24, 24, days=1, as_of=AS_OF - timedelta(days=7))
    assert judge_rule(history(24, 0, extra=later + earlier)).status == Status.PASS


@pytest.mark.parametrize("kind", ["dns", "connect", "tls", "reset", "slow"])
def test_every_failure_kind_counts(kind: str) -> None:
    result = judge_rule(history(24, 9, fail_kind=kind))
    assert result.status == Status.FAIL
    assert result.findings[0].evidence["errors"] == {"timeout" if kind == "slow" else kind: 9}


def test_slow_inside_limit_is_not_a_failure() -> None:
    probes = [ProbeFact(started_at=p.started_at, status=200, total_ms=14900.0, timeout_s=30) for p in history(24, 0)]
    assert judge_rule(probes).status == Status.PASS


def test_wall_answers_count_as_open() -> None:
    probes = [ProbeFact(started_at=p.started_at, status=412, total_ms=50.0, timeout_s=30, flags=("js_challenge",))
              for p in history(24, 0)]
    assert judge_rule(probes).status == Status.PASS
    plain_412 = [ProbeFact(started_at=p.started_at, status=412, total_ms=50.0, timeout_s=30) for p in history(24, 0)]
    assert judge_rule(plain_412).status == Status.FAIL


def test_short_probe_timeouts_are_not_counted() -> None:
    # A probe that gave up after 10 s cannot say "not open after 15 s": 24 such samples leave a short day.
    short = [ProbeFact(started_at=p.started_at, status=None, error="timeout", total_ms=10000.0, timeout_s=10)
             for p in history(24, 0, days=1)]
    good = [p for p in history(24, 0) if p.local_time.date() != AS_OF]
    assert judge_rule(good + short).status == Status.NOT_APPLICABLE


def test_scheme_vetoes_on_availability_and_deducts_on_unreachable() -> None:
    scheme = load_scheme("national-2019")
    snap = build({"as_of": AS_OF.isoformat(), "pages": [{"url": HOME, "status": 500}], "probes": []})
    snap.probes = history(24, 9)
    results, card = judge(snap, scheme)
    assert results["site.availability"].status == Status.FAIL
    assert results["site.unreachable"].status == Status.FAIL
    assert card.vetoed and "site.availability" in card.vetoes and "site.unreachable" not in card.vetoes
    ind = next(i for i in card.indicators if i.id == "web.veto.unreachable")
    assert ind.status == "vetoed"
    assert ind.deducted == scheme.params["site.unreachable_deduction"]
    assert card.severity[("site.availability", HOME)] == "veto"
    assert card.severity[("site.unreachable", HOME)] == "deduction"
    # Without the probe veto the audit-time failure still deducts, and nothing vetoes.
    snap.probes = history(24, 7)
    _, card = judge(snap, scheme)
    assert not card.vetoed
    assert next(i for i in card.indicators if i.id == "web.veto.unreachable").deducted == 5


def test_unmeasured_audit_time_rule_leaves_no_veto_open() -> None:
    # A wall on the homepage makes site.unreachable not_measured; only site.availability can veto.
    scheme = load_scheme("national-2019")
    snap = build({"as_of": AS_OF.isoformat(), "pages": [{"url": HOME, "status": 412, "flags": ["js_challenge"]}],
                  "probes": []})
    snap.probes = history(24, 0)
    results, card = judge(snap, scheme)
    assert results["site.unreachable"].status == Status.NOT_MEASURED
    assert "web.veto.unreachable" not in card.undecided_vetoes
    snap.probes = []
    results, card = judge(snap, scheme)
    assert results["site.availability"].status == Status.NOT_APPLICABLE
    assert "web.veto.unreachable" not in card.undecided_vetoes and not card.vetoed


@pytest.mark.parametrize("flag", ["all_sites_failed", "monitor_offline"])
def test_rounds_of_the_monitors_own_outage_are_not_counted(flag: str) -> None:
    # 12 of 224 (5.4 %) would veto; flagged as the monitor's own outage, they leave 212 samples, 0 failures.
    assert judge_rule(history(32, 12)).status == Status.FAIL
    probes = [ProbeFact(started_at=p.started_at, status=p.status, error=p.error, total_ms=p.total_ms, timeout_s=30,
                        flags=(flag,) if p.error else ()) for p in history(32, 12)]
    assert judge_rule(probes).status == Status.PASS
