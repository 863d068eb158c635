"""The problem repository (问题清单): the one writer of the problem tables, and their queries.

A problem is one (site, rule, normalised subject) across all runs of a site (`subject_key` is the one
normalisation). Its history is append-only: every change is a new `ProblemEvent` (actor, time, note,
evidence URL, from → to, run); `Problem.state` caches the newest event's `to_state` and is written only
here, in the same transaction as that event. Runs that saw a problem are `ProblemSighting`s; each
tracked run has a `ProblemRun` naming the run it was compared with and what it no longer found.

Readers get plain frozen records (`ProblemRecord`, `EventRecord`) whose `as_json()` uses the names of
findings.json (CONTRACT.md §4, §6), so the CLI and the HTTP API show the same shapes.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session

from storage import models as m
from storage.base import utcnow
from storage.vocabulary import (
    PROBLEM_CHANGES,
    PROBLEM_EVENT_KINDS,
    PROBLEM_OPEN_STATES,
    PROBLEM_STATES,
    REVIEW_VERDICTS,
    canonical,
    china_time,
)

# Which state may follow which (a state change is always a new event). `None` is a problem not yet created.
TRANSITIONS: dict[str | None, frozenset[str]] = {
    None: frozenset({"open"}),
    "open": frozenset({"confirmed", "false_positive", "doubtful", "rectifying", "closed"}),
    "confirmed": frozenset({"false_positive", "doubtful", "rectifying", "closed"}),
    "doubtful": frozenset({"confirmed", "false_positive", "rectifying", "closed"}),
    "false_positive": frozenset({"confirmed", "doubtful"}),
    "rectifying": frozenset({"rectified", "recheck_failed", "confirmed", "false_positive", "doubtful"}),
    "recheck_failed": frozenset({"rectifying", "confirmed", "false_positive", "doubtful", "closed"}),
    "rectified": frozenset({"open", "false_positive"}),
    "closed": frozenset({"open", "false_positive"}),
}


class TransitionError(ValueError):
    """A state change the problem's current state does not allow (or an unknown problem)."""


def subject_key(rule: str, subject: str) -> str:
    """The normalised subject that, with the site and the rule, identifies a problem across runs.

    - http(s) URLs: the canonical form of storage.vocabulary.canonical (scheme and host lower case, no
      default port, no fragment) *without the scheme* — `//host/path?query` — so a site that moves to
      HTTPS keeps its problems;
    - `platform:handle` subjects of newmedia.* rules: the platform lower case, the handle as written
      (handles are case-sensitive on some platforms);
    - anything else (footer elements such as `psb`, years, hosts): stripped and lower case.
    """
    text = " ".join((subject or "").split())
    if text.lower().startswith(("http://", "https://")):
        url = canonical(text)
        if url is not None:
            return url.split(":", 1)[1]
    if rule.startswith("newmedia.") and ":" in text:
        platform, handle = text.split(":", 1)
        return f"{platform.strip().lower()}:{handle.strip()}"
    return text.lower()


# --- records --------------------------------------------------------------------------------------
def _iso(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return china_time(value).isoformat(timespec="seconds")
    return value.isoformat()


@dataclass(frozen=True)
class EventRecord:
    """One entry of a problem's history."""

    id: int
    problem_id: int
    at: datetime
    actor: str
    kind: str
    from_state: str | None
    to_state: str
    note: str | None
    evidence_url: str | None
    run_id: int | None
    detail: dict

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "at": _iso(self.at), "actor": self.actor, "kind": self.kind, "from": self.from_state,
                "to": self.to_state, "note": self.note, "evidence_url": self.evidence_url, "run": self.run_id,
                **({"detail": self.detail} if self.detail else {})}


@dataclass(frozen=True)
class ProblemRecord:
    """A problem as listed: identity, state, when it was seen, its deadline and its current finding."""

    id: int
    site_id: str
    site_name: str
    rule: str
    subject: str
    state: str
    first_run: int
    first_seen: date
    last_run: int
    last_seen: date
    runs_seen: int
    opened_on: date
    due_on: date | None
    finding: dict | None  # the newest finding about it, in findings.json's shape
    events: tuple[EventRecord, ...] = ()

    def overdue(self, on: date) -> bool:
        """Past its 整改时限 on `on` while still asking for a fix."""
        return self.state in PROBLEM_OPEN_STATES and self.due_on is not None and on > self.due_on

    def as_json(self, on: date | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id, "site": {"id": self.site_id, "name": self.site_name}, "rule": self.rule,
            "subject": self.subject, "state": self.state, "first_seen": _iso(self.first_seen),
            "first_run": self.first_run, "last_seen": _iso(self.last_seen), "last_run": self.last_run,
            "runs_seen": self.runs_seen, "opened_on": _iso(self.opened_on), "due": _iso(self.due_on),
        }
        if on is not None:
            out["overdue"] = self.overdue(on)
        out["finding"] = self.finding
        if self.events:
            out["events"] = [e.as_json() for e in self.events]
        return out


@dataclass(frozen=True)
class ProblemPage:
    """One page of a filtered problem list, and how many problems the filter matches in all."""

    items: list[ProblemRecord]
    total: int
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class Sighting:
    problem_id: int
    run_id: int
    subject: str
    change: str
    fingerprint: str
    suppressed: bool
    finding: dict = field(default_factory=dict)


# --- writing --------------------------------------------------------------------------------------
def open_problem(session: Session, *, site_id: str, rule: str, subject: str, run_id: int, opened_on: date,
                 due_on: date | None, actor: str, note: str | None = None) -> m.Problem:
    """Create a problem (state `open`) with its first event; the caller has checked it does not exist."""
    problem = m.Problem(site_id=site_id, rule=rule, subject_key=subject_key(rule, subject), subject=subject,
                        state="open", first_run_id=run_id, last_run_id=run_id, opened_on=opened_on, due_on=due_on)
    session.add(problem)
    session.flush()
    _event(session, problem, None, "open", actor=actor, kind="audit", note=note, evidence_url=None, run_id=run_id,
           detail={})
    return problem


def transition(session: Session, problem_id: int, to_state: str, *, actor: str, kind: str, note: str | None = None,
               evidence_url: str | None = None, run_id: int | None = None, detail: dict | None = None,
               reopen: tuple[date, date | None] | None = None) -> EventRecord:
    """Move a problem to `to_state` by appending an event; `reopen=(opened_on, due_on)` restarts its deadline."""
    problem = _get(session, problem_id)
    _check(actor, kind)
    if to_state not in PROBLEM_STATES:
        raise TransitionError(f"not a problem state: {to_state!r}")
    if to_state not in TRANSITIONS[problem.state]:
        raise TransitionError(f"problem {problem_id} is {problem.state}: it cannot become {to_state}")
    from_state = problem.state
    problem.state = to_state
    if reopen is not None:
        problem.opened_on, problem.due_on = reopen
    return _record(_event(session, problem, from_state, to_state, actor=actor, kind=kind, note=note,
                          evidence_url=evidence_url, run_id=run_id, detail=detail or {}))


def note(session: Session, problem_id: int, *, actor: str, kind: str, note: str | None,
         evidence_url: str | None = None, run_id: int | None = None, detail: dict | None = None) -> EventRecord:
    """Append an event that leaves the state as it is (a unit's 整改中, a re-check that could not decide)."""
    problem = _get(session, problem_id)
    return _record(_event(session, problem, problem.state, problem.state, actor=actor, kind=kind, note=note,
                          evidence_url=evidence_url, run_id=run_id, detail=detail or {}))


def seen_in(session: Session, problem_id: int, run_id: int, subject: str) -> None:
    """The problem was seen again by this run (its newest run and subject as written)."""
    problem = _get(session, problem_id)
    if run_id >= problem.last_run_id:
        problem.last_run_id, problem.subject = run_id, subject


def replace_sightings(session: Session, run_id: int, sightings: Iterable[Sighting], previous_run_id: int | None,
                      fixed: Sequence[int]) -> None:
    """Store what a run saw (replacing an earlier tracking of the same run) and what it was compared with."""
    session.execute(delete(m.ProblemSighting).where(m.ProblemSighting.run_id == run_id))
    session.execute(delete(m.ProblemRun).where(m.ProblemRun.run_id == run_id))
    for s in sightings:
        if s.change not in PROBLEM_CHANGES:
            raise ValueError(f"not a change: {s.change!r}")
        session.add(m.ProblemSighting(problem_id=s.problem_id, run_id=run_id, subject=s.subject, change=s.change,
                                      fingerprint=s.fingerprint, suppressed=s.suppressed, finding=s.finding))
    session.add(m.ProblemRun(run_id=run_id, previous_run_id=previous_run_id, fixed=list(fixed)))
    session.flush()


def _check(actor: str, kind: str) -> None:
    """Before anything changes: an event names who made it and what kind of change it is."""
    if kind not in PROBLEM_EVENT_KINDS:
        raise ValueError(f"not an event kind: {kind!r}")
    if not (actor or "").strip():
        raise TransitionError("an event needs an actor (--by NAME)")


def _event(session: Session, problem: m.Problem, from_state: str | None, to_state: str, *, actor: str, kind: str,
           note: str | None, evidence_url: str | None, run_id: int | None, detail: dict) -> m.ProblemEvent:
    _check(actor, kind)
    event = m.ProblemEvent(problem_id=problem.id, at=utcnow(), actor=actor.strip()[:128], kind=kind,
                           from_state=from_state, to_state=to_state, note=note, evidence_url=evidence_url,
                           run_id=run_id, detail=detail)
    session.add(event)
    session.flush()
    return event


def _get(session: Session, problem_id: int) -> m.Problem:
    problem = session.get(m.Problem, problem_id)
    if problem is None:
        raise TransitionError(f"no such problem: {problem_id}")
    return problem


def _record(e: m.ProblemEvent) -> EventRecord:
    return EventRecord(id=e.id, problem_id=e.problem_id, at=e.at, actor=e.actor, kind=e.kind, from_state=e.from_state,
                       to_state=e.to_state, note=e.note, evidence_url=e.evidence_url, run_id=e.run_id,
                       detail=dict(e.detail or {}))


# --- reading --------------------------------------------------------------------------------------
def problems_of_site(session: Session, site_id: str) -> dict[tuple[str, str], m.Problem]:
    """Every problem of a site by (rule, subject_key) (for linking a run's findings; not for display)."""
    rows = session.scalars(select(m.Problem).where(m.Problem.site_id == site_id)).all()
    return {(p.rule, p.subject_key): p for p in rows}


def state_of(session: Session, problem_id: int) -> str:
    return _get(session, problem_id).state


def reviewed_fingerprints(session: Session, problem_ids: Iterable[int]) -> dict[int, str | None]:
    """For each problem, the evidence fingerprint of its newest `false_positive` decision (None if unknown)."""
    ids = list(problem_ids)
    out: dict[int, str | None] = {}
    for at in range(0, len(ids), 500):
        chunk = ids[at:at + 500]
        rows = session.scalars(select(m.ProblemEvent).where(m.ProblemEvent.problem_id.in_(chunk),
                                                            m.ProblemEvent.to_state == "false_positive")
                               .order_by(m.ProblemEvent.id)).all()
        for e in rows:
            out[e.problem_id] = (e.detail or {}).get("fingerprint")
    return out


def sightings_of_run(session: Session, run_id: int) -> list[Sighting]:
    rows = session.scalars(select(m.ProblemSighting).where(m.ProblemSighting.run_id == run_id)
                           .order_by(m.ProblemSighting.id)).all()
    return [_sighting(s) for s in rows]


def sightings_of(session: Session, problem_id: int) -> list[Sighting]:
    rows = session.scalars(select(m.ProblemSighting).where(m.ProblemSighting.problem_id == problem_id)
                           .order_by(m.ProblemSighting.run_id)).all()
    return [_sighting(s) for s in rows]


def tracking_of_run(session: Session, run_id: int) -> m.ProblemRun | None:
    """The run's comparison record, or None when its findings were never linked to problems."""
    return session.get(m.ProblemRun, run_id)


def events_of_run(session: Session, run_id: int) -> list[EventRecord]:
    rows = session.scalars(select(m.ProblemEvent).where(m.ProblemEvent.run_id == run_id)
                           .order_by(m.ProblemEvent.id)).all()
    return [_record(e) for e in rows]


def previous_complete_run(session: Session, site_id: str, before_run_id: int) -> int | None:
    """The site's newest complete full audit before this run whose findings were linked to problems."""
    return session.scalar(
        select(func.max(m.Run.id)).join(m.ProblemRun, m.ProblemRun.run_id == m.Run.id)
        .where(m.Run.site_id == site_id, m.Run.id < before_run_id, m.Run.state == "complete", m.Run.kind == "audit"))


def newest_tracked_audit(session: Session, site_id: str) -> int | None:
    """The site's newest full audit whose findings were linked to problems (any state)."""
    return session.scalar(select(func.max(m.Run.id)).join(m.ProblemRun, m.ProblemRun.run_id == m.Run.id)
                          .where(m.Run.site_id == site_id, m.Run.kind == "audit"))


def get_problem(session: Session, problem_id: int, with_events: bool = True) -> ProblemRecord:
    """One problem with its history (raises TransitionError when there is no such problem)."""
    _get(session, problem_id)
    return list_problems(session, ids=[problem_id], with_events=with_events).items[0]


def list_problems(session: Session, *, sites: Sequence[str] = (), states: Sequence[str] = (),
                  rules: Sequence[str] = (), ids: Sequence[int] = (), overdue_on: date | None = None,
                  limit: int | None = None, offset: int = 0, with_events: bool = False) -> ProblemPage:
    """Problems matching every given filter (a rule filter matches ids and id prefixes such as `link.`),
    ordered by site and id; `overdue_on` keeps those past their 整改时限 on that day."""
    query = select(m.Problem)
    if sites:
        query = query.where(m.Problem.site_id.in_(list(sites)))
    if states:
        query = query.where(m.Problem.state.in_(list(states)))
    if ids:
        query = query.where(m.Problem.id.in_(list(ids)))
    if rules:
        exact = [r for r in rules if not r.endswith(".")]
        prefixes = [r for r in rules if r.endswith(".")]
        conds = [m.Problem.rule.in_(exact)] if exact else []
        conds += [m.Problem.rule.startswith(p) for p in prefixes]
        query = query.where(or_(*conds))
    if overdue_on is not None:
        query = query.where(m.Problem.state.in_(PROBLEM_OPEN_STATES), m.Problem.due_on.is_not(None),
                            m.Problem.due_on < overdue_on)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    query = query.order_by(m.Problem.site_id, m.Problem.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    problems = session.scalars(query).all()
    return ProblemPage(items=_records(session, problems, with_events), total=total, offset=offset, limit=limit)


def _records(session: Session, problems: Sequence[m.Problem], with_events: bool) -> list[ProblemRecord]:
    if not problems:
        return []
    ids = [p.id for p in problems]
    run_ids = {r for p in problems for r in (p.first_run_id, p.last_run_id)}
    as_of = dict(session.execute(select(m.Run.id, m.Run.as_of).where(m.Run.id.in_(run_ids))).all())
    names = dict(session.execute(select(m.Site.id, m.Site.name)
                                 .where(m.Site.id.in_({p.site_id for p in problems}))).all())
    seen = dict(session.execute(
        select(m.ProblemSighting.problem_id, func.count()).join(m.Run, m.Run.id == m.ProblemSighting.run_id)
        .where(m.ProblemSighting.problem_id.in_(ids), m.Run.kind == "audit")
        .group_by(m.ProblemSighting.problem_id)).all())
    findings = latest_findings(session, problems)
    events: dict[int, list[EventRecord]] = {}
    if with_events:
        for e in session.scalars(select(m.ProblemEvent).where(m.ProblemEvent.problem_id.in_(ids))
                                 .order_by(m.ProblemEvent.id)):
            events.setdefault(e.problem_id, []).append(_record(e))
    out = []
    for p in problems:
        out.append(ProblemRecord(
            id=p.id, site_id=p.site_id, site_name=names.get(p.site_id, p.site_id), rule=p.rule, subject=p.subject,
            state=p.state, first_run=p.first_run_id, first_seen=as_of[p.first_run_id], last_run=p.last_run_id,
            last_seen=as_of[p.last_run_id], runs_seen=seen.get(p.id, 0), opened_on=p.opened_on, due_on=p.due_on,
            finding=findings.get(p.id), events=tuple(events.get(p.id, ()))))
    return out


def latest_findings(session: Session, problems: Sequence[m.Problem]) -> dict[int, dict]:
    """The newest finding about each problem, in findings.json's shape (a suppressed one from its sighting)."""
    out: dict[int, dict] = {}
    by_id = {p.id: p for p in problems}
    ids = list(by_id)
    for at in range(0, len(ids), 500):
        chunk = ids[at:at + 500]
        newest = (select(m.ProblemSighting.problem_id, func.max(m.ProblemSighting.run_id).label("run_id"))
                  .where(m.ProblemSighting.problem_id.in_(chunk)).group_by(m.ProblemSighting.problem_id).subquery())
        sightings = session.scalars(select(m.ProblemSighting).join(
            newest, and_(m.ProblemSighting.problem_id == newest.c.problem_id,
                         m.ProblemSighting.run_id == newest.c.run_id))).all()
        by_run: dict[int, list[m.ProblemSighting]] = {}
        for s in sightings:
            if s.suppressed:
                if s.finding:
                    out[s.problem_id] = dict(s.finding)
            else:
                by_run.setdefault(s.run_id, []).append(s)
        for run_id, group in by_run.items():
            subjects = sorted({s.subject for s in group})
            index = {(f.rule, f.subject): f for f in session.scalars(
                select(m.Finding).where(m.Finding.run_id == run_id, m.Finding.subject.in_(subjects)))}
            for s in group:
                f = index.get((by_id[s.problem_id].rule, s.subject))
                if f is not None:
                    out[s.problem_id] = {"rule": f.rule, "subject": f.subject, "severity": f.severity, "page": f.page,
                                         "message": f.message, "evidence": f.evidence,
                                         **({"screenshot": f.screenshot} if f.screenshot else {}), "run": run_id}
    return out


def _sighting(s: m.ProblemSighting) -> Sighting:
    return Sighting(problem_id=s.problem_id, run_id=s.run_id, subject=s.subject, change=s.change,
                    fingerprint=s.fingerprint, suppressed=s.suppressed, finding=dict(s.finding or {}))


def review(session: Session, problem_id: int, verdict: str, *, actor: str, note: str | None = None) -> EventRecord:
    """A reviewer's decision (confirmed | false_positive | doubtful), remembering the evidence it was made on:
    a false positive stays suppressed while later findings carry the same fingerprint."""
    if verdict not in REVIEW_VERDICTS:
        raise TransitionError(f"not a review verdict: {verdict!r} (one of {', '.join(REVIEW_VERDICTS)})")
    seen = sightings_of(session, problem_id)
    detail = {"fingerprint": seen[-1].fingerprint, "run": seen[-1].run_id} if seen else {}
    return transition(session, problem_id, verdict, actor=actor, kind="review", note=note, detail=detail)
