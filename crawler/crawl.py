"""Run the site spiders of one audit in one Scrapy process and record how each run ended."""
from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler.spiders.site import SiteSpider
from crawler.urls import host_of, is_private_ip
from storage import models as m
from storage.base import utcnow
from storage.session import session_scope


@dataclass
class CrawlJob:
    site_id: str
    run_id: int
    homepage: str
    max_pages: int = 2000
    max_depth: int = 8
    allow_private: bool = False
    site: dict | None = None  # the registry entry, for extractors (columns, disclosure … overrides)
    browser: bool = False  # may pages of this site go to Chromium (docs/browser.md)
    evidence_dir: str | None = None  # OUT/<site-id>/evidence: the homepage screenshot goes there


def _offline_public_suffixes() -> None:
    """Scrapy's cookie middleware checks cookie domains with tldextract, which downloads the public
    suffix list on first use; an auditor (and its tests) must use the bundled snapshot instead."""
    from scrapy.downloadermiddlewares import cookies
    from tldextract import TLDExtract

    cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


def site_lives_private(url: str) -> bool:
    """True when the site's own host resolves into a private/loopback range (then it may link there)."""
    host = host_of(url).strip("[]")
    if is_private_ip(host):
        return True
    try:
        return any(is_private_ip(i[4][0]) for i in socket.getaddrinfo(host, None, type=socket.SOCK_STREAM))
    except (OSError, UnicodeError):
        return False


def make_settings(db_url: str, overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("GOVAUDIT_DB", db_url, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def crawl(jobs: list[CrawlJob], db_url: str, overrides: dict | None = None,
          on_page: Callable[[str], None] | None = None) -> dict[int, str]:
    """Crawl every job's site concurrently; returns run id → final state (complete | interrupted | failed)."""
    overrides = dict(overrides or {})
    if any(job.browser for job in jobs):
        from crawler.browser import playwright_settings

        overrides = {**playwright_settings(float(overrides.get("DOWNLOAD_TIMEOUT", 15))), **overrides}
        # Its per-page failure warnings carry full tracebacks; the spider logs one line per failed render.
        logging.getLogger("scrapy-playwright").setLevel(logging.ERROR)
    _offline_public_suffixes()
    process = CrawlerProcess(make_settings(db_url, {"LOG_INSTALL_ROOT_HANDLER": False, **overrides}))
    states: dict[int, str] = {}
    for job in jobs:
        crawler = process.create_crawler(SiteSpider)

        def closed(spider: SiteSpider, reason: str, job: CrawlJob = job) -> None:
            state = "complete" if reason == "finished" else "interrupted"
            states[job.run_id] = state
            _finish_run(db_url, job.run_id, state, spider, reason)

        # Signal receivers are held weakly: weak=False keeps each job's closures alive.
        crawler.signals.connect(closed, signal=_signals().spider_closed, weak=False)
        if on_page is not None:
            crawler.signals.connect(lambda item, job=job, **_: on_page(job.site_id), signal=_signals().item_scraped,
                                    weak=False)
        process.crawl(crawler, run_id=job.run_id, homepage=job.homepage, max_pages=job.max_pages,
                      max_depth=job.max_depth, allow_private=job.allow_private, site=job.site,
                      browser=job.browser, evidence_dir=job.evidence_dir)
    process.start()
    for job in jobs:
        if job.run_id not in states:
            states[job.run_id] = "failed"
            _finish_run(db_url, job.run_id, "failed", None, "the spider never started")
    return states


def _signals():  # noqa: ANN202 - scrapy.signals module
    from scrapy import signals

    return signals


def _finish_run(db_url: str, run_id: int, state: str, spider: SiteSpider | None, reason: str) -> None:
    with session_scope(db_url) as session:
        run = session.get(m.Run, run_id)
        run.state = state
        run.finished_at = utcnow()
        if spider is not None:
            run.pages = spider.counts["crawled"]
            # Each extractor names the fact families it gathers (rules reading others are not_measured);
            # facts an extractor already recorded itself stay.
            recorded = (run.stats or {}).get("facts", [])
            gathered = (f for e in spider.extractors for f in getattr(e, "facts", ()))
            facts = list(dict.fromkeys(["pages", "links", *recorded, *gathered]))
            run.stats = {**(run.stats or {}), "facts": facts, "close_reason": reason, **spider.counts,
                         "browser": _browser_stats(spider)}
        else:
            run.error = reason


def _browser_stats(spider: SiteSpider) -> dict:
    """What the browser path did for this run: how many pages went to it and why, the homepage render."""
    return {"enabled": spider.browser, "mode": spider.render_mode, "context": spider.context_name,
            **spider.render_counts, "reasons": dict(spider.render_reasons), "homepage": spider.homepage_render,
            "evidence_dir": spider.evidence_dir,
            "wall_cookies": sorted(spider.wall_cookies)}
