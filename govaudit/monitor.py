"""`govaudit probe`: availability samples of every homepage (once, or a loop), and their per-day summary."""
from __future__ import annotations

import asyncio
import math
import re
import time
from collections.abc import Callable
from datetime import date

from rich.console import Console
from rich.table import Table

from checks.derived.availability import by_day
from crawler.gatherers.probe import ProbeRecord, probe_all
from govaudit.registry import SiteEntry
from storage.probes import load_probes, store_probes, window_bounds
from storage.session import session_scope


def parse_duration(text: str) -> float:
    """Seconds in "90s", "5m", "2h", "7d" (a bare number is seconds)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text or "")
    if not match:
        raise ValueError(f"not a duration like 5m, 2h or 7d: {text!r}")
    return float(match.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[match.group(2)]


def _site_rows(sites: list[SiteEntry]) -> list[dict]:
    return [{"id": s.id, "name": s.name, "url": s.url, "kind": s.kind, "unit": s.unit,
             "config": s.model_dump(mode="json")} for s in sites]


def probe_rounds(sites: list[SiteEntry], db_url: str, timeout_s: float, every_s: float | None,
                 for_s: float | None, user_agent: str | None, report: Callable[[list[ProbeRecord]], None],
                 sleep: Callable[[float], None] = time.sleep, canaries: list[str] = ()) -> int:
    """Take one round of samples, or one every `every_s` seconds for `for_s` seconds; returns the rounds taken."""
    targets = [(s.id, s.url) for s in sites]
    rows = _site_rows(sites)
    kwargs = {"user_agent": user_agent} if user_agent else {}
    if canaries:
        kwargs["canaries"] = list(canaries)
    start = time.monotonic()
    rounds = 0
    while True:
        records = asyncio.run(probe_all(targets, timeout_s, **kwargs))
        store_probes(db_url, rows, [r.row() for r in records])
        rounds += 1
        report(records)
        if not every_s:
            return rounds
        elapsed = time.monotonic() - start
        slot = max(rounds, math.ceil(elapsed / every_s))  # a round slower than the interval skips missed slots
        if for_s is not None and slot * every_s >= for_s:
            return rounds
        sleep(max(0.0, start + slot * every_s - time.monotonic()))


def print_round(console: Console, records: list[ProbeRecord]) -> None:
    for r in records:
        what = f"HTTP {r.status}" if r.error is None else f"{r.error}: {r.error_detail}"
        flags = f" [{', '.join(r.flags)}]" if r.flags else ""
        console.print(f"{r.started_at:%Y-%m-%dT%H:%M:%SZ} {r.site_id} {what} {r.total_ms / 1000:.2f} s {r.url}{flags}",
                      highlight=False, soft_wrap=True, markup=False)


def print_summary(console: Console, db_url: str, sites: list[SiteEntry], as_of: date, days: int,
                  timeout_s: float) -> None:
    """Per site and Beijing day: probes, failures (not open within timeout_s), ratio, median load, errors.

    未计 (unmeasured): samples that timed out under a probe limit shorter than timeout_s; they are not counted.
    """
    start, end = window_bounds(as_of, days)
    table = Table(title=f"可用性监测 availability, {days} 天 days to {as_of} (失败 = 超过 {timeout_s:g} 秒未打开)")
    for col in ("网站标识码", "日期", "次数", "失败", "失败率", "中位用时", "反爬虫", "未计", "错误"):
        table.add_column(col)
    with session_scope(db_url) as session:
        for site in sites:
            summary = by_day(load_probes(session, site.id, start, end), timeout_s)
            if not summary:
                table.add_row(site.id, "—", "0", "0", "—", "—", "—", "—", "no probes in the window")
            for day, s in summary.items():
                med = s.median_ms
                table.add_row(site.id, day.isoformat(), str(s.probes), str(s.failures), f"{s.ratio:.1%}",
                              f"{med / 1000:.2f} s" if med is not None else "—", str(s.walled), str(s.unmeasured),
                              ", ".join(f"{k}×{v}" for k, v in sorted(s.errors.items())) or "—")
    console.print(table)
