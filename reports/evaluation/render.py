"""An evaluation's result as published: `result.xlsx` (one ranked sheet per group, one sheet with every
point's trace, the objections) and `result.html` (Jinja2, Chinese) — from the result dicts
(compute.UnitResult.as_dict(), as stored when the result was published or finalized)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from storage.vocabulary import SCORER_ROLES

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
STAGE_ZH = {"provisional": "初评结果（征求异议）", "current": "当前计算结果（未发布）", "final": "最终结果"}
BASIS_ZH = {"finding": "检查发现", "cap": "扣分上限", "waived": "异议核销", "scorer": "人工评分", "document": "外部扣分",
            "case": "依申请公开测试", "channel_check": "在线申请渠道检查", "veto": "单项否决"}
STATE_ZH = {"provisional": "初评（评分中）", "objections": "异议期", "final": "已定稿"}
_HEAD = PatternFill("solid", fgColor="D9E1F2")
_BAD = PatternFill("solid", fgColor="FDE2E2")


def group_order(groups: dict[str, list[dict]]) -> list[str]:
    """县市区 first, then 市直部门, then any other group (by name)."""
    first = ["县市区", "市直部门"]
    return [g for g in first if g in groups] + sorted(g for g in groups if g not in first)


TRACE_KEYS = ("part", "item", "item_name", "points", "basis", "run", "finding", "problem", "rule", "subject", "scorer",
              "role", "document", "case", "case_no", "objection", "text", "note", "attachment", "source", "url",
              "entered_by", "entry")


def write_results(meta: dict[str, Any], groups: dict[str, list[dict]], out: Path) -> tuple[Path, Path]:
    """result.xlsx and result.html in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    groups = {g: [{**r, "trace": [{k: t.get(k) for k in TRACE_KEYS} for t in r["trace"]]} for r in members]
              for g, members in groups.items()}
    return _xlsx(meta, groups, out / "result.xlsx"), _html(meta, groups, out / "result.html")


def trace_rows(groups: dict[str, list[dict]]) -> list[dict[str, Any]]:
    """Every point of every unit with where it came from, in group and rank order."""
    rows = []
    for g in group_order(groups):
        for r in groups[g]:
            for t in r["trace"]:
                rows.append({"group": g, "site": r["site_id"], "unit": r["name"], **t,
                             "basis_zh": BASIS_ZH.get(t.get("basis"), t.get("basis")),
                             "role_zh": SCORER_ROLES.get(t.get("role") or "", t.get("role"))})
    return rows


def _xlsx(meta: dict[str, Any], groups: dict[str, list[dict]], path: Path) -> Path:
    wb = Workbook()
    about = wb.active
    about.title = "说明"
    for line in _about(meta):
        about.append([line])
    about.column_dimensions["A"].width = 110
    for g in group_order(groups):
        ws = wb.create_sheet(g[:31])
        parts = _parts(groups[g])
        head = ["排名", "网站标识码", "单位名称", *[f"{p['name']}（满分{p['points']:g}，权重{p['weight']:.0%}）" for p in parts],
                "外部扣分", "最终得分", "等级", "结果状态"]
        ws.append(head)
        for r in groups[g]:
            scores = {p["id"]: p for p in r["parts"]}
            ws.append([r["rank"], r["site_id"], r["name"],
                       *[_part_cell(scores.get(p["id"])) for p in parts],
                       -r["external"] if r["external"] else 0, r["total"], r["grade"],
                       "完整" if r["complete"] else "未完成：" + "；".join(r["reasons"])])
            if not r["complete"]:
                for c in ws[ws.max_row]:
                    c.fill = _BAD
        _style(ws, len(head))
    ws = wb.create_sheet("得分溯源")
    cols = [("group", "分组"), ("site", "网站标识码"), ("unit", "单位名称"), ("part", "部分"), ("item", "指标编号"),
            ("item_name", "指标名称"), ("points", "分值变化"), ("basis_zh", "依据类型"), ("run", "run"),
            ("finding", "finding"), ("problem", "problem"), ("rule", "规则"), ("subject", "对象"),
            ("scorer", "评分人"), ("role_zh", "角色"), ("document", "依据文件"), ("case_no", "案例编号"),
            ("objection", "异议编号"), ("text", "说明"), ("note", "备注"), ("attachment", "佐证材料"), ("source", "来源")]
    ws.append([zh for _, zh in cols])
    for row in trace_rows(groups):
        ws.append([_plain(row.get(k)) for k, _ in cols])
    _style(ws, len(cols))
    if meta.get("objections"):
        ws = wb.create_sheet("异议")
        ws.append(["编号", "网站标识码", "指标", "异议内容", "提出人", "提出日期", "结论", "答复", "答复人", "答复日期", "变更"])
        for o in meta["objections"]:
            ws.append([o["id"], o["site"], o["item"], o["text"], o["raised_by"], o["raised_on"],
                       {"accepted": "异议成立", "rejected": "异议不成立"}.get(o["decision"] or "", "待答复"),
                       o["answer"], o["answered_by"], o["answered_on"], _plain(o["change"]) if o["change"] else None])
        _style(ws, 11)
    wb.save(path)
    return path


def _parts(members: list[dict]) -> list[dict]:
    seen: dict[str, dict] = {}
    for r in members:
        for p in r["parts"]:
            seen.setdefault(p["id"], p)
    return list(seen.values())


def _part_cell(p: dict | None) -> Any:
    if p is None:
        return None
    if p["score"] is None:
        return "未完成"
    return round(p["score"], 2)


def _plain(v: Any) -> Any:
    if isinstance(v, (dict, list)):
        return str(v)
    return v


def _style(ws, ncols: int) -> None:  # noqa: ANN001
    for i in range(1, ncols + 1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True)
        cell.fill = _HEAD
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(i)].width = 16 if i > 3 else 12
    ws.freeze_panes = "D2" if ncols > 4 else "A2"


def _about(meta: dict[str, Any]) -> list[str]:
    return [
        f"{meta['name']} — {STAGE_ZH.get(meta['stage'], meta['stage'])}",
        f"评估编号 {meta['id']}；方案 {meta['scheme_id']}：{meta['scheme_name']}" + (f"（{meta['edition']}）" if meta.get("edition") else ""),
        f"监测时间点 {meta['as_of']}；状态 {STATE_ZH.get(meta['state'], meta['state'])}"
        + (f"；初评发布 {meta['published_on']}，异议截止 {meta['objections_close']}" if meta.get("published_on") else "")
        + (f"；定稿 {meta['finalized_on']}" if meta.get("finalized_on") else ""),
        "最终得分 = Σ 各部分得分 ÷ 部分满分 × 权重 × 100 − 外部扣分；未完成（有未测得或未评分项目）的单位不参与排名。",
        "分值标注 [U] 的指标分值为项目暂定值：官方评估指标附件未公开，详见 docs/evaluations.md 及方案文件。",
        "“得分溯源”表列出每一分的来源：检查发现（run、finding 编号）、人工评分（评分人、角色、备注、佐证材料）、外部扣分（依据文件）、依申请公开测试案例、异议。",
    ]


def _html(meta: dict[str, Any], groups: dict[str, list[dict]], path: Path) -> Path:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    view = {"meta": meta, "about": _about(meta), "stage_zh": STAGE_ZH.get(meta["stage"], meta["stage"]),
            "groups": [(g, _parts(groups[g]), groups[g]) for g in group_order(groups)],
            "trace": trace_rows(groups), "objections": meta.get("objections") or []}
    path.write_text(env.get_template("evaluation.html.j2").render(**view), encoding="utf-8")
    return path
