"""A run's bookkeeping: registered with its site, the fact families it gathered, how it ended."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from storage import models as m
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
                    kind=kind)
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
