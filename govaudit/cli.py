"""`govaudit` — the composition root (this package is the only code that imports crawler, storage, checks and reports)."""
from __future__ import annotations

import logging
import os
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from demo.portal import sites_yaml, start_demo
from govaudit.pipeline import AuditOptions, Reporter, RunResult, audit_sites, rejudge, render_runs
from govaudit.registry import RegistryError, SiteEntry, load_registry
from reports.scheme import Scheme, SchemeError, load_scheme
from storage.session import DEFAULT_DB
from storage.vocabulary import canonical

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="govaudit — 政府网站与政务新媒体自动检查 (audit government websites against the official indicators).")
console = Console(stderr=True)
out_console = Console()

DbOpt = Annotated[str, typer.Option("--db", help="SQLAlchemy URL (default: $GOVAUDIT_DB or sqlite:///govaudit.db)")]
SchemeOpt = Annotated[str | None, typer.Option("--scheme", help="scheme name (national-2019) or YAML file")]
AsOfOpt = Annotated[str | None, typer.Option("--as-of", help="监测时间点 YYYY-MM-DD (default: today)")]


class UsageError(Exception):
    """Bad usage or input: exit code 2 with one clear message."""


class AuditInterrupted(RuntimeError):
    """The crawl was stopped before it finished; the reports were written from what was gathered (exit 130)."""


class AuditFailed(RuntimeError):
    """A run failed for a reason of ours (its records could not be stored …): exit 1, the run says why."""


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


def _db(db: str | None) -> str:
    return db or os.environ.get("GOVAUDIT_DB") or DEFAULT_DB


def _as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of: not a date YYYY-MM-DD: {value!r}") from None


def _scheme(name: str | None) -> Scheme:
    try:
        return load_scheme(name or "national-2019")
    except SchemeError as exc:
        raise UsageError(f"scheme: {exc}") from None


def _prepare_db(url: str) -> None:
    from sqlalchemy.exc import ArgumentError, OperationalError

    from storage.session import upgrade

    try:
        upgrade(url)
    except (ArgumentError, OperationalError) as exc:
        raise UsageError(f"--db {url}: cannot open the database: {exc.__class__.__name__}: {str(exc).splitlines()[0]}") from None
    except ModuleNotFoundError as exc:
        raise UsageError(f"--db {url}: database driver missing: {exc.name}") from None


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
) -> None:
    """Crawl, check, score and report: one run per site (抓取、检查、评分、出报告)."""
    registry = _registry(sites)
    chosen = _select(registry.sites, site or [])
    options = AuditOptions(
        db_url=_db(db), out=out, as_of=_as_of(as_of), scheme=_scheme(scheme or registry.scheme),
        max_pages=max_pages, max_depth=max_depth, browser=not no_browser, allow_private=allow_private,
        user_agent=user_agent or os.environ.get("GOVAUDIT_USER_AGENT"),
        platforms=dict(registry.platforms), registry_dir=sites.resolve().parent,
    )
    _prepare_db(options.db_url)
    docs = _run_audit(chosen, options)
    _print_scores(docs)


@app.command()
def check(
    run: Annotated[int, typer.Option("--run", help="stored run id")],
    db: DbOpt = None,
    scheme: SchemeOpt = None,
    as_of: AsOfOpt = None,
    out: Annotated[Path | None, typer.Option("--out", help="also write the reports here")] = None,
) -> None:
    """Re-judge a stored run without fetching anything (重新判定已存储的检查)."""
    url = _db(db)
    _prepare_db(url)
    doc = rejudge(url, run, _scheme(scheme) if scheme else None, _as_of(as_of) if as_of else None, out)
    _print_scores([doc])


@app.command()
def report(
    run: Annotated[list[int], typer.Option("--run", help="stored run id (repeatable)")],
    out: Annotated[Path, typer.Option("--out", help="report directory")],
    db: DbOpt = None,
) -> None:
    """Write the reports of stored runs again (findings.json, report.html, summary.json/xlsx)."""
    url = _db(db)
    _prepare_db(url)
    docs = render_runs(url, run, out)
    _print_scores(docs)
    console.print(f"reports written to {out}")


@app.command()
def probe(
    sites: Annotated[Path, typer.Option("--sites", help="the sites registry (sites.yaml)")],
    site: Annotated[list[str] | None, typer.Option("--site", help="probe only this site id (repeatable)")] = None,
    db: DbOpt = None,
    timeout: Annotated[float, typer.Option("--timeout", min=1, help="seconds to wait for a homepage")] = 30.0,
    every: Annotated[str | None, typer.Option("--every", help="repeat every interval, e.g. 5m (no cron)")] = None,
    for_: Annotated[str | None, typer.Option("--for", help="with --every: stop after, e.g. 7d")] = None,
    summary: Annotated[bool, typer.Option("--summary", help="print the per-day summary of stored probes")] = False,
    days: Annotated[int | None, typer.Option("--days", min=1, help="--summary: days (default: the scheme's window)")] = None,
    as_of: AsOfOpt = None,
    scheme: SchemeOpt = None,
    quiet: Annotated[bool, typer.Option("--quiet", help="print nothing for a round (cron)")] = False,
    user_agent: Annotated[str | None, typer.Option("--user-agent", help="probe User-Agent naming you")] = None,
    canary: Annotated[list[str] | None, typer.Option(
        "--canary", help="a URL that is always up (repeatable): when all fail too, the round's failures are "
                         "the monitor's own outage and not counted")] = None,
) -> None:
    """One availability sample of every homepage (可用性监测); run it from cron every few minutes."""
    from govaudit.monitor import parse_duration, print_round, print_summary, probe_rounds

    registry = _registry(sites)
    chosen = _select(registry.sites, site or [])
    url = _db(db)
    if summary:
        plan = _scheme(scheme or registry.scheme)
        _prepare_db(url)
        print_summary(out_console, url, chosen, _as_of(as_of), days or int(plan.params["availability.window_days"]),
                      float(plan.params["availability.timeout_s"]))
        return
    try:
        every_s = parse_duration(every) if every else None
        for_s = parse_duration(for_) if for_ else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if for_s is not None and every_s is None:
        raise UsageError("--for needs --every")
    if every_s is not None and every_s <= 0:
        raise UsageError("--every must be positive")
    bad = [c for c in canary or () if canonical(c) is None]
    if bad:
        raise UsageError(f"--canary must be an http(s) URL: {bad[0]!r}")
    _prepare_db(url)
    probe_rounds(chosen, url, timeout, every_s, for_s, user_agent or os.environ.get("GOVAUDIT_USER_AGENT"),
                 report=(lambda _records: None) if quiet else (lambda records: print_round(out_console, records)),
                 canaries=[canonical(c) for c in canary or ()])


@app.command()
def demo(
    db: DbOpt = None,
    out: Annotated[Path, typer.Option("--out", help="report directory")] = Path("out"),
    as_of: AsOfOpt = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="never start a browser")] = False,
) -> None:
    """Serve the bundled sample portal on 127.0.0.1 and audit it (示例门户网站检查)."""
    day = _as_of(as_of)
    url = _db(db)
    _prepare_db(url)
    with start_demo(day) as portal:
        out.mkdir(parents=True, exist_ok=True)
        registry_file = out / "demo-sites.yaml"
        registry_file.write_text(sites_yaml(portal), encoding="utf-8")
        console.print(f"示例门户网站 sample portal: {portal.url}", highlight=False)
        registry = _registry(registry_file)
        options = AuditOptions(db_url=url, out=out, as_of=day, scheme=_scheme(registry.scheme),
                               browser=not no_browser, max_pages=500)
        docs = _run_audit(registry.sites, options)
    _print_scores(docs)
    console.print(f"reports: {out}/<site-id>/report.html, {out}/summary.xlsx")


accounts_app = typer.Typer(no_args_is_help=True, help="政务新媒体账号登记 (the accounts of sites.yaml).")
app.add_typer(accounts_app, name="accounts")


@accounts_app.command("import")
def accounts_import(
    file: Annotated[Path, typer.Argument(help="account list (.xlsx or .csv): 单位, 平台, 账号名称, 账号/链接")],
    sites: Annotated[Path, typer.Option("--sites", help="the sites registry to merge into")],
    out: Annotated[Path | None, typer.Option("--out", help="write the merged registry here (default: --sites, in place)")] = None,
) -> None:
    """Merge a unit's account list into sites.yaml (导入政务新媒体账号)."""
    from govaudit.accounts_import import ImportError_, import_accounts

    try:
        counts = import_accounts(file, sites, out or sites)
    except ImportError_ as exc:
        raise UsageError(str(exc)) from None
    console.print(f"{out or sites}: {counts['added']} accounts added, {counts['updated']} renamed", highlight=False)


@app.command()
def login(
    platform: Annotated[str, typer.Argument(help="wechat | douyin | toutiao | weibo")],
    sites: Annotated[Path | None, typer.Option("--sites", help="use this registry's `platforms:` base URL")] = None,
    state_dir: Annotated[Path | None, typer.Option("--state-dir", help="where sessions are stored (default: $GOVAUDIT_STATE_DIR or ~/.local/share/govaudit/sessions)")] = None,
) -> None:
    """Log in to a platform once in a visible browser and store the session (平台登录)."""
    import crawler.platforms.login as login_mod

    base = _registry(sites).platforms.get(platform) if sites else None
    try:
        path = login_mod.login(platform, base, state_dir or login_mod.state_dir(), wait=input)
    except login_mod.LoginError as exc:
        raise UsageError(str(exc)) from None
    console.print(f"session stored: {path}", highlight=False)


def _registry(path: Path):  # noqa: ANN202 - govaudit.registry.Registry
    try:
        return load_registry(path)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None


def _select(sites: list[SiteEntry], ids: list[str]) -> list[SiteEntry]:
    if not ids:
        return sites
    known = {s.id: s for s in sites}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UsageError(f"--site: not in the registry: {', '.join(unknown)}")
    return [known[i] for i in ids]


def _print_scores(docs: list[dict]) -> None:
    from reports.outputs.summary import rank

    table = Table(title="govaudit 检查结果 / scores")
    for col in ("排名", "网站标识码", "网站名称", "得分", "结论", "单项否决", "问题数", "run"):
        table.add_column(col)
    for row in rank(docs):
        table.add_row(str(row["rank"]), row["id"], row["name"], f"{row['total']:.2f}", row.get("grade") or "",
                      "、".join(row.get("vetoes") or []) or "—", str(row["findings"]), str(row["run"]))
    out_console.print(table)


def main() -> None:
    """Entry point: exit 0 on a completed audit, 2 on bad usage or input, 1 on an internal failure."""
    handler = logging.StreamHandler()
    handler.setLevel(os.environ.get("GOVAUDIT_LOG_LEVEL", "WARNING").upper())
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    # Failed fetches are facts stored with their error class, not log noise (Scrapy resets logger levels).
    handler.addFilter(lambda r: not r.name.startswith(("scrapy.downloadermiddlewares.retry", "scrapy.core.scraper")))
    logging.basicConfig(level=handler.level, handlers=[handler])
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except (UsageError, LookupError) as exc:
        console.print(f"[bold red]error:[/] {str(exc).strip(chr(39))}", highlight=False)
        sys.exit(2)
    except AuditInterrupted as exc:
        console.print(f"interrupted: {exc}")
        sys.exit(130)
    except AuditFailed as exc:
        console.print(f"[bold red]failed:[/] {exc}", highlight=False)
        sys.exit(1)
    except (typer.Abort, KeyboardInterrupt):
        console.print("interrupted")
        sys.exit(130)
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # the CLI parser's own usage errors
            exc.show()
            sys.exit(2 if exc.exit_code else 0)
        console.print_exception()
        sys.exit(1)
    sys.exit(0)
