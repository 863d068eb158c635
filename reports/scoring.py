"""Pure scoring: rule results + scheme → score (vetoes first, capped deductions, 60/80 gates)."""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from checks.base import Finding, RuleResult, Status
from reports.scheme import Indicator, Scheme
from storage.vocabulary import GRADE_FAIL, GRADE_PASS, GRADE_UNDECIDED

NOT_JUDGED = {Status.NOT_MEASURED, Status.ERROR}


@dataclass
class IndicatorResult:
    id: str
    name: str
    kind: str
    deducted: float = 0.0
    findings: int = 0
    status: str = "ok"  # ok | deducted | vetoed | not_judged
    cap: float | None = None
    bonus: float = 0.0


@dataclass
class ScoreCard:
    scheme: str
    total: float
    vetoed: bool
    grade: str
    vetoes: list[str] = field(default_factory=list)  # rule ids that caused a veto
    veto_indicators: list[str] = field(default_factory=list)
    undecided_vetoes: list[str] = field(default_factory=list)  # veto indicators whose rules were not judged
    indicators: list[IndicatorResult] = field(default_factory=list)
    severity: dict[tuple[str, str], str] = field(default_factory=dict)  # (rule, subject) → veto|deduction|info


def matches(where: Mapping[str, Any], finding: Finding) -> bool:
    """A finding matches when each key of `where` equals (or is one of) its evidence value."""
    for key, want in where.items():
        got = finding.evidence.get(key)
        if isinstance(want, list) and not isinstance(got, list):
            if got not in want:
                return False
        elif got != want:
            return False
    return True


def score(scheme: Scheme, results: Mapping[str, RuleResult], state: str = "complete") -> ScoreCard:
    """Turn rule results into the scheme's score; not judged rules never count as passed. `state` is the
    run's (storage/vocabulary.py RUN_STATES): only a complete run without undecided vetoes is graded
    合格/不合格 on its points; otherwise the grade is 未定 (a fired veto stays 不合格)."""
    p = scheme.params
    card = ScoreCard(scheme=scheme.id, total=0.0, vetoed=False, grade="合格")
    deductions = 0.0
    bonus = 0.0
    for ind in scheme.indicators:
        findings = [f for r in ind.rules for f in results.get(r, RuleResult(Status.PASS)).findings]
        not_judged = any(results.get(r) is not None and results[r].status in NOT_JUDGED for r in ind.rules)
        cap_value = scheme.value(ind.cap)  # a {param} the scheme leaves unset (null) means no cap
        cap = None if cap_value is None else float(cap_value)
        item = IndicatorResult(id=ind.id, name=ind.name, kind=ind.kind, findings=len(findings), cap=cap)
        for f in findings:
            card.severity.setdefault((f.rule, f.subject), "info")
        if ind.veto:
            fired = _veto(scheme, ind, findings)
            if fired:
                item.status = "vetoed"
                card.veto_indicators.append(ind.id)
                card.vetoes.extend(r for r in dict.fromkeys(f.rule for f in fired) if r not in card.vetoes)
                for f in fired:
                    card.severity[(f.rule, f.subject)] = "veto"
            elif any(results.get(r) is not None and results[r].status in NOT_JUDGED
                     for r in {r for c in ind.veto for r in (c.rules or ind.rules)}):
                card.undecided_vetoes.append(ind.id)  # only a rule a veto condition reads can leave it open
        if ind.deduct:
            amount = 0.0
            for f in findings:
                per = _per_finding(scheme, ind, f)
                amount += per
                if per and ind.kind != "bonus" and card.severity[(f.rule, f.subject)] == "info":
                    card.severity[(f.rule, f.subject)] = "deduction"
            amount = min(amount, cap) if cap is not None else amount
            if ind.kind == "bonus":
                item.bonus = round(amount, 4)
                bonus += amount
            else:
                item.deducted = round(amount, 4)
                deductions += amount
                if amount and item.status == "ok":
                    item.status = "deducted"
        if item.status == "ok" and not_judged:
            item.status = "not_judged"
        card.indicators.append(item)
    base = float(p.get("score.deduction_points", 100))
    total = max(0.0, base - deductions)
    if total > float(p.get("score.bonus_above", 80)):
        total += min(bonus, float(p.get("score.bonus_points", 0)))
    card.total = round(total, 2)
    card.vetoed = bool(card.veto_indicators)
    card.grade = grade_of(card, state, total < float(p.get("score.fail_below", 60)))
    return card


def grade_of(card: ScoreCard, state: str, below_pass: bool) -> str:
    """合格 / 不合格 / 未定 (see storage/vocabulary.py GRADES)."""
    if card.vetoed:
        return GRADE_FAIL
    if state != "complete" or card.undecided_vetoes:
        return GRADE_UNDECIDED
    return GRADE_FAIL if below_pass else GRADE_PASS


def _veto(scheme: Scheme, ind: Indicator, findings: list[Finding]) -> list[Finding]:
    """The findings that make a veto condition hold (empty when none holds)."""
    fired: list[Finding] = []
    for cond in ind.veto or []:
        rules = cond.rules or ind.rules
        hits = [f for f in findings if f.rule in rules and matches(cond.where, f)]
        if hits and len(hits) >= int(scheme.value(cond.min_findings)):
            fired.extend(h for h in hits if h not in fired)
    return fired


def _per_finding(scheme: Scheme, ind: Indicator, finding: Finding) -> float:
    for case in ind.deduct.cases:
        if (case.rules is None or finding.rule in case.rules) and matches(case.where, finding):
            return float(scheme.value(case.per_finding))
    return float(scheme.value(ind.deduct.per_finding))
