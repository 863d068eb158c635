"""SiteSpider: crawl one site within its limits and check every distinct link target once."""
from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy import exceptions as scrapy_errors
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from twisted.internet import error as twisted_errors
from twisted.python.failure import Failure

from crawler.extractors import PageContext, load_extractors
from crawler.items import PageRecord
from crawler.middlewares import PrivateAddressRefused
from crawler.page import parse_html
from crawler.urls import canonical, host_of

# Targets that are documents, not pages to parse: checked (HEAD, then a ranged GET), never crawled.
ATTACHMENT_EXT = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".ppt", ".pptx", ".zip", ".rar",
                  ".7z", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg", ".ico", ".mp4", ".mp3",
                  ".flv", ".avi", ".css", ".js", ".txt", ".xml", ".apk", ".exe", ".ofd", ".tif")
CRAWL_TAGS = {"a", "area", "iframe", "frame"}
# A HEAD answered with these is retried with GET: many government servers refuse or mishandle HEAD.
HEAD_FALLBACK = set(range(400, 600))


class SiteSpider(Spider):
    name = "site"
    handle_httpstatus_list = list(range(400, 600))  # record error statuses; 3xx still follow redirects

    def __init__(self, run_id: int, homepage: str, max_pages: int = 2000, max_depth: int = 8,
                 allow_private: bool = False, extra_hosts: tuple[str, ...] = (), site: dict | None = None,
                 **kw: Any) -> None:
        super().__init__(**kw)
        self.site = site or {}  # the registry entry (columns, interaction, disclosure … overrides)
        self.run_id = run_id
        self.homepage = homepage
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.allow_private = allow_private
        self.site_hosts = {host_of(homepage), *extra_hosts}
        self.seen: set[str] = set()
        self.parsed: set[str] = set()  # final URLs whose links were read (redirects land many URLs on one page)
        self.crawl_scheduled = 0
        self.counts = {"crawled": 0, "checked": 0, "errors": 0}
        self.extractors: list = []
        # One bound method per callback for every request: Scrapy caches its per-callback source
        # inspection by the callable object, and a fresh bound method per request defeats that cache
        # (it re-parsed parse_page's source for every page: a tenth of the crawl's CPU time).
        self._on_page, self._on_checked, self._on_error = self.parse_page, self.on_checked, self.on_error

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> SiteSpider:  # noqa: ANN001
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.extractors = load_extractors(spider, crawler.settings.getlist("GOVAUDIT_EXTRACTORS"))
        return spider

    async def start(self) -> AsyncIterator[Request]:
        self.seen.add(self.homepage)
        self.crawl_scheduled = 1
        yield self._crawl_request(self.homepage, depth=0)

    # --- requests -------------------------------------------------------------------------------
    def _crawl_request(self, url: str, depth: int) -> Request:
        return Request(url, callback=self._on_page, errback=self._on_error, dont_filter=True,
                       meta={"ga_depth": depth, "ga_role": "crawl"}, priority=-depth)

    def _check_request(self, url: str, method: str = "HEAD") -> Request:
        headers = {"Range": "bytes=0-262143"} if method == "GET" else {}
        return Request(url, method=method, headers=headers, callback=self._on_checked, errback=self._on_error,
                       dont_filter=True, meta={"ga_role": "check"}, priority=-100)

    def claim(self, url: str) -> bool:
        """Mark a URL as requested by this run; False when something already asked for it."""
        if url in self.seen:
            return False
        self.seen.add(url)
        return True

    def _follow(self, links: list, depth: int) -> Iterator[Request]:
        for link in links:
            target = link.target
            if target in self.seen:
                continue
            self.seen.add(target)
            if self._should_crawl(target, link.tag, depth):
                self.crawl_scheduled += 1
                yield self._crawl_request(target, depth + 1)
            else:
                yield self._check_request(target)

    def _should_crawl(self, url: str, tag: str, depth: int) -> bool:
        path = url.split("?", 1)[0].lower()
        return (tag in CRAWL_TAGS and host_of(url) in self.site_hosts and depth + 1 <= self.max_depth
                and self.crawl_scheduled < self.max_pages and not path.endswith(ATTACHMENT_EXT))

    # --- callbacks ------------------------------------------------------------------------------
    def parse_page(self, response: Response) -> Iterator[Any]:
        depth = response.meta.get("ga_depth", 0)
        if response.meta.get("redirect_urls") and depth == 0:
            self.site_hosts.add(host_of(response.url))  # http→https, bare host→www
        record = self._record(response, crawled=True, depth=depth)
        is_html = isinstance(response, TextResponse) and "html" in (record.content_type or "html")
        final = canonical(response.url) or response.url
        if is_html and response.status < 400 and final in self.parsed:
            # Another URL already redirected here: the page's links belong to it once, not to every alias.
            parsed = parse_html(response.text, response.url, with_links=False)
            record.title, record.text, record.flags = parsed.title, parsed.text[:2000], parsed.flags
            record.crawled = False
            self.counts["checked"] += 1
            yield record
            return
        if is_html and response.status < 400:
            self.parsed.add(final)
            html = response.text
            parsed = parse_html(html, response.url)
            record.html, record.title, record.text = html, parsed.title, parsed.text
            record.links, record.flags = parsed.links, parsed.flags
            self.counts["crawled"] += 1
            yield record
            yield from self._follow(parsed.links, depth)
            ctx = PageContext(url=record.url, response=response, html=html, parsed=parsed, depth=depth, spider=self)
            for extractor in self.extractors:
                yield from extractor.on_page(ctx)
            return
        if isinstance(response, TextResponse):
            parsed = parse_html(response.text, response.url, with_links=False)
            record.title, record.text, record.flags = parsed.title, parsed.text[:2000], parsed.flags
        record.crawled = False
        self.counts["checked"] += 1
        yield record

    def on_checked(self, response: Response) -> Iterator[Any]:
        request = response.request
        if request.method == "HEAD" and response.status in HEAD_FALLBACK:
            yield self._check_request(request.url, method="GET")
            return
        record = self._record(response, crawled=False)
        if request.method == "GET" and isinstance(response, TextResponse) and "html" in (record.content_type or ""):
            parsed = parse_html(response.text, response.url, with_links=False)
            record.title, record.text, record.flags = parsed.title, parsed.text[:2000], parsed.flags
        self.counts["checked"] += 1
        yield record

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = failure.request
        error, detail = classify(failure)
        if error == "too_many_redirects" and _looped(request):
            error = "redirect_loop"
        if request.method == "HEAD" and error not in ("refused_private", "dns", "connect"):
            yield self._check_request(request.url, method="GET")
            return
        started = request.meta.get("ga_started")
        self.counts["errors"] += 1
        yield PageRecord(
            run_id=self.run_id, url=request.meta.get("redirect_urls", [request.url])[0], crawled=False,
            method=request.method, final_url=request.url, error=error, error_detail=detail,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1) if started else None,
            depth=request.meta.get("ga_depth"),
            redirects=_redirects(request.meta),
        )

    def _record(self, response: Response, crawled: bool, depth: int | None = None) -> PageRecord:
        meta = response.meta
        ctype = response.headers.get(b"Content-Type", b"").decode("latin-1").split(";")[0].strip().lower() or None
        latency = meta.get("download_latency")
        return PageRecord(
            run_id=self.run_id, url=meta.get("redirect_urls", [response.url])[0], crawled=crawled,
            method=response.request.method, final_url=response.url, status=response.status,
            redirects=_redirects(meta), content_type=ctype,
            charset=getattr(response, "encoding", None) if isinstance(response, TextResponse) else None,
            size=len(response.body), elapsed_ms=round(latency * 1000, 1) if latency is not None else None,
            content_hash=hashlib.sha1(response.body).hexdigest() if response.body else None, depth=depth,
        )


def _redirects(meta: dict) -> list[list]:
    urls = meta.get("redirect_urls") or []
    reasons = meta.get("redirect_reasons") or [None] * len(urls)
    return [[reason, url] for reason, url in zip(reasons, urls, strict=False)]


def _looped(request: Request) -> bool:
    """True when the redirect chain that ran out of hops came back to a URL it had already visited."""
    chain = [*(request.meta.get("redirect_urls") or []), request.url]
    return len(set(chain)) < len(chain)


def classify(failure: Failure) -> tuple[str, str]:
    """An error class for the failure (dns, connect, tls, timeout, reset, …) and its text."""
    detail = f"{failure.type.__name__}: {failure.getErrorMessage()}"[:500]
    if failure.check(PrivateAddressRefused):
        return "refused_private", detail
    # Scrapy 2.19 wraps Twisted's errors in its own (CannotResolveHostError …); both are recognised.
    if failure.check(twisted_errors.DNSLookupError, scrapy_errors.CannotResolveHostError):
        return "dns", detail
    if failure.check(twisted_errors.TimeoutError, twisted_errors.TCPTimedOutError, scrapy_errors.DownloadTimeoutError):
        return "timeout", detail
    if failure.check(twisted_errors.ConnectError) and "reset by peer" in detail:
        return "reset", detail
    if failure.check(twisted_errors.ConnectionRefusedError, twisted_errors.ConnectError, twisted_errors.NoRouteError,
                     scrapy_errors.DownloadConnectionRefusedError):
        return "connect", detail
    if "SSL" in detail or "certificate" in detail.lower() or "tls" in failure.type.__name__.lower():
        return "tls", detail
    if failure.check(IgnoreRequest):
        if "max redirections" in detail.lower() or "redirect" in detail.lower():
            return "too_many_redirects", detail
        return "skipped", detail
    if "Timeout" in detail:
        return "timeout", detail
    if failure.check(twisted_errors.ConnectionLost, twisted_errors.ConnectionDone, scrapy_errors.ResponseDataLossError) \
            or any(m in detail for m in ("ResponseFailed", "ResponseNeverReceived", "ConnectionLost", "ConnectionDone")):
        return "reset", detail
    return "other", detail  # unknown: not counted as a failure of the target (precision first)
