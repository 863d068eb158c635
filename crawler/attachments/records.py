"""The stored fact of the attachment gatherer (fields = `storage.models.Attachment`'s columns)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from crawler.items import StoredRecord
from storage import models as m


@dataclass
class AttachmentRecord(StoredRecord):
    model: ClassVar = m.Attachment
    run_id: int
    url: str
    kind: str
    status: str
    page_url: str | None = None
    link_text: str | None = None
    method: str | None = None
    pages: int | None = None
    pages_read: int | None = None
    scan_pages: int = 0
    ocr_pages: int = 0
    ocr_conf: float | None = None
    chars: int = 0
    text: str | None = None
    detail: str | None = None
    elapsed_ms: float | None = None
