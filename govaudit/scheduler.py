"""`govaudit schedule --sites FILE`: the registry's `schedule:` run forever (docs/supervision.md).

APScheduler does the timing: cron triggers in Beijing time, a persistent job store in the audit database
(so a restart knows what it missed), `coalesce` (runs missed during downtime are caught up once, not N
times) and `max_instances=1`. What APScheduler cannot know — another scheduler process, on this machine
or another, starting the same site — a lease row in the database decides (`storage.supervision`): a job
that cannot take its site's lease skips this turn. Each job runs in a child process (a Scrapy reactor
cannot restart in one process) that calls the existing entry points: `pipeline.audit_site` (audit),
`monitor.probe_rounds` (probe), `recheck.recheck_site` (recheck), `bulletin.write_bulletin` (bulletin),
`storage.retention.prune` (prune, with the registry's `retention:` windows).
SIGTERM (or Ctrl-C) stops the scheduler gracefully: no new job starts, running children get SIGTERM (the
crawl marks its run interrupted), their leases are released, and the process exits 0.
"""
from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
import threading
import uuid
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from govaudit.registry import Registry, ScheduleEntry, load_registry
from storage.supervision import acquire_lease, release_lease, renew_lease

log = logging.getLogger(__name__)
TZ = ZoneInfo("Asia/Shanghai")
HOLDER = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
_STOP = threading.Event()
_CHILDREN: set = set()
_LOCK = threading.Lock()


def trigger(expr: str) -> CronTrigger:
    """A cron trigger from 5 fields (minute hour day month weekday) or 6 (second first), Beijing time."""
    fields = expr.split()
    if len(fields) == 5:
        return CronTrigger.from_crontab(expr, timezone=TZ)
    if len(fields) == 6:
        second, minute, hour, day, month, dow = fields
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month, day_of_week=dow, timezone=TZ)
    raise ValueError(f"a cron expression has 5 fields (or 6 with seconds first): {expr!r}")


def job_specs(registry: Registry) -> list[tuple[str, str, str | None, str]]:
    """(job id, kind, site id or None, cron) of every scheduled job: audits and re-checks one job per site."""
    sched = registry.schedule or ScheduleEntry()
    specs = []
    for kind in ("audit", "recheck"):
        expr = getattr(sched, kind)
        if expr:
            specs += [(f"{kind}:{site.id}", kind, site.id, expr) for site in registry.sites]
    for kind in ("probe", "bulletin", "prune"):
        expr = getattr(sched, kind)
        if expr:
            specs.append((kind, kind, None, expr))
    return specs


def build(sites: Path, db_url: str) -> tuple[BackgroundScheduler, Registry]:
    """A paused scheduler whose job store holds exactly the registry's jobs. A stored job whose trigger is
    unchanged is kept with its next run time — so one missed during downtime runs once on start."""
    registry = load_registry(sites)
    sched = registry.schedule or ScheduleEntry()
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=db_url, tablename="apscheduler_jobs")},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": sched.misfire_grace_s},
        timezone=TZ)
    scheduler.start(paused=True)
    wanted = {}
    for job_id, kind, site_id, expr in job_specs(registry):
        wanted[job_id] = (kind, site_id, trigger(expr))
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for job_id, (kind, site_id, trig) in wanted.items():
        args = [kind, str(sites.resolve()), site_id, db_url]
        old = scheduler.get_job(job_id)
        if old is not None and str(old.trigger) == str(trig) and list(old.args) == args:
            continue
        scheduler.add_job(run_job, trig, args=args, id=job_id, name=job_id, replace_existing=True)
    return scheduler, registry


def serve(sites: Path, db_url: str, on_start=None) -> int:  # noqa: ANN001
    """Run the schedule until SIGTERM/SIGINT; returns the exit code (0 after a graceful stop)."""
    from storage.runs import reap_stale_runs

    reap_stale_runs(db_url)  # runs a killed scheduler (or audit) left `running` end `interrupted`
    scheduler, _ = build(sites, db_url)

    def stop(signum, frame) -> None:  # noqa: ANN001, ARG001
        log.warning("schedule: signal %s, stopping (running jobs are interrupted)", signum)
        _STOP.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    scheduler.resume()
    for job in scheduler.get_jobs():
        log.info("schedule: %s next at %s", job.id, job.next_run_time)
    if on_start:
        on_start(scheduler)
    while not _STOP.wait(0.5):
        pass
    scheduler.pause()
    with _LOCK:
        children = list(_CHILDREN)
    for proc in children:
        if proc.is_alive():
            os.kill(proc.pid, signal.SIGTERM)
    scheduler.shutdown(wait=True)  # the job threads wait for their children and release their leases
    return 0


def lease_name(kind: str, site_id: str | None) -> str:
    return f"site:{site_id}" if site_id else kind


def run_job(kind: str, sites: str, site_id: str | None, db_url: str) -> str:
    """One scheduled job: take the lease, run the entry point in a child process, renew the lease while it
    runs, release it. Returns how it went (skipped | ok | failed | interrupted)."""
    if _STOP.is_set():
        return "skipped"
    registry = load_registry(sites)
    ttl = (registry.schedule or ScheduleEntry()).lease_s
    name = lease_name(kind, site_id)
    if not acquire_lease(db_url, name, HOLDER, ttl, job=kind):
        log.warning("schedule: %s %s skipped: %s is held by another process", kind, site_id or "", name)
        return "skipped"
    try:
        proc = multiprocessing.get_context("spawn").Process(target=_child, args=(kind, sites, site_id, db_url),
                                                            name=f"govaudit-{kind}-{site_id or 'all'}")
        with _LOCK:
            proc.start()
            _CHILDREN.add(proc)
        log.info("schedule: %s %s started (pid %s)", kind, site_id or "", proc.pid)
        renew_every = max(1.0, ttl / 3)
        while proc.is_alive():
            proc.join(renew_every)
            if proc.is_alive() and not renew_lease(db_url, name, HOLDER, ttl):
                log.error("schedule: lease %s lost while %s runs", name, kind)
        with _LOCK:
            _CHILDREN.discard(proc)
        state = "ok" if proc.exitcode == 0 else ("interrupted" if _STOP.is_set() else "failed")
        log.info("schedule: %s %s ended: %s (exit %s)", kind, site_id or "", state, proc.exitcode)
        return state
    finally:
        release_lease(db_url, name, HOLDER)


def _child(kind: str, sites: str, site_id: str | None, db_url: str) -> None:
    """Body of a job's child process: the entry point of `kind`. SIGTERM outside the crawl (which stops
    itself and marks its run interrupted) unwinds the job, and a run of the site it left `running` is
    marked interrupted — a stopped scheduler never leaves a run that looks alive."""
    import sys

    from storage.base import utcnow

    started = utcnow()

    def _interrupt(signum, frame) -> None:  # noqa: ANN001, ARG001
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _entry(kind, sites, site_id, db_url)
    except KeyboardInterrupt:
        if site_id:
            _mark_interrupted(db_url, site_id, started)
        sys.exit(130)


def _mark_interrupted(db_url: str, site_id: str, since) -> None:  # noqa: ANN001
    from sqlalchemy import select

    from storage import models as m
    from storage.runs import finish_run
    from storage.session import session_scope

    with session_scope(db_url) as session:
        ids = session.scalars(select(m.Run.id).where(m.Run.site_id == site_id, m.Run.state == "running",
                                                     m.Run.started_at >= since)).all()
    for run_id in ids:
        finish_run(db_url, run_id, "interrupted", error="the scheduler was stopped (SIGTERM) during the run")


def _entry(kind: str, sites: str, site_id: str | None, db_url: str) -> None:
    import sys

    logging.basicConfig(level=os.environ.get("GOVAUDIT_LOG_LEVEL", "WARNING").upper())
    path = Path(sites)
    registry = load_registry(path)
    sched = registry.schedule or ScheduleEntry()
    out = (path.parent / sched.out).resolve()
    from reports.scheme import load_scheme
    from storage.session import upgrade
    from storage.vocabulary import beijing_today

    upgrade(db_url)
    scheme = load_scheme(registry.scheme or "national-2019")
    today = beijing_today()
    if kind == "audit":
        from govaudit.pipeline import AuditOptions, audit_site

        site = next(s for s in registry.sites if s.id == site_id)
        opts = AuditOptions(db_url=db_url, out=out, as_of=today, scheme=scheme,
                            browser=os.environ.get("GOVAUDIT_SCHEDULE_BROWSER", "1") != "0",
                            platforms=dict(registry.platforms), registry_dir=path.parent, alerts=registry.alerts,
                            user_agent=os.environ.get("GOVAUDIT_USER_AGENT"))
        result = audit_site(site, opts)
        sys.exit({"complete": 0, "interrupted": 130}.get(result.state, 1))
    elif kind == "probe":
        from govaudit.monitor import probe_rounds

        probe_rounds(registry.sites, db_url, float(scheme.params.get("availability.timeout_s", 15)) * 2, None, None,
                     os.environ.get("GOVAUDIT_USER_AGENT"), report=lambda _records: None)
    elif kind == "recheck":
        from govaudit.recheck import NothingToRecheck, recheck_site

        site = next(s for s in registry.sites if s.id == site_id)
        try:
            recheck_site(db_url, site_id, out=out / "recheck", as_of=today, platforms=dict(registry.platforms),
                         site_entry=site.model_dump(mode="json"))
        except (NothingToRecheck, LookupError) as exc:
            log.info("schedule: recheck %s: %s", site_id, exc)
    elif kind == "bulletin":
        from govaudit.bulletin import write_bulletin

        end = today - timedelta(days=1)
        start = end - timedelta(days=sched.bulletin_days - 1)
        write_bulletin(db_url, start, end, out / "bulletin" / f"{start:%Y%m%d}-{end:%Y%m%d}",
                       sites=[s.id for s in registry.sites])
    elif kind == "prune":
        from storage.retention import Policy, prune

        kept = registry.retention
        policy = Policy(kept.daily, kept.weekly, kept.monthly) if kept else Policy()
        prune(db_url, today, policy, [s.id for s in registry.sites], actor="schedule")
