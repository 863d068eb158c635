"""Facts the column extractor stores (one `ColumnRecord` per column, one `ColumnItemRecord` per list entry)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from crawler.items import StoredRecord
from storage import models as m


@dataclass
class ColumnRecord(StoredRecord):
    model: ClassVar = m.Column
    run_id: int
    url: str
    name: str | None = None
    parent_url: str | None = None
    level: int = 1
    level_reason: str | None = None
    type: str = "other"
    type_reason: str | None = None
    source: str | None = None
    fetched: bool = False
    status: int | None = None
    pages_seen: list = field(default_factory=list)
    page_count: int | None = None
    items_seen: int = 0
    dated_items: int = 0
    subcolumns: int = 0
    empty_marker: str | None = None
    needs_render: bool = False
    rendered: bool = False
    newest_date: date | None = None


@dataclass
class ColumnItemRecord(StoredRecord):
    model: ClassVar = m.ColumnItem
    run_id: int
    column_url: str
    page_url: str
    title: str | None = None
    url: str | None = None
    date: date | None = None
    date_source: str | None = None
    date_raw: str | None = None
