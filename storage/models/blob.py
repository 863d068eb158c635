"""Page bodies stored once by content (docs/scale.md): a body is kept once, by the SHA-256 of its decoded
HTML, however many runs and pages have it; each crawled page points at its body. An unchanged
nightly run adds pointers, not bodies. (`page_body` holds the bodies of runs written before.)"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class BodyBlob(Base):
    """One distinct page body, zlib-compressed."""

    __tablename__ = "body_blob"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 hex of the UTF-8 HTML
    size: Mapped[int] = mapped_column(Integer)  # bytes of the UTF-8 HTML
    html_z: Mapped[bytes] = mapped_column(LargeBinary)


class PageBlob(Base):
    """A crawled page's body: which blob."""

    __tablename__ = "page_blob"
    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), primary_key=True)
    hash: Mapped[str] = mapped_column(ForeignKey("body_blob.hash"), index=True)
