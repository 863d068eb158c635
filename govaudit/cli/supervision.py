"""`govaudit baseline accept`, `govaudit schedule`, `govaudit bulletin`: nightly supervision (docs/supervision.md)."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from govaudit.cli import common as c
from govaudit.cli.common import DbOpt, app, out_console

baseline_app = typer.Typer(help="监测页面基线 / baselines of monitored pages (content.defacement)", no_args_is_help=True)
app.add_typer(baseline_app, name="baseline")


@baseline_app.command("accept")
def baseline_accept(
    site: Annotated[str, typer.Option("--site", help="the site id")],
    page: Annotated[str | None, typer.Option("--page", help="only this monitored page (URL)")] = None,
    by: Annotated[str, typer.Option("--by", help="who accepts the change")] = "operator",
    db: DbOpt = None,
) -> None:
    """Accept the monitored pages as the newest complete audit shows them (after a legitimate redesign)."""
    from govaudit.baselines import accept

    url = c.db(db)
    c.prepare_db(url)
    run_id, pages = accept(url, site, by, page)
    for p in pages:
        out_console.print(f"baseline accepted: {site} {p} (run {run_id}, by {by})", highlight=False)


@app.command()
def schedule(
    sites: Annotated[Path, typer.Option("--sites", help="the sites registry with its schedule: block")],
    db: DbOpt = None,
) -> None:
    """Run the registry's schedule: forever (audits, probes, re-checks, bulletins); SIGTERM stops it gracefully."""
    from govaudit.scheduler import job_specs, serve

    registry = c.registry(sites)
    specs = job_specs(registry)
    if not specs:
        raise c.UsageError(f"{sites}: no schedule: jobs (audit, probe, recheck, bulletin, prune cron expressions)")
    url = c.db(db)
    c.prepare_db(url)
    for job_id, _, _, expr in specs:
        out_console.print(f"scheduled {job_id}: {expr}", highlight=False)
    serve(sites, url)


@app.command()
def bulletin(
    from_: Annotated[str, typer.Option("--from", help="first day of the period, YYYY-MM-DD (监测时间点 of the runs)")],
    to: Annotated[str, typer.Option("--to", help="last day of the period, YYYY-MM-DD")],
    out: Annotated[Path, typer.Option("--out", help="folder for 通报.xlsx and 通报.docx")],
    site: Annotated[list[str] | None, typer.Option("--site", help="only these site ids (repeatable)")] = None,
    db: DbOpt = None,
) -> None:
    """The period's 通报: counts by level and platform, 合格率 and its change, 问题网站名单, new media, 复查."""
    from govaudit.bulletin import write_bulletin

    start, end = _day("--from", from_), _day("--to", to)
    if end < start:
        raise c.UsageError(f"--to {end} is before --from {start}")
    url = c.db(db)
    c.prepare_db(url)
    b = write_bulletin(url, start, end, out, site or None)
    rate = "—" if b.pass_rate is None else f"{b.pass_rate:.2f}%"
    delta = "" if b.delta is None else f" ({b.delta:+.2f})"
    out_console.print(f"通报 {start} – {end}: {sum(u.graded for u in b.units)}/{len(b.units)} sites graded, "
                      f"合格率 {rate}{delta}; {out / '通报.xlsx'}, {out / '通报.docx'}", highlight=False)


def _day(option: str, value: str):  # noqa: ANN202 - date
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise c.UsageError(f"{option}: not a date YYYY-MM-DD: {value!r}") from None
