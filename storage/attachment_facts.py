"""Snapshot facts of attachments (fact family `attachments`): the files a run's pages link, as text."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models.attachment import Attachment


@dataclass(frozen=True)
class AttachmentFact:
    url: str
    kind: str = "pdf"
    status: str = "ok"  # ok | no_text | unreadable | fetch_failed
    page_url: str | None = None
    link_text: str | None = None
    method: str | None = None
    pages: int | None = None
    pages_read: int | None = None
    scan_pages: int = 0
    ocr_pages: int = 0
    ocr_conf: float | None = None
    text: str | None = None
    detail: str | None = None

    @property
    def read_by(self) -> str:
        """How its text was read, for evidence ("pdf，OCR 2 页，置信度 91")."""
        parts = [self.kind, self.method or "?"]
        if self.ocr_pages:
            parts.append(f"OCR {self.ocr_pages} 页，置信度 {self.ocr_conf}")
        return "，".join(parts)


def load_attachment_facts(session: Session, run_id: int) -> list[AttachmentFact]:
    return [AttachmentFact(url=a.url, kind=a.kind, status=a.status, page_url=a.page_url, link_text=a.link_text,
                           method=a.method, pages=a.pages, pages_read=a.pages_read, scan_pages=a.scan_pages,
                           ocr_pages=a.ocr_pages, ocr_conf=a.ocr_conf, text=a.text, detail=a.detail)
            for a in session.scalars(select(Attachment).where(Attachment.run_id == run_id).order_by(Attachment.id))]
