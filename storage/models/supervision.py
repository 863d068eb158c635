"""Nightly supervision (docs/supervision.md): accepted baselines of monitored pages, the alerts sent for
problems, and the job leases that keep one scheduled job per site at a time across processes and machines.

Written only by `storage/supervision.py`.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow


class MonitorBaseline(Base):
    """The accepted state of one monitored page of a site (what content.defacement compares against)."""

    __tablename__ = "monitor_baseline"
    __table_args__ = (UniqueConstraint("site_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), index=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)
    script_hosts: Mapped[list] = mapped_column(JSON, default=list)
    iframe_hosts: Mapped[list] = mapped_column(JSON, default=list)
    redirect_host: Mapped[str | None] = mapped_column(Text)
    source_run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    accepted_by: Mapped[str] = mapped_column(String(128))


class AlertDelivery(Base):
    """One alert about one problem to one target (webhook URL or e-mail address list), with its outcome."""

    __tablename__ = "alert_delivery"
    __table_args__ = (UniqueConstraint("problem_id", "channel", "target", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"))
    site_id: Mapped[str] = mapped_column(String(64), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    change: Mapped[str] = mapped_column(String(16))  # new | recurring
    channel: Mapped[str] = mapped_column(String(16))  # webhook | email
    target: Mapped[str] = mapped_column(Text)
    day: Mapped[date] = mapped_column(Date)  # Beijing day of the attempt: at most one alert a day
    state: Mapped[str] = mapped_column(String(16))  # sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class JobLease(Base):
    """A lease on a named job (`site:<id>`): held by one scheduler process until released or expired."""

    __tablename__ = "job_lease"

    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    job: Mapped[str | None] = mapped_column(String(32))
    acquired_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
