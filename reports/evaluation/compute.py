"""A unit's composite result (pure): parts from machine findings, manual scores, external deductions and
the 依申请公开 test; part vetoes; weights; grade; ranking per group — every point with its trace.

A trace entry says where points went: `finding` (run, finding id, rule, subject; problem id when known),
`cap` (deductions beyond an item's limit given back), `waived` (a finding an accepted objection removed),
`scorer` (a named person's points with role, note and attachment), `document` (an external deduction's
cited document), `case` / `channel_check` (the 依申请公开 test), `veto` (a part zeroed or the unit failed).
What could not be measured is never scored: the unit is incomplete, with the reasons, and is not ranked.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from datetime import date
from typing import Any

from checks.base import Finding, RuleResult, Status
from reports.evaluation.inputs import EvaluationInputs, UnitInputs
from reports.evaluation.requests import score_aspect
from reports.scheme import ExternalItem, Indicator, ManualItem, RequestItem, Scheme
from reports.scoring import NOT_JUDGED, matches, score
from storage.calendar import WorkCalendar

REVIEW_ROLE = "evaluator"  # who may score a machine or test item by hand when it could not be measured


@dataclass
class ItemScore:
    id: str
    name: str
    part: str | None
    kind: str
    max: float | None
    score: float | None  # None: not measured / not scored
    deducted: float = 0.0  # external items: points taken
    status: str = "ok"  # ok | not_judged | reviewed (scored by hand) | vetoed
    reasons: list[str] = field(default_factory=list)


@dataclass
class PartScore:
    id: str
    name: str
    points: float
    weight: float
    score: float | None
    weighted: float | None
    vetoed: str | None = None  # zero | fail when a veto fired


@dataclass
class UnitResult:
    unit_id: int
    site_id: str
    name: str
    kind: str
    group: str
    run_id: int | None
    parts: list[PartScore]
    items: list[ItemScore]
    external: float  # deducted from the total
    total: float | None
    grade: str | None
    complete: bool
    reasons: list[str]
    trace: list[dict[str, Any]]
    rank: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def score_unit(scheme: Scheme, unit: UnitInputs, as_of: date, calendar: WorkCalendar | None = None) -> UnitResult:
    """The unit's parts, total and grade under the scheme, with the trace of every point."""
    trace: list[dict[str, Any]] = []
    reasons: list[str] = []
    results = _without_waived(unit, trace)
    if unit.run is None:
        reasons.append("未关联检查记录（run）")
    elif unit.run.state != "complete":
        reasons.append(f"检查记录 run {unit.run.id} 未完成（{unit.run.state}），不能作为完整结果排名")
    items: list[ItemScore] = []
    external_total = 0.0
    part_external: dict[str, float] = {}
    for item in scheme.scored(unit.kind):
        local: list[dict[str, Any]] = []
        if isinstance(item, Indicator):
            res = _machine(scheme, item, unit, results, local)
        elif isinstance(item, ManualItem):
            res = _manual(scheme, item, unit, local)
        elif isinstance(item, RequestItem):
            res = _request(scheme, item, unit, as_of, calendar, local)
        else:
            res = _external(scheme, item, unit, local)
            if item.part is None:
                external_total += res.deducted
            else:
                part_external[item.part] = part_external.get(item.part, 0.0) + res.deducted
        for t in local:
            t.setdefault("item", item.id)
            t.setdefault("item_name", item.name)
            t.setdefault("part", item.part)
        trace.extend(local)
        reasons.extend(res.reasons)
        items.append(res)
    parts, fail = _parts(scheme, unit, items, part_external, results, trace, reasons)
    complete = not reasons
    total = None
    grade = None
    if complete:
        total = half_up(max(0.0, sum(p.weighted for p in parts) - external_total))
        grade = scheme.fail_grade if fail else scheme.grade_of(total)
    return UnitResult(unit_id=unit.unit_id, site_id=unit.site_id, name=unit.name, kind=unit.kind, group=unit.group,
                      run_id=unit.run.id if unit.run else None, parts=parts, items=items,
                      external=round(external_total, 4), total=total, grade=grade, complete=complete,
                      reasons=list(dict.fromkeys(reasons)), trace=trace)


def half_up(value: float, places: str = "0.01") -> float:
    """四舍五入 to two decimals as published scores are (Python's round() is banker's and sees float noise)."""
    return float(Decimal(str(round(value, 6))).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def rank(results: list[UnitResult]) -> dict[str, list[UnitResult]]:
    """Each group's units, complete ones ranked by total (equal totals share a rank), then the incomplete."""
    groups: dict[str, list[UnitResult]] = {}
    for r in results:
        groups.setdefault(r.group, []).append(r)
    for members in groups.values():
        done = sorted((r for r in members if r.complete), key=lambda r: (-r.total, r.site_id))
        previous, position = None, 0
        for i, r in enumerate(done, start=1):
            if r.total != previous:
                position, previous = i, r.total
            r.rank = position
        members[:] = done + sorted((r for r in members if not r.complete), key=lambda r: r.site_id)
    return groups


def score_evaluation(inputs: EvaluationInputs, calendar: WorkCalendar | None = None) -> dict[str, list[UnitResult]]:
    """Every unit scored and ranked in its group."""
    return rank([score_unit(inputs.scheme, u, inputs.as_of, calendar) for u in inputs.units])


# --- items ----------------------------------------------------------------------------------------------------
def _without_waived(unit: UnitInputs, trace: list[dict[str, Any]]) -> dict[str, RuleResult]:
    """The run's results less the findings accepted objections waived (each waiver in the trace)."""
    if not unit.waived:
        return unit.results
    out = {}
    for rule, res in unit.results.items():
        kept = []
        for f in res.findings:
            fid = unit.finding_ids.get((f.rule, f.subject))
            if fid in unit.waived:
                trace.append({"points": 0.0, "basis": "waived", "run": unit.run.id if unit.run else None, "finding": fid,
                              "rule": f.rule, "subject": f.subject, "objection": unit.waived[fid],
                              "text": "异议成立：该问题不计"})
            else:
                kept.append(f)
        status = res.status if kept or res.status != Status.FAIL else Status.PASS
        out[rule] = RuleResult(status, kept, res.reason, res.duration_ms)
    return out


def _review(unit: UnitInputs, item_id: str) -> list:
    return [e for e in unit.manual if e.item == item_id and e.role == REVIEW_ROLE]


def _scored_by_hand(item: Indicator | RequestItem, maximum: float, entries: list, why: list[str],
                    local: list[dict[str, Any]]) -> ItemScore:
    """A machine or test item an evaluator scored by hand (人工复核), replacing what was (not) measured."""
    entry = entries[-1]
    local.append(_scorer_trace(entry, entry.points, f"人工复核{('（' + '；'.join(why) + '）') if why else ''}"))
    return ItemScore(item.id, item.name, item.part, item.kind, maximum, min(entry.points, maximum), status="reviewed")


def _machine(scheme: Scheme, item: Indicator, unit: UnitInputs, results: dict[str, RuleResult],
             local: list[dict[str, Any]]) -> ItemScore:
    maximum = float(scheme.value(item.max))
    why = []
    if unit.run is None:
        why.append("无检查记录")
    else:
        for rule in item.rules:
            res = results.get(rule)
            if res is None:
                why.append(f"{rule} 未在 run {unit.run.id} 中判定")
            elif res.status in NOT_JUDGED:
                why.append(f"{rule} 未能测得（{res.status}{'：' + res.reason if res.reason else ''}）")
    reviewed = _review(unit, item.id)
    if reviewed:
        return _scored_by_hand(item, maximum, reviewed, why, local)
    if why:
        return ItemScore(item.id, item.name, item.part, item.kind, maximum, None, status="not_judged",
                         reasons=[f"{item.name}：" + "；".join(why)])
    lost = 0.0
    for rule in item.rules:
        for f in results[rule].findings:
            per = _per_finding(scheme, item, f)
            if per:
                lost += per
                fid = unit.finding_ids.get((f.rule, f.subject))
                local.append({"points": -per, "basis": "finding", "run": unit.run.id, "finding": fid,
                              "problem": unit.problem_ids.get((f.rule, f.subject)), "rule": f.rule,
                              "subject": f.subject, "text": f.message})
    cap = scheme.value(item.cap)
    limit = min(maximum, float(cap)) if cap is not None else maximum
    if lost > limit:
        local.append({"points": round(lost - limit, 4), "basis": "cap", "text": f"扣分以 {limit:g} 分为限"})
    return ItemScore(item.id, item.name, item.part, item.kind, maximum, round(maximum - min(lost, limit), 4))


def _per_finding(scheme: Scheme, item: Indicator, finding: Finding) -> float:
    if item.deduct is None:
        return 0.0
    for case in item.deduct.cases:
        if (case.rules is None or finding.rule in case.rules) and matches(case.where, finding):
            return float(scheme.value(case.per_finding))
    return float(scheme.value(item.deduct.per_finding))


def _manual(scheme: Scheme, item: ManualItem, unit: UnitInputs, local: list[dict[str, Any]]) -> ItemScore:
    maximum = float(scheme.value(item.max))
    entries = [e for e in unit.manual if e.item == item.id and e.role in item.scorers]
    if not entries:
        if item.kind == "bonus":  # a bonus nobody awarded is no bonus
            return ItemScore(item.id, item.name, item.part, item.kind, maximum, 0.0)
        return ItemScore(item.id, item.name, item.part, item.kind, maximum, None, status="not_judged",
                         reasons=[f"{item.name}：未评分"])
    share = 1.0 / len(entries) if item.combine == "mean" else 1.0
    for e in entries:
        local.append(_scorer_trace(e, round(e.points * share, 4),
                                   f"{len(entries)}位评分人平均" if share < 1 else None))
    value = sum(e.points for e in entries) * share
    return ItemScore(item.id, item.name, item.part, item.kind, maximum, round(min(value, maximum), 4))


def _scorer_trace(e, points: float, text: str | None) -> dict[str, Any]:  # noqa: ANN001
    return {"points": points, "basis": "scorer", "scorer": e.scorer, "role": e.role, "note": e.note,
            "attachment": e.attachment, "entry": e.id, "source": e.source, "objection": e.objection,
            **({"text": text} if text else {})}


def _external(scheme: Scheme, item: ExternalItem, unit: UnitInputs, local: list[dict[str, Any]]) -> ItemScore:
    entries = [e for e in unit.external if e.item == item.id]
    lost = 0.0
    for e in entries:
        lost += e.points
        local.append({"points": -e.points, "basis": "document", "document": e.document, "note": e.note,
                      "attachment": e.attachment, "entered_by": e.by, "entry": e.id, "source": e.source,
                      "objection": e.objection})
    cap = scheme.value(item.max)
    if cap is not None and lost > float(cap):
        local.append({"points": round(lost - float(cap), 4), "basis": "cap", "text": f"外部扣分以 {float(cap):g} 分为限"})
        lost = float(cap)
    return ItemScore(item.id, item.name, item.part, item.kind, None, None, deducted=round(lost, 4))


def _request(scheme: Scheme, item: RequestItem, unit: UnitInputs, as_of: date, calendar: WorkCalendar | None,
             local: list[dict[str, Any]]) -> ItemScore:
    maximum = float(scheme.value(item.max))
    gathered = unit.run is not None and "apply_channel" in unit.run.families
    aspect = score_aspect(item, scheme, unit.cases, unit.apply, gathered, as_of, calendar)
    reviewed = _review(unit, item.id)
    if reviewed:
        return _scored_by_hand(item, maximum, reviewed, aspect.reasons, local)
    if aspect.score is None:
        return ItemScore(item.id, item.name, item.part, item.kind, maximum, None, status="not_judged",
                         reasons=aspect.reasons)
    run_id = unit.run.id if unit.run else None
    local.extend({**t, **({"run": run_id} if t["basis"] == "channel_check" else {})} for t in aspect.trace)
    return ItemScore(item.id, item.name, item.part, item.kind, maximum, aspect.score)


# --- parts ----------------------------------------------------------------------------------------------------
def _parts(scheme: Scheme, unit: UnitInputs, items: list[ItemScore], part_external: dict[str, float],
           results: dict[str, RuleResult], trace: list[dict[str, Any]], reasons: list[str]
           ) -> tuple[list[PartScore], bool]:
    """Each part's score (its items, less its external deductions, vetoes applied) and weighted share."""
    card = score(scheme, results) if unit.run is not None else None
    fail = False
    out = []
    for part in scheme.parts_for(unit.kind):
        mine = [i for i in items if i.part == part.id and i.kind != "external"]
        known = all(i.score is not None for i in mine)
        value = sum(i.score for i in mine if i.score is not None) - part_external.get(part.id, 0.0)
        value = max(0.0, value)
        vetoed = None
        for ind_id in part.veto.indicators if part.veto else []:
            if card is None:
                continue
            if ind_id in card.undecided_vetoes:
                reasons.append(f"{part.name}：单项否决指标 {ind_id} 未能判定")
            if ind_id in card.veto_indicators:
                vetoed = part.veto.effect
                fired = [k for k, v in card.severity.items() if v == "veto"
                         and k[0] in next(i for i in scheme.indicators if i.id == ind_id).rules]
                for rule, subject in fired:
                    trace.append({"points": 0.0, "basis": "veto", "part": part.id, "item": ind_id, "rule": rule,
                                  "subject": subject, "run": unit.run.id,
                                  "finding": unit.finding_ids.get((rule, subject)),
                                  "problem": unit.problem_ids.get((rule, subject)),
                                  "text": "单项否决：" + ("本部分计0分" if vetoed == "zero" else "评定为" + scheme.fail_grade)})
        if vetoed == "zero" and known:
            trace.append({"points": -round(value, 4), "basis": "veto", "part": part.id, "item": None,
                          "text": f"{part.name}单项否决，本部分计0分"})
            value = 0.0
        fail = fail or vetoed == "fail"
        weight = part.weight_for(unit.kind)
        score_ = round(value, 4) if known else None
        weighted = round(value / part.points * weight * 100, 4) if known else None
        out.append(PartScore(part.id, part.name, part.points, weight, score_, weighted, vetoed))
    return out, fail

