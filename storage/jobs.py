"""Runs started by queue jobs (`govaudit worker`, docs/scale.md): each carries its job's key in
`run.options["job"]`, so a redelivered job finds the attempts before it.

A lost attempt is closed by the one stale-run reaper's `storage.runs.interrupt()`: here it is known
lost at once (the caller holds the host lock a live attempt would hold), while `reap_stale_runs()`
finds it by its dead pid or stopped heartbeat.
"""
from __future__ import annotations

from sqlalchemy import select

from storage import models as m
from storage.runs import JOB_LOST, interrupt
from storage.session import session_scope

ABANDONED = JOB_LOST


def _runs_of(session, site_id: str, job_key: str) -> list[m.Run]:  # noqa: ANN001
    runs = session.scalars(select(m.Run).where(m.Run.site_id == site_id).order_by(m.Run.id)).all()
    return [r for r in runs if (r.options or {}).get("job") == job_key]


def completed_run(db_url: str, site_id: str, job_key: str) -> int | None:
    """The id of this job's complete run, if an earlier attempt finished it (then the job is done)."""
    with session_scope(db_url) as session:
        done = [r.id for r in _runs_of(session, site_id, job_key) if r.state == "complete"]
    return done[0] if done else None


def abandon_attempts(db_url: str, site_id: str, job_key: str) -> list[int]:
    """Mark this job's runs still `running` as `interrupted` (their worker is gone: the caller holds the
    site's host lock, which a live attempt would hold); returns the ids of this job's runs lost with their
    worker — marked now, or already by the stale-run reaper (e.g. at a worker's start)."""
    with session_scope(db_url) as session:
        runs = _runs_of(session, site_id, job_key)
        for run in runs:
            if run.state == "running":
                interrupt(session, run, ABANDONED, "worker_lost")
        return [r.id for r in runs if r.state == "interrupted" and (r.stats or {}).get("close_reason") == "worker_lost"]
