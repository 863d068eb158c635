"""The scheduler's per-priority request queue: LIFO like Scrapy's memory queue, its older part on disk.

On a large site nearly every page is found long before it is fetched, and Scrapy's memory queue holds
a `Request` per found page (≈ 1.6 kB with its Referer header, meta and caches): 50,000 pages queued
cost ≈ 80 MB (issue 17, docs/scale.md "Memory"). `SpillingLifoQueue` (SCHEDULER_MEMORY_QUEUE) keeps the
newest requests in memory and writes the oldest, `SPILL_CHUNK` at a time, to an anonymous temporary
file (unlinked at once: nothing is left behind, whatever ends the process), reading a chunk back when
the requests above it are gone. The order is exactly the memory queue's (last in, first out per
priority; the priority queue above it is Scrapy's own), so the crawl's order and politeness are
unchanged; a site with fewer than 2 × `SPILL_CHUNK` requests waiting at one priority never touches disk.

Only plain requests are written: `Request` itself (no subclass), callbacks that are the spider's own
cached bound methods (`SiteSpider._on_page` …, restored as the same objects), and meta, headers,
cookies and cb_kwargs of plain data (str, bytes, numbers, None, lists, tuples, dicts). Anything else
(a render request carrying the plain response, an extractor's callback) stays in memory, in its place.
"""
from __future__ import annotations

import inspect
import logging
import os
import pickle
import tempfile
from typing import Any

from scrapy import Request

log = logging.getLogger(__name__)

SPILL_CHUNK = 500  # requests written per chunk (setting GOVAUDIT_QUEUE_SPILL); ≤ 2 × this many in memory per queue

_PLAIN = (str, bytes, int, float, bool, type(None))


def _plain(value: Any, depth: int = 0) -> bool:
    if isinstance(value, _PLAIN):
        return True
    if depth > 8:
        return False
    if type(value) in (list, tuple):
        return all(_plain(v, depth + 1) for v in value)
    if type(value) is dict:
        return all(isinstance(k, _PLAIN) and _plain(v, depth + 1) for k, v in value.items())
    return False


class SpillingLifoQueue:
    """A LIFO queue of requests whose older part lives in a temporary file (see the module's doc)."""

    def __init__(self, crawler: Any = None, key: str = "", chunk: int = SPILL_CHUNK) -> None:
        self._spider = getattr(crawler, "spider", None)
        self._chunk = chunk
        self._top: list[Request] = []  # the newest requests, newest last
        self._chunks: list[tuple[int, int, list[Request]]] = []  # (offset, size, kept in memory), oldest first
        self._spilled = 0  # requests in chunks
        self._file: Any = None
        self._file_used = False  # logged once per queue
        self._names: dict[int, str] | None = None  # id(bound method) → the spider attribute holding it

    @classmethod
    def from_crawler(cls, crawler: Any, key: str = "", *args: Any, **kwargs: Any) -> SpillingLifoQueue:
        return cls(crawler, key, crawler.settings.getint("GOVAUDIT_QUEUE_SPILL", SPILL_CHUNK))

    def push(self, request: Request) -> None:
        self._top.append(request)
        if 0 < self._chunk and 2 * self._chunk <= len(self._top):
            self._spill()

    def pop(self) -> Request | None:
        if not self._top and self._chunks:
            self._load()
        return self._top.pop() if self._top else None

    def peek(self) -> Request | None:
        if not self._top and self._chunks:
            self._load()
        return self._top[-1] if self._top else None

    def __len__(self) -> int:
        return len(self._top) + self._spilled

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._top, self._chunks, self._spilled = [], [], 0

    # --- disk -------------------------------------------------------------------------------------
    def _spill(self) -> None:
        """Write the oldest `chunk` requests in memory to the end of the file. When the file cannot be
        written (disk full …) they stay in memory, and this queue stops spilling (a warning)."""
        oldest = self._top[:self._chunk]
        entries: list[Any] = []
        kept: list[Request] = []
        for request in oldest:
            encoded = self._encode(request)
            if encoded is None:  # stays in memory, in its place: its index in `kept`
                entries.append(len(kept))
                kept.append(request)
            else:
                entries.append(encoded)
        data = pickle.dumps(entries, protocol=pickle.HIGHEST_PROTOCOL)
        offset = self._chunks[-1][0] + self._chunks[-1][1] if self._chunks else 0
        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="govaudit-queue-")
            if os.pwrite(self._file.fileno(), data, offset) != len(data):
                raise OSError("short write")
        except OSError as exc:
            log.warning("the request queue cannot be written to a temporary file (%s): it stays in memory", exc)
            self._chunk = 0
            return
        if self._file_used is False:
            self._file_used = True
            log.info("request queue: the oldest %d requests written to a temporary file", len(oldest))
        del self._top[:self._chunk]
        self._chunks.append((offset, len(data), kept))
        self._spilled += len(oldest)

    def _load(self) -> None:
        """Read the newest chunk back (the file is cut where it began)."""
        offset, size, kept = self._chunks.pop()
        fd = self._file.fileno()
        data = os.pread(fd, size, offset)
        os.ftruncate(fd, offset)
        entries = pickle.loads(data)
        self._top = [kept[e] if type(e) is int else self._decode(e) for e in entries]
        self._spilled -= len(entries)

    def _method_names(self) -> dict[int, str]:
        if self._names is None:
            spider = self._spider
            self._names = {id(v): k for k, v in vars(spider).items()
                           if inspect.ismethod(v) and v.__self__ is spider} if spider is not None else {}
        return self._names

    def _callback_name(self, func: Any) -> str | None | bool:
        """The spider attribute holding `func` (None for no callback), or False when it has none."""
        if func is None:
            return None
        name = self._method_names().get(id(func))
        return name if name is not None and vars(self._spider).get(name) is func else False

    def _encode(self, r: Request) -> tuple | None:
        if type(r) is not Request:
            return None
        callback, errback = self._callback_name(r.callback), self._callback_name(r.errback)
        if callback is False or errback is False:
            return None
        headers = {k: list(v) for k, v in r.headers.items()}
        meta, cookies, cb_kwargs, flags = r.meta, r.cookies, r.cb_kwargs, r.flags
        if not (_plain(headers) and _plain(meta) and _plain(cookies) and _plain(cb_kwargs) and _plain(flags)):
            return None
        return (r.url, callback, r.method, headers, r.body, cookies, meta, r.encoding, r.priority,
                r.dont_filter, errback, flags, cb_kwargs)

    def _decode(self, e: tuple) -> Request:
        url, callback, method, headers, body, cookies, meta, encoding, priority, dont_filter, errback, flags, \
            cb_kwargs = e
        spider = vars(self._spider)
        return Request(url, callback=spider[callback] if callback else None, method=method, headers=headers,
                       body=body, cookies=cookies, meta=meta, encoding=encoding, priority=priority,
                       dont_filter=dont_filter, errback=spider[errback] if errback else None, flags=flags,
                       cb_kwargs=cb_kwargs)
