"""One audit of one site: what was gathered and when (监测时间点 = as_of)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base, utcnow


class Run(Base):
    __tablename__ = "run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("site.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    state: Mapped[str] = mapped_column(String(16), default="running")
    kind: Mapped[str] = mapped_column(String(16), default="audit", server_default="audit")  # audit | recheck
    pages: Mapped[int] = mapped_column(Integer, default=0)
    homepage_url: Mapped[str] = mapped_column(Text)
    options: Mapped[dict] = mapped_column(default=dict)  # max_pages, browser, allow_private …
    stats: Mapped[dict] = mapped_column(default=dict)  # crawler counters (requests, bytes, errors)
    error: Mapped[str | None] = mapped_column(Text)
    # Who runs it (storage/runs.py's stale-run reaper): the process and its machine, and when it last
    # showed it is alive (beats while the run is `running`)
    pid: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    heartbeat_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # An incremental run reads the crawled pages and links it did not store itself through this run
    # (storage/crawlset.py); no ON DELETE: a base run stays while a run reads through it
    base_run_id: Mapped[int | None] = mapped_column(ForeignKey("run.id"), index=True)
