"""Judged results of a run: rule statuses, findings and scores (narrow rows)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, hash_of, utcnow


class Judgement(Base):
    """The latest judging of a run: which scheme (bundled name or file path) and 监测时间点 it used."""

    __tablename__ = "judgement"

    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), primary_key=True)
    scheme: Mapped[str] = mapped_column(Text)
    as_of: Mapped[date] = mapped_column(Date)
    judged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RuleOutcome(Base):
    """A rule's status on a judged run (checks.base.RuleResult as stored)."""

    __tablename__ = "rule_result"
    __table_args__ = (UniqueConstraint("run_id", "rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    findings: Mapped[int] = mapped_column(Integer, default=0)
    reason: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)


class Finding(Base):
    __tablename__ = "finding"
    # unique by the subject's hash: a subject (a URL) may be longer than an index entry (0022)
    __table_args__ = (UniqueConstraint("run_id", "rule", "subject_hash"),
                      Index("ix_finding_run_severity", "run_id", "severity"),  # the service's ?severity= (0024)
                      Index("ix_finding_run_id_id", "run_id", "id"))  # a page of a run's findings (0024)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text)
    subject_hash: Mapped[str] = mapped_column(String(64), default=hash_of("subject"))  # set on insert
    severity: Mapped[str] = mapped_column(String(16))  # veto | deduction | info
    page: Mapped[str | None] = mapped_column(Text)
    message: Mapped[str] = mapped_column(Text)
    evidence: Mapped[dict] = mapped_column(default=dict)
    screenshot: Mapped[str | None] = mapped_column(Text)


class Score(Base):
    __tablename__ = "score"

    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(128))
    total: Mapped[float] = mapped_column(Float)
    vetoed: Mapped[bool] = mapped_column(Boolean)
    vetoes: Mapped[list] = mapped_column(default=list)
    undecided_vetoes: Mapped[list] = mapped_column(default=list)
    grade: Mapped[str] = mapped_column(String(16))  # 合格 | 不合格


class IndicatorScore(Base):
    __tablename__ = "indicator_score"
    __table_args__ = (UniqueConstraint("run_id", "indicator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    indicator: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))  # veto | deduction | bonus
    deducted: Mapped[float] = mapped_column(Float, default=0.0)
    findings: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16))  # ok | deducted | vetoed | not_judged


class RuleMemo(Base):
    """A rule's result kept with what it read (storage/memo.py): reused when those inputs are unchanged."""

    __tablename__ = "rule_memo"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    rule: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))  # digest of the rule, its code, the parameters and each input
    reads: Mapped[dict] = mapped_column(default=dict)  # the snapshot members the rule read → their digests
    result: Mapped[dict] = mapped_column(default=dict)  # status, reason, findings (as judged, before reviews)
