"""The audit commands: `audit`, `check --run`, `report --run`, `demo`."""
from __future__ import annotations

import os
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from govaudit.cli import common as c
from govaudit.cli.common import AsOfOpt, AuditFailed, AuditInterrupted, DbOpt, SchemeOpt, app, console
from govaudit.pipeline import AuditOptions, Reporter, RunResult, audit_sites, rejudge, render_runs
from govaudit.registry import SiteEntry


class ConsoleReporter(Reporter):
    """The audit's progress on a terminal: pages fetched per site; warnings in yellow."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.tasks: dict[str, int] = {}

    def page(self, site_id: str) -> None:
        if site_id not in self.tasks:
            self.tasks[site_id] = self.progress.add_task(f"抓取 {site_id}", total=None)
        self.progress.advance(self.tasks[site_id])

    def warn(self, message: str) -> None:
        console.print(f"[yellow]{escape(message)}[/]", highlight=False)


def _run_audit(sites: list[SiteEntry], options: AuditOptions) -> list[dict]:
    """Audit the sites with a progress display; the documents, or the exit the runs' states call for."""
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} 页 pages"),
                  TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal) as progress:
        results = audit_sites(sites, options, ConsoleReporter(progress))
    _raise_for(results)
    return [r.document for r in results]


def _raise_for(results: list[RunResult]) -> None:
    failed = [r for r in results if r.state == "failed"]
    if failed:
        raise AuditFailed("runs failed — " + "; ".join(f"{r.site_id}: {r.error}" for r in failed))
    interrupted = [r.site_id for r in results if r.state != "complete"]
    if interrupted:
        raise AuditInterrupted(f"crawl not complete for: {', '.join(interrupted)} (runs marked interrupted)")


@app.command()
def audit(
    sites: Annotated[Path, typer.Option("--sites", help="the sites registry (sites.yaml)")],
    site: Annotated[list[str] | None, typer.Option("--site", help="audit only this site id (repeatable)")] = None,
    db: DbOpt = None,
    out: Annotated[Path, typer.Option("--out", help="report directory")] = Path("out"),
    as_of: AsOfOpt = None,
    scheme: SchemeOpt = None,
    max_pages: Annotated[int, typer.Option("--max-pages", min=1, help="pages to crawl per site")] = 2000,
    max_depth: Annotated[int, typer.Option("--max-depth", min=0, help="link depth from the homepage")] = 8,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="never start a browser")] = False,
    allow_private: Annotated[bool, typer.Option("--allow-private", help="also fetch private/loopback targets")] = False,
    user_agent: Annotated[str | None, typer.Option("--user-agent", help="crawler User-Agent naming you")] = None,
    deny: Annotated[list[str] | None, typer.Option("--deny", help="an IP range (CIDR) never fetched by any path, "
                                                   "whatever the site (repeatable; also sites.yaml deny:, $GOVAUDIT_DENY)")] = None,
    queue: Annotated[str | None, typer.Option("--queue", help="Redis URL: one job per site for govaudit workers "
                                              "(docs/scale.md)")] = None,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="with --queue: enqueue and return")] = False,
    full: Annotated[bool, typer.Option("--full", help="crawl everything again, even when the last complete run "
                                       "could be reused (docs/incremental.md)")] = False,
) -> None:
    """Crawl, check, score and report: one run per site (抓取、检查、评分、出报告)."""
    registry = c.registry(sites)
    c.deny_ranges(list(deny or []))  # sites.yaml deny: was added by c.registry()
    chosen = c.select(registry.sites, site or [])
    options = AuditOptions(
        db_url=c.db(db), out=out, as_of=c.as_of(as_of), scheme=c.scheme(scheme or registry.scheme),
        max_pages=max_pages, max_depth=max_depth, browser=not no_browser, allow_private=allow_private,
        user_agent=user_agent or os.environ.get("GOVAUDIT_USER_AGENT"),
        platforms=dict(registry.platforms), registry_dir=sites.resolve().parent, alerts=registry.alerts,
        full=full,
    )
    if queue is not None:  # the queue is checked before the database is touched
        from govaudit.cli.queue import audit_on_queue

        audit_on_queue(queue, chosen, options, wait=not no_wait)
        return
    c.prepare_db(options.db_url)
    docs = _run_audit(chosen, options)
    c.print_scores(docs)


@app.command()
def check(
    run: Annotated[int, typer.Option("--run", help="stored run id")],
    db: DbOpt = None,
    scheme: SchemeOpt = None,
    as_of: AsOfOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="also write the reports here")] = None,
) -> None:
    """Re-judge a stored run without fetching anything (重新判定已存储的检查)."""
    url = c.db(db)
    c.prepare_db(url)
    doc = rejudge(url, run, c.scheme(scheme) if scheme else None, c.as_of(as_of) if as_of else None, out)
    c.print_scores([doc])
    state = doc["run"].get("state")
    if not doc["run"].get("pages"):
        console.print(f"[yellow]运行 {run} 没有抓取到任何页面（状态 {state}）：结果不代表网站，结论“{doc['score']['grade']}” / "
                      f"run {run} has no pages (state {state}): nothing was crawled, the result is not the site's[/]",
                      highlight=False)
    elif state != "complete":
        console.print(f"[yellow]运行 {run} 未完成（状态 {state}，{doc['run']['pages']} 页）：结论“{doc['score']['grade']}”，"
                      f"不参与排名 / run {run} is {state}: grade undecided, ranked apart[/]", highlight=False)


class ReportFormat(str, Enum):
    html = "html"  # findings.json, report.html, summary.json, summary.xlsx (what an audit writes)
    docx = "docx"  # the printable 自查报告, OUT/<site-id>/report.docx
    pdf = "pdf"  # the same as PDF, printed by Chromium: OUT/<site-id>/report.pdf


@app.command()
def report(
    run: Annotated[list[int], typer.Option("--run", help="stored run id (repeatable)")],
    out: Annotated[Path, typer.Option("--out", help="report directory")] = Path("out"),
    db: DbOpt = None,
    format: Annotated[list[ReportFormat] | None, typer.Option(  # noqa: A002 - the contract's option name
        "--format", help="html (default: findings.json, report.html, summary.json/xlsx), docx or pdf "
                         "(the printable 自查报告); repeatable")] = None,
) -> None:
    """Write the reports of stored runs again, or their printable 自查报告 (--format docx|pdf)."""
    formats = tuple(dict.fromkeys(f.value for f in format or [ReportFormat.html]))
    url = c.db(db)
    c.prepare_db(url)
    docs = render_runs(url, run, out, formats)  # no browser for pdf: LookupError, exit 2, nothing written
    c.print_scores(docs)
    names = {"html": "findings.json, report.html, summary.json, summary.xlsx", "docx": "report.docx",
             "pdf": "report.pdf"}
    console.print(f"reports written to {out} ({'; '.join(names[f] for f in formats)})", highlight=False)


@app.command()
def demo(
    db: DbOpt = None,
    out: Annotated[Path, typer.Option("--out", help="report directory")] = Path("out"),
    as_of: AsOfOpt = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="never start a browser")] = False,
) -> None:
    """Serve the bundled sample portal on 127.0.0.1 and audit it (示例门户网站检查)."""
    from demo.portal import sites_yaml, start_demo  # only here: ~0.05 s of every other command's start

    day = c.as_of(as_of)
    url = c.db(db)
    c.prepare_db(url)
    with start_demo(day) as portal:
        out.mkdir(parents=True, exist_ok=True)
        registry_file = out / "demo-sites.yaml"
        registry_file.write_text(sites_yaml(portal), encoding="utf-8")
        console.print(f"示例门户网站 sample portal: {portal.url}", highlight=False)
        registry = c.registry(registry_file)
        options = AuditOptions(db_url=url, out=out, as_of=day, scheme=c.scheme(registry.scheme),
                               browser=not no_browser, max_pages=500)
        docs = _run_audit(registry.sites, options)
    c.print_scores(docs)
    console.print(f"reports: {out}/<site-id>/report.html, {out}/summary.xlsx")
