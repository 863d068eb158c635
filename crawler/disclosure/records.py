"""Stored records of the 政府信息公开 and 互动交流 gatherers (fields = the models' columns)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from crawler.items import StoredRecord
from storage import models as m


@dataclass
class DisclosurePartRecord(StoredRecord):
    model: ClassVar = m.DisclosurePart
    run_id: int
    part: str
    url: str
    name: str | None = None
    source: str | None = None
    configured: bool = False


@dataclass
class DocumentRecord(StoredRecord):
    model: ClassVar = m.Document
    run_id: int
    url: str
    kind: str
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
    related: list = field(default_factory=list)


@dataclass
class AnnualReportRecord(StoredRecord):
    model: ClassVar = m.AnnualReport
    run_id: int
    url: str
    parse_status: str
    attachment_url: str | None = None
    title: str | None = None
    year: int | None = None
    source_kind: str | None = None
    template: str | None = None
    sections: list = field(default_factory=list)
    tables: dict = field(default_factory=dict)
    published_date: date | None = None
    date_source: str | None = None
    parse_detail: str | None = None


@dataclass
class ChannelRecord(StoredRecord):
    model: ClassVar = m.InteractionChannel
    run_id: int
    url: str
    kind: str
    name: str | None = None
    excluded: bool = False
    configured: bool = False
    source: str | None = None


@dataclass
class MessageRecord(StoredRecord):
    model: ClassVar = m.Message
    run_id: int
    url: str
    list_url: str | None = None
    channel_name: str | None = None
    channel_kind: str | None = None
    title: str | None = None
    asked_at: date | None = None
    replied_at: date | None = None
    status: str | None = None
    answered: bool | None = None
    reply_unit: str | None = None
