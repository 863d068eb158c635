"""What every command shares: the Typer app, the consoles, the common options, bad-input errors, the
database, registry and scheme loaders, the score table."""
from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from govaudit.registry import Registry, RegistryError, SiteEntry, load_registry
from reports.scheme import Scheme, SchemeError, load_scheme
from storage.secrets import mask_text, mask_url
from storage.session import DEFAULT_DB

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


def db(db: str | None) -> str:
    return db or os.environ.get("GOVAUDIT_DB") or DEFAULT_DB


# The 监测时间点 a command accepts (issue 21): every age is computed against it, and dates far outside
# this range overflow date arithmetic (0001-01-01 minus a window) instead of meaning anything.
AS_OF_MIN, AS_OF_MAX = date(2000, 1, 1), date(2100, 12, 31)


def as_of(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--as-of: not a date YYYY-MM-DD: {value!r}") from None
    if not AS_OF_MIN <= day <= AS_OF_MAX:
        raise UsageError(f"--as-of: {value} is outside {AS_OF_MIN}…{AS_OF_MAX}")
    return day


def scheme(name: str | None) -> Scheme:
    try:
        return load_scheme(name or "national-2019")
    except SchemeError as exc:
        raise UsageError(f"scheme: {exc}") from None


def prepare_db(url: str) -> None:
    from sqlalchemy.exc import ArgumentError, OperationalError

    from storage.session import upgrade

    try:
        upgrade(url)
    except (ArgumentError, OperationalError) as exc:
        raise UsageError(mask_text(f"--db {url}: cannot open the database: {exc.__class__.__name__}: "
                                   f"{str(exc).splitlines()[0]}").replace(url, mask_url(url))) from None
    except ModuleNotFoundError as exc:
        raise UsageError(f"--db {mask_url(url)}: database driver missing: {exc.name}") from None


def deny_ranges(ranges: list[str]) -> None:
    """Operator ranges (`--deny`, sites.yaml `deny:`) added to $GOVAUDIT_DENY, where every fetch path of this
    process and of the processes it starts reads them (crawler.egress); a bad range exits 2."""
    from govaudit.pipeline import deny_ranges as add_deny

    try:
        add_deny(ranges)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def registry(path: Path) -> Registry:
    """The registry; its `deny:` ranges apply to every fetch of the command from here on (README "Safety")."""
    try:
        loaded = load_registry(path)
    except RegistryError as exc:
        raise UsageError(str(exc)) from None
    if loaded.deny:
        deny_ranges(list(loaded.deny))
    return loaded


def select(sites: list[SiteEntry], ids: list[str]) -> list[SiteEntry]:
    if not ids:
        return sites
    known = {s.id: s for s in sites}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise UsageError(f"--site: not in the registry: {', '.join(unknown)}")
    return [known[i] for i in ids]


def print_scores(docs: list[dict]) -> None:
    from reports.outputs.summary import rank

    table = Table(title="govaudit 检查结果 / scores")
    for col in ("排名", "网站标识码", "网站名称", "得分", "结论", "单项否决", "问题数", "run"):
        table.add_column(col)
    for row in rank(docs):
        table.add_row(str(row["rank"]) if row["rank"] is not None else "—", row["id"], row["name"], f"{row['total']:.2f}", row.get("grade") or "",
                      "、".join(row.get("vetoes") or []) or "—", str(row["findings"]), str(row["run"]))
    out_console.print(table)


