"""A run's bookkeeping: registered with its site, the fact families it gathered, how it ended — and the
one stale-run reaper: a run whose process is gone is `interrupted`, never `running` forever.

A run records the process that runs it (`run.pid`, `run.host`) and beats (`run.heartbeat_at`) every
`GOVAUDIT_RUN_HEARTBEAT_S` (30 s) while that process lives (`keep_alive()`). `reap_stale_runs()`, called
at the start of every audit, re-check, scheduled job and queue worker, marks `interrupted` each
`running` run whose process is gone: on this machine, a pid that no longer exists (or is a zombie);
anywhere, a heartbeat older than `GOVAUDIT_RUN_STALE_S` (600 s). The queue's redelivered jobs
(storage/jobs.py) interrupt their lost attempts through the same `interrupt()`.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage import models as m
from storage.crawlset import count_pages
from storage.base import utcnow
from storage.session import session_scope
from storage.vocabulary import RUN_KINDS, RUN_STATES, SPINE_FACTS


def start_run(db_url: str, site: dict[str, Any], as_of: date, options: dict[str, Any], kind: str = "audit") -> int:
    """Register (or update) the site from its registry entry and open a `running` run of `kind` (audit |
    recheck); returns its id."""
    if kind not in RUN_KINDS:
        raise ValueError(f"not a run kind: {kind!r}")
    with session_scope(db_url) as session:
        session.merge(m.Site(id=site["id"], name=site["name"], url=site["url"], kind=site.get("kind") or "portal",
                             unit=site.get("unit"), config=site))
        session.flush()
        run = m.Run(site_id=site["id"], as_of=as_of, homepage_url=site["url"], state="running", options=options,
                    kind=kind, pid=os.getpid(), host=this_host(), heartbeat_at=utcnow())
        session.add(run)
        session.flush()
        return run.id


def mark_gathered(session: Session, run_id: int, families: list[str] | tuple[str, ...]) -> None:
    """Add fact families to those the run gathered (rules reading a family not gathered are not_measured)."""
    run = session.get(m.Run, run_id)
    if run is None or not families:
        return
    stats = dict(run.stats or {})
    stats["facts"] = list(dict.fromkeys([*(stats.get("facts") or SPINE_FACTS), *families]))
    run.stats = stats


def finish_run(db_url: str, run_id: int, state: str, *, pages: int | None = None, stats: dict | None = None,
               error: str | None = None) -> None:
    """Close a run: its final state, counters merged into its stats, and the reason when it failed."""
    if state not in RUN_STATES:
        raise ValueError(f"not a run state: {state!r}")
    with session_scope(db_url) as session:
        run = session.get(m.Run, run_id)
        run.state = state
        run.finished_at = utcnow()
        if pages is not None:
            run.pages = pages
        if stats:
            run.stats = {**(run.stats or {}), **stats}
        if error is not None:
            run.error = error


def update_stats(db_url: str, run_id: int, **values: Any) -> None:
    """Merge counters into a run's stats (a gatherer's summary: accounts read, columns found …)."""
    with session_scope(db_url) as session:
        run = session.get(m.Run, run_id)
        if run is not None:
            run.stats = {**(run.stats or {}), **values}


def note_step_error(db_url: str, run_id: int, step: str, error: str) -> None:
    """Keep why a step failed for this run (stats["step_errors"][step]); the audit of other sites goes on."""
    with session_scope(db_url) as session:
        run = session.get(m.Run, run_id)
        if run is not None:
            stats = dict(run.stats or {})
            stats["step_errors"] = {**(stats.get("step_errors") or {}), step: error[:500]}
            run.stats = stats


# --- liveness: the heartbeat and the stale-run reaper -----------------------------------------------
log = logging.getLogger(__name__)

LOST = "the process running it ended without closing it (killed, out of memory, machine down)"
# a queue job's run (run.options["job"]) whose process was lost: its worker was (storage/jobs.py)
JOB_LOST = "the queue worker running this job was lost (killed or cut off); the job was redelivered"


def heartbeat_s() -> float:
    return float(os.environ.get("GOVAUDIT_RUN_HEARTBEAT_S") or 30)


def stale_s() -> float:
    return float(os.environ.get("GOVAUDIT_RUN_STALE_S") or 600)


def this_host() -> str:
    return socket.gethostname()[:255]


def pid_alive(pid: int) -> bool:
    """Whether a process of this machine with this id exists and is not a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=timezone.utc) if at is not None and at.tzinfo is None else at


def is_stale(run: m.Run, now: datetime, host: str, stale_after_s: float) -> bool:
    """A `running` run whose process is gone: this machine's pid is dead, or it has not beaten for
    `stale_after_s` (other machines', and a reused pid here)."""
    if run.host == host and run.pid is not None and not pid_alive(run.pid):
        return True
    last = _aware(run.heartbeat_at) or _aware(run.started_at)
    return last is None or now - last > timedelta(seconds=stale_after_s)


def interrupt(session: Session, run: m.Run, reason: str, close_reason: str) -> None:
    """Close a run whose process was lost: `interrupted`, with the pages it stored."""
    run.state = "interrupted"
    run.finished_at = utcnow()
    run.error = reason
    run.pages = count_pages(session, run.id, m.Page.crawled.is_(True))
    run.stats = {**(run.stats or {}), "close_reason": close_reason}


def reap_stale_runs(db_url: str, stale_after_s: float | None = None) -> list[int]:
    """Mark `interrupted` every `running` run whose process is gone (see the module docstring); returns
    their ids. Runs of live processes — here or elsewhere — are left alone."""
    stale_after_s = stale_s() if stale_after_s is None else stale_after_s
    now, host = utcnow(), this_host()
    with session_scope(db_url) as session:
        reaped = [r for r in session.scalars(select(m.Run).where(m.Run.state == "running").order_by(m.Run.id))
                  if is_stale(r, now, host, stale_after_s)]
        for run in reaped:
            if (run.options or {}).get("job"):
                interrupt(session, run, JOB_LOST, "worker_lost")
            else:
                interrupt(session, run, LOST, "process_lost")
    if reaped:
        log.warning("marked %d run(s) of lost processes interrupted: %s", len(reaped),
                    ", ".join(str(r.id) for r in reaped))
    return [r.id for r in reaped]


def beat(db_url: str, pid: int | None = None, host: str | None = None) -> int:
    """Mark this process's `running` runs alive now; returns how many."""
    with session_scope(db_url) as session:
        return session.execute(update(m.Run).where(
            m.Run.state == "running", m.Run.pid == (pid or os.getpid()), m.Run.host == (host or this_host()))
            .values(heartbeat_at=utcnow())).rowcount


@contextmanager
def keep_alive(db_url: str, interval_s: float | None = None) -> Iterator[None]:
    """Beat this process's `running` runs from a thread while the body runs (a failed beat is logged;
    the next one tries again)."""
    interval_s = heartbeat_s() if interval_s is None else interval_s
    done = threading.Event()

    def beating() -> None:
        while not done.wait(interval_s):
            try:
                beat(db_url)
            except Exception as exc:  # noqa: BLE001 - a busy or unreachable database: beat again later
                log.warning("run heartbeat failed: %s: %s", type(exc).__name__, str(exc).splitlines()[0][:200])

    thread = threading.Thread(target=beating, name="run-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
