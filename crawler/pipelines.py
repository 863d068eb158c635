"""Item pipelines: validate records, then write them to storage in batches."""
from __future__ import annotations

import logging
import time
from concurrent.futures import Future

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler import writer
from crawler.items import PageRecord
from crawler.writer import PAGE_COLUMNS
from storage.facts import FactRow, table_of
from storage.secrets import mask_url

logger = logging.getLogger(__name__)


class ValidatePipeline:
    """Drop records that cannot be stored, with the reason (a bug of ours, never silent)."""

    def process_item(self, item: PageRecord | FactRow) -> PageRecord | FactRow:
        if isinstance(item, FactRow):
            try:
                table_of(item.fact)
            except TypeError as exc:
                raise DropItem(str(exc)) from None
            return item
        if not isinstance(item, PageRecord):
            raise DropItem(f"unknown item type {type(item).__name__}")
        if not item.url.startswith(("http://", "https://")):
            raise DropItem(f"not an absolute http(s) URL: {item.url!r}")
        if item.status is None and item.error is None:
            raise DropItem(f"{item.url}: neither a status nor an error")
        return item


class StoragePipeline:
    """Buffer page records and other facts; hand them in batches to the writer process (`crawler.writer`).

    At the end of the crawl the extractors' `finish()` facts and the fact families the spider gathered
    go with the last batch.

    A batch goes when it has `GOVAUDIT_BATCH_PAGES` pages or its oldest record has waited
    `GOVAUDIT_FLUSH_S` seconds (a timer checks while no item comes), so a killed crawl (kill -9) loses at
    most about that much besides the batch being written.

    One batch of this site in flight at a time. A failed write is noticed at the next batch or at
    close: `error` says why, the spider's `storage_error` too (its run is then marked failed, not
    judged on half its pages), and a crawl still running is stopped.
    """

    def __init__(self, db_url: str, batch: int, crawler: Crawler | None = None, flush_s: float = 2.0) -> None:
        self.db_url = db_url
        self.batch = batch
        self.flush_s = flush_s
        self._oldest: float | None = None  # when the oldest buffered record came (monotonic)
        self._timer: task.LoopingCall | None = None
        self.crawler = crawler
        self.buffer: list[PageRecord] = []
        self.others: list[FactRow] = []
        self.urls: set[str] = set()
        self.written = 0
        self.error: str | None = None
        self._closing = False
        self._pending: Future | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StoragePipeline:
        return cls(crawler.settings.get("GOVAUDIT_DB"), crawler.settings.getint("GOVAUDIT_BATCH_PAGES", 200), crawler,
                   crawler.settings.getfloat("GOVAUDIT_FLUSH_S", 2.0))

    def open_spider(self) -> None:
        if self.flush_s > 0:
            self._timer = task.LoopingCall(self._tick)
            self._timer.start(min(0.5, self.flush_s / 4), now=False)

    def _due(self) -> bool:
        return self._oldest is not None and time.monotonic() - self._oldest >= self.flush_s

    def _tick(self) -> None:
        """Flush records that waited `flush_s`, unless the previous batch is still being written (then the
        next tick tries again: the reactor never waits on the writer here)."""
        if self._due() and (self._pending is None or self._pending.done()):
            self.flush()

    def _buffered(self) -> None:
        if self._oldest is None:
            self._oldest = time.monotonic()

    def process_item(self, item: PageRecord | FactRow) -> PageRecord | FactRow:
        if isinstance(item, FactRow):
            self.others.append(item)
            self._buffered()
            if len(self.others) >= self.batch * 5 or self._due():
                self.flush()
            return item
        if item.url in self.urls:  # a redirect may land two requests on one recorded URL
            raise DropItem(f"{item.url}: already recorded in this run")
        self.urls.add(item.url)
        self.buffer.append(item)
        self._buffered()
        if len(self.buffer) >= self.batch or self._due():
            self.flush()
        return item

    def close_spider(self) -> None:
        self._closing = True
        if self._timer is not None and self._timer.running:
            self._timer.stop()
        spider = self.crawler.spider if self.crawler is not None else None
        gathered = None
        if spider is not None and hasattr(spider, "finish_extractors"):
            self.others.extend(spider.finish_extractors())
            gathered = (spider.run_id, tuple(spider.gathered_families()))
        self.flush(gathered)
        self._wait()

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None:
            return
        try:
            self.written += pending.result()
        except Exception as exc:  # noqa: BLE001 - any database error: recorded, the run fails, the audit goes on
            self._failed(f"{type(exc).__name__}: {exc}"[:1000])

    def _failed(self, error: str) -> None:
        if self.error is not None:
            return
        self.error = error
        logger.error("storing the crawl's records failed (%s): %s", mask_url(self.db_url), mask_url(str(error)))
        spider = self.crawler.spider if self.crawler is not None else None
        if spider is not None:
            spider.storage_error = error
        if spider is not None and not self._closing:
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="storage_failed"))

    def flush(self, gathered: tuple[int, tuple[str, ...]] | None = None) -> None:
        """Hand the buffered pages and other facts to the writer (after this site's previous batch is
        written); `gathered` marks the run's fact families with the last batch."""
        if not self.buffer and not self.others and gathered is None:
            return
        records, self.buffer = self.buffer, []
        others, self.others = self.others, []
        self._oldest = None
        self._wait()
        if self.error is not None:  # the run has failed: nothing more is stored for it
            return
        pages = [(tuple([getattr(r, k) for k in PAGE_COLUMNS]), r.html, [tuple(ln) for ln in r.links]) for r in records]
        try:
            self._pending = writer.submit(self.db_url, pages, others, gathered)
        except Exception as exc:  # noqa: BLE001 - e.g. the writer process died (BrokenProcessPool)
            self._failed(f"{type(exc).__name__}: {exc}"[:1000])
