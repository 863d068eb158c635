"""Snapshot facts of 政府信息公开 and 互动交流 (issue 7): typed, read-only views of the stored rows."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models.disclosure import AnnualReport, DisclosurePart, Document, InteractionChannel, Message


def _d(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v))


@dataclass(frozen=True)
class DisclosurePartFact:
    part: str
    url: str
    name: str | None = None
    source: str | None = None
    configured: bool = False


@dataclass(frozen=True)
class DocumentFact:
    url: str
    kind: str = "document"
    title: str | None = None
    layout: str | None = None
    fields: dict = field(default_factory=dict)
    index_no: str | None = None
    subject_category: str | None = None
    publisher: str | None = None
    doc_number: str | None = None
    validity: str | None = None
    written_date: date | None = None
    published_date: date | None = None
    related: tuple = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "written_date", _d(self.written_date))
        object.__setattr__(self, "published_date", _d(self.published_date))
        object.__setattr__(self, "related", tuple(tuple(r) for r in self.related))


@dataclass(frozen=True)
class AnnualReportFact:
    url: str
    year: int | None = None
    parse_status: str = "ok"
    attachment_url: str | None = None
    title: str | None = None
    source_kind: str | None = None
    template: str | None = None
    sections: tuple = ()
    tables: dict = field(default_factory=dict)
    published_date: date | None = None
    date_source: str | None = None
    parse_detail: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "published_date", _d(self.published_date))
        object.__setattr__(self, "sections", tuple(self.sections))


@dataclass(frozen=True)
class ChannelFact:
    url: str
    kind: str
    name: str | None = None
    excluded: bool = False
    configured: bool = False
    source: str | None = None


@dataclass(frozen=True)
class MessageFact:
    url: str
    asked_at: date | None = None
    replied_at: date | None = None
    answered: bool | None = None
    list_url: str | None = None
    channel_name: str | None = None
    channel_kind: str | None = None
    title: str | None = None
    status: str | None = None
    reply_unit: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "asked_at", _d(self.asked_at))
        object.__setattr__(self, "replied_at", _d(self.replied_at))


def _rows(session: Session, model: type, run_id: int) -> list:
    return list(session.scalars(select(model).where(model.run_id == run_id).order_by(model.id)))


def load_disclosure_facts(session: Session, run_id: int) -> dict[str, list]:
    """The Snapshot fields of this family, keyed by field name."""
    return {
        "disclosure_parts": [DisclosurePartFact(part=r.part, url=r.url, name=r.name, source=r.source,
                                                configured=r.configured)
                             for r in _rows(session, DisclosurePart, run_id)],
        "documents": [DocumentFact(url=r.url, kind=r.kind, title=r.title, layout=r.layout, fields=r.fields or {},
                                   index_no=r.index_no, subject_category=r.subject_category, publisher=r.publisher,
                                   doc_number=r.doc_number, validity=r.validity, written_date=r.written_date,
                                   published_date=r.published_date, related=r.related or ())
                      for r in _rows(session, Document, run_id)],
        "annual_reports": [AnnualReportFact(url=r.url, year=r.year, parse_status=r.parse_status,
                                            attachment_url=r.attachment_url, title=r.title,
                                            source_kind=r.source_kind, template=r.template,
                                            sections=r.sections or (), tables=r.tables or {},
                                            published_date=r.published_date, date_source=r.date_source,
                                            parse_detail=r.parse_detail)
                           for r in _rows(session, AnnualReport, run_id)],
        "interaction_channels": [ChannelFact(url=r.url, kind=r.kind, name=r.name, excluded=r.excluded,
                                             configured=r.configured, source=r.source)
                                 for r in _rows(session, InteractionChannel, run_id)],
        "messages": [MessageFact(url=r.url, asked_at=r.asked_at, replied_at=r.replied_at, answered=r.answered,
                                 list_url=r.list_url, channel_name=r.channel_name, channel_kind=r.channel_kind,
                                 title=r.title, status=r.status, reply_unit=r.reply_unit)
                     for r in _rows(session, Message, run_id)],
    }
