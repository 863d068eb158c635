"""`govaudit history --site ID`: a site's timeline of score, grade, vetoes and open problems (docs/history.md)."""
from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from govaudit.cli import common as c
from govaudit.cli.common import DbOpt, UsageError, app, out_console
from reports.history import site_history
from storage import models as m
from storage.session import session_scope

STATE_ZH = {"complete": "完成", "interrupted": "中断", "failed": "失败", "running": "进行中"}


@app.command()
def history(
    site: Annotated[str, typer.Option("--site", help="the site id (网站标识码)")],
    fmt: Annotated[str, typer.Option("--format", help="table | json")] = "table",
    db: DbOpt = None,
) -> None:
    """Score, grade, vetoes and open problems per run of a site (变化趋势); only complete runs are graded."""
    if fmt not in ("table", "json"):
        raise UsageError(f"--format: table or json, not {fmt!r}")
    url = c.db(db)
    c.prepare_db(url)
    with session_scope(url) as session:
        if session.get(m.Site, site) is None:
            raise UsageError(f"--site {site}: no such site in the database")
        doc = site_history(session, site)
    if fmt == "json":
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    table = Table(title=f"govaudit 变化趋势 / history — {escape(site)} {escape(doc['site']['name'] or '')}")
    for col in ("run", "监测时间点", "类型", "状态", "页面", "沿用", "得分", "结论", "单项否决", "未整改问题", "按指标"):
        table.add_column(col, overflow="fold")
    for r in doc["runs"]:
        table.add_row(str(r["run"]), r["as_of"], r["kind"], STATE_ZH.get(r["state"], r["state"]), str(r["pages"]),
                      str(r["reused_pages"]), "—" if r["total"] is None else f"{r['total']:.2f}",
                      r["grade"] or "未评定", "、".join(r["vetoes"]) or "—", str(r["open_problems"]),
                      escape("；".join(f"{g['name']} {g['open']}" for g in r["by_indicator"]) or "—"))
    out_console.print(table)
    for key, label in (("previous", "上次"), ("previous_quarter", "上季度")):
        d = doc[key]
        if d is not None:
            change = "—" if d["delta"] is None else f"{d['delta']:+.2f}"
            out_console.print(f"较{label}（run {d['run']}，{d['as_of']}）：得分 {change}，未整改问题 {d['open_delta']:+d}",
                              highlight=False)
