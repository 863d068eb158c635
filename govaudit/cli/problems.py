"""Problems across runs (docs/problems.md): `problems`, `review`, `rectify export|import`, `recheck`."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from govaudit.cli import common as c
from govaudit.cli.common import AsOfOpt, DbOpt, SchemeOpt, UsageError, app, console, out_console
from storage import problems as repo
from storage.session import session_scope
from storage.vocabulary import PROBLEM_STATES, REVIEW_VERDICTS, beijing_today

rectify_app = typer.Typer(no_args_is_help=True, help="整改清单 round-trip: export for the units, import their answers.")
app.add_typer(rectify_app, name="rectify")

STATE_ZH = {"open": "待处理", "confirmed": "已确认", "false_positive": "误报", "doubtful": "存疑",
            "rectifying": "整改中", "rectified": "已整改", "recheck_failed": "复核未通过", "closed": "已消失"}


def _day(value: str | None) -> date:
    return c.as_of(value) if value else beijing_today()


@app.command()
def problems(
    site: Annotated[list[str] | None, typer.Option("--site", help="only this site id (repeatable)")] = None,
    state: Annotated[list[str] | None, typer.Option("--state", help=f"only this state (repeatable): {', '.join(PROBLEM_STATES)}")] = None,
    rule: Annotated[list[str] | None, typer.Option("--rule", help="only this rule, or a prefix ending in '.' (repeatable)")] = None,
    problem: Annotated[list[int] | None, typer.Option("--id", help="only this problem id (repeatable)")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="only problems past their 整改时限")] = False,
    events: Annotated[bool, typer.Option("--events", help="with each problem's history")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="at most this many")] = None,
    offset: Annotated[int, typer.Option("--offset", min=0, help="skip this many")] = 0,
    as_of: AsOfOpt = None,
    db: DbOpt = None,
) -> None:
    """List problems — one per site, rule and subject across runs (问题清单)."""
    if fmt not in ("table", "json"):
        raise UsageError(f"--format: table or json, not {fmt!r}")
    bad = [s for s in state or [] if s not in PROBLEM_STATES]
    if bad:
        raise UsageError(f"--state: not a problem state: {', '.join(bad)} (states: {', '.join(PROBLEM_STATES)})")
    day = _day(as_of)
    url = c.db(db)
    c.prepare_db(url)
    with session_scope(url) as session:
        page = repo.list_problems(session, sites=site or [], states=state or [], rules=rule or [], ids=problem or [],
                                  overdue_on=day if overdue else None, limit=limit, offset=offset,
                                  with_events=events)
    if fmt == "json":
        doc = {"total": page.total, "offset": page.offset, "limit": page.limit, "as_of": day.isoformat(),
               "problems": [p.as_json(day) for p in page.items]}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"govaudit 问题清单 / problems（{page.total} 个）")
    for col in ("编号", "网站", "规则", "对象", "状态", "首次发现", "最近发现", "次数", "整改时限"):
        table.add_column(col, overflow="fold")
    for p in page.items:
        due = p.due_on.isoformat() if p.due_on else "—"
        table.add_row(str(p.id), p.site_id, p.rule, escape(p.subject), STATE_ZH.get(p.state, p.state),
                      p.first_seen.isoformat(), p.last_seen.isoformat(), str(p.runs_seen),
                      f"[bold red]{due} 逾期[/]" if p.overdue(day) else due)
    out_console.print(table)
    if events:
        for p in page.items:
            out_console.print(f"问题 {p.id} 的处理记录 / history:", highlight=False)
            for e in p.events:
                line = (f"  {e.as_json()['at']}  {e.actor}  {e.kind}: {e.from_state or '—'} → {e.to_state}"
                        f"{'  ' + e.note if e.note else ''}{'  ' + e.evidence_url if e.evidence_url else ''}")
                out_console.print(escape(line), highlight=False)


@app.command()
def review(
    problem: Annotated[int, typer.Argument(help="problem id (问题编号)")],
    verdict: Annotated[str, typer.Option("--as", help=" | ".join(REVIEW_VERDICTS))],
    by: Annotated[str, typer.Option("--by", help="the reviewer's name")],
    note: Annotated[str | None, typer.Option("--note", help="the reason")] = None,
    db: DbOpt = None,
) -> None:
    """A reviewer's decision on a problem: confirmed, false_positive or doubtful (人工复核)."""
    if verdict not in REVIEW_VERDICTS:
        raise UsageError(f"--as: one of {', '.join(REVIEW_VERDICTS)}, not {verdict!r}")
    url = c.db(db)
    c.prepare_db(url)
    try:
        with session_scope(url) as session:
            event = repo.review(session, problem, verdict, actor=by, note=note)
    except repo.TransitionError as exc:
        raise UsageError(str(exc)) from None
    out_console.print(f"问题 {problem}: {event.from_state} → {event.to_state}（{by}）", highlight=False)


@rectify_app.command("export")
def rectify_export(
    out: Annotated[Path, typer.Option("--out", help="the 整改清单 to write (.xlsx)")],
    site: Annotated[list[str] | None, typer.Option("--site", help="only this site id (repeatable)")] = None,
    state: Annotated[list[str] | None, typer.Option("--state", help="problems in this state (repeatable; default: open, confirmed, recheck_failed)")] = None,
    scheme: SchemeOpt = None,
    db: DbOpt = None,
) -> None:
    """Write 整改清单.xlsx: the problems the units must fix, with the columns they fill in."""
    from reports.rectify import DEFAULT_STATES, export_workbook

    bad = [s for s in state or [] if s not in PROBLEM_STATES]
    if bad:
        raise UsageError(f"--state: not a problem state: {', '.join(bad)}")
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out {out}: an .xlsx file name")
    url = c.db(db)
    c.prepare_db(url)
    with session_scope(url) as session:
        count = export_workbook(session, out, sites=site or [], states=state or list(DEFAULT_STATES),
                                scheme=c.scheme(scheme) if scheme else None)
    console.print(f"整改清单: {count} 个问题 → {out}", highlight=False)


@rectify_app.command("import")
def rectify_import(
    file: Annotated[Path, typer.Argument(help="the 整改清单.xlsx a unit filled in")],
    by: Annotated[str, typer.Option("--by", help="who hands it in (the unit or its contact)")],
    db: DbOpt = None,
) -> None:
    """Read a filled-in 整改清单 back: claimed fixes move their problems to rectifying (nothing on any error)."""
    from reports.rectify import RectifyError, import_workbook

    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    url = c.db(db)
    c.prepare_db(url)
    try:
        with session_scope(url) as session:
            summary = import_workbook(session, file, actor=by)
    except RectifyError as exc:
        raise UsageError(str(exc)) from None
    out_console.print("整改清单已导入 / imported: " + "，".join(f"{k} {v}" for k, v in summary.items()), highlight=False)


def _stored_entry(db_url: str, site_id: str) -> dict:
    """The site's registry entry as the database keeps it (a re-check job needs its URL: the host's lock)."""
    from storage import models as m
    from storage.session import session_scope

    c.prepare_db(db_url)
    with session_scope(db_url) as session:
        row = session.get(m.Site, site_id)
        if row is None:
            raise UsageError(f"--site {site_id}: no such site in the database")
        return dict(row.config or {"id": row.id, "name": row.name, "url": row.url})


@app.command()
def recheck(
    site: Annotated[str, typer.Option("--site", help="the site whose claimed fixes are re-checked")],
    out: Annotated[Path, typer.Option("--out", help="report directory")] = Path("out/recheck"),
    sites: Annotated[Path | None, typer.Option("--sites", help="the registry: its current entry for the site and "
                                                               "its platforms: (default: the entry stored)")] = None,
    as_of: AsOfOpt = None,
    scheme: SchemeOpt = None,
    no_browser: Annotated[bool, typer.Option("--no-browser", help="never start a browser")] = False,
    db: DbOpt = None,
    queue: Annotated[str | None, typer.Option("--queue", help="Redis URL: the re-check as a job for govaudit "
                                                              "workers (reports in the worker's --out)")] = None,
    no_wait: Annotated[bool, typer.Option("--no-wait", help="with --queue: enqueue and return")] = False,
) -> None:
    """Re-check the problems a unit claims to have fixed (复核): a run of kind recheck, not a full audit."""
    from govaudit.recheck import NothingToRecheck, recheck_site

    entry, platforms = None, None
    if sites is not None:
        registry = c.registry(sites)
        entry = c.select(registry.sites, [site])[0].model_dump(mode="json")
        platforms = dict(registry.platforms)
    url = c.db(db)
    if queue is not None:
        from govaudit.cli.queue import recheck_on_queue
        from govaudit.distributed import recheck_payload

        recheck_on_queue(queue, url, [entry or _stored_entry(url, site)],
                         recheck_payload(_day(as_of), scheme, False if no_browser else None, platforms or {}),
                         wait=not no_wait)
        return
    c.prepare_db(url)
    try:
        with console.status(f"复核 {site} / re-checking …", spinner="dots"):
            outcome = recheck_site(url, site, out=out, as_of=_day(as_of), scheme=c.scheme(scheme) if scheme else None,
                                   browser=False if no_browser else None, platforms=platforms, site_entry=entry)
    except NothingToRecheck as exc:
        console.print(str(exc), highlight=False)
        return
    table = Table(title=f"复核结果 / recheck（运行 {outcome['run']['id']}）")
    for col in ("问题编号", "规则", "对象", "结论", "说明"):
        table.add_column(col, overflow="fold")
    for r in outcome.get("recheck") or []:
        table.add_row(str(r["problem"]), r["rule"], escape(r["subject"]), r["result"], escape(r.get("reason") or ""))
    out_console.print(table)
    console.print(f"reports: {out}/{site}/report.html", highlight=False)
