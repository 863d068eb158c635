"""Fact family `disclosure`: the 政府信息公开 platform's parts, disclosure documents with their metadata
blocks, and the 政府信息公开工作年度报告 with their tables (issue 7, docs/disclosure.md)."""
from __future__ import annotations

from dataclasses import field
from datetime import date
from typing import Annotated, Any

from sqlalchemy import String

from storage.facts.table import fact_table


def as_date(v: Any) -> date | None:
    """A date field given as a date or an ISO string (test snapshots write strings)."""
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v))


@fact_table("disclosure_part", model="DisclosurePart", family="disclosure", snapshot="disclosure_parts")
class DisclosurePartFact:
    """A part of the 政府信息公开 platform seen on a page: `root`, guide, rules, catalog, annual_report, apply."""

    part: Annotated[str, String(32)]
    url: str  # the part's page (link target)
    name: str | None = None  # the link text, e.g. 政府信息公开指南
    source: str | None = None  # the page that links it
    configured: bool = False  # from sites.yaml `disclosure:`


@fact_table("document", model="Document", family="disclosure", snapshot="documents")
class DocumentFact:
    """A disclosure document or 政策解读 page and its parsed metadata block (索引号, 发文字号 …)."""

    url: str
    kind: Annotated[str, String(32)] = "document"  # document | normative | interpretation
    title: str | None = None
    layout: Annotated[str | None, String(16)] = None  # table | dl | spans | none
    fields: dict = field(default_factory=dict)  # canonical label → raw text as shown
    index_no: str | None = None
    subject_category: str | None = None
    publisher: str | None = None
    doc_number: str | None = None
    validity: str | None = None
    written_date: date | None = None
    published_date: date | None = None
    related: tuple = ()  # ((url, text), …) links to documents (解读 → 原文)

    def __post_init__(self) -> None:
        object.__setattr__(self, "written_date", as_date(self.written_date))
        object.__setattr__(self, "published_date", as_date(self.published_date))
        object.__setattr__(self, "related", tuple(tuple(r) for r in self.related))


@fact_table("annual_report", model="AnnualReport", family="disclosure", snapshot="annual_reports")
class AnnualReportFact:
    """One 政府信息公开工作年度报告: year, template, sections, tables 2–4 as numbers, where and when published."""

    url: str  # the report's page (or the attachment linked from a list)
    year: int | None = None
    parse_status: Annotated[str, String(16)] = "ok"  # ok | scanned | unparsed | fetch_failed | listed
    attachment_url: str | None = None  # the file the tables were read from
    title: str | None = None
    source_kind: Annotated[str | None, String(8)] = None  # html | pdf | docx | image | other
    template: Annotated[str | None, String(8)] = None  # "2019" | "2021" | None
    sections: tuple = ()  # section numbers found, e.g. (1, 2, 3, 4, 5, 6)
    tables: dict = field(default_factory=dict)  # {"table2": {...}, "table3": {...}, "table4": {...}}
    published_date: date | None = None
    date_source: Annotated[str | None, String(16)] = None  # page | list
    parse_detail: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "published_date", as_date(self.published_date))
        object.__setattr__(self, "sections", tuple(self.sections))
