"""Fetched URLs, their bodies and the links between them (the crawl's facts)."""
from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, hash_of


class Page(Base):
    """One fetched URL of a run: a crawled page, or a link target only checked."""

    __tablename__ = "page"
    # One row per URL of a run, keyed by the URL's hash (the URL itself may be longer than an index entry)
    __table_args__ = (UniqueConstraint("run_id", "url_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64), default=hash_of("url"))  # text_hash(url), set on insert
    final_url: Mapped[str | None] = mapped_column(Text)
    crawled: Mapped[bool] = mapped_column(Boolean, default=False)  # parsed for links, not only checked
    method: Mapped[str] = mapped_column(String(8), default="GET")
    status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(32))  # dns | connect | tls | timeout | refused_private | …
    error_detail: Mapped[str | None] = mapped_column(Text)
    redirects: Mapped[list] = mapped_column(default=list)  # [[status, url], …] before final_url
    content_type: Mapped[str | None] = mapped_column(String(128))
    charset: Mapped[str | None] = mapped_column(String(32))
    size: Mapped[int | None] = mapped_column(Integer)
    elapsed_ms: Mapped[float | None] = mapped_column(Float)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str | None] = mapped_column(Text)
    text: Mapped[str | None] = mapped_column(Text)  # visible text, at most TEXT_CAP characters
    depth: Mapped[int | None] = mapped_column(Integer)
    rendered: Mapped[bool] = mapped_column(Boolean, default=False)
    render_reason: Mapped[str | None] = mapped_column(String(64))
    flags: Mapped[list] = mapped_column(default=list)  # observed markers, e.g. "js_challenge", "meta_refresh"
    # The response's validators, for the next nightly audit's conditional request (docs/incremental.md)
    etag: Mapped[str | None] = mapped_column(String(256))
    last_modified: Mapped[str | None] = mapped_column(String(64))


class PageBody(Base):
    """The decoded HTML of a crawled page, zlib-compressed, loaded only when a rule asks."""

    __tablename__ = "page_body"

    page_id: Mapped[int] = mapped_column(ForeignKey("page.id", ondelete="CASCADE"), primary_key=True)
    html_z: Mapped[bytes] = mapped_column(LargeBinary)


class Link(Base):
    """An outgoing reference of a crawled page (a, img, script, link, iframe …)."""

    __tablename__ = "link"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(Text)
    target: Mapped[str] = mapped_column(Text)
    tag: Mapped[str] = mapped_column(String(16), default="a")
    text: Mapped[str | None] = mapped_column(Text)


class PageDrop(Base):
    """A page of a run's base run that the run does not have: a partial re-audit found that a crawl of
    today's state no longer reaches it (or it is gone). storage/crawlset.py hides it and its links."""

    __tablename__ = "page_drop"

    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), primary_key=True)
    url_hash: Mapped[str] = mapped_column(String(64), primary_key=True, default=hash_of("url"))
    url: Mapped[str] = mapped_column(Text)
