"""`govaudit evaluate …`: evaluations of many units (考评 / 绩效评估, docs/evaluations.md).

create → attach runs → template / import the 评分表 (or score / deduct one entry) → publish the provisional
result → object / answer within the window → finalize → result. Bad input (a 评分表 error, a state that
does not allow the step, a scheme that is not an evaluation scheme) exits 2 with nothing written.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from govaudit.cli import common as c
from govaudit.cli.common import AsOfOpt, DbOpt, UsageError, app, console, out_console
from reports.evaluation import entries, render
from reports.evaluation.workbook import WorkbookError, read_workbook, write_template
from reports.scheme import SchemeError
from storage import evaluations as repo
from storage.calendar import CalendarError
from storage.evaluations import EvaluationError
from storage.session import session_scope
from storage.vocabulary import beijing_today

evaluate_app = typer.Typer(no_args_is_help=True, help="考评 / 绩效评估: evaluations of many units against a scheme.")
app.add_typer(evaluate_app, name="evaluate")

ByOpt = Annotated[str, typer.Option("--by", help="who does this (recorded with the time)")]
OnOpt = Annotated[str | None, typer.Option("--on", help="the day it happened, YYYY-MM-DD (default: today)")]
EvalArg = Annotated[int, typer.Argument(help="evaluation id")]


@contextmanager
def _session(db: str | None):
    """One transaction; the evaluation's refusals become exit 2 with nothing written."""
    url = c.db(db)
    c.prepare_db(url)
    try:
        with session_scope(url) as session:
            yield session
    except (EvaluationError, WorkbookError, SchemeError, CalendarError) as exc:
        raise UsageError(str(exc)) from None


def _day(value: str | None, name: str = "--on") -> date:
    if value is None:
        return beijing_today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{name}: not a date YYYY-MM-DD: {value!r}") from None


@evaluate_app.command("create")
def create(
    scheme: Annotated[str, typer.Option("--scheme", help="evaluation scheme: name (suizhou-2022-zwgk) or YAML file")],
    name: Annotated[str, typer.Option("--name", help="the evaluation's name")],
    sites: Annotated[Path, typer.Option("--sites", help="the registry of the units' sites (sites.yaml)")],
    as_of: AsOfOpt = None,
    period: Annotated[str | None, typer.Option("--period", help="e.g. 2022年度 (default: the scheme's year)")] = None,
    by: Annotated[str, typer.Option("--by", help="who creates it")] = "govaudit",
    db: DbOpt = None,
) -> None:
    """Create an evaluation over the units of a registry; prints its id (创建考评)."""
    registry = c.registry(sites)
    try:
        chosen = entries.evaluation_scheme(scheme)
    except SchemeError as exc:
        raise UsageError(f"--scheme: {exc}") from None
    with _session(db) as session:
        ev_id = entries.create(session, scheme=chosen, name=name, as_of=c.as_of(as_of), period=period, by=by,
                               sites=[s.model_dump(mode="json") for s in registry.sites],
                               sites_file=str(sites.resolve()))
    console.print(f"evaluation {ev_id}: {name} — {chosen.id}, {len(registry.sites)} units", highlight=False)
    out_console.print(ev_id)


@evaluate_app.command("attach")
def attach(
    evaluation: EvalArg,
    run: Annotated[list[int] | None, typer.Option("--run", help="run id (repeatable)")] = None,
    latest: Annotated[bool, typer.Option("--latest", help="the newest judged run of every unit's site")] = False,
    by: ByOpt = "govaudit",
    db: DbOpt = None,
) -> None:
    """Attach audit runs: their findings give the units' machine points (关联检查记录)."""
    if not run and not latest:
        raise UsageError("give --run ID (repeatable) or --latest")
    with _session(db) as session:
        ids = list(run or []) + (entries.latest_runs(session, evaluation) if latest else [])
        done = entries.attach(session, evaluation, list(dict.fromkeys(ids)), by)
    console.print(f"attached {len(done)} run(s) to evaluation {evaluation}", highlight=False)


@evaluate_app.command("template")
def template(
    evaluation: EvalArg,
    out: Annotated[Path, typer.Option("--out", help="the 评分表 to write (.xlsx)")],
    db: DbOpt = None,
) -> None:
    """Write the 评分表 evaluators fill in: manual items, external deductions, 依申请公开 cases (生成评分表)."""
    with _session(db) as session:
        inputs, groups = entries.current(session, evaluation)
        write_template(inputs, groups, out)
    console.print(f"评分表 written: {out}", highlight=False)


@evaluate_app.command("import")
def import_(
    evaluation: EvalArg,
    file: Annotated[Path, typer.Argument(help="a filled 评分表 (.xlsx)")],
    by: ByOpt,
    db: DbOpt = None,
) -> None:
    """Import a filled 评分表: every row checked first; any error → exit 2, nothing written (导入评分表)."""
    if not file.is_file():
        raise UsageError(f"{file}: no such file")
    with _session(db) as session:
        ev = repo.get_evaluation(session, evaluation)
        scheme = entries.evaluation_scheme(ev.scheme)
        data = read_workbook(file, scheme, entries.units_of(session, ev.id))
        for row in data.manual:
            entries.enter_manual(session, ev.id, row.pop("site"), row.pop("item"), row.pop("points"),
                                 row.pop("scorer"), row.pop("role"), by, **row)
        for row in data.external:
            entries.enter_external(session, ev.id, row.pop("site"), row.pop("item"), row.pop("points"),
                                   row.pop("document"), by, **row)
        for row in data.cases:
            repo.add_request_case(session, ev.id, row.pop("site"), case_no=row.pop("case_no"), by=by, **row)
        repo.record_event(session, ev.id, by, "import", {"file": str(file), "manual": len(data.manual),
                                                          "external": len(data.external), "cases": len(data.cases)})
    console.print(f"imported {file}: {len(data.manual)} manual scores, {len(data.external)} external deductions, "
                  f"{len(data.cases)} 依申请公开 cases", highlight=False)


@evaluate_app.command("score")
def score(
    evaluation: EvalArg,
    site: Annotated[str, typer.Option("--site", help="the unit's site id")],
    item: Annotated[str, typer.Option("--item", help="the scheme item id")],
    points: Annotated[float, typer.Option("--points", help="points awarded (0..max)")],
    scorer: Annotated[str, typer.Option("--scorer", help="who scored")],
    role: Annotated[str, typer.Option("--role", help="evaluator | judge | office")],
    note: Annotated[str | None, typer.Option("--note")] = None,
    attachment: Annotated[str | None, typer.Option("--attachment", help="path of the 佐证材料")] = None,
    by: Annotated[str | None, typer.Option("--by", help="who enters it (default: the scorer)")] = None,
    db: DbOpt = None,
) -> None:
    """Enter one manual score (人工评分)."""
    with _session(db) as session:
        entries.enter_manual(session, evaluation, site, item, points, scorer, role, by or scorer, note=note,
                             attachment=attachment, source="cli")
    console.print(f"{site} {item}: {points:g} ({scorer}, {role})", highlight=False)


@evaluate_app.command("deduct")
def deduct(
    evaluation: EvalArg,
    site: Annotated[str, typer.Option("--site", help="the unit's site id")],
    item: Annotated[str, typer.Option("--item", help="the scheme's external item id")],
    points: Annotated[float, typer.Option("--points", help="points lost")],
    document: Annotated[str, typer.Option("--document", help="the document that records them (通报/评估报告)")],
    by: ByOpt,
    note: Annotated[str | None, typer.Option("--note")] = None,
    attachment: Annotated[str | None, typer.Option("--attachment")] = None,
    db: DbOpt = None,
) -> None:
    """Enter one external deduction with its cited document (外部扣分)."""
    with _session(db) as session:
        entries.enter_external(session, evaluation, site, item, points, document, by, note=note,
                               attachment=attachment, source="cli")
    console.print(f"{site} {item}: −{points:g} ({document})", highlight=False)


@evaluate_app.command("publish")
def publish(evaluation: EvalArg, by: ByOpt, on: OnOpt = None, db: DbOpt = None) -> None:
    """Publish the provisional result and open the objection window (发布初评结果)."""
    with _session(db) as session:
        close = entries.publish(session, evaluation, by, _day(on))
    console.print(f"evaluation {evaluation}: provisional result published; objections until {close}", highlight=False)


@evaluate_app.command("object")
def object_(
    evaluation: EvalArg,
    site: Annotated[str, typer.Option("--site", help="the objecting unit's site id")],
    text: Annotated[str, typer.Option("--text", help="the written objection")],
    by: ByOpt,
    item: Annotated[str | None, typer.Option("--item", help="the item objected to")] = None,
    on: OnOpt = None,
    db: DbOpt = None,
) -> None:
    """Record a unit's written objection (received within the window); prints its id (提出异议)."""
    with _session(db) as session:
        obj = repo.raise_objection(session, evaluation, site, text=text, by=by, on=_day(on), item=item)
    out_console.print(obj)


@evaluate_app.command("answer")
def answer(
    objection: Annotated[int, typer.Argument(help="objection id")],
    decision: Annotated[str, typer.Option("--decision", help="accepted | rejected")],
    text: Annotated[str, typer.Option("--text", help="the answer")],
    by: ByOpt,
    points: Annotated[float | None, typer.Option("--points", help="accepted: the item's new points")] = None,
    role: Annotated[str | None, typer.Option("--role", help="with --points: the answerer's role")] = None,
    external: Annotated[float | None, typer.Option("--external", help="accepted: the corrected external deduction")] = None,
    document: Annotated[str | None, typer.Option("--document", help="with --external: its document")] = None,
    waive_finding: Annotated[int | None, typer.Option("--waive-finding", help="accepted: a finding that does not count")] = None,
    on: OnOpt = None,
    db: DbOpt = None,
) -> None:
    """Answer an objection; an accepted one may change a score (答复异议)."""
    if sum(x is not None for x in (points, external, waive_finding)) > 1:
        raise UsageError("give at most one of --points, --external, --waive-finding")
    if points is not None and role is None:
        raise UsageError("--points needs --role (evaluator | judge | office)")
    with _session(db) as session:
        change = entries.answer(session, objection, decision=decision, text=text, by=by, on=_day(on),
                                set_points=points, role=role, external=external, document=document,
                                waive_finding=waive_finding)
    console.print(f"objection {objection}: {decision}" + (f" — {change}" if change else ""), highlight=False)


@evaluate_app.command("finalize")
def finalize(evaluation: EvalArg, by: ByOpt, on: OnOpt = None, db: DbOpt = None) -> None:
    """Close the objections and store the final result (定稿)."""
    with _session(db) as session:
        entries.finalize(session, evaluation, by, _day(on))
    console.print(f"evaluation {evaluation}: final", highlight=False)


@evaluate_app.command("result")
def result(
    evaluation: EvalArg,
    out: Annotated[Path, typer.Option("--out", help="directory for result.xlsx and result.html")],
    final: Annotated[bool, typer.Option("--final", help="the stored final result (the evaluation must be final)")] = False,
    provisional: Annotated[bool, typer.Option("--provisional", help="the provisional result as published")] = False,
    format: Annotated[str, typer.Option("--format", help="what to print: table | json")] = "table",
    db: DbOpt = None,
) -> None:
    """Ranked results per group with every point's trace: result.xlsx and result.html (考评结果)."""
    if final and provisional:
        raise UsageError("give --final or --provisional, not both")
    with _session(db) as session:
        inputs, groups = entries.current(session, evaluation)
        stage = "final" if final else "provisional" if provisional else "current"
        if stage == "current":
            data = {g: [r.as_dict() for r in members] for g, members in groups.items()}
        else:
            ev = repo.get_evaluation(session, evaluation)
            if final and ev.state != "final":
                raise UsageError(f"evaluation {evaluation} is {ev.state}, not final (govaudit evaluate finalize)")
            stored = repo.stored_results(session, evaluation, stage)
            if not stored:
                raise UsageError(f"evaluation {evaluation} has no {stage} result yet")
            data = {}
            for row in stored:
                data.setdefault(row.group, []).append(dict(row.result, rank=row.rank))
        meta = _meta(inputs, stage)
    xlsx, html = render.write_results(meta, data, out)
    if format == "json":
        typer.echo(json.dumps({"evaluation": meta, "groups": data}, ensure_ascii=False, default=str))
    else:
        _print(meta, data)
    console.print(f"results: {xlsx}, {html}", highlight=False)


def _meta(inputs, stage: str) -> dict:  # noqa: ANN001
    s = inputs.scheme
    return {"id": inputs.id, "name": inputs.name, "stage": stage, "state": inputs.state, "scheme_id": s.id,
            "scheme_name": s.name, "edition": s.edition, "year": s.year, "as_of": inputs.as_of.isoformat(),
            "period": inputs.period,
            "published_on": inputs.published_on.isoformat() if inputs.published_on else None,
            "objections_close": inputs.objections_close.isoformat() if inputs.objections_close else None,
            "finalized_on": inputs.finalized_on.isoformat() if inputs.finalized_on else None,
            "objections": inputs.objections}


def _print(meta: dict, groups: dict[str, list[dict]]) -> None:
    for g in render.group_order(groups):
        table = Table(title=f"{meta['name']} — {g}（{render.STAGE_ZH.get(meta['stage'], meta['stage'])}）")
        for col in ("排名", "网站标识码", "单位名称", "最终得分", "等级", "状态"):
            table.add_column(col)
        for r in groups[g]:
            table.add_row(str(r["rank"] or "—"), r["site_id"], r["name"],
                          f"{r['total']:.2f}" if r["total"] is not None else "—", r["grade"] or "—",
                          "完整" if r["complete"] else "未完成")
        out_console.print(table)
