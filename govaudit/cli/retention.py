"""`govaudit prune`: thin old runs daily → weekly → monthly, with their evidence files and the page bodies no
page points to any more (docs/history.md "Retention")."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from govaudit.cli import common as c
from govaudit.cli.common import DbOpt, UsageError, app, out_console

REASON_ZH = {"day": "每日保留", "week": "每周保留", "month": "每月保留", "latest": "最新完整检查", "running": "进行中",
             "recheck": "复查", "problem": "问题引用", "evaluation": "评估引用", "baseline": "基线来源",
             "referenced": "被引用", "thinned": "稀疏化删除", "expired": "超过保留期删除"}


@app.command()
def prune(
    sites: Annotated[Path | None, typer.Option("--sites", help="registry: its retention: windows and its sites")] = None,
    site: Annotated[list[str] | None, typer.Option("--site", help="only these site ids (repeatable; default: the registry's, else all)")] = None,
    daily: Annotated[int | None, typer.Option("--daily", help="days with one run per day (default 31)")] = None,
    weekly: Annotated[int | None, typer.Option("--weekly", help="weeks before those with one run per week (default 13)")] = None,
    monthly: Annotated[int | None, typer.Option("--monthly", help="months before those with one run per month (default 12)")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", help="the day the windows count back from (default: today, Beijing)")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="only list what would be removed")] = False,
    vacuum: Annotated[bool, typer.Option("--vacuum/--no-vacuum", help="VACUUM the database afterwards")] = True,
    by: Annotated[str, typer.Option("--by", help="who prunes (the audit log's actor)")] = "cli",
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    db: DbOpt = None,
) -> None:
    """Thin old runs (daily → weekly → monthly); never a run a problem, an evaluation or a baseline references,
    nor a site's newest complete audit."""
    from storage.retention import Policy, prune as do_prune
    from storage.vocabulary import beijing_today

    if fmt not in ("table", "json"):
        raise UsageError(f"--format: table or json, not {fmt!r}")
    registry = c.registry(sites) if sites else None
    base = registry.retention if registry else None
    values = {"daily": daily, "weekly": weekly, "monthly": monthly}
    for name, value in values.items():
        if value is not None and value < 0:
            raise UsageError(f"--{name} must be ≥ 0, not {value}")
        if value is None:
            values[name] = getattr(base, name) if base else getattr(Policy, name)
    policy = Policy(**values)
    today = c.as_of(as_of) if as_of else beijing_today()
    url = c.db(db)
    c.prepare_db(url)
    if site:
        from sqlalchemy import select

        from storage import models as m
        from storage.session import session_scope

        with session_scope(url) as session:
            known = set(session.scalars(select(m.Site.id).where(m.Site.id.in_(site))))
        unknown = [s for s in site if s not in known]
        if unknown:
            raise UsageError(f"--site: no such site in the database: {', '.join(unknown)}")
    if not site and registry:  # the registry's sites (as the scheduled prune does)
        from sqlalchemy import select

        from storage import models as m
        from storage.session import session_scope

        with session_scope(url) as session:
            site = list(session.scalars(select(m.Site.id).where(m.Site.id.in_([s.id for s in registry.sites]))))
        if not site:
            out_console.print("prune: no site of the registry is in the database; nothing to do", highlight=False)
            return
    result = do_prune(url, today, policy, site or (), dry_run=dry_run, actor=by, vacuum=vacuum)
    plan = result.plan
    if fmt == "json":
        doc = plan.as_json()
        doc.update(dry_run=dry_run, bytes_before=result.bytes_before, bytes_after=result.bytes_after,
                   removed={"runs": result.removed_runs, "files": result.removed_files, "bodies": result.removed_bodies})
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    doomed = plan.doomed
    if doomed:
        table = Table(title=f"govaudit prune — {'将删除 / would remove' if dry_run else '已删除 / removed'} "
                            f"(as of {today}, daily {policy.daily} · weekly {policy.weekly} · monthly {policy.monthly})")
        for col in ("网站标识码", "run", "监测时间点", "状态", "原因"):
            table.add_column(col)
        for d in doomed:
            table.add_row(escape(d.site_id), str(d.run_id), d.as_of.isoformat(), d.state, REASON_ZH.get(d.reason, d.reason))
        out_console.print(table)
    kept = len(plan.runs) - len(doomed)
    verb = "would remove" if dry_run else "removed"
    bodies = plan.blobs if dry_run else result.removed_bodies
    files = len(plan.files) if dry_run else result.removed_files
    line = f"prune: {verb} {len(doomed)} runs, {files} evidence files, {bodies} page bodies; kept {kept} runs"
    if plan.blobs_deferred:
        line += f" (page bodies not collected: {plan.blobs_deferred})"
    if not dry_run and result.bytes_before is not None and result.bytes_after is not None:
        line += f"; database {result.bytes_before:,} → {result.bytes_after:,} bytes"
    out_console.print(line, highlight=False)
