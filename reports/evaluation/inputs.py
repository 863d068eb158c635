"""What an evaluation's result is computed from, read from storage into plain data (no session beyond here).

Per unit: its attached run (state, how it was judged), the run's stored rule results and findings (with
their ids: every machine point traces to a finding), the run's 在线申请 check, the current manual
scores, external deductions and 依申请公开 test cases, and the findings that accepted objections waived.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from checks.base import Finding, RuleResult, Status
from reports.scheme import Scheme, load_scheme
from storage import evaluations as repo
from storage import models as m
from storage.facts.requests import ApplyChannelFact
from storage.snapshot import gathered_families


@dataclass
class RunInfo:
    id: int
    state: str
    judged_scheme: str | None
    judged_as_of: date | None
    families: frozenset[str]


@dataclass
class Entry:
    """A manual score or external deduction as entered (who, what, where from)."""

    id: int
    item: str
    points: float
    by: str
    role: str | None = None  # manual scores: the scorer's role
    scorer: str | None = None
    document: str | None = None  # external deductions
    note: str | None = None
    attachment: str | None = None
    source: str | None = None
    objection: int | None = None


@dataclass
class Case:
    """A 依申请公开 test case (storage.models.RequestCase as plain data)."""

    id: int
    case_no: str
    channel: str
    sent_on: date
    channel_ok: bool = True
    received_on: date | None = None
    tracking_no: str | None = None
    correction_requested_on: date | None = None
    correction_received_on: date | None = None
    third_party_days: int = 0
    extended_on: date | None = None
    replied_on: date | None = None
    reply_type: str | None = None
    expected_type: str | None = None
    checklist: dict[str, bool] = field(default_factory=dict)
    attachments: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass
class UnitInputs:
    unit_id: int
    site_id: str
    name: str
    kind: str
    group: str
    run: RunInfo | None = None
    results: dict[str, RuleResult] = field(default_factory=dict)
    finding_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    problem_ids: dict[tuple[str, str], int] = field(default_factory=dict)
    apply: ApplyChannelFact | None = None
    manual: list[Entry] = field(default_factory=list)
    external: list[Entry] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    waived: dict[int, int] = field(default_factory=dict)  # finding id → the objection that waived it


@dataclass
class EvaluationInputs:
    id: int
    name: str
    scheme: Scheme
    as_of: date
    state: str
    period: str | None
    published_on: date | None
    objections_close: date | None
    finalized_on: date | None
    units: list[UnitInputs]
    objections: list[dict[str, Any]]


def load_inputs(session: Session, evaluation_id: int) -> EvaluationInputs:
    """Everything the result of an evaluation depends on."""
    ev = repo.get_evaluation(session, evaluation_id)
    scheme = load_scheme(ev.scheme)
    manual = _group(repo.manual_scores(session, ev.id), lambda r: Entry(
        id=r.id, item=r.item, points=r.points, by=r.entered_by, role=r.role, scorer=r.scorer, note=r.note,
        attachment=r.attachment, source=r.source, objection=r.objection_id))
    external = _group(repo.external_deductions(session, ev.id), lambda r: Entry(
        id=r.id, item=r.item, points=r.points, by=r.entered_by, document=r.document, note=r.note,
        attachment=r.attachment, source=r.source, objection=r.objection_id))
    cases = _group(repo.request_cases(session, ev.id), lambda r: Case(
        id=r.id, case_no=r.case_no, channel=r.channel, sent_on=r.sent_on, channel_ok=r.channel_ok,
        received_on=r.received_on, tracking_no=r.tracking_no, correction_requested_on=r.correction_requested_on,
        correction_received_on=r.correction_received_on, third_party_days=r.third_party_days or 0,
        extended_on=r.extended_on, replied_on=r.replied_on, reply_type=r.reply_type, expected_type=r.expected_type,
        checklist=dict(r.checklist or {}), attachments=list(r.attachments or []), note=r.note))
    objections = repo.objections(session, ev.id)
    waived: dict[int, dict[int, int]] = {}
    for o in objections:
        if o.decision == "accepted" and (o.change or {}).get("waive_finding"):
            waived.setdefault(o.unit_id, {})[int(o.change["waive_finding"])] = o.id
    out = []
    for u in repo.units(session, ev.id):
        ui = UnitInputs(unit_id=u.id, site_id=u.site_id, name=u.name, kind=u.kind, group=u.group,
                        manual=manual.get(u.id, []), external=external.get(u.id, []), cases=cases.get(u.id, []),
                        waived=waived.get(u.id, {}))
        if u.run_id is not None:
            _load_run(session, u.run_id, ui)
        out.append(ui)
    units_by_id = {u.unit_id: u for u in out}
    return EvaluationInputs(
        id=ev.id, name=ev.name, scheme=scheme, as_of=ev.as_of, state=ev.state, period=ev.period,
        published_on=ev.published_on, objections_close=ev.objections_close, finalized_on=ev.finalized_on, units=out,
        objections=[{"id": o.id, "site": units_by_id[o.unit_id].site_id, "item": o.item, "text": o.text,
                     "raised_by": o.raised_by, "raised_on": o.raised_on.isoformat(), "decision": o.decision,
                     "answer": o.answer, "answered_by": o.answered_by,
                     "answered_on": o.answered_on.isoformat() if o.answered_on else None, "change": dict(o.change or {})}
                    for o in objections])


def _load_run(session: Session, run_id: int, ui: UnitInputs) -> None:
    run = session.get(m.Run, run_id)
    judgement = session.get(m.Judgement, run_id)
    ui.run = RunInfo(id=run.id, state=run.state, judged_scheme=judgement.scheme if judgement else None,
                     judged_as_of=judgement.as_of if judgement else None, families=gathered_families(run))
    findings: dict[str, list[Finding]] = {}
    for f in session.scalars(select(m.Finding).where(m.Finding.run_id == run_id).order_by(m.Finding.id)):
        findings.setdefault(f.rule, []).append(Finding(rule=f.rule, subject=f.subject, message=f.message, page=f.page,
                                                       evidence=dict(f.evidence or {}), screenshot=f.screenshot))
        ui.finding_ids[(f.rule, f.subject)] = f.id
    for r in session.scalars(select(m.RuleOutcome).where(m.RuleOutcome.run_id == run_id)):
        ui.results[r.rule] = RuleResult(Status(r.status), findings.get(r.rule, []), r.reason)
    ui.problem_ids = repo.problem_ids(session, run.site_id, ui.finding_ids)
    fact = session.scalars(select(m.ApplyChannel).where(m.ApplyChannel.run_id == run_id)
                           .order_by(m.ApplyChannel.id.desc())).first()
    if fact is not None:
        table = ApplyChannelFact.__fact_table__
        ui.apply = table.load({name: getattr(fact, name) for name in table.fields})


def _group(rows, convert) -> dict[int, list]:  # noqa: ANN001
    out: dict[int, list] = {}
    for r in rows:
        out.setdefault(r.unit_id, []).append(convert(r))
    return out
