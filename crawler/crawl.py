"""Run the site spiders of one audit in one Scrapy process and record how each run ended."""
from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import connection as mp_connection

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import settings as default_settings
from crawler import writer
from crawler.egress import EgressPolicy
from crawler.lifeline import exit_with
from crawler.spiders.site import SiteSpider
from storage.runs import finish_run


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
    seeds: tuple[str, ...] = ()  # a re-check: pages crawled besides the homepage (depth 1) …
    checks: tuple[str, ...] = ()  # … link targets only checked …
    follow: bool = True  # … and no link followed (docs/problems.md)
    egress: EgressPolicy | None = None  # what this site's fetches may reach (crawler/egress); None: from allow_private
    run_deadline_s: float | None = None  # the crawl ends `interrupted` after this (scheme crawl.run_deadline_s)
    link_caps: dict | None = None  # {page, host, run}: link checks per page/host/run (scheme links.max_checks_*)
    extractors: tuple[str, ...] | None = None  # dotted paths; None: GOVAUDIT_EXTRACTORS (docs/incremental.md)
    pages: tuple[tuple[str, int], ...] = ()  # (url, depth) crawled besides the homepage: a partial re-audit


def _offline_public_suffixes() -> None:
    """Scrapy's cookie middleware checks cookie domains with tldextract, which downloads the public
    suffix list on first use; an auditor (and its tests) must use the bundled snapshot instead."""
    from scrapy.downloadermiddlewares import cookies
    from tldextract import TLDExtract

    cookies._split_domain = TLDExtract(suffix_list_urls=(), include_psl_private_domains=True)


def make_settings(db_url: str, overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule(default_settings, priority="project")
    settings.set("GOVAUDIT_DB", db_url, priority="cmdline")
    for key, value in (overrides or {}).items():
        settings.set(key, value, priority="cmdline")
    return settings


def crawl(jobs: list[CrawlJob], db_url: str, overrides: dict | None = None,
          on_page: Callable[[str], None] | None = None, workers: int | None = None) -> dict[int, str]:
    """Crawl every job's site; returns run id → final state (complete | interrupted | failed).

    With several sites and several cores the sites are shared out (round robin) among worker
    processes — one Scrapy reactor per process, each crawling its sites concurrently — because one
    reactor keeps one core busy. `workers` defaults to $GOVAUDIT_CRAWL_WORKERS or the number of cores
(never more than the sites); 1 crawls in this process.
    """
    workers = min(len(jobs), workers or int(os.environ.get("GOVAUDIT_CRAWL_WORKERS") or 0) or os.cpu_count() or 1)
    if workers <= 1:
        return _crawl_here(jobs, db_url, overrides, on_page)
    return _crawl_in_workers([jobs[i::workers] for i in range(workers)], db_url, overrides, on_page)


def _crawl_in_workers(groups: list[list[CrawlJob]], db_url: str, overrides: dict | None,
                      on_page: Callable[[str], None] | None) -> dict[int, str]:
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: no inherited reactor, threads or connections
    readers: dict = {}
    procs = []
    for group in groups:
        reader, sender = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_crawl_worker, args=(group, db_url, overrides, sender, os.getpid()), daemon=True)
        proc.start()
        sender.close()
        readers[reader] = proc
        procs.append(proc)
    states: dict[int, str] = {}
    while readers:
        for reader in mp_connection.wait(list(readers)):
            try:
                kind, value = reader.recv()
            except EOFError:
                readers.pop(reader).join()
                continue
            if kind == "pages" and on_page is not None:
                for site_id in value:
                    on_page(site_id)
            elif kind == "states":
                states.update(value)
    for proc in procs:
        proc.join()
    for group in groups:  # a worker that died before reporting: its runs failed
        for job in group:
            if job.run_id not in states:
                states[job.run_id] = "failed"
                _finish_run(db_url, job.run_id, "failed", None, "the crawl worker process ended unexpectedly")
    return states


def _crawl_worker(jobs: list[CrawlJob], db_url: str, overrides: dict | None, pipe, parent_pid: int) -> None:  # noqa: ANN001
    """Body of a crawl worker process: crawl its sites, report progress in batches and the final states."""
    exit_with(parent_pid)  # a killed audit takes its workers with it
    pending: list[str] = []

    def page(site_id: str) -> None:
        pending.append(site_id)
        if len(pending) >= 50:
            pipe.send(("pages", pending[:]))
            pending.clear()

    states = _crawl_here(jobs, db_url, overrides, page)
    pipe.send(("pages", pending))
    pipe.send(("states", states))
    pipe.close()


def _crawl_here(jobs: list[CrawlJob], db_url: str, overrides: dict | None = None,
                on_page: Callable[[str], None] | None = None) -> dict[int, str]:
    """Crawl every job's site concurrently in this process (one Scrapy reactor)."""
    states: dict[int, str] = {}
    writer.start()  # its ~0.5 s start-up overlaps with Scrapy's and the crawl's (crawler/writer.py)
    try:
        _run_spiders(jobs, db_url, overrides, on_page, states)
    finally:
        writer.shutdown()
    for job in jobs:
        if job.run_id not in states:
            states[job.run_id] = "failed"
            _finish_run(db_url, job.run_id, "failed", None, "the spider never started")
    return states


def _run_spiders(jobs: list[CrawlJob], db_url: str, overrides: dict | None,
                 on_page: Callable[[str], None] | None, states: dict[int, str]) -> None:
    """One Scrapy reactor crawling every job's site; each spider's final state goes into `states`."""
    overrides = dict(overrides or {})
    if any(job.browser for job in jobs):
        from crawler.browser.launch import playwright_settings

        overrides = {**playwright_settings(float(overrides.get("DOWNLOAD_TIMEOUT", 15))), **overrides}
        # Its per-page failure warnings carry full tracebacks; the spider logs one line per failed render.
        logging.getLogger("scrapy-playwright").setLevel(logging.ERROR)
    _offline_public_suffixes()
    process = CrawlerProcess(make_settings(db_url, {"LOG_INSTALL_ROOT_HANDLER": False, **overrides}))
    # Scrapy sets its loggers to DEBUG, while the CLI shows WARNING and up (GOVAUDIT_LOG_LEVEL): without
    # this, a DEBUG record per request and per item is built only to be dropped.
    logging.getLogger("scrapy").setLevel(os.environ.get("GOVAUDIT_LOG_LEVEL", "WARNING").upper())
    for job in jobs:
        crawler = process.create_crawler(SiteSpider)

        def closed(spider: SiteSpider, reason: str, job: CrawlJob = job) -> None:
            state = "complete" if reason == "finished" else "interrupted"
            if spider.storage_error:  # records were lost: the run is not judged on what remains
                state, reason = "failed", f"storing the crawl failed: {spider.storage_error}"
            states[job.run_id] = state
            _finish_run(db_url, job.run_id, state, spider, reason)

        # Signal receivers are held weakly: weak=False keeps each job's closures alive.
        crawler.signals.connect(closed, signal=_signals().spider_closed, weak=False)
        if on_page is not None:
            crawler.signals.connect(lambda item, job=job, **_: on_page(job.site_id), signal=_signals().item_scraped,
                                    weak=False)
        process.crawl(crawler, run_id=job.run_id, homepage=job.homepage, max_pages=job.max_pages,
                      max_depth=job.max_depth, allow_private=job.allow_private, site=job.site,
                      browser=job.browser, evidence_dir=job.evidence_dir, seeds=job.seeds, checks=job.checks,
                      follow=job.follow, egress=job.egress, run_deadline_s=job.run_deadline_s,
                      link_caps=job.link_caps, extractors=job.extractors, pages=job.pages)
    process.start()


def _signals():  # noqa: ANN202 - scrapy.signals module
    from scrapy import signals

    return signals


def _finish_run(db_url: str, run_id: int, state: str, spider: SiteSpider | None, reason: str) -> None:
    """Record how the crawl ended (the fact families it gathered were marked with its last batch)."""
    if spider is None:
        finish_run(db_url, run_id, state, error=reason)
        return
    finish_run(db_url, run_id, state, pages=spider.counts["crawled"],
               stats={"close_reason": reason, **spider.counts, "browser": _browser_stats(spider),
                      "checks_capped": dict(spider.checks_capped),
                      **{k: v for e in spider.extractors for k, v in e.stats().items()}},
               error=reason if state == "failed" else None)


def _browser_stats(spider: SiteSpider) -> dict:
    """What the browser path did for this run: how many pages went to it and why, the homepage render."""
    return {"enabled": spider.browser, "mode": spider.render_mode, "context": spider.context_name,
            **spider.render_counts, "reasons": dict(spider.render_reasons), "homepage": spider.homepage_render,
            "evidence_dir": spider.evidence_dir,
            "wall_cookies": sorted(spider.wall_cookies)}
