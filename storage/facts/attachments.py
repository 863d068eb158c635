"""Fact family `attachments`: the files (附件) a run's pages link, with the text read from them — PDF,
Word, WPS, OFD, spreadsheets, scans by OCR (crawler/attachments/, docs/disclosure.md)."""
from __future__ import annotations

from typing import Annotated

from sqlalchemy import String

from storage.facts.table import fact_table


@fact_table("attachment", model="Attachment", family="attachments", snapshot="attachments")
class AttachmentFact:
    """One attachment file: how it was read (or why it could not be) and its text (capped)."""

    url: str  # the file as fetched
    kind: Annotated[str, String(8)] = "pdf"  # pdf | docx | doc | wps | ofd | xlsx | image | other
    status: Annotated[str, String(16)] = "ok"  # ok | no_text | unreadable | fetch_failed
    page_url: str | None = None  # the first page that links it
    link_text: str | None = None
    method: Annotated[str | None, String(24)] = None  # text | ocr | text+ocr | libreoffice | ofd | docx …
    pages: int | None = None
    pages_read: int | None = None
    scan_pages: int = 0  # pages that are only an image
    ocr_pages: int = 0  # of those, read by OCR
    ocr_conf: float | None = None  # Tesseract's mean word confidence (0–100)
    chars: int = 0
    text: str | None = None
    detail: str | None = None  # why not read; what was left unread
    elapsed_ms: float | None = None

    @property
    def read_by(self) -> str:
        """How its text was read, for evidence ("pdf，OCR 2 页，置信度 91")."""
        parts = [self.kind, self.method or "?"]
        if self.ocr_pages:
            parts.append(f"OCR {self.ocr_pages} 页，置信度 {self.ocr_conf}")
        return "，".join(parts)
