"""What people do to an evaluation, checked against its scheme before the repository writes it: create it,
attach runs, enter manual scores, external deductions and 依申请公开 cases, publish, object, answer,
finalize. The CLI calls these (and the web service will): each is one call inside the caller's session.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.registry import get_rules
from reports.evaluation.compute import REVIEW_ROLE, UnitResult, score_evaluation
from reports.evaluation.inputs import EvaluationInputs, load_inputs
from reports.scheme import ExternalItem, Indicator, ManualItem, RequestItem, Scheme, SchemeError, load_scheme
from storage import evaluations as repo
from storage import models as m
from storage.evaluations import EvaluationError
from storage.vocabulary import SCORER_ROLES


def evaluation_scheme(ref: str) -> Scheme:
    """A scheme that can score an evaluation (it has `parts`)."""
    scheme = load_scheme(ref)
    if not scheme.is_evaluation:
        raise SchemeError(f"scheme {scheme.id} has no 'parts': it scores single runs, not evaluations "
                          "(bundled evaluation schemes: suizhou-2022-zwgk, hubei-2022-wzxmt)")
    return scheme


def create(session: Session, *, scheme: Scheme, name: str, sites: list[dict[str, Any]], as_of: date, by: str,
           period: str | None = None, sites_file: str | None = None) -> int:
    """A new evaluation over the sites of a registry (each site one unit, in its ranking group)."""
    units = [{"site_id": s["id"], "name": s.get("unit") or s["name"], "kind": s.get("kind") or "portal",
              "group": s.get("group") or scheme.groups.get(s.get("kind") or "portal", "其他"), "unit": s.get("unit"),
              "url": s["url"]} for s in sites]
    return repo.create_evaluation(session, name=name, scheme=scheme.ref, as_of=as_of, units=units, by=by,
                                  period=period or (f"{scheme.year}年度" if scheme.year else None), sites_file=sites_file)


def attach(session: Session, evaluation_id: int, run_ids: list[int], by: str) -> list[tuple[str, int]]:
    """Attach runs (each to its site's unit) after checking each was judged the way the evaluation reads it."""
    ev = repo.get_evaluation(session, evaluation_id)
    scheme = evaluation_scheme(ev.scheme)
    done = []
    for run_id in run_ids:
        run = session.get(m.Run, run_id)
        if run is None:
            raise EvaluationError(f"run {run_id} does not exist")
        _check_judgement(session, run, ev, scheme)
        repo.attach_run(session, ev.id, run.site_id, run.id, by)
        done.append((run.site_id, run.id))
    return done


def latest_runs(session: Session, evaluation_id: int) -> list[int]:
    """The newest judged run of each unit's site (complete runs preferred)."""
    out = []
    for unit in repo.units(session, evaluation_id):
        runs = list(session.scalars(select(m.Run).join(m.Judgement, m.Judgement.run_id == m.Run.id)
                                    .where(m.Run.site_id == unit.site_id).order_by(m.Run.id.desc())))
        best = next((r for r in runs if r.state == "complete"), runs[0] if runs else None)
        if best is not None:
            out.append(best.id)
    return out


def _check_judgement(session: Session, run: m.Run, ev: m.Evaluation, scheme: Scheme) -> None:
    """A run's stored findings are the evaluation's machine facts only if they were judged on the evaluation's
    监测时间点, by every rule it reads, with the same parameters."""
    judgement = session.get(m.Judgement, run.id)
    again = f"govaudit check --run {run.id} --as-of {ev.as_of} --scheme {scheme.ref}"
    if judgement is None:
        raise EvaluationError(f"run {run.id} has not been judged; judge it first: {again}")
    if judgement.as_of != ev.as_of:
        raise EvaluationError(f"run {run.id} was judged at 监测时间点 {judgement.as_of}, the evaluation's is {ev.as_of}; "
                              f"judge it again: {again}")
    judged = {r for (r,) in session.execute(select(m.RuleOutcome.rule).where(m.RuleOutcome.run_id == run.id))}
    missing = [r for r in scheme.evaluation_rule_ids if r not in judged]
    if missing:
        raise EvaluationError(f"run {run.id} was not judged by {', '.join(missing)}; judge it again: {again}")
    try:
        used = load_scheme(judgement.scheme)
    except SchemeError as exc:
        raise EvaluationError(f"run {run.id} was judged with {judgement.scheme}, which cannot be loaded ({exc}); "
                              f"judge it again: {again}") from None
    rules = get_rules()
    for rule in scheme.evaluation_rule_ids:
        for param in rules[rule].rule.params:
            if used.params.get(param) != scheme.params.get(param):
                raise EvaluationError(
                    f"run {run.id} was judged with {used.id}, whose {param} ({used.params.get(param)!r}) differs from "
                    f"the evaluation's ({scheme.params.get(param)!r}, rule {rule}); judge it again: {again}")


# --- entries --------------------------------------------------------------------------------------------
@dataclass
class Unit:
    site_id: str
    kind: str
    name: str


def units_of(session: Session, evaluation_id: int) -> dict[str, Unit]:
    return {u.site_id: Unit(u.site_id, u.kind, u.name) for u in repo.units(session, evaluation_id)}


def manual_problem(scheme: Scheme, unit: Unit, item_id: str, points: Any, role: str | None) -> str | None:
    """Why a manual score may not be entered (None when it may): the item, the points, the scorer's right."""
    item = _item(scheme, unit, item_id)
    if item is None:
        return f"{item_id!r} is not an item of {scheme.id} for {unit.site_id} ({unit.kind})"
    if isinstance(item, ExternalItem):
        return f"{item_id} is an external deduction: enter it with its document, not as a score"
    if not isinstance(points, (int, float)) or isinstance(points, bool):
        return f"not a number: {points!r}"
    maximum = float(scheme.value(item.max))
    if not 0 <= points <= maximum:
        return f"{points:g} is outside 0–{maximum:g} (the item's maximum)"
    allowed = item.scorers if isinstance(item, ManualItem) else [REVIEW_ROLE]
    if role not in allowed:
        who = "、".join(f"{r} ({SCORER_ROLES[r]})" for r in allowed)
        return f"role {role!r} may not score {item_id} (only {who})"
    return None


def external_problem(scheme: Scheme, unit: Unit, item_id: str, points: Any, document: str | None) -> str | None:
    item = _item(scheme, unit, item_id)
    if not isinstance(item, ExternalItem):
        known = ", ".join(i.id for i in scheme.scored(unit.kind) if isinstance(i, ExternalItem)) or "none"
        return f"{item_id!r} is not an external deduction of {scheme.id} (external items: {known})"
    if not isinstance(points, (int, float)) or isinstance(points, bool):
        return f"not a number: {points!r}"
    if points < 0:
        return "points lost are ≥ 0"
    if item.max is not None and points > float(scheme.value(item.max)):
        return f"{points:g} is more than the item's maximum {float(scheme.value(item.max)):g}"
    if not (document or "").strip():
        return "an external deduction needs the document that records it (依据文件)"
    return None


def _item(scheme: Scheme, unit: Unit, item_id: str) -> Indicator | ManualItem | ExternalItem | RequestItem | None:
    return next((i for i in scheme.scored(unit.kind) if i.id == item_id), None)


def enter_manual(session: Session, evaluation_id: int, site_id: str, item: str, points: float, scorer: str,
                 role: str, by: str, **extra: Any) -> int:
    scheme, unit = _scheme_unit(session, evaluation_id, site_id)
    problem = manual_problem(scheme, unit, item, points, role)
    if problem:
        raise EvaluationError(f"{site_id} {item}: {problem}")
    return repo.add_manual_score(session, evaluation_id, site_id, item=item, points=points, scorer=scorer, role=role,
                                 by=by, **extra)


def enter_external(session: Session, evaluation_id: int, site_id: str, item: str, points: float, document: str,
                   by: str, **extra: Any) -> int:
    scheme, unit = _scheme_unit(session, evaluation_id, site_id)
    problem = external_problem(scheme, unit, item, points, document)
    if problem:
        raise EvaluationError(f"{site_id} {item}: {problem}")
    return repo.add_external_deduction(session, evaluation_id, site_id, item=item, points=points, document=document,
                                       by=by, **extra)


def _scheme_unit(session: Session, evaluation_id: int, site_id: str) -> tuple[Scheme, Unit]:
    ev = repo.get_evaluation(session, evaluation_id)
    unit = units_of(session, ev.id).get(site_id)
    if unit is None:
        raise EvaluationError(f"unit {site_id!r} is not in evaluation {ev.id}")
    return evaluation_scheme(ev.scheme), unit


# --- results and the state machine ------------------------------------------------------------------------
def current(session: Session, evaluation_id: int) -> tuple[EvaluationInputs, dict[str, list[UnitResult]]]:
    """The evaluation's inputs and its result as computed now (ranked per group)."""
    inputs = load_inputs(session, evaluation_id)
    return inputs, score_evaluation(inputs)


def _rows(groups: dict[str, list[UnitResult]]) -> list[dict[str, Any]]:
    return [{"unit_id": r.unit_id, "total": r.total, "grade": r.grade, "rank": r.rank, "group": r.group,
             "complete": r.complete, "result": _json(r.as_dict())} for members in groups.values() for r in members]


def _json(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def publish(session: Session, evaluation_id: int, by: str, on: date) -> date:
    """Publish the provisional result (stored as computed now) and open the objection window."""
    inputs, groups = current(session, evaluation_id)
    window = int(inputs.scheme.params.get("objection.window_working_days", 5))
    return repo.publish(session, evaluation_id, by=by, on=on, window_working_days=window, results=_rows(groups))


def answer(session: Session, objection_id: int, *, decision: str, text: str, by: str, on: date,
           set_points: float | None = None, role: str | None = None, external: float | None = None,
           document: str | None = None, waive_finding: int | None = None) -> dict[str, Any]:
    """Answer an objection; an accepted one may set the objected item's points (a manual score by `by` in
    `role`), correct an external deduction (with its document) or waive a finding of the unit's run."""
    obj = repo.objection(session, objection_id)
    unit = session.get(m.EvaluationUnit, obj.unit_id)
    change: dict[str, Any] = {}
    if decision == "accepted" and set_points is not None:
        if not obj.item:
            raise EvaluationError(f"objection {objection_id} names no item: nothing to set the points of")
        change = {"kind": "manual", "item": obj.item, "points": set_points, "role": role,
                  "entry": enter_manual(session, obj.evaluation_id, unit.site_id, obj.item, set_points, by, role or "",
                                        by, source=f"objection {objection_id}", objection_id=objection_id,
                                        note=text)}
    elif decision == "accepted" and external is not None:
        if not obj.item:
            raise EvaluationError(f"objection {objection_id} names no item")
        change = {"kind": "external", "item": obj.item, "points": external, "document": document,
                  "entry": enter_external(session, obj.evaluation_id, unit.site_id, obj.item, external, document or "",
                                          by, source=f"objection {objection_id}", objection_id=objection_id, note=text)}
    elif decision == "accepted" and waive_finding is not None:
        finding = session.get(m.Finding, waive_finding)
        if finding is None or finding.run_id != unit.run_id:
            raise EvaluationError(f"finding {waive_finding} is not a finding of run {unit.run_id} ({unit.site_id})")
        change = {"kind": "waive", "waive_finding": waive_finding, "rule": finding.rule, "subject": finding.subject}
    elif decision == "accepted" and not text:
        raise EvaluationError("an accepted objection needs its answer text")
    repo.answer_objection(session, objection_id, decision=decision, text=text, by=by, on=on, change=change)
    return change


def finalize(session: Session, evaluation_id: int, by: str, on: date) -> dict[str, list[UnitResult]]:
    """Store the final result; refused while a unit's result is incomplete."""
    _, groups = current(session, evaluation_id)
    incomplete = [f"{r.site_id}（{'；'.join(r.reasons[:2])}）" for g in groups.values() for r in g if not r.complete]
    if incomplete:
        raise EvaluationError("results incomplete, cannot finalize: " + "; ".join(incomplete[:10])
                              + (f" … and {len(incomplete) - 10} more" if len(incomplete) > 10 else ""))
    repo.finalize(session, evaluation_id, by=by, on=on, results=_rows(groups))
    return groups
