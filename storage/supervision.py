"""The supervision repository (docs/supervision.md): monitor baselines, alert deliveries and job leases.

The only writer of `monitor_baseline`, `alert_delivery` and `job_lease` (tests/test_layers.py).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.base import utcnow
from storage.facts.monitor import BaselineFact
from storage.models.supervision import AlertDelivery, JobLease, MonitorBaseline
from storage.session import session_scope


# --- baselines -------------------------------------------------------------------------------------------
def baselines_of(session: Session, site_id: str) -> dict[str, MonitorBaseline]:
    """The site's accepted baselines by page URL."""
    rows = session.scalars(select(MonitorBaseline).where(MonitorBaseline.site_id == site_id)).all()
    return {row.url: row for row in rows}


def as_fact(row: MonitorBaseline) -> BaselineFact:
    """A stored baseline as the fact copied into a run that is judged against it."""
    return BaselineFact(url=row.url, title=row.title, text=row.text, script_hosts=tuple(row.script_hosts or ()),
                        iframe_hosts=tuple(row.iframe_hosts or ()), redirect_host=row.redirect_host,
                        source_run_id=row.source_run_id, accepted_at=row.accepted_at, accepted_by=row.accepted_by)


def save_baseline(session: Session, site_id: str, state: dict[str, Any], run_id: int | None, by: str) -> MonitorBaseline:
    """Accept `state` (url, title, text, script_hosts, iframe_hosts, redirect_host) as the page's baseline,
    replacing any earlier one."""
    row = session.scalars(select(MonitorBaseline).where(MonitorBaseline.site_id == site_id,
                                                        MonitorBaseline.url == state["url"])).first()
    if row is None:
        row = MonitorBaseline(site_id=site_id, url=state["url"])
        session.add(row)
    row.title, row.text = state.get("title"), state.get("text")
    row.script_hosts, row.iframe_hosts = list(state.get("script_hosts") or ()), list(state.get("iframe_hosts") or ())
    row.redirect_host = state.get("redirect_host")
    row.source_run_id, row.accepted_by, row.accepted_at = run_id, by, utcnow()
    session.flush()
    return row


# --- alerts ----------------------------------------------------------------------------------------------
def already_alerted(session: Session, problem_id: int, channel: str, target: str, day: date) -> AlertDelivery | None:
    return session.scalars(select(AlertDelivery).where(
        AlertDelivery.problem_id == problem_id, AlertDelivery.channel == channel, AlertDelivery.target == target,
        AlertDelivery.day == day)).first()


def record_delivery(session: Session, **values: Any) -> AlertDelivery:
    """Record one delivery attempt's outcome (one row per problem, channel, target and day: updated on retry)."""
    row = already_alerted(session, values["problem_id"], values["channel"], values["target"], values["day"])
    if row is None:
        row = AlertDelivery(**values)
        session.add(row)
    else:
        for key, value in values.items():
            setattr(row, key, value)
        row.at = utcnow()
    session.flush()
    return row


# --- job leases ------------------------------------------------------------------------------------------
def acquire_lease(db_url: str, name: str, holder: str, ttl_s: float, job: str | None = None,
                  now: datetime | None = None) -> bool:
    """Take the lease `name` for `ttl_s` seconds unless another holder has an unexpired one. One UPDATE (or
    INSERT) decides, so two processes — on two machines — cannot both win."""
    now = now or datetime.now(timezone.utc)
    until = now + timedelta(seconds=ttl_s)
    with session_scope(db_url) as session:
        taken = session.execute(
            update(JobLease).where(JobLease.name == name,
                                   (JobLease.expires_at < now) | (JobLease.holder == holder))
            .values(holder=holder, job=job, acquired_at=now, expires_at=until)).rowcount
        if taken:
            return True
        if session.get(JobLease, name) is not None:
            return False
    try:
        with session_scope(db_url) as session:
            session.add(JobLease(name=name, holder=holder, job=job, acquired_at=now, expires_at=until))
        return True
    except IntegrityError:  # another process inserted it first
        return False


def renew_lease(db_url: str, name: str, holder: str, ttl_s: float) -> bool:
    """Extend a lease this holder has; False when it was lost (expired and taken)."""
    now = datetime.now(timezone.utc)
    with session_scope(db_url) as session:
        return bool(session.execute(update(JobLease).where(JobLease.name == name, JobLease.holder == holder)
                                    .values(expires_at=now + timedelta(seconds=ttl_s))).rowcount)


def release_lease(db_url: str, name: str, holder: str) -> None:
    with session_scope(db_url) as session:
        session.execute(delete(JobLease).where(JobLease.name == name, JobLease.holder == holder))
