"""Retention (`govaudit prune`, docs/history.md): old runs thinned daily → weekly → monthly, with their rows,
their evidence files and the page bodies no page points to any more.

Which runs stay is decided per site from each run's 监测时间点 (`as_of`) against the day of the pruning:

- the last `daily` days: one run per day;
- the `weekly` weeks before that: one run per ISO week;
- the `monthly` calendar months before that: one run per month;
- older: none.

The run kept for a day, week or month is its newest *complete* audit (else its newest run), so the last
graded run of every quarter inside the windows survives (the 通报 and history's previous-quarter delta read
it). Whatever the windows say, a run is never removed when it is

- the newest complete audit of its site (what the next incremental audit reuses and the reports show),
- still `running`, or not an audit (re-check runs are the evidence of a problem's re-check),
- referenced by a problem: the first and the last run of every problem, and for a problem not closed
  (every state but closed / rectified / false_positive) every run its events name and the run of its
  newest sighting (the finding its list shows),
- referenced by an evaluation (`evaluation_unit.run_id`) or by a monitor baseline (`source_run_id`),
- referenced from any other table through a foreign key without ON DELETE (the database would refuse).

A removed run's rows go table by table along the foreign keys of the metadata (CASCADE rows deleted, SET
NULL references cleared), so nothing depends on the database's own cascades. Its evidence files (the
`evidence/…` names its rows carry, under the run's `stats.browser.evidence_dir`) are deleted when no kept
run names the same file. Page bodies (`body_blob`, content-addressed) that no page points to any more are
deleted — unless a run is still `running` (its writer may be about to point at one): the next prune takes
them. Everything is one transaction; the files go after it committed. The action is logged in `audit_log`.

Written only here (tests/test_layers.py lists this module among the writers).
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Table, delete, func, select, text, update
from sqlalchemy.orm import Session

from storage import models as m
from storage.base import Base
from storage.session import make_engine, session_scope

log = logging.getLogger(__name__)

# Problem states whose problem is no longer pursued: only its first and last run stay referenced.
SETTLED_STATES = ("closed", "rectified", "false_positive")


@dataclass(frozen=True)
class Policy:
    """The windows (docs/history.md "Retention"; all three are project choices [U])."""

    daily: int = 31  # days: one run per day
    weekly: int = 13  # weeks before those days: one run per ISO week
    monthly: int = 12  # calendar months before those weeks: one run per month

    def __post_init__(self) -> None:
        for name in ("daily", "weekly", "monthly"):
            if getattr(self, name) < 0:
                raise ValueError(f"retention.{name} must be ≥ 0, not {getattr(self, name)}")


def bucket(as_of: date, today: date, policy: Policy) -> tuple | None:
    """The day, week or month a run of this 监测时间点 is thinned to, or None when it is older than every window."""
    day_start = today - timedelta(days=policy.daily - 1) if policy.daily else today + timedelta(days=1)
    if as_of >= day_start:
        return ("day", as_of)
    week_start = day_start - timedelta(weeks=policy.weekly)
    if as_of >= week_start:
        year, week, _ = as_of.isocalendar()
        return ("week", year, week)
    if policy.monthly:
        months = week_start.year * 12 + week_start.month - 1 - (policy.monthly - 1)
        if as_of >= date(months // 12, months % 12 + 1, 1):
            return ("month", as_of.year, as_of.month)
    return None


@dataclass
class RunDecision:
    run_id: int
    site_id: str
    as_of: date
    state: str
    kind: str
    keep: bool
    reason: str  # day | week | month (the run kept for its bucket) | latest | running | recheck | problem | … | thinned | expired

    def as_json(self) -> dict[str, Any]:
        return {"run": self.run_id, "site": self.site_id, "as_of": self.as_of.isoformat(), "state": self.state,
                "kind": self.kind, "keep": self.keep, "reason": self.reason}


@dataclass
class PrunePlan:
    today: date
    policy: Policy
    runs: list[RunDecision]
    files: list[str] = field(default_factory=list)  # evidence files to delete (absolute paths)
    blobs: int = 0  # page bodies no page would point to any more
    blobs_deferred: str | None = None  # why bodies are not collected this time

    @property
    def doomed(self) -> list[RunDecision]:
        return [r for r in self.runs if not r.keep]

    def as_json(self) -> dict[str, Any]:
        return {"schema": "govaudit.prune/1", "as_of": self.today.isoformat(),
                "policy": {"daily": self.policy.daily, "weekly": self.policy.weekly, "monthly": self.policy.monthly},
                "runs": [r.as_json() for r in self.runs],
                "removed_runs": [r.run_id for r in self.doomed], "files": self.files, "bodies": self.blobs,
                **({"bodies_deferred": self.blobs_deferred} if self.blobs_deferred else {})}


# --- what stays -----------------------------------------------------------------------------------
def _restricting_refs(session: Session) -> set[int]:
    """Runs some row references through a foreign key without ON DELETE (problem.first_run_id …)."""
    refs: set[int] = set()
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "run" and fk.column.name == "id" and not fk.ondelete:
                refs |= {r for r in session.scalars(select(fk.parent).where(fk.parent.is_not(None)).distinct())}
    return refs


def protected_runs(session: Session, site_ids: Sequence[str] | None = None) -> dict[int, str]:
    """Run id → why it is never removed (see the module's docstring)."""
    keep: dict[int, str] = {}

    def add(ids, reason: str) -> None:  # noqa: ANN001
        for run_id in ids:
            if run_id is not None:
                keep.setdefault(int(run_id), reason)

    runs = select(m.Run.id, m.Run.site_id, m.Run.as_of, m.Run.state, m.Run.kind)
    if site_ids:
        runs = runs.where(m.Run.site_id.in_(list(site_ids)))
    newest: dict[str, tuple] = {}
    for run_id, site_id, as_of, state, kind in session.execute(runs):
        if state == "running":
            add([run_id], "running")
        elif kind != "audit":
            add([run_id], kind)
        elif state == "complete" and (as_of, run_id) > newest.get(site_id, (date.min, 0)):
            newest[site_id] = (as_of, run_id)
    newest_id = dict(session.execute(select(m.Run.site_id, func.max(m.Run.id)).where(
        m.Run.kind == "audit", m.Run.state == "complete").group_by(m.Run.site_id)).all())
    add([v[1] for v in newest.values()], "latest")
    add(newest_id.values(), "latest")
    add(session.scalars(select(m.Problem.first_run_id)), "problem")
    add(session.scalars(select(m.Problem.last_run_id)), "problem")
    live = select(m.Problem.id).where(m.Problem.state.not_in(SETTLED_STATES))
    add(session.scalars(select(m.ProblemEvent.run_id).where(m.ProblemEvent.problem_id.in_(live))), "problem")
    add(session.scalars(select(func.max(m.ProblemSighting.run_id)).where(m.ProblemSighting.problem_id.in_(live))
                        .group_by(m.ProblemSighting.problem_id)), "problem")
    add(session.scalars(select(m.EvaluationUnit.run_id)), "evaluation")
    add(session.scalars(select(m.MonitorBaseline.source_run_id)), "baseline")
    add(_restricting_refs(session), "referenced")
    return keep


def plan(session: Session, today: date, policy: Policy = Policy(), sites: Sequence[str] = ()) -> PrunePlan:
    """Which runs of the sites (all when empty) stay and which go, the files and bodies that go with them."""
    protected = protected_runs(session, sites or None)
    query = select(m.Run.id, m.Run.site_id, m.Run.as_of, m.Run.state, m.Run.kind).order_by(m.Run.site_id, m.Run.id)
    if sites:
        query = query.where(m.Run.site_id.in_(list(sites)))
    rows = session.execute(query).all()
    chosen: dict[tuple, tuple] = {}  # (site, bucket) → the best (complete?, as_of, id) so far
    for run_id, site_id, as_of, state, kind in rows:
        b = bucket(as_of, today, policy)
        if b is None or kind != "audit" or state == "running":
            continue
        rank = (state == "complete", as_of, run_id)
        if rank > chosen.get((site_id, b), (False, date.min, 0)):
            chosen[(site_id, b)] = rank
    kept_for = {(site, rank[2]): b[0] for (site, b), rank in chosen.items()}
    decisions = []
    for run_id, site_id, as_of, state, kind in rows:
        if run_id in protected:
            keep, reason = True, protected[run_id]
        elif (site_id, run_id) in kept_for:
            keep, reason = True, kept_for[(site_id, run_id)]
        else:
            keep, reason = False, "thinned" if bucket(as_of, today, policy) else "expired"
        decisions.append(RunDecision(run_id, site_id, as_of, state, kind, keep, reason))
    result = PrunePlan(today, policy, decisions)
    doomed = [d.run_id for d in result.doomed]
    result.files = _doomed_files(session, doomed, [d.run_id for d in decisions if d.keep])
    running = session.scalar(select(m.Run.id).where(m.Run.state == "running").limit(1))
    if running is not None:
        result.blobs_deferred = f"run {running} is running"
    else:
        result.blobs = _orphaned_blobs(session, doomed)
    return result


# --- evidence files -------------------------------------------------------------------------------
def _evidence_columns() -> list:
    """Columns of run-owned tables that name an evidence file (`evidence/<name>`)."""
    cols = []
    for table in Base.metadata.sorted_tables:
        if "run_id" not in table.c:
            continue
        for name in ("screenshot", "path") if table.name == "evidence_shot" else ("screenshot",):
            if name in table.c:
                cols.append(table.c[name])
    return cols


def _files_of(session: Session, run_ids: Sequence[int]) -> dict[str, set[int]]:
    """Absolute evidence file path → the runs (of these) naming it."""
    out: dict[str, set[int]] = {}
    dirs: dict[int, Path] = {}
    for chunk in _chunks(run_ids):
        for run_id, stats in session.execute(select(m.Run.id, m.Run.stats).where(m.Run.id.in_(chunk))):
            browser = (stats or {}).get("browser") or {}
            if browser.get("evidence_dir"):
                dirs[run_id] = Path(browser["evidence_dir"])
                home = (browser.get("homepage") or {}).get("screenshot")
                _name(out, dirs[run_id], home, run_id)
        for col in _evidence_columns():
            run_col = col.table.c["run_id"]
            for run_id, value in session.execute(select(run_col, col).where(run_col.in_(chunk), col.is_not(None))):
                if run_id in dirs:
                    _name(out, dirs[run_id], value, run_id)
        finding_runs = select(m.Finding.run_id, m.Finding.screenshot).where(m.Finding.run_id.in_(chunk),
                                                                          m.Finding.screenshot.is_not(None))
        for run_id, value in session.execute(finding_runs):
            if run_id in dirs:
                _name(out, dirs[run_id], value, run_id)
    return out


def _name(out: dict[str, set[int]], folder: Path, value: str | None, run_id: int) -> None:
    name = (value or "").removeprefix("evidence/")
    if name and "/" not in name and "\\" not in name and name not in (".", ".."):
        out.setdefault(str(folder / name), set()).add(run_id)


def _doomed_files(session: Session, doomed: Sequence[int], kept: Sequence[int]) -> list[str]:
    if not doomed:
        return []
    theirs = _files_of(session, doomed)
    ours = _files_of(session, kept)
    return sorted(p for p in theirs if p not in ours)


# --- bodies ---------------------------------------------------------------------------------------
def _blob_refs() -> list:
    """Every column that points at a page body (page_blob.hash, and any later table's)."""
    return [fk.parent for t in Base.metadata.sorted_tables for fk in t.foreign_keys
            if fk.column.table.name == "body_blob"]


def _orphaned_blobs(session: Session, doomed: Sequence[int]) -> int:
    """Bodies no page will point to once the doomed runs are gone (and those no page points to already)."""
    doomed_pages = select(m.Page.id).where(m.Page.run_id.in_(list(doomed) or [-1]))
    refs = _blob_refs()
    conds = []
    for col in refs:
        q = select(col).where(col == m.BodyBlob.hash)
        if "page_id" in col.table.c:
            q = q.where(col.table.c["page_id"].not_in(doomed_pages))
        conds.append(~q.exists())
    return session.scalar(select(func.count()).select_from(m.BodyBlob).where(*conds)) or 0


def _collect_blobs(session: Session) -> int:
    conds = [~select(col).where(col == m.BodyBlob.hash).exists() for col in _blob_refs()]
    return session.execute(delete(m.BodyBlob).where(*conds)).rowcount or 0


# --- removal --------------------------------------------------------------------------------------
def _chunks(ids: Sequence[int], size: int = 500):  # noqa: ANN202
    ids = list(ids)
    for at in range(0, len(ids), size):
        yield ids[at:at + size]


def _delete_rows(session: Session, table: Table, column, ids) -> None:  # noqa: ANN001
    """Delete the rows of `table` whose `column` is in `ids` (a list or a subquery), their dependants first."""
    for child in Base.metadata.sorted_tables:
        for fk in child.foreign_keys:
            if fk.column.table is not table:
                continue
            parents = select(fk.column).where(column.in_(ids))
            action = (fk.ondelete or "").upper()
            if action == "SET NULL":
                session.execute(update(child).where(fk.parent.in_(parents)).values({fk.parent.name: None}))
            elif action == "CASCADE":
                _delete_rows(session, child, fk.parent, parents)
            # no ON DELETE: the database refuses — such runs are protected (_restricting_refs)
    session.execute(delete(table).where(column.in_(ids)))


def remove_runs(session: Session, run_ids: Sequence[int]) -> None:
    """Delete runs and every row that depends on them (never call with a protected run)."""
    run = m.Run.__table__
    for chunk in _chunks(run_ids, 200):
        _delete_rows(session, run, run.c.id, chunk)


@dataclass
class PruneResult:
    plan: PrunePlan
    removed_runs: int = 0
    removed_files: int = 0
    removed_bodies: int = 0
    dry_run: bool = True
    bytes_before: int | None = None
    bytes_after: int | None = None


def prune(db_url: str, today: date, policy: Policy = Policy(), sites: Sequence[str] = (), *, dry_run: bool = False,
          actor: str = "cli", vacuum: bool = True) -> PruneResult:
    """Thin the runs (see the module's docstring); with `dry_run` only say what would go."""
    from storage.users import log as audit_log

    bytes_before = database_bytes(db_url)
    with session_scope(db_url) as session:
        the_plan = plan(session, today, policy, sites)
        if dry_run:
            return PruneResult(the_plan, bytes_before=bytes_before)
        doomed = [d.run_id for d in the_plan.doomed]
        remove_runs(session, doomed)
        bodies = 0 if the_plan.blobs_deferred else _collect_blobs(session)
        audit_log(session, actor=actor, action="runs.prune", target=",".join(sites) or "*", source="cli",
                  detail={"as_of": today.isoformat(), "policy": the_plan.as_json()["policy"], "runs": doomed,
                          "files": len(the_plan.files), "bodies": bodies,
                          **({"bodies_deferred": the_plan.blobs_deferred} if the_plan.blobs_deferred else {})})
    files = 0
    for path in the_plan.files:
        try:
            Path(path).unlink()
            files += 1
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("prune: cannot delete %s: %s", path, exc)
    log.warning("prune: %d runs, %d evidence files, %d page bodies removed (as of %s)", len(doomed), files, bodies,
                today)
    if vacuum and doomed:
        try:
            compact(db_url)
        except Exception as exc:  # noqa: BLE001 - the runs are gone already; compacting can wait for the next prune
            log.warning("prune: VACUUM failed (the removal stands): %s", exc)
    return PruneResult(the_plan, removed_runs=len(doomed), removed_files=files, removed_bodies=bodies,
                       dry_run=False, bytes_before=bytes_before, bytes_after=database_bytes(db_url))


def compact(db_url: str) -> None:
    """Give the freed space back: VACUUM (SQLite: the file shrinks; PostgreSQL: the space is reused)."""
    engine = make_engine(db_url)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if engine.dialect.name == "sqlite":
            conn.execute(text("VACUUM"))
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))  # the compacted pages leave the WAL
        else:
            conn.execute(text("VACUUM ANALYZE"))


def database_bytes(db_url: str) -> int | None:
    """The database's size on disk (SQLite: the file and its WAL; PostgreSQL: pg_database_size)."""
    engine = make_engine(db_url)
    if engine.dialect.name == "sqlite":
        path = engine.url.database
        if not path or path == ":memory:":
            return None
        return sum(p.stat().st_size for p in (Path(path), Path(path + "-wal")) if p.exists())
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            return conn.scalar(text("SELECT pg_database_size(current_database())"))
    return None
