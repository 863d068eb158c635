"""A site's history (变化趋势): per run its state, score, grade, vetoes and the problems open at that run.

Read-only queries over runs, scores and the problem tables (storage/problems.py writes those). A problem
is counted open at a run when it existed by then (first seen in that run or before) and its state, replayed
from its append-only events up to the moment the run was tracked, is one of `PROBLEM_OPEN_STATES`. Only a
complete run is graded: an interrupted or failed one keeps its place in the timeline with no score.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import models as m
from storage.vocabulary import PROBLEM_OPEN_STATES


@dataclass(frozen=True)
class RunPoint:
    """One run of a site in its timeline."""

    run_id: int
    as_of: date
    started_at: datetime | None
    state: str
    kind: str
    pages: int
    reused_pages: int
    total: float | None  # None: not complete, or never scored
    grade: str | None
    vetoes: tuple[str, ...]
    open_problems: dict[str, int] = field(default_factory=dict)  # rule → problems open at this run


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (stored as UTC); PostgreSQL aware ones: compare them alike."""
    from datetime import timezone

    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def site_runs(session: Session, site_id: str, *, upto_run: int | None = None) -> list[RunPoint]:
    """The site's runs, oldest first (at most up to `upto_run`), each with its score and open problems."""
    query = select(m.Run).where(m.Run.site_id == site_id).order_by(m.Run.id)
    if upto_run is not None:
        query = query.where(m.Run.id <= upto_run)
    runs = session.scalars(query).all()
    if not runs:
        return []
    ids = [r.id for r in runs]
    scores = {s.run_id: s for s in session.scalars(select(m.Score).where(m.Score.run_id.in_(ids)))}
    tracked = {t.run_id: t.tracked_at for t in session.scalars(select(m.ProblemRun).where(m.ProblemRun.run_id.in_(ids)))}
    problems = session.scalars(select(m.Problem).where(m.Problem.site_id == site_id)).all()
    events: dict[int, list[m.ProblemEvent]] = {}
    if problems:
        for e in session.scalars(select(m.ProblemEvent).where(m.ProblemEvent.problem_id.in_([p.id for p in problems]))
                                 .order_by(m.ProblemEvent.at, m.ProblemEvent.id)):
            events.setdefault(e.problem_id, []).append(e)
    points = []
    for run in runs:
        cutoff = _aware(tracked.get(run.id) or run.finished_at)
        open_rules: Counter[str] = Counter()
        if cutoff is not None:
            for p in problems:
                if p.first_run_id > run.id:
                    continue
                state = _state_at(events.get(p.id, []), cutoff, run.id)
                if state in PROBLEM_OPEN_STATES:
                    open_rules[p.rule] += 1
        score = scores.get(run.id)
        graded = score is not None and run.state == "complete"
        points.append(RunPoint(
            run_id=run.id, as_of=run.as_of, started_at=run.started_at, state=run.state, kind=run.kind,
            pages=run.pages or 0, reused_pages=int((run.stats or {}).get("reused_pages") or 0),
            total=score.total if graded else None, grade=score.grade if graded else None,
            vetoes=tuple(score.vetoes or ()) if graded else (), open_problems=dict(sorted(open_rules.items()))))
    return points


def _state_at(events: list[m.ProblemEvent], cutoff: datetime, run_id: int) -> str | None:
    """A problem's state at a moment: its newest event by then (events of this run count, whenever written)."""
    state = None
    for e in events:
        if _aware(e.at) <= cutoff or e.run_id == run_id:
            state = e.to_state
    return state
