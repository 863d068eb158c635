"""The evaluations repository: the one writer of the evaluation tables (storage/models/evaluation.py).

Every function takes the caller's session (`session_scope()`): a command, an import or a web request is
one transaction, so a rejected input leaves nothing written. The repository knows the state machine —
provisional (scores collected) → objections (the provisional result published, objections taken until
the window's last working day) → final — and refuses what a state does not allow; what an entry must be
worth (an item's maximum, who may score it) is the scheme's, checked by reports/evaluation/ before it
calls here. Nothing is deleted: a score entered again replaces the current one and the old row stays.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import models as m
from storage import problems
from storage.base import utcnow
from storage.calendar import due_date
from storage.vocabulary import REQUEST_CHANNELS, SCORER_ROLES


class EvaluationError(ValueError):
    """A request the evaluation's state or data does not allow (the message says why)."""


# --- evaluations and units ------------------------------------------------------------------------------
def create_evaluation(session: Session, *, name: str, scheme: str, as_of: date, units: Iterable[dict[str, Any]],
                      by: str, period: str | None = None, sites_file: str | None = None) -> int:
    """A new evaluation in state `provisional` over the units given (site_id, name, kind, group, unit, url)."""
    ev = m.Evaluation(name=name, scheme=scheme, as_of=as_of, period=period, sites_file=sites_file,
                      state="provisional", created_by=by)
    session.add(ev)
    session.flush()
    seen = set()
    for u in units:
        if u["site_id"] in seen:
            raise EvaluationError(f"unit {u['site_id']} listed twice")
        seen.add(u["site_id"])
        session.add(m.EvaluationUnit(evaluation_id=ev.id, site_id=u["site_id"], name=u["name"], kind=u["kind"],
                                     group=u["group"], unit=u.get("unit"), url=u.get("url")))
    if not seen:
        raise EvaluationError("an evaluation needs at least one unit")
    _event(session, ev.id, by, "create", {"scheme": scheme, "units": len(seen), "as_of": as_of.isoformat()})
    return ev.id


def get_evaluation(session: Session, evaluation_id: int) -> m.Evaluation:
    ev = session.get(m.Evaluation, evaluation_id)
    if ev is None:
        raise LookupError(f"evaluation {evaluation_id} does not exist")
    return ev


def list_evaluations(session: Session) -> list[m.Evaluation]:
    return list(session.scalars(select(m.Evaluation).order_by(m.Evaluation.id)))


def units(session: Session, evaluation_id: int) -> list[m.EvaluationUnit]:
    return list(session.scalars(select(m.EvaluationUnit).where(m.EvaluationUnit.evaluation_id == evaluation_id)
                                .order_by(m.EvaluationUnit.id)))


def unit_of(session: Session, evaluation_id: int, site_id: str) -> m.EvaluationUnit:
    unit = session.scalar(select(m.EvaluationUnit).where(m.EvaluationUnit.evaluation_id == evaluation_id,
                                                         m.EvaluationUnit.site_id == site_id))
    if unit is None:
        raise EvaluationError(f"unit {site_id!r} is not in evaluation {evaluation_id}")
    return unit


def attach_run(session: Session, evaluation_id: int, site_id: str, run_id: int, by: str) -> None:
    """The run whose findings give the unit's machine points (replacing any run attached before)."""
    ev = _open(session, evaluation_id, "provisional", "attach a run")
    unit = unit_of(session, ev.id, site_id)
    run = session.get(m.Run, run_id)
    if run is None:
        raise EvaluationError(f"run {run_id} does not exist")
    if run.site_id != site_id:
        raise EvaluationError(f"run {run_id} audited site {run.site_id}, not {site_id}")
    previous, unit.run_id = unit.run_id, run_id
    _event(session, ev.id, by, "attach", {"site": site_id, "run": run_id, "replaced": previous})


# --- entries: manual scores, external deductions, 依申请公开 test cases -------------------------------------
def add_manual_score(session: Session, evaluation_id: int, site_id: str, *, item: str, points: float, scorer: str,
                     role: str, by: str, note: str | None = None, attachment: str | None = None,
                     source: str | None = None, objection_id: int | None = None) -> int:
    """A scorer's points for a unit's item; replaces that scorer's current points for the item (an accepted
    objection's new points replace every current score of the item)."""
    ev = _entries_open(session, evaluation_id, objection_id)
    if role not in SCORER_ROLES:
        raise EvaluationError(f"unknown role {role!r} (one of {', '.join(SCORER_ROLES)})")
    if not scorer:
        raise EvaluationError("a manual score needs the scorer's name")
    unit = unit_of(session, ev.id, site_id)
    same = select(m.ManualScore).where(m.ManualScore.unit_id == unit.id, m.ManualScore.item == item,
                                       m.ManualScore.current.is_(True))
    for old in session.scalars(same if objection_id is not None else same.where(m.ManualScore.scorer == scorer)):
        old.current = False
    row = m.ManualScore(evaluation_id=ev.id, unit_id=unit.id, item=item, points=float(points), scorer=scorer,
                        role=role, note=note, attachment=attachment, entered_by=by, source=source,
                        objection_id=objection_id, current=True)
    session.add(row)
    session.flush()
    return row.id


def add_external_deduction(session: Session, evaluation_id: int, site_id: str, *, item: str, points: float,
                           document: str, by: str, note: str | None = None, attachment: str | None = None,
                           source: str | None = None, objection_id: int | None = None) -> int:
    """Points a unit lost elsewhere, with the cited document; replaces the current entry for the same document
    (an accepted objection's correction replaces every current entry of the item)."""
    ev = _entries_open(session, evaluation_id, objection_id)
    if not (document or "").strip():
        raise EvaluationError("an external deduction needs the document that records it (通报/评估报告)")
    if points < 0:
        raise EvaluationError("an external deduction is the number of points lost (≥ 0)")
    unit = unit_of(session, ev.id, site_id)
    same = select(m.ExternalDeduction).where(m.ExternalDeduction.unit_id == unit.id, m.ExternalDeduction.item == item,
                                             m.ExternalDeduction.current.is_(True))
    for old in session.scalars(same if objection_id is not None
                               else same.where(m.ExternalDeduction.document == document.strip())):
        old.current = False
    row = m.ExternalDeduction(evaluation_id=ev.id, unit_id=unit.id, item=item, points=float(points),
                              document=document.strip(), note=note, attachment=attachment, entered_by=by,
                              source=source, objection_id=objection_id, current=True)
    session.add(row)
    session.flush()
    return row.id


CASE_FIELDS = ("channel", "sent_on", "channel_ok", "received_on", "tracking_no", "correction_requested_on",
               "correction_received_on", "third_party_days", "extended_on", "replied_on", "reply_type",
               "expected_type", "checklist", "attachments", "note")


def add_request_case(session: Session, evaluation_id: int, site_id: str, *, case_no: str, by: str,
                     source: str | None = None, **fields: Any) -> int:
    """A 依申请公开 test case as the evaluator recorded it; replaces the current record of the same case number."""
    ev = _entries_open(session, evaluation_id, None)
    unknown = set(fields) - set(CASE_FIELDS)
    if unknown:
        raise EvaluationError(f"unknown case field {sorted(unknown)[0]!r}")
    if fields.get("channel") not in REQUEST_CHANNELS:
        raise EvaluationError(f"case {case_no}: channel must be one of {', '.join(REQUEST_CHANNELS)}")
    if fields.get("sent_on") is None:
        raise EvaluationError(f"case {case_no}: the date the request was sent is required")
    _check_case_dates(case_no, fields)
    unit = unit_of(session, ev.id, site_id)
    for old in session.scalars(select(m.RequestCase).where(
            m.RequestCase.unit_id == unit.id, m.RequestCase.case_no == case_no, m.RequestCase.current.is_(True))):
        old.current = False
    row = m.RequestCase(evaluation_id=ev.id, unit_id=unit.id, case_no=case_no, entered_by=by, source=source,
                        current=True, **{k: v for k, v in fields.items() if v is not None})
    session.add(row)
    session.flush()
    return row.id


def _check_case_dates(case_no: str, f: dict[str, Any]) -> None:
    order = [("sent_on", "发送日期"), ("received_on", "受理日期"), ("replied_on", "答复日期")]
    seen = [(label, f[k]) for k, label in order if f.get(k) is not None]
    for (a_label, a), (b_label, b) in zip(seen, seen[1:]):
        if b < a:
            raise EvaluationError(f"case {case_no}: {b_label} {b} is before {a_label} {a}")
    if f.get("correction_received_on") and not f.get("correction_requested_on"):
        raise EvaluationError(f"case {case_no}: a 补正 received needs the date it was requested")
    if f.get("correction_requested_on") and f.get("received_on") and f["correction_requested_on"] < f["received_on"]:
        raise EvaluationError(f"case {case_no}: 补正 requested before the request was received")
    if (f.get("third_party_days") or 0) < 0:
        raise EvaluationError(f"case {case_no}: third-party days must be ≥ 0")


# --- the state machine ------------------------------------------------------------------------------------
def publish(session: Session, evaluation_id: int, *, by: str, on: date, window_working_days: int,
            results: Iterable[dict[str, Any]]) -> date:
    """provisional → objections: store the provisional results and open the window (its last day returned)."""
    ev = _open(session, evaluation_id, "provisional", "publish the provisional result")
    ev.state, ev.published_on = "objections", on
    ev.objections_close = due_date(on, window_working_days)
    _store_results(session, ev.id, "provisional", results)
    _event(session, ev.id, by, "publish", {"on": on.isoformat(), "objections_close": ev.objections_close.isoformat(),
                                          "window_working_days": window_working_days})
    return ev.objections_close


def raise_objection(session: Session, evaluation_id: int, site_id: str, *, text: str, by: str, on: date,
                    item: str | None = None) -> int:
    """A unit's written objection, received on `on` (within the window)."""
    ev = _open(session, evaluation_id, "objections", "raise an objection")
    if on < ev.published_on:
        raise EvaluationError(f"objection dated {on}, before the provisional result was published ({ev.published_on})")
    if on > ev.objections_close:
        raise EvaluationError(f"the objection window closed on {ev.objections_close} (published {ev.published_on}); "
                              f"an objection received on {on} is too late")
    if not (text or "").strip():
        raise EvaluationError("an objection needs its text")
    unit = unit_of(session, ev.id, site_id)
    row = m.Objection(evaluation_id=ev.id, unit_id=unit.id, item=item, text=text.strip(), raised_by=by, raised_on=on)
    session.add(row)
    session.flush()
    _event(session, ev.id, by, "object", {"objection": row.id, "site": site_id, "item": item})
    return row.id


def objection(session: Session, objection_id: int) -> m.Objection:
    row = session.get(m.Objection, objection_id)
    if row is None:
        raise LookupError(f"objection {objection_id} does not exist")
    return row


def answer_objection(session: Session, objection_id: int, *, decision: str, text: str, by: str, on: date,
                     change: dict[str, Any] | None = None) -> None:
    """The answer to an objection. An accepted one may carry a change (new manual points, a corrected external
    deduction, a waived finding) which the caller entered with `objection_id` set."""
    row = objection(session, objection_id)
    ev = _open(session, row.evaluation_id, "objections", "answer an objection")
    if row.decision is not None:
        raise EvaluationError(f"objection {objection_id} was already answered ({row.decision}, {row.answered_on})")
    if decision not in ("accepted", "rejected"):
        raise EvaluationError("decision must be accepted or rejected")
    if change and decision != "accepted":
        raise EvaluationError("only an accepted objection changes a score")
    if on < row.raised_on:
        raise EvaluationError(f"answer dated {on}, before the objection was raised ({row.raised_on})")
    row.decision, row.answer, row.answered_by, row.answered_on = decision, text, by, on
    row.answered_at = utcnow()
    row.change = change or {}
    _event(session, ev.id, by, "answer", {"objection": row.id, "decision": decision, "change": row.change})


def finalize(session: Session, evaluation_id: int, *, by: str, on: date, results: Iterable[dict[str, Any]]) -> None:
    """objections → final: every objection answered and the window closed; the final results stored."""
    ev = _open(session, evaluation_id, "objections", "finalize")
    if on <= ev.objections_close:
        raise EvaluationError(f"the objection window is open until {ev.objections_close}: finalize after it")
    open_ = [o.id for o in objections(session, ev.id) if o.decision is None]
    if open_:
        raise EvaluationError(f"objections not answered yet: {', '.join(map(str, open_))}")
    ev.state, ev.finalized_on = "final", on
    _store_results(session, ev.id, "final", results)
    _event(session, ev.id, by, "finalize", {"on": on.isoformat()})


# --- reads --------------------------------------------------------------------------------------------------
def manual_scores(session: Session, evaluation_id: int, current: bool = True) -> list[m.ManualScore]:
    q = select(m.ManualScore).where(m.ManualScore.evaluation_id == evaluation_id)
    return list(session.scalars((q.where(m.ManualScore.current.is_(True)) if current else q).order_by(m.ManualScore.id)))


def external_deductions(session: Session, evaluation_id: int, current: bool = True) -> list[m.ExternalDeduction]:
    q = select(m.ExternalDeduction).where(m.ExternalDeduction.evaluation_id == evaluation_id)
    return list(session.scalars((q.where(m.ExternalDeduction.current.is_(True)) if current else q)
                                .order_by(m.ExternalDeduction.id)))


def request_cases(session: Session, evaluation_id: int, current: bool = True) -> list[m.RequestCase]:
    q = select(m.RequestCase).where(m.RequestCase.evaluation_id == evaluation_id)
    return list(session.scalars((q.where(m.RequestCase.current.is_(True)) if current else q).order_by(m.RequestCase.id)))


def objections(session: Session, evaluation_id: int) -> list[m.Objection]:
    return list(session.scalars(select(m.Objection).where(m.Objection.evaluation_id == evaluation_id)
                                .order_by(m.Objection.id)))


def stored_results(session: Session, evaluation_id: int, stage: str) -> list[m.EvaluationResult]:
    return list(session.scalars(select(m.EvaluationResult).where(m.EvaluationResult.evaluation_id == evaluation_id,
                                                               m.EvaluationResult.stage == stage)
                                .order_by(m.EvaluationResult.id)))


def events(session: Session, evaluation_id: int) -> list[m.EvaluationEvent]:
    return list(session.scalars(select(m.EvaluationEvent).where(m.EvaluationEvent.evaluation_id == evaluation_id)
                                .order_by(m.EvaluationEvent.id)))


def record_event(session: Session, evaluation_id: int, by: str, action: str, detail: dict[str, Any]) -> None:
    """Log an action done through the repository's other functions (an import of a 评分表 …)."""
    _event(session, get_evaluation(session, evaluation_id).id, by, action, detail)


def problem_ids(session: Session, site_id: str, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The problem (storage.problems: one per site, rule and normalised subject across runs) of each
    (rule, subject) — how an evaluation's trace names problem ids beside finding ids. A finding of a run
    not tracked yet has none."""
    known = problems.problems_of_site(session, site_id)
    out: dict[tuple[str, str], int] = {}
    for rule, subject in keys:
        problem = known.get((rule, problems.subject_key(rule, subject)))
        if problem is not None:
            out[(rule, subject)] = problem.id
    return out


# --- helpers ------------------------------------------------------------------------------------------------
def _open(session: Session, evaluation_id: int, state: str, what: str) -> m.Evaluation:
    ev = get_evaluation(session, evaluation_id)
    if ev.state != state:
        raise EvaluationError(f"evaluation {ev.id} is {ev.state}: cannot {what} (needs state {state})")
    return ev


def _entries_open(session: Session, evaluation_id: int, objection_id: int | None) -> m.Evaluation:
    """Scores are entered while provisional; after publication only as the change of an accepted objection."""
    ev = get_evaluation(session, evaluation_id)
    if objection_id is not None:
        if ev.state != "objections":
            raise EvaluationError(f"evaluation {ev.id} is {ev.state}: objection answers change scores only while "
                                  "objections are taken")
        return ev
    if ev.state != "provisional":
        raise EvaluationError(f"evaluation {ev.id} is {ev.state}: scores are entered while it is provisional; "
                              "after publication a score changes only by an accepted objection")
    return ev


def _store_results(session: Session, evaluation_id: int, stage: str, results: Iterable[dict[str, Any]]) -> None:
    for r in results:
        session.add(m.EvaluationResult(evaluation_id=evaluation_id, stage=stage, unit_id=r["unit_id"],
                                       total=r.get("total"), grade=r.get("grade"), rank=r.get("rank"),
                                       group=r["group"], complete=bool(r["complete"]), result=r["result"]))


def _event(session: Session, evaluation_id: int, actor: str, action: str, detail: dict[str, Any]) -> None:
    session.add(m.EvaluationEvent(evaluation_id=evaluation_id, actor=actor or "?", action=action, detail=detail))

