"""The evaluators' workbook OUT/summary.xlsx: sites ranked, and every finding of every site."""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.outputs.json import atomic_write, validate
from reports.outputs.problems import problems_sheet
from reports.outputs.summary import SEVERITY_ZH, label, rank, ranked, rule_names

EXCEL_CELL_LIMIT = 32000  # Excel refuses cells over 32767 characters; leave room for the marker
_TRUNCATED = "…（已截断）"

RANKING_SHEET = "站点排名"
RANKING_COLUMNS = [("排名", 6), ("网站标识码", 14), ("网站名称", 28), ("网址", 36), ("得分", 8),
                   ("结论", 8), ("单项否决", 40), ("问题数", 8), ("运行编号", 10), ("监测时间点", 12)]
FINDINGS_SHEET = "全部问题"
FINDINGS_COLUMNS = [("网站标识码", 14), ("网站名称", 24), ("规则", 30), ("规则名称", 18), ("严重程度", 10),
                    ("对象", 50), ("页面", 50), ("说明", 60), ("证据", 80)]

ACCOUNTS_SHEET = "政务新媒体账号"
ACCOUNTS_COLUMNS = [("网站标识码", 14), ("网站名称", 24), ("平台", 10), ("账号标识", 24), ("登记名称", 20),
                    ("平台显示名称", 20), ("认证信息", 30), ("粉丝数", 10), ("最新发布时间", 22), ("最新发布链接", 40),
                    ("读取状态", 10), ("未能读取原因", 40), ("存在问题的规则", 36), ("账号地址", 40)]


def cell_text(value: str) -> str:
    """Text safe for a cell: no control characters openpyxl refuses, at most EXCEL_CELL_LIMIT chars."""
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if len(value) > EXCEL_CELL_LIMIT:
        value = value[: EXCEL_CELL_LIMIT - len(_TRUNCATED)] + _TRUNCATED
    return value


def _append(ws: Worksheet, values: list[Any]) -> None:
    ws.append([cell_text(v) if isinstance(v, str) else v for v in values])
    for cell in ws[ws.max_row]:
        # openpyxl stores any string starting with "=" as a formula; page text must never run as one.
        if cell.data_type == "f":
            cell.data_type = "s"


def _sheet(ws: Worksheet, title: str, columns: list[tuple[str, int]]) -> None:
    ws.title = title
    ws.append([name for name, _ in columns])
    for index, (_, width) in enumerate(columns, start=1):
        ws.cell(row=1, column=index).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"


def workbook(docs: list[dict[str, Any]]) -> Workbook:
    """The summary workbook for docs (not validated here; write_summary_xlsx does that)."""
    wb = Workbook()
    ranking = wb.active
    _sheet(ranking, RANKING_SHEET, RANKING_COLUMNS)
    for row, doc in zip(rank(docs), ranked(docs)):  # one sort key, so both lists share one order
        _append(ranking, [row["rank"], row["id"], row["name"], row["url"], row["total"], row["grade"] or "",
                          "、".join(label(v, doc) for v in row["vetoes"]), row["findings"], row["run"],
                          row["as_of"]])

    findings = wb.create_sheet(FINDINGS_SHEET)
    _sheet(findings, FINDINGS_SHEET, FINDINGS_COLUMNS)
    for doc in ranked(docs):
        names = rule_names(doc)
        for f in doc["findings"]:
            evidence = json.dumps(f["evidence"], ensure_ascii=False, separators=(",", ":"))
            _append(findings, [doc["site"]["id"], doc["site"]["name"], f["rule"],
                               f.get("name_zh") or names.get(f["rule"], ""), SEVERITY_ZH[f["severity"]],
                               f["subject"], f["page"] or "", f["message"], evidence])

    sheets = [ranking, findings]
    if any("accounts" in doc for doc in docs):  # only runs that gathered accounts have the sheet
        sheets.append(_accounts_sheet(wb, docs))
    for ws in sheets:
        ws.auto_filter.ref = ws.dimensions
    problems_sheet(wb, ranked(docs))  # 问题变化: problems across runs (docs/problems.md)
    return wb


def _accounts_sheet(wb: Workbook, docs: list[dict[str, Any]]) -> Worksheet:
    accounts = wb.create_sheet(ACCOUNTS_SHEET)
    _sheet(accounts, ACCOUNTS_SHEET, ACCOUNTS_COLUMNS)
    for doc in ranked(docs):
        names = rule_names(doc)
        for a in doc.get("accounts") or []:
            failure = ""
            if a["status"] != "ok":
                failure = f"{a.get('failure_zh') or a.get('failure') or ''}：{a.get('failure_detail') or ''}"
            _append(accounts, [doc["site"]["id"], doc["site"]["name"], a["platform"], a["handle"],
                               a.get("registered_name") or "", a.get("name") or "", a.get("verification") or "",
                               a.get("followers"), a.get("newest_post") or "", a.get("newest_post_url") or "",
                               "已读取" if a["status"] == "ok" else "未能读取", failure,
                               "、".join(names.get(r, r) for r in a.get("rules") or []), a.get("url") or ""])
    return accounts


def write_summary_xlsx(docs: list[dict[str, Any]], out_dir: Path) -> Path:
    """Validate every doc and write OUT/summary.xlsx (sheets 站点排名, 全部问题 and 政务新媒体账号)."""
    for doc in docs:
        validate(doc)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    workbook(docs).save(buffer)
    return atomic_write(out_dir / "summary.xlsx", buffer.getvalue())
