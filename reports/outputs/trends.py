"""变化趋势 in the outputs (docs/history.md): the report's trend section and summary.xlsx's 变化趋势 sheet,
both from findings.json `history` (reports/history.py)."""
from __future__ import annotations

from typing import Any

from markupsafe import Markup
from openpyxl import Workbook

from reports.history import trend_svg

STATE_ZH = {"complete": "完成", "interrupted": "中断", "failed": "失败", "running": "进行中"}
TREND_SHEET = "变化趋势"
TREND_COLUMNS = [("网站标识码", 14), ("网站名称", 28), ("运行编号", 10), ("监测时间点", 12), ("状态", 8),
                 ("得分", 8), ("结论", 8), ("单项否决", 24), ("未整改问题", 10), ("较上次得分", 11),
                 ("较上次问题", 11), ("较上季度得分", 12), ("较上季度问题", 12)]


def trend_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    """What _trends.html.j2 shows: None on a site's first run (nothing to compare yet)."""
    history = doc.get("history")
    if not history or len(history.get("runs") or []) < 2:
        return None
    changes = [{**d, "label": label} for key, label in (("previous", "上次"), ("previous_quarter", "上季度"))
               if (d := history.get(key)) is not None]
    svg = trend_svg(history)
    return {"changes": changes, "svg": Markup(svg) if svg else None,
            "runs": [{**r, "state_zh": STATE_ZH.get(r["state"], r["state"])} for r in reversed(history["runs"])]}


def trends_sheet(wb: Workbook, docs: list[dict[str, Any]]) -> None:
    """One row per run of every site's history (newest run of each site last), with the newest run's deltas."""
    from reports.outputs.xlsx import append_row, new_sheet

    if not any(doc.get("history") for doc in docs):
        return
    ws = new_sheet(wb, TREND_SHEET, TREND_COLUMNS)
    for doc in docs:
        history = doc.get("history")
        if not history:
            continue
        for r in history["runs"]:
            newest = r["run"] == doc["run"]["id"]
            prev, quarter = (history.get("previous"), history.get("previous_quarter")) if newest else (None, None)
            append_row(ws, [doc["site"]["id"], doc["site"]["name"], r["run"], r["as_of"],
                            STATE_ZH.get(r["state"], r["state"]), r["total"], r["grade"] or "未评定",
                            "、".join(r.get("vetoes") or []), r["open_problems"],
                            prev and prev["delta"], prev and prev["open_delta"],
                            quarter and quarter["delta"], quarter and quarter["open_delta"]])
