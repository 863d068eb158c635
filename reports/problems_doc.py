"""What findings.json says about problems across runs (CONTRACT.md §6): each finding's `problem`, the
run's `diff` against the site's previous complete run, the `suppressed` false positives (the report's
appendix) and, for a re-check run, the `recheck` outcome of every claimed problem.

A run whose findings were never linked to problems (stored before issue 14) gets none of these keys.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import models as m
from storage import problems as repo
from storage.problems import subject_key
from storage.vocabulary import PROBLEM_CHANGES


def attach_problems(session: Session, run: m.Run, as_of: date, doc: dict[str, Any]) -> None:
    """Add the problem keys to a run's findings document (in place)."""
    tracking = repo.tracking_of_run(session, run.id)
    if tracking is None:
        return
    sightings = repo.sightings_of_run(session, run.id)
    fixed = list(tracking.fixed or [])
    events = repo.events_of_run(session, run.id) if run.kind == "recheck" else []
    ids = sorted({s.problem_id for s in sightings} | set(fixed) | {e.problem_id for e in events})
    records = {r.id: r for r in repo.list_problems(session, ids=ids, with_events=True).items} if ids else {}
    seen = _runs_seen(session, ids, run.id)
    by_key = {(records[s.problem_id].rule, subject_key(records[s.problem_id].rule, s.subject)): s
              for s in sightings if not s.suppressed}

    def block(pid: int, change: str | None) -> dict[str, Any]:
        r = records[pid]
        out = {"id": pid, "state": r.state, "first_seen": r.first_seen.isoformat(), "runs_seen": seen.get(pid, 0)}
        if change is not None:
            out["change"] = change
        out.update({"due": r.due_on.isoformat() if r.due_on else None, "overdue": r.overdue(as_of)})
        return out

    for f in doc["findings"]:
        s = by_key.get((f["rule"], subject_key(f["rule"], f["subject"])))
        if s is not None:
            f["problem"] = block(s.problem_id, s.change)
    counts = Counter(s.change for s in sightings if not s.suppressed)
    doc["diff"] = {"previous_run": tracking.previous_run_id, **{c: counts.get(c, 0) for c in PROBLEM_CHANGES},
                   "fixed": [{"problem": pid, "rule": records[pid].rule, "subject": records[pid].subject,
                              "state": records[pid].state} for pid in fixed if pid in records]}
    doc["suppressed"] = [_suppressed(s, records[s.problem_id], block(s.problem_id, s.change))
                         for s in sightings if s.suppressed]
    if run.kind == "recheck":
        doc["recheck"] = [_outcome(e, records[e.problem_id]) for e in events if e.kind == "recheck"]


def _runs_seen(session: Session, ids: list[int], run_id: int) -> dict[int, int]:
    """How many full audits up to this run saw each problem (a past run's document stays as it was)."""
    if not ids:
        return {}
    rows = session.execute(
        select(m.ProblemSighting.problem_id, func.count()).join(m.Run, m.Run.id == m.ProblemSighting.run_id)
        .where(m.ProblemSighting.problem_id.in_(ids), m.ProblemSighting.run_id <= run_id, m.Run.kind == "audit")
        .group_by(m.ProblemSighting.problem_id)).all()
    return dict(rows)


def _suppressed(s: repo.Sighting, record: repo.ProblemRecord, problem: dict[str, Any]) -> dict[str, Any]:
    """A reviewed false positive left out of this run: the finding as found, and the review that decided it."""
    review = next((e for e in reversed(record.events) if e.to_state == "false_positive"), None)
    return {**s.finding, "problem": problem,
            "review": {"by": review.actor, "at": review.as_json()["at"], "note": review.note} if review else None}


def _outcome(e: repo.EventRecord, record: repo.ProblemRecord) -> dict[str, Any]:
    result = e.to_state if e.to_state != e.from_state else "not_measured"
    return {"problem": e.problem_id, "rule": record.rule, "subject": record.subject, "result": result,
            "state": record.state, "reason": e.note, "evidence_url": e.evidence_url, **({"detail": e.detail}
                                                                                        if e.detail else {})}
