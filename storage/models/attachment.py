"""Attachments (附件) a run's pages link, with the text read from them (PDF, Word, WPS, OFD, scans by OCR)."""
from __future__ import annotations

from sqlalchemy import Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Attachment(Base):
    """One attachment file: how it was read (or why it could not be) and its text (capped)."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)  # the file as fetched
    page_url: Mapped[str | None] = mapped_column(Text)  # the first page that links it
    link_text: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(8))  # pdf | docx | doc | wps | ofd | xlsx | image | other
    status: Mapped[str] = mapped_column(String(16))  # ok | no_text | unreadable | fetch_failed
    method: Mapped[str | None] = mapped_column(String(24))  # text | ocr | text+ocr | libreoffice | ofd | docx …
    pages: Mapped[int | None] = mapped_column(Integer)
    pages_read: Mapped[int | None] = mapped_column(Integer)
    scan_pages: Mapped[int] = mapped_column(Integer, default=0)  # pages that are only an image
    ocr_pages: Mapped[int] = mapped_column(Integer, default=0)  # of those, read by OCR
    ocr_conf: Mapped[float | None] = mapped_column(Float)  # Tesseract's mean word confidence (0–100)
    chars: Mapped[int] = mapped_column(Integer, default=0)
    text: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)  # why not read; what was left unread
    elapsed_ms: Mapped[float | None] = mapped_column(Float)
