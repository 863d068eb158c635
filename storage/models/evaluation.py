"""Evaluations (考评 / 绩效评估) of many units against a scheme: units and their runs, manual scores,
external deductions, the 依申请公开 test cases, objections, stored results and the log of who did what.

Written only by storage/evaluations.py (the repository); docs/evaluations.md describes the state machine.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow


class Evaluation(Base):
    """One evaluation: its scheme (bundled name or file path), 监测时间点 and state."""

    __tablename__ = "evaluation"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text)
    scheme: Mapped[str] = mapped_column(Text)
    period: Mapped[str | None] = mapped_column(String(64))  # e.g. 2022年度
    as_of: Mapped[date] = mapped_column(Date)  # 监测时间点
    state: Mapped[str] = mapped_column(String(16), default="provisional")  # provisional | objections | final
    sites_file: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    created_by: Mapped[str | None] = mapped_column(String(128))
    published_on: Mapped[date | None] = mapped_column(Date)  # the provisional result published: objections open
    objections_close: Mapped[date | None] = mapped_column(Date)  # last working day of the objection window
    finalized_on: Mapped[date | None] = mapped_column(Date)


class EvaluationUnit(Base):
    """A unit evaluated (one site of the registry) and the run its machine points come from."""

    __tablename__ = "evaluation_unit"
    __table_args__ = (UniqueConstraint("evaluation_id", "site_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(32))  # portal | department
    group: Mapped[str] = mapped_column(String(64))  # the ranking group (县市区 / 市直部门)
    unit: Mapped[str | None] = mapped_column(String(255))  # 主办单位
    url: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id", ondelete="SET NULL"))


class ManualScore(Base):
    """Points a named scorer gave a unit on an item (or a machine item reviewed by hand)."""

    __tablename__ = "manual_score"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("evaluation_unit.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(64))
    points: Mapped[float] = mapped_column(Float)
    scorer: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))  # evaluator | judge | office
    note: Mapped[str | None] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(Text)  # path of the 佐证材料
    entered_by: Mapped[str] = mapped_column(String(128))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str | None] = mapped_column(Text)  # where it came from: 评分表 file/sheet/row, cli, objection
    objection_id: Mapped[int | None] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)  # False once replaced (the history stays)


class ExternalDeduction(Base):
    """Points a unit lost elsewhere, entered with the document that says so."""

    __tablename__ = "external_deduction"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("evaluation_unit.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(64))
    points: Mapped[float] = mapped_column(Float)  # deducted (positive)
    document: Mapped[str] = mapped_column(Text)  # the cited 通报 / 评估报告
    note: Mapped[str | None] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(128))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str | None] = mapped_column(Text)
    objection_id: Mapped[int | None] = mapped_column(Integer)
    current: Mapped[bool] = mapped_column(Boolean, default=True)


class RequestCase(Base):
    """One 依申请公开 simulation request sent to a unit and what came back."""

    __tablename__ = "request_case"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("evaluation_unit.id", ondelete="CASCADE"), index=True)
    case_no: Mapped[str] = mapped_column(String(64))  # the evaluator's number of the request
    channel: Mapped[str] = mapped_column(String(16))  # online | letter | in_person | fax (在线/信函/当面/传真)
    sent_on: Mapped[date] = mapped_column(Date)
    channel_ok: Mapped[bool] = mapped_column(Boolean, default=True)  # the channel took the request
    received_on: Mapped[date | None] = mapped_column(Date)  # 受理 / receipt (the clock starts after it)
    tracking_no: Mapped[str | None] = mapped_column(String(128))  # 受理编号
    correction_requested_on: Mapped[date | None] = mapped_column(Date)  # 补正告知
    correction_received_on: Mapped[date | None] = mapped_column(Date)  # 补正 received: the clock restarts
    third_party_days: Mapped[int] = mapped_column(Integer, default=0)  # working days consulting a third party
    extended_on: Mapped[date | None] = mapped_column(Date)  # the written notice of the one extension
    replied_on: Mapped[date | None] = mapped_column(Date)
    reply_type: Mapped[str | None] = mapped_column(String(32))
    expected_type: Mapped[str | None] = mapped_column(String(32))  # the answer the request called for
    checklist: Mapped[dict] = mapped_column(default=dict)  # element → present (法律依据, 救济途径 …)
    attachments: Mapped[list] = mapped_column(default=list)  # paths: the submission screenshot, the reply scan
    note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[str] = mapped_column(String(128))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str | None] = mapped_column(Text)
    current: Mapped[bool] = mapped_column(Boolean, default=True)  # False once the case was entered again


class Objection(Base):
    """A unit's written objection to the provisional result and its answer, each with actor and date."""

    __tablename__ = "objection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("evaluation_unit.id", ondelete="CASCADE"), index=True)
    item: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    raised_by: Mapped[str] = mapped_column(String(128))
    raised_on: Mapped[date] = mapped_column(Date)
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answer: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(16))  # accepted | rejected
    answered_by: Mapped[str | None] = mapped_column(String(128))
    answered_on: Mapped[date | None] = mapped_column(Date)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    change: Mapped[dict] = mapped_column(default=dict)  # what an accepted objection changed


class EvaluationResult(Base):
    """A unit's result as published: the provisional one when objections open, the final one at the end."""

    __tablename__ = "evaluation_result"
    __table_args__ = (UniqueConstraint("evaluation_id", "stage", "unit_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # provisional | final
    unit_id: Mapped[int] = mapped_column(ForeignKey("evaluation_unit.id", ondelete="CASCADE"))
    computed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    total: Mapped[float | None] = mapped_column(Float)
    grade: Mapped[str | None] = mapped_column(String(16))
    rank: Mapped[int | None] = mapped_column(Integer)
    group: Mapped[str] = mapped_column(String(64))
    complete: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[dict] = mapped_column(default=dict)  # parts, items, reasons and every point's trace


class EvaluationEvent(Base):
    """Who did what to an evaluation, when (creation, attachments, imports, state changes)."""

    __tablename__ = "evaluation_event"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(default=dict)
