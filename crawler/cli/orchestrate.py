"""The audit's steps in order: register sites and runs → crawl → judge → write reports."""
from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from crawler.crawl import CrawlJob, crawl, site_lives_private
from crawler.probe import check_tls, record_tls
from crawler.sites import SiteEntry
from reports.canonical import findings_document
from reports.judge import judge_run
from reports.render.html import write_report
from reports.render.json import write_findings, write_summary
from reports.render.xlsx import write_summary_xlsx
from reports.scheme import Scheme, load_scheme
from storage import models as m
from storage.session import session_scope

log = logging.getLogger(__name__)


@dataclass
class AuditOptions:
    db_url: str
    out: Path
    as_of: date
    scheme: Scheme
    max_pages: int = 2000
    max_depth: int = 8
    browser: bool = True
    allow_private: bool = False
    user_agent: str | None = None


def run_audit(sites: list[SiteEntry], opts: AuditOptions, console: Console) -> list[dict]:
    """Audit every site (one run each) and write its reports; returns the findings documents."""
    jobs = [_start_run(site, opts) for site in sites]
    overrides = {"DOWNLOAD_TIMEOUT": float(opts.scheme.params.get("availability.timeout_s", 15))}
    if opts.user_agent:
        overrides["USER_AGENT"] = opts.user_agent
    tls_pool = ThreadPoolExecutor(max_workers=max(1, min(8, len(jobs))), thread_name_prefix="tls")
    timeout_s = overrides["DOWNLOAD_TIMEOUT"]
    tls_checks = {job.run_id: tls_pool.submit(_check_tls, site, timeout_s) for job, site in zip(jobs, sites, strict=True)}
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} 页 pages"),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        tasks = {job.site_id: progress.add_task(f"抓取 {job.site_id}", total=None) for job in jobs}
        crawl(jobs, opts.db_url, overrides, on_page=lambda sid: progress.advance(tasks[sid]))
    for run_id, future in tls_checks.items():
        facts = future.result()
        if facts is not None:
            record_tls(opts.db_url, run_id, facts)
    tls_pool.shutdown()
    run_ids = [job.run_id for job in jobs]
    with session_scope(opts.db_url) as session:
        for run_id in run_ids:
            judge_run(session, run_id, opts.scheme, opts.as_of)
    return write_reports(opts.db_url, run_ids, opts.out)


def _check_tls(site: SiteEntry, timeout_s: float) -> dict | None:
    """The homepage host over HTTPS (security.no_https), taken while the crawl runs; None on a defect of ours."""
    try:
        return asyncio.run(check_tls(site.url, site.https, timeout_s))
    except Exception:  # noqa: BLE001 - the rule then says not_measured; the audit goes on
        log.exception("TLS check of %s failed", site.url)
        return None


def _start_run(site: SiteEntry, opts: AuditOptions) -> CrawlJob:
    with session_scope(opts.db_url) as session:
        session.merge(m.Site(id=site.id, name=site.name, url=site.url, kind=site.kind, unit=site.unit,
                             config=site.model_dump(mode="json")))
        session.flush()
        run = m.Run(site_id=site.id, as_of=opts.as_of, homepage_url=site.url, state="running",
                    options={"max_pages": opts.max_pages, "max_depth": opts.max_depth, "browser": opts.browser,
                             "allow_private": opts.allow_private, "scheme": opts.scheme.id})
        session.add(run)
        session.flush()
        run_id = run.id
    return CrawlJob(site_id=site.id, run_id=run_id, homepage=site.url, max_pages=opts.max_pages,
                    max_depth=opts.max_depth, allow_private=opts.allow_private or site_lives_private(site.url),
                    site=site.model_dump(mode="json"))


def judge_stored(db_url: str, run_id: int, scheme: Scheme | None, as_of: date | None, out: Path | None) -> dict:
    """Judge a stored run again (no network): by default with the scheme and 监测时间点 it was judged with."""
    with session_scope(db_url) as session:
        run = session.get(m.Run, run_id)
        if run is None:
            raise LookupError(f"--run {run_id}: no such run in the database")
        previous = session.get(m.Judgement, run_id)
        scheme = scheme or load_scheme(previous.scheme if previous else run.options.get("scheme", "national-2019"))
        as_of = as_of or (previous.as_of if previous else run.as_of)
        judge_run(session, run_id, scheme, as_of)
    if out is not None:
        return write_reports(db_url, [run_id], out)[0]
    with session_scope(db_url) as session:
        return findings_document(session, run_id)


def write_reports(db_url: str, run_ids: list[int], out: Path) -> list[dict]:
    """findings.json and report.html per run, summary.json and summary.xlsx over all of them."""
    with session_scope(db_url) as session:
        missing = [r for r in run_ids if session.get(m.Run, r) is None]
        if missing:
            raise LookupError(f"--run: no such run in the database: {', '.join(map(str, missing))}")
        docs = [findings_document(session, run_id) for run_id in run_ids]
    out.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        write_findings(doc, out)
        write_report(doc, out)
    write_summary(docs, out)
    write_summary_xlsx(docs, out)
    return docs

