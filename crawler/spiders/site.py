"""SiteSpider: crawl one site within its limits and check every distinct link target once."""
from __future__ import annotations

import hashlib
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request, Spider
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from crawler.browser.policy import looks_like_wall, render_reason
from crawler.egress import EgressPolicy
from crawler.browser.visibility import visibility_records
from crawler.errors import classify
from crawler.extractors import PageContext, load_extractors
from crawler.items import PageRecord
from crawler.page import ATTACHMENT_EXT, CRAWL_TAGS, ParsedPage, parse_html
from storage.vocabulary import SPINE_FACTS, WALL_STATUSES, canonical, host_of

# A HEAD answered with these is retried with GET: many government servers refuse or mishandle HEAD.
HEAD_FALLBACK = set(range(400, 600))
# Plain failures retried in the browser before they may become findings (walls that drop or stall
# non-browser clients); DNS, connect and TLS failures would fail there the same way.
BROWSER_RETRY_ERRORS = {"timeout", "reset"}


class SiteSpider(Spider):
    name = "site"
    handle_httpstatus_list = list(range(400, 600))  # record error statuses; 3xx still follow redirects

    def __init__(self, run_id: int, homepage: str, max_pages: int = 2000, max_depth: int = 8,
                 allow_private: bool = False, extra_hosts: tuple[str, ...] = (), site: dict | None = None,
                 browser: bool = False, evidence_dir: str | None = None, seeds: tuple[str, ...] = (),
                 checks: tuple[str, ...] = (), follow: bool = True, egress: Any = None,
                 run_deadline_s: float | None = None, link_caps: dict | None = None,
                 extractors: tuple[str, ...] | None = None, pages: tuple[tuple[str, int], ...] = (),
                 **kw: Any) -> None:
        super().__init__(**kw)
        # A partial incremental re-audit (docs/incremental.md): pages re-crawled at the depth a full crawl
        # reaches them at (changed pages, pages whose depth changed, new dead links), with follow=False.
        self.pages = tuple((str(u), int(d)) for u, d in pages)
        # The extractors to load (dotted paths); None: the GOVAUDIT_EXTRACTORS setting. An incremental
        # re-audit's restricted crawl loads only the cloaking variants (docs/incremental.md).
        self.extractor_paths = None if extractors is None else list(extractors)
        # Caps on link targets only checked (scheme links.max_checks_per_page/_host/_run): a page of 10,000
        # outside links cost up to 7 fetches each. Targets past a cap are not requested; the cut is counted
        # (run stats `checks_capped`) and the link rule counts the targets left unchecked in its evidence.
        caps = link_caps or {}
        self.max_checks_per_page = int(caps.get("page") or 0) or None
        self.max_checks_per_host = int(caps.get("host") or 0) or None
        self.max_checks_per_run = int(caps.get("run") or 0) or None
        self.checks_by_host: dict[str, int] = {}
        self.checks_requested = 0
        self.checks_capped = {"page": 0, "host": 0, "run": 0}
        # The run's deadline (scheme `crawl.run_deadline_s`, registry `run_deadline_s`): past it the crawl
        # closes with reason `run_deadline` — the run ends `interrupted` with the pages it has.
        self.run_deadline_s = run_deadline_s
        self._deadline_call: Any = None
        # A re-check (govaudit recheck) fetches a given list: `seeds` crawled as pages (depth 1), `checks`
        # only checked, and no link of any page followed (`follow=False`); extractors may still ask.
        self.seeds = tuple(seeds)
        self.checks = tuple(checks)
        self.follow = follow
        self.site = site or {}  # the registry entry (columns, interaction, disclosure … overrides)
        self.run_id = run_id
        self.homepage = homepage
        self.max_pages = max_pages
        self.max_depth = max_depth
        self.allow_private = allow_private
        # What this site's fetches may reach (crawler.egress; the downloader guard and the browser proxy).
        self.egress = egress if egress is not None else EgressPolicy(allow_private=allow_private)
        self.site_hosts = {host_of(homepage), *extra_hosts}
        self.seen: set[str] = set()
        self.parsed: set[str] = set()  # final URLs whose links were read (redirects land many URLs on one page)
        self.crawl_scheduled = 0
        self.counts = {"crawled": 0, "checked": 0, "errors": 0}
        self.extractors: list = []
        # The browser path (docs/browser.md): which pages go to Chromium is decided per page.
        self.render_mode = self.site.get("render") or "auto"
        self.browser = browser and self.render_mode != "never"
        self.render_always = frozenset(
            filter(None, (canonical(c["url"], homepage) for c in self.site.get("columns") or ()
                          if c.get("render") == "always")))
        self.context_name = f"run-{run_id}"  # one browser context (cookie jar) per site run
        self.evidence_dir = evidence_dir
        self.max_renders = 500
        self.homepage_rendered = False
        self.wall_cookies: dict[str, str] = {}
        self.render_counts = {"requests": 0, "rendered": 0, "failed": 0, "needs_render": 0, "walls": 0,
                              "walls_passed": 0, "walls_after_cookies": 0}
        self.render_reasons: dict[str, int] = {}
        self.homepage_render: dict[str, Any] = {}
        self.gathered_facts: set[str] = set()  # fact families beyond pages/links this spider gathered
        self.pending_records: list = []  # facts found while reading a response, yielded with its record
        self.storage_error: str | None = None  # set by the storage pipeline when a batch could not be written
        # One bound method per callback for every request: Scrapy caches its per-callback source
        # inspection by the callable object, and a fresh bound method per request defeats that cache
        # (it re-parsed parse_page's source for every page: a tenth of the crawl's CPU time).
        self._on_page, self._on_checked, self._on_error = self.parse_page, self.on_checked, self.on_error
        self._on_render_error = self.on_render_error

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> SiteSpider:  # noqa: ANN001
        spider = super().from_crawler(crawler, *args, **kwargs)
        paths = spider.extractor_paths
        spider.extractors = load_extractors(spider, crawler.settings.getlist("GOVAUDIT_EXTRACTORS")
                                            if paths is None else paths)
        spider.max_renders = crawler.settings.getint("GOVAUDIT_MAX_RENDERS", spider.max_renders)
        if spider.run_deadline_s:
            from scrapy import signals

            crawler.signals.connect(spider._arm_deadline, signal=signals.spider_opened)
            crawler.signals.connect(spider._disarm_deadline, signal=signals.spider_closed)
        return spider

    def _arm_deadline(self, spider: Any = None) -> None:
        from twisted.internet import reactor

        self._deadline_call = reactor.callLater(float(self.run_deadline_s), self._deadline_passed)

    def _deadline_passed(self) -> None:
        from scrapy.utils.defer import _schedule_coro

        self._deadline_call = None
        self.logger.warning("run deadline of %g s passed: the crawl of %s ends interrupted", self.run_deadline_s,
                            self.homepage)
        _schedule_coro(self.crawler.engine.close_spider_async(reason="run_deadline"))

    def _disarm_deadline(self, spider: Any = None, reason: str = "") -> None:
        if self._deadline_call is not None and self._deadline_call.active():
            self._deadline_call.cancel()
        self._deadline_call = None

    async def start(self) -> AsyncIterator[Request]:
        self.seen.add(self.homepage)
        self.crawl_scheduled = 1
        yield self._crawl_request(self.homepage, depth=0)
        for url in self.seeds:
            if self.claim(url):
                self.crawl_scheduled += 1
                yield self._crawl_request(url, depth=1)
        for url, depth in self.pages:
            if self.claim(url):
                self.crawl_scheduled += 1
                yield self._crawl_request(url, depth=depth)
        for url in self.checks:
            if self.claim(url):
                yield self._check_request(url)

    # --- requests -------------------------------------------------------------------------------
    def _crawl_request(self, url: str, depth: int) -> Request:
        return Request(url, callback=self._on_page, errback=self._on_error, dont_filter=True,
                       meta={"ga_depth": depth, "ga_role": "crawl"}, priority=-depth, cookies=self._cookies_for(url))

    def _check_request(self, url: str, method: str = "HEAD") -> Request:
        headers = {"Range": "bytes=0-262143"} if method == "GET" else {}
        return Request(url, method=method, headers=headers, callback=self._on_checked, errback=self._on_error,
                       dont_filter=True, meta={"ga_role": "check"}, priority=-100, cookies=self._cookies_for(url))

    def _cookies_for(self, url: str) -> dict[str, str]:
        """A wall's cookies, got by the browser, reused by the plain downloader on the site's hosts."""
        return dict(self.wall_cookies) if self.wall_cookies and host_of(url) in self.site_hosts else {}

    def _render_request(self, url: str, reason: str, plain: Response | None, role: str, depth: int | None,
                        plain_error: PageRecord | None = None) -> Request:
        """The same URL again, in the site's browser context; `plain` (or the plain download's error
        record) is what is kept if the browser fails."""
        from scrapy_playwright.page import PageMethod

        from crawler.browser.settle import settle

        self.render_counts["requests"] += 1
        self.render_reasons[reason] = self.render_reasons.get(reason, 0) + 1
        homepage = reason == "homepage"
        shot = None
        if homepage and self.evidence_dir:
            shot = f"{self.evidence_dir}/homepage-run{self.run_id}.jpg"
        navigations: list = []
        method = PageMethod(settle, wall=True, wait_list=reason != "antibot_wall", screenshot=shot,
                            timings=homepage, mark_links=homepage, navigations=navigations)
        meta = {
            "playwright": True, "playwright_context": self.context_name,
            "playwright_context_kwargs": _context_kwargs(self.egress),
            "playwright_page_init_callback": "crawler.browser.launch.page_init",
            "playwright_page_methods": [method], "ga_navigations": navigations, "ga_screenshot": bool(shot),
            # The browser's time includes waiting for scripts: not the server's latency AutoThrottle adapts to.
            "autothrottle_dont_adjust_delay": True,
            "ga_role": role, "ga_depth": depth, "ga_render": reason, "ga_plain": plain, "ga_plain_error": plain_error,
            "ga_plain_wall": reason == "antibot_wall" or bool(plain is not None and plain.meta.get("ga_wall")),
        }
        return Request(url, callback=self._on_page if role == "crawl" else self._on_checked,
                       errback=self._on_render_error, dont_filter=True, meta=meta,
                       priority=10 if homepage else -(depth or 0))

    def _may_render(self) -> bool:
        return self.browser and self.render_counts["requests"] < self.max_renders

    # --- what extractors may ask (crawler.extractors.SpiderPort) ------------------------------------
    def request_page(self, url: str, depth: int, within_budget: bool = True) -> Request | None:
        """A crawl request for a page an extractor needs (a column list …): it goes through
        `parse_page`, so the browser decision applies; None when the run already asked for it or,
        `within_budget`, when the run's max_pages is reached."""
        if within_budget and self.crawl_scheduled >= self.max_pages:
            return None
        if not self.claim(url):
            return None
        self.crawl_scheduled += 1
        return self._crawl_request(url, depth)

    def setting(self, name: str, default: Any = None) -> Any:
        crawler = getattr(self, "crawler", None)
        return crawler.settings.get(name, default) if crawler is not None else default

    def finish_extractors(self) -> list:
        """The extractors' facts gathered across pages (the storage pipeline writes them with the last batch)."""
        return [row for extractor in self.extractors for row in extractor.finish()] + self._browser_tls()

    def _browser_tls(self) -> list:
        """The site's HTTPS hosts the browser reached and whether their certificates verified (the browser
        itself accepts invalid ones: recorded here instead, crawler/egress/proxy.py)."""
        if not self.browser:
            return []
        from crawler.egress.proxy import tls_seen
        from storage.facts import FactRow
        from storage.facts.browser_tls import BrowserTlsFact

        self.gathered_facts.add("browser_tls")
        return [FactRow(self.run_id, BrowserTlsFact(host=h, port=p, verified=e is None, error=e))
                for h, p, e in tls_seen(self.site_hosts) if e != "checking"]

    def gathered_families(self) -> list[str]:
        """The fact families this crawl gathered: pages and links, the extractors' and the browser's."""
        return list(dict.fromkeys([*SPINE_FACTS, *self.gathered_facts,
                                   *(f for e in self.extractors for f in e.families)]))

    def claim(self, url: str) -> bool:
        """Mark a URL as requested by this run; False when something already asked for it."""
        if url in self.seen:
            return False
        self.seen.add(url)
        return True

    def _follow(self, links: list, depth: int) -> Iterator[Request]:
        if not self.follow:
            return
        on_page = 0
        for link in links:
            target = link.target
            if target in self.seen:
                continue
            if self._should_crawl(target, link.tag, depth):
                self.seen.add(target)
                self.crawl_scheduled += 1
                yield self._crawl_request(target, depth + 1)
                continue
            cut = self._check_cap(target, on_page)
            if cut is not None:
                self.checks_capped[cut] += 1  # not marked seen: another page may still check it
                continue
            self.seen.add(target)
            on_page += 1
            self.checks_requested += 1
            host = host_of(target)
            self.checks_by_host[host] = self.checks_by_host.get(host, 0) + 1
            yield self._check_request(target)

    def _check_cap(self, target: str, on_page: int) -> str | None:
        """Which cap a link check of `target` would pass (page, host, run), or None."""
        if self.max_checks_per_run is not None and self.checks_requested >= self.max_checks_per_run:
            return "run"
        if self.max_checks_per_page is not None and on_page >= self.max_checks_per_page:
            return "page"
        if (self.max_checks_per_host is not None
                and self.checks_by_host.get(host_of(target), 0) >= self.max_checks_per_host):
            return "host"
        return None

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
        rendered = bool(response.meta.get("playwright"))
        if rendered:
            response = self._apply_render(record, response)
        is_html = isinstance(response, TextResponse) and "html" in (record.content_type or "html")
        final = canonical(response.url) or response.url
        if is_html and record.status < 400 and final in self.parsed:
            # Another URL already redirected here: the page's links belong to it once, not to every alias.
            parsed = parse_html(response.text, response.url, with_links=False)
            record.title, record.text, record.flags = parsed.title, parsed.text[:2000], parsed.flags + record.flags
            record.crawled = False
            self.counts["checked"] += 1
            yield record
            return
        parsed = None
        if isinstance(response, TextResponse):
            html = response.text
            parsed = parse_html(html, response.url, with_links=is_html and record.status < 400)
            if not rendered:
                reason = self._render_decision(record, response, html, parsed, depth)
                if reason is not None:
                    yield self._render_request(record.url, reason, response, "crawl", depth)
                    # The crawl goes on with the links the plain page already shows; the rendered
                    # page adds what scripts wrote and is the one stored and seen by the extractors.
                    # The homepage's links wait for its render (first in the queue): extractors learn
                    # the site's map (公开 platform, 互动 channels, columns) from it before its pages.
                    if reason != "homepage":
                        yield from self._follow(parsed.links, depth)
                    return
        if is_html and record.status < 400:
            self.parsed.add(final)
            record.html, record.title, record.text = html, parsed.title, parsed.text
            record.links, record.flags = parsed.links, parsed.flags + record.flags
            self.counts["crawled"] += 1
            yield record
            yield from self.pending_records
            self.pending_records.clear()
            yield from self._follow(parsed.links, depth)
            ctx = PageContext(url=record.url, response=response, html=html, parsed=parsed, depth=depth, spider=self)
            for extractor in self.extractors:
                yield from extractor.on_page(ctx)
            return
        if parsed is not None:
            record.title, record.text, record.flags = parsed.title, parsed.text[:2000], parsed.flags + record.flags
        record.crawled = False
        self.counts["checked"] += 1
        yield record

    def _render_decision(self, record: PageRecord, response: Response, html: str, parsed: ParsedPage,
                         depth: int | None) -> str | None:
        """Send this plain page to the browser? Notes `needs_render` when it should but cannot go."""
        if response.meta.get("ga_render_failed"):
            record.flags += ["render_failed", "needs_render"]
            return None
        reason = render_reason(
            url=record.url, status=record.status, flags=parsed.flags, html=html, visible_text=parsed.text,
            links=len(parsed.links), is_homepage=record.url == self.homepage and depth in (0, None),
            homepage_rendered=self.homepage_rendered, mode=self.render_mode, always_urls=self.render_always)
        wall = looks_like_wall(record.status, parsed.flags, len(parsed.text), len(parsed.links))
        if wall and reason is not None:
            self.render_counts["walls"] += 1
            if self.wall_cookies:
                self.render_counts["walls_after_cookies"] += 1
        if reason is None:
            return None
        if reason == "homepage":
            self.homepage_rendered = True
        if self._may_render():
            response.meta["ga_wall"] = wall
            return reason
        if reason != "homepage":
            record.flags.append("needs_render")  # rules on what this page shows are not measured
            self.render_counts["needs_render"] += 1
        return None

    def _apply_render(self, record: PageRecord, response: Response) -> Response:
        """Fill a rendered page's record from the browser's facts; the response with the status shown."""
        meta = response.meta
        settled = _settled(meta) or {}
        plain: Response | None = meta.get("ga_plain")
        reason = meta.get("ga_render")
        self.render_counts["rendered"] += 1
        record.rendered, record.render_reason = True, reason
        if plain is not None:
            latency = plain.meta.get("download_latency")
            record.elapsed_ms = round(latency * 1000, 1) if latency is not None else record.elapsed_ms
        else:  # the plain download failed: the browser's load time is the measurement
            record.elapsed_ms = (settled.get("timings") or {}).get("load_ms")
            failed: PageRecord | None = meta.get("ga_plain_error")
            if failed is not None:
                record.flags.append(f"plain_{failed.error}")
        if settled.get("errors"):
            record.flags.append("render_incomplete")
        if meta.get("ga_plain_wall"):
            if settled.get("passed_wall"):
                record.flags.append("wall_passed")
                self.render_counts["walls_passed"] += 1
                cookies = {c["name"]: c["value"] for c in settled.get("cookies") or ()}
                if cookies:
                    self.wall_cookies.update(cookies)
        status = settled.get("status")
        if reason == "homepage" and settled.get("link_visibility") is not None:
            self.pending_records.extend(visibility_records(self.run_id, record.url, settled["link_visibility"]))
            self.gathered_facts.add("link_visibility")
        if reason == "homepage":
            self.homepage_render = {
                "url": record.url, "status": status or response.status, "timings": settled.get("timings"),
                "hidden_links": settled.get("hidden_links"), "errors": settled.get("errors") or [],
                "screenshot": _relative_evidence(settled.get("screenshot"), self.evidence_dir),
            }
        if status and status != response.status:
            record.status = status
            return response.replace(status=status)
        return response

    def on_render_error(self, failure: Failure) -> Iterator[Any]:
        """The browser failed on this page (crash, hang, timeout): keep the plain download, flagged."""
        request = failure.request
        self.render_counts["failed"] += 1
        plain: Response | None = request.meta.get("ga_plain")
        error, detail = classify(failure)
        self.logger.warning("render failed for %s (%s): %s", request.url, request.meta.get("ga_render"), detail)
        if request.meta.get("ga_render") == "homepage":
            self.homepage_render = {"url": request.url, "errors": [detail]}
        if plain is None:
            failed: PageRecord | None = request.meta.get("ga_plain_error")
            if failed is not None:  # failed plainly and in the browser: the plain error stands
                failed.flags.append("render_failed")
                self.counts["errors"] += 1
                yield failed
            return
        plain.meta["ga_render_failed"] = True
        if request.meta.get("ga_role") == "crawl":
            yield from self.parse_page(plain)
        else:
            yield from self.on_checked(plain)

    def on_checked(self, response: Response) -> Iterator[Any]:
        request = response.request
        rendered = bool(response.meta.get("playwright"))
        if not rendered and request.method == "HEAD" and (response.status in HEAD_FALLBACK
                                                          or response.status in WALL_STATUSES):
            yield self._check_request(request.url, method="GET")
            return
        record = self._record(response, crawled=False)
        if rendered:
            response = self._apply_render(record, response)
        if request.method == "GET" and isinstance(response, TextResponse) and "html" in (record.content_type or ""):
            parsed = parse_html(response.text, response.url, with_links=False)
            record.title, record.text, record.flags = parsed.title, parsed.text[:2000], parsed.flags + record.flags
            if not rendered and looks_like_wall(record.status, parsed.flags, len(parsed.text)):
                self.render_counts["walls"] += 1
                if self.wall_cookies:
                    self.render_counts["walls_after_cookies"] += 1
                if response.meta.get("ga_render_failed"):
                    record.flags.append("render_failed")
                elif self._may_render():
                    yield self._render_request(record.url, "antibot_wall", response, "check", None)
                    return
                else:
                    record.flags.append("needs_render")
                    self.render_counts["needs_render"] += 1
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
        record = PageRecord(
            run_id=self.run_id, url=request.meta.get("redirect_urls", [request.url])[0], crawled=False,
            method=request.method, final_url=request.url, error=error, error_detail=detail,
            elapsed_ms=round((time.perf_counter() - started) * 1000, 1) if started else None,
            depth=request.meta.get("ga_depth"),
            redirects=_redirects(request.meta),
        )
        # A timeout or a reset may be a wall refusing plain clients: a person's browser has the last word.
        if error in BROWSER_RETRY_ERRORS and not request.meta.get("playwright") and self._may_render():
            role = request.meta.get("ga_role", "crawl")
            reason = "plain_error"
            if role == "crawl" and record.url == self.homepage and not self.homepage_rendered:
                reason, self.homepage_rendered = "homepage", True
            yield self._render_request(record.url, reason, None, role, record.depth, plain_error=record)
            return
        if error in BROWSER_RETRY_ERRORS and not request.meta.get("playwright"):
            record.flags.append("needs_render")  # doubtful without the browser's retry: not measured
            self.render_counts["needs_render"] += 1
        self.counts["errors"] += 1
        yield record

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
            etag=_header(response, b"ETag", 256), last_modified=_header(response, b"Last-Modified", 64),
        )


def _header(response: Response, name: bytes, cap: int) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1")[:cap] if value else None


def _settled(meta: dict) -> dict | None:
    """The result of `crawler.browser.settle.settle` for a rendered response."""
    methods = meta.get("playwright_page_methods") or ()
    return methods[0].result if methods and isinstance(methods[0].result, dict) else None


def _relative_evidence(path: str | None, evidence_dir: str | None) -> str | None:
    """`evidence/<file>` as findings.json and the HTML report reference it."""
    if not path:
        return None
    from pathlib import Path

    return f"evidence/{Path(path).name}" if evidence_dir else path


def _context_kwargs(egress: EgressPolicy | None = None) -> dict:
    from crawler.browser.harden import context_proxy
    from crawler.browser.launch import CONTEXT_KWARGS

    return {**CONTEXT_KWARGS, "proxy": context_proxy(egress)}


def _redirects(meta: dict) -> list[list]:
    urls = meta.get("redirect_urls") or []
    reasons = meta.get("redirect_reasons") or [None] * len(urls)
    return [[reason, url] for reason, url in zip(reasons, urls, strict=False)]


def _looped(request: Request) -> bool:
    """True when the redirect chain that ran out of hops came back to a URL it had already visited."""
    chain = [*(request.meta.get("redirect_urls") or []), request.url]
    return len(set(chain)) < len(chain)
