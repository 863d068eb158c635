"""Problems across runs (问题清单): one per (site, rule, normalised subject), their append-only history,
the runs that saw them, and what each tracked run was compared with.

Only `storage/problems.py` writes these tables. A problem's `state` is a cache of its newest event's
`to_state`, written in the same transaction as that event (docs/problems.md explains why).
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, hash_of, utcnow


class Problem(Base):
    """One problem of a site: a rule's finding about one subject, followed from run to run."""

    __tablename__ = "problem"
    # unique by the key's hash: a subject (a URL) may be longer than an index entry
    __table_args__ = (UniqueConstraint("site_id", "rule", "subject_key_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    subject_key: Mapped[str] = mapped_column(Text)  # storage.problems.subject_key(rule, subject)
    subject_key_hash: Mapped[str] = mapped_column(String(64), default=hash_of("subject_key"))  # set on insert
    subject: Mapped[str] = mapped_column(Text)  # the subject as the newest finding wrote it
    state: Mapped[str] = mapped_column(String(16), index=True)  # the newest event's to_state
    first_run_id: Mapped[int] = mapped_column(ForeignKey("run.id"))
    last_run_id: Mapped[int] = mapped_column(ForeignKey("run.id"))
    opened_on: Mapped[date] = mapped_column(Date)  # 监测时间点 of the run that (re)opened it
    due_on: Mapped[date | None] = mapped_column(Date)  # 整改时限 (working days from opened_on)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProblemEvent(Base):
    """One entry of a problem's history (append-only): who, when, why, with what evidence, from → to."""

    __tablename__ = "problem_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(16))  # audit | review | rectify | recheck
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"))
    detail: Mapped[dict] = mapped_column(default=dict)  # fingerprint reviewed, fake-fix evidence, file row …


class ProblemSighting(Base):
    """A run that saw a problem: how it relates to the previous complete run, the evidence fingerprint,
    and — when a reviewed false positive was suppressed from the run — the finding itself (the appendix)."""

    __tablename__ = "problem_sighting"
    __table_args__ = (UniqueConstraint("problem_id", "run_id"),
                      # a page's problems (0024): a hash index on PostgreSQL — a subject (a URL) may exceed a btree entry
                      Index("ix_problem_sighting_subject", "subject", postgresql_using="hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    problem_id: Mapped[int] = mapped_column(ForeignKey("problem.id", ondelete="CASCADE"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    subject: Mapped[str] = mapped_column(Text)  # as this run's finding wrote it
    change: Mapped[str] = mapped_column(String(16))  # new | persisting | recurring
    fingerprint: Mapped[str] = mapped_column(String(40))
    suppressed: Mapped[bool] = mapped_column(Boolean, default=False)
    finding: Mapped[dict] = mapped_column(default=dict)  # the suppressed finding (empty when counted)


class ProblemRun(Base):
    """A run whose findings were linked to problems: the run it was compared with and what it no longer found."""

    __tablename__ = "problem_run"

    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), primary_key=True)
    previous_run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"))
    fixed: Mapped[list] = mapped_column(default=list)  # problem ids seen in the previous run, gone now
    tracked_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
