"""Availability samples of homepages (`govaudit probe`): per site, not per run."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Probe(Base):
    """One availability sample of a site's homepage (per site, not per run): timings, status, error class.

    A probe records what happened, never whether it "failed": the scheme's time limit
    (availability.timeout_s) decides that when the history is judged.
    """

    __tablename__ = "probe"
    __table_args__ = (Index("ix_probe_site_started", "site_id", "started_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    final_url: Mapped[str | None] = mapped_column(Text)
    status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(32))  # dns | connect | tls | timeout | reset | protocol | …
    error_detail: Mapped[str | None] = mapped_column(Text)
    dns_ms: Mapped[float | None] = mapped_column(Float)
    connect_ms: Mapped[float | None] = mapped_column(Float)
    tls_ms: Mapped[float | None] = mapped_column(Float)
    first_byte_ms: Mapped[float | None] = mapped_column(Float)
    total_ms: Mapped[float | None] = mapped_column(Float)  # full load of the homepage document, redirects included
    size: Mapped[int | None] = mapped_column(Integer)
    redirects: Mapped[int] = mapped_column(Integer, default=0)
    timeout_s: Mapped[float] = mapped_column(Float)  # how long the probe waited before giving up
    flags: Mapped[list] = mapped_column(default=list)  # e.g. "js_challenge" (an anti-bot wall answered)
