"""`govaudit probe`: availability samples (docs/availability.md)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from govaudit.cli import common as c
from govaudit.cli.common import AsOfOpt, DbOpt, SchemeOpt, UsageError, app, out_console
from storage.vocabulary import canonical


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
    queue: Annotated[str | None, typer.Option("--queue", help="Redis URL: one probe job per site for govaudit "
                                                              "workers (one round)")] = None,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="with --queue: enqueue and return")] = False,
) -> None:
    """One availability sample of every homepage (可用性监测); run it from cron every few minutes."""
    from govaudit.monitor import parse_duration, print_round, print_summary, probe_rounds

    registry = c.registry(sites)
    chosen = c.select(registry.sites, site or [])
    url = c.db(db)
    if summary:
        plan = c.scheme(scheme or registry.scheme)
        c.prepare_db(url)
        print_summary(out_console, url, chosen, c.as_of(as_of), days or int(plan.params["availability.window_days"]),
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
    ua = user_agent or os.environ.get("GOVAUDIT_USER_AGENT")
    if queue is not None:
        if every_s is not None:
            raise UsageError("--queue takes one round: repeat it from cron or `govaudit schedule`, not --every")
        from govaudit.cli.queue import probe_on_queue
        from govaudit.distributed import probe_payload

        probe_on_queue(queue, url, chosen, probe_payload(timeout, ua, [canonical(c) for c in canary or ()]),
                       wait=not no_wait)
        return
    c.prepare_db(url)
    probe_rounds(chosen, url, timeout, every_s, for_s, ua,
                 report=(lambda _records: None) if quiet else (lambda records: print_round(out_console, records)),
                 canaries=[canonical(c) for c in canary or ()])
