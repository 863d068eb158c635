"""The audit's steps in order: register sites and runs → crawl → judge → write reports."""
from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import select

from crawler.crawl import CrawlJob, crawl, site_lives_private
from crawler.functions.gather import GatherOptions, gather_functions, open_browser
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


class AuditInterrupted(RuntimeError):
    """The crawl was stopped before it finished; the reports were written from what was gathered."""


class AuditFailed(RuntimeError):
    """A run failed for a reason of ours (its records could not be stored …): exit 1, the run says why."""


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
    platforms: dict[str, str] | None = None  # sites.yaml `platforms:` base URLs
    registry_dir: Path = Path(".")  # the sites.yaml's folder (manual account CSVs resolve against it)
    state_dir: Path | None = None  # stored platform logins (`govaudit login`); default: login.state_dir()


def run_audit(sites: list[SiteEntry], opts: AuditOptions, console: Console) -> list[dict]:
    """Audit every site (one run each) and write its reports; returns the findings documents."""
    # The crawl renders only with a browser found; the function gatherers still try to launch one when
    # it was asked for, so their rules say why they are not measured.
    browser = opts.browser and _browser_available(console)
    jobs = [_start_run(site, opts, browser) for site in sites]
    timeout_s = float(opts.scheme.params.get("availability.timeout_s", 15))
    overrides = {"DOWNLOAD_TIMEOUT": timeout_s}
    if opts.user_agent:
        overrides["USER_AGENT"] = opts.user_agent
    phases: dict[str, float] = {}  # seconds per step, logged at INFO (GOVAUDIT_LOG_LEVEL=INFO)
    started = time.perf_counter()
    tls_pool = ThreadPoolExecutor(max_workers=max(1, min(8, len(jobs))), thread_name_prefix="tls")
    tls_checks = {job.run_id: tls_pool.submit(_check_tls, site, timeout_s) for job, site in zip(jobs, sites, strict=True)}
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} 页 pages"),
                  TimeElapsedColumn(), console=console, transient=True,
                  disable=not console.is_terminal) as progress:
        tasks = {job.site_id: progress.add_task(f"抓取 {job.site_id}", total=None) for job in jobs}
        states = crawl(jobs, opts.db_url, overrides, on_page=lambda sid: progress.advance(tasks[sid]))
    for run_id, future in tls_checks.items():
        facts = future.result()
        if facts is not None:
            record_tls(opts.db_url, run_id, facts)
    tls_pool.shutdown()
    started = _phase(phases, "crawl", started)
    run_ids = [job.run_id for job in jobs]
    _gather_newmedia(sites, jobs, opts)
    _gather_functions(sites, jobs, opts, overrides, console)
    started = _phase(phases, "gather", started)
    with session_scope(opts.db_url) as session:
        for run_id in run_ids:
            judge_run(session, run_id, opts.scheme, opts.as_of)
    started = _phase(phases, "judge", started)
    browser_runs = [job.run_id for job in jobs if job.browser]
    if browser_runs:  # screenshots of the finding pages, after judging (docs/browser.md)
        from crawler.evidence import capture_findings

        try:
            capture_findings(opts.db_url, browser_runs, opts.out, timeout_s)
        except Exception as exc:  # noqa: BLE001 - evidence is an addition; its failure never loses the audit
            console.print(f"[yellow]截图失败 screenshots failed:[/] {type(exc).__name__}: {exc}", highlight=False)
    started = _phase(phases, "evidence", started)
    docs = write_reports(opts.db_url, run_ids, opts.out)
    _phase(phases, "reports", started)
    log.info("audit steps: %s", ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
    failed = [job for job in jobs if states.get(job.run_id) == "failed"]
    if failed:
        with session_scope(opts.db_url) as session:
            why = [f"{job.site_id}: {session.get(m.Run, job.run_id).error}" for job in failed]
        raise AuditFailed("runs failed — " + "; ".join(why))
    interrupted = [job.site_id for job in jobs if states.get(job.run_id) != "complete"]
    if interrupted:
        raise AuditInterrupted(f"crawl not complete for: {', '.join(interrupted)} (runs marked interrupted)")
    return docs


def _phase(phases: dict[str, float], name: str, started: float) -> float:
    now = time.perf_counter()
    phases[name] = now - started
    return now


def _gather_functions(sites: list[SiteEntry], jobs: list[CrawlJob], opts: AuditOptions, overrides: dict,
                      console: Console) -> None:
    """After the crawl: search, phone render, axe-core, IPv6 and fingerprints (docs/functions.md)."""
    from crawler import settings as crawl_settings

    base = GatherOptions(out_dir=opts.out, browser=opts.browser, timeout_s=overrides["DOWNLOAD_TIMEOUT"],
                         user_agent=opts.user_agent or crawl_settings.USER_AGENT)
    session, launch_error = open_browser(base) if opts.browser else (None, None)  # one Chromium for all sites
    try:
        for site, job in zip(sites, jobs, strict=True):
            gopts = replace(base, out_dir=opts.out / site.id, allow_private=job.allow_private)
            try:
                gather_functions(opts.db_url, job.run_id, site.model_dump(mode="json"), gopts, session, launch_error)
            except Exception:  # noqa: BLE001 - the rules that need these facts report not_measured
                log.exception("function gathering failed for %s", site.id)
                console.print(f"[yellow]功能检查采集失败 / function gathering failed for {site.id}[/yellow]")
    finally:
        if session is not None:
            session.close()


def _gather_newmedia(sites: list[SiteEntry], jobs: list[CrawlJob], opts: AuditOptions) -> None:
    """Read each site's 政务新媒体 accounts (after the crawl: WeChat falls back on the portal's article links)."""
    from crawler.newmedia import gather_accounts
    from crawler.platforms import GatherContext
    from crawler.platforms.login import state_dir

    ctx = GatherContext(timeout_s=float(opts.scheme.params.get("availability.timeout_s", 15)),
                        browser=opts.browser, state_dir=opts.state_dir or state_dir(),
                        registry_dir=opts.registry_dir, **({"user_agent": opts.user_agent} if opts.user_agent else {}))
    for site, job in zip(sites, jobs, strict=True):
        gather_accounts(opts.db_url, job.run_id, site, opts.platforms or {}, ctx)


def _browser_available(console: Console) -> bool:
    from crawler.browser import BrowserNotFound, find_chromium

    try:
        find_chromium()
    except BrowserNotFound as exc:
        console.print(f"[yellow]no browser, auditing without one:[/] {exc}", highlight=False)
        return False
    return True


def _check_tls(site: SiteEntry, timeout_s: float) -> dict | None:
    """The homepage host over HTTPS (security.no_https), taken while the crawl runs; None on a defect of ours."""
    try:
        return asyncio.run(check_tls(site.url, site.https, timeout_s))
    except Exception:  # noqa: BLE001 - the rule then says not_measured; the audit goes on
        log.exception("TLS check of %s failed", site.url)
        return None


def _start_run(site: SiteEntry, opts: AuditOptions, browser: bool) -> CrawlJob:
    with session_scope(opts.db_url) as session:
        session.merge(m.Site(id=site.id, name=site.name, url=site.url, kind=site.kind, unit=site.unit,
                             config=site.model_dump(mode="json")))
        session.flush()
        run = m.Run(site_id=site.id, as_of=opts.as_of, homepage_url=site.url, state="running",
                    options={"max_pages": opts.max_pages, "max_depth": opts.max_depth,
                             "browser": browser and site.render != "never",
                             "allow_private": opts.allow_private, "scheme": opts.scheme.ref})
        session.add(run)
        session.flush()
        run_id = run.id
    return CrawlJob(site_id=site.id, run_id=run_id, homepage=site.url, max_pages=opts.max_pages,
                    max_depth=opts.max_depth, allow_private=opts.allow_private or site_lives_private(site.url),
                    site=site.model_dump(mode="json"), browser=browser and site.render != "never",
                    evidence_dir=str((opts.out / site.id / "evidence").resolve()))


def _copy_evidence(doc: dict, source: str | None, out: Path) -> None:
    """Reports written elsewhere than the audit's --out take the screenshots they reference along."""
    if not source:
        return
    import shutil

    target = out / doc["site"]["id"] / "evidence"
    for f in doc["findings"]:
        name = (f.get("screenshot") or "").removeprefix("evidence/")
        src = Path(source) / name
        if name and "/" not in name and src.is_file() and not (target / name).exists():
            target.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / name)


def judge_stored(db_url: str, run_id: int, scheme: Scheme | None, as_of: date | None, out: Path | None) -> dict:
    """Judge a stored run again (no network): by default with the scheme and 监测时间点 it was judged with."""
    with session_scope(db_url) as session:
        run = session.get(m.Run, run_id)
        if run is None:
            raise LookupError(f"--run {run_id}: no such run in the database")
        previous = session.get(m.Judgement, run_id)
        scheme = scheme or load_scheme(previous.scheme if previous else run.options.get("scheme", "national-2019"))
        as_of = as_of or (previous.as_of if previous else run.as_of)
        # Screenshots were taken of pages, not of verdicts: a finding judged again keeps its evidence.
        shots = {(f.rule, f.subject): f.screenshot for f in session.scalars(
            select(m.Finding).where(m.Finding.run_id == run_id, m.Finding.screenshot.is_not(None)))}
        judge_run(session, run_id, scheme, as_of)
        if shots:
            session.flush()
            for f in session.scalars(select(m.Finding).where(m.Finding.run_id == run_id)):
                f.screenshot = f.screenshot or shots.get((f.rule, f.subject))
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
        sources = {run_id: ((session.get(m.Run, run_id).stats or {}).get("browser") or {}).get("evidence_dir")
                   for run_id in run_ids}
    out.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        _copy_evidence(doc, sources.get(doc["run"]["id"]), out)
        write_findings(doc, out)
        write_report(doc, out)
    write_summary(docs, out)
    write_summary_xlsx(docs, out)
    return docs

