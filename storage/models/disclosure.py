"""政府信息公开 and 互动交流 facts: platform parts, documents with metadata, annual reports, message boards."""
from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class DisclosurePart(Base):
    """A part of the 政府信息公开 platform seen on a page: `root`, guide, rules, catalog, annual_report, apply."""

    __tablename__ = "disclosure_part"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    part: Mapped[str] = mapped_column(String(32))
    url: Mapped[str] = mapped_column(Text)  # the part's page (link target)
    name: Mapped[str | None] = mapped_column(Text)  # the link text, e.g. 政府信息公开指南
    source: Mapped[str | None] = mapped_column(Text)  # the page that links it
    configured: Mapped[bool] = mapped_column(Boolean, default=False)  # from sites.yaml `disclosure:`


class Document(Base):
    """A disclosure document or 政策解读 page and its parsed metadata block (索引号, 发文字号 …)."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))  # document | normative | interpretation
    layout: Mapped[str | None] = mapped_column(String(16))  # table | dl | spans | none
    fields: Mapped[dict] = mapped_column(default=dict)  # canonical label → raw text as shown
    index_no: Mapped[str | None] = mapped_column(Text)
    subject_category: Mapped[str | None] = mapped_column(Text)
    publisher: Mapped[str | None] = mapped_column(Text)
    doc_number: Mapped[str | None] = mapped_column(Text)
    validity: Mapped[str | None] = mapped_column(Text)
    written_date: Mapped[date | None] = mapped_column(Date)
    published_date: Mapped[date | None] = mapped_column(Date)
    related: Mapped[list] = mapped_column(default=list)  # [[url, text], …] links to documents (解读 → 原文)


class AnnualReport(Base):
    """One 政府信息公开工作年度报告: year, template, sections, tables 2–4 as numbers, where and when published."""

    __tablename__ = "annual_report"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)  # the report's page (or the attachment linked from a list)
    attachment_url: Mapped[str | None] = mapped_column(Text)  # the file the tables were read from
    title: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    source_kind: Mapped[str | None] = mapped_column(String(8))  # html | pdf | docx | image | other
    template: Mapped[str | None] = mapped_column(String(8))  # "2019" | "2021" | None
    sections: Mapped[list] = mapped_column(default=list)  # section numbers found, e.g. [1, 2, 3, 4, 5, 6]
    tables: Mapped[dict] = mapped_column(default=dict)  # {"table2": {...}, "table3": {...}, "table4": {...}}
    published_date: Mapped[date | None] = mapped_column(Date)
    date_source: Mapped[str | None] = mapped_column(String(16))  # page | list
    parse_status: Mapped[str] = mapped_column(String(16))  # ok | scanned | unparsed | fetch_failed | listed
    parse_detail: Mapped[str | None] = mapped_column(Text)


class InteractionChannel(Base):
    """A 互动交流 channel (领导信箱, 留言板, 网上咨询, 12345 …); 信访/纪检举报 are kept but marked excluded."""

    __tablename__ = "interaction_channel"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))  # mailbox | board | consult | hotline | petition | report
    excluded: Mapped[bool] = mapped_column(Boolean, default=False)
    configured: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str | None] = mapped_column(Text)


class Message(Base):
    """One message of a board: 留言时间, 回复时间, status as shown, reply unit, and its channel."""

    __tablename__ = "message"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)  # the message's detail page (or the list page when it has none)
    list_url: Mapped[str | None] = mapped_column(Text)
    channel_name: Mapped[str | None] = mapped_column(Text)
    channel_kind: Mapped[str | None] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(Text)
    asked_at: Mapped[date | None] = mapped_column(Date)
    replied_at: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str | None] = mapped_column(Text)  # as shown: 已回复, 办理中 …
    answered: Mapped[bool | None] = mapped_column(Boolean)  # from the reply date or the status; None unknown
    reply_unit: Mapped[str | None] = mapped_column(Text)
