"""Item pipelines: validate records, then write them to storage in batches."""
from __future__ import annotations

import zlib
from concurrent.futures import Future, ThreadPoolExecutor

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from sqlalchemy import insert
from sqlalchemy.orm import Session

from crawler.items import PageRecord, StoredRecord
from storage import models as m
from storage.session import session_scope

_PAGE_COLUMNS = tuple(c.name for c in m.Page.__table__.columns if c.name != "id")


class ValidatePipeline:
    """Drop records that cannot be stored, with the reason (a bug of ours, never silent)."""

    def process_item(self, item: PageRecord) -> PageRecord:
        if isinstance(item, StoredRecord):
            return item
        if not isinstance(item, PageRecord):
            raise DropItem(f"unknown item type {type(item).__name__}")
        if not item.url.startswith(("http://", "https://")):
            raise DropItem(f"not an absolute http(s) URL: {item.url!r}")
        if item.status is None and item.error is None:
            raise DropItem(f"{item.url}: neither a status nor an error")
        return item


class StoragePipeline:
    """Buffer page records and write pages, bodies and links in one transaction per batch.

    Batches are written by one writer thread, one batch in flight at a time, so the database's own
    work (SQLite and the driver release the GIL) overlaps the crawl on a second core; a failed
    write surfaces at the next batch or at close.
    """

    def __init__(self, db_url: str, batch: int) -> None:
        self.db_url = db_url
        self.batch = batch
        self.buffer: list[PageRecord] = []
        self.others: list[StoredRecord] = []
        self.urls: set[str] = set()
        self.written = 0
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="govaudit-storage")
        self._pending: Future | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(crawler.settings.get("GOVAUDIT_DB"), crawler.settings.getint("GOVAUDIT_BATCH_PAGES", 200))

    def process_item(self, item: PageRecord | StoredRecord) -> PageRecord | StoredRecord:
        if isinstance(item, StoredRecord):
            self.others.append(item)
            if len(self.others) >= self.batch * 5:
                self.flush()
            return item
        if item.url in self.urls:  # a redirect may land two requests on one recorded URL
            raise DropItem(f"{item.url}: already recorded in this run")
        self.urls.add(item.url)
        self.buffer.append(item)
        if len(self.buffer) >= self.batch:
            self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()
        self._wait()
        self._writer.shutdown()

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()

    def flush(self) -> None:
        """Hand the buffered pages and other facts to the writer (after the previous batch is written)."""
        if not self.buffer and not self.others:
            return
        records, self.buffer = self.buffer, []
        others, self.others = self.others, []
        self._wait()
        self._pending = self._writer.submit(self._write, records, others)

    def _write(self, records: list[PageRecord], others: list[StoredRecord]) -> None:
        """Write pages (with bodies and links), then the other facts, in one transaction."""
        with session_scope(self.db_url) as session:
            if records:
                self._write_pages(session, records)
            by_model: dict[type, list[dict]] = {}
            for rec in others:
                by_model.setdefault(rec.model, []).append(rec.row())
            for model, rows in by_model.items():
                session.execute(insert(model), rows)
        self.written += len(records)

    @staticmethod
    def _write_pages(session: Session, records: list[PageRecord]) -> None:
        rows = [{k: getattr(r, k) for k in _PAGE_COLUMNS} for r in records]
        # Core inserts (not the ORM bulk path): the ORM's per-row bookkeeping was most of the write time.
        page = m.Page.__table__
        ids = session.scalars(insert(page).returning(page.c.id, sort_by_parameter_order=True), rows).all()
        bodies = [{"page_id": pid, "html_z": zlib.compress(rec.html.encode("utf-8"), 1)}
                  for pid, rec in zip(ids, records, strict=True) if rec.html is not None]
        if bodies:
            session.execute(insert(m.PageBody.__table__), bodies)
        links = [{"run_id": rec.run_id, "source": rec.url, "target": ln.target, "tag": ln.tag, "text": ln.text}
                 for rec in records for ln in rec.links]
        if links:
            session.execute(insert(m.Link.__table__), links)
