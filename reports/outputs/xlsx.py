"""The evaluators' workbook OUT/summary.xlsx: sites ranked, every finding of every site, the 自查表.

Each sheet is built by one function called from `workbook()`; another area adds its sheet with one
more call there (its function in its own module, using `new_sheet` and `append_row`; docs/report.md).
The findings rows and the 自查表 come from `report_view(doc)`, the same view report.html and the
printable report render: same problems, same numbers, same 整改建议.
"""
from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.drawing.image import Image as SheetImage
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from reports.outputs.json import atomic_write, validate
from reports.outputs.summary import label, rank, ranked, rule_names
from reports.outputs.thumbnails import evidence_file, thumbnail
from reports.outputs.view import report_view
from reports.outputs.problems import problems_sheet
from reports.outputs.trends import trends_sheet
from storage.vocabulary import RUN_STATE_ZH

EXCEL_CELL_LIMIT = 32000  # Excel refuses cells over 32767 characters; leave room for the marker
_TRUNCATED = "…（已截断）"

RANKING_SHEET = "站点排名"
RANKING_COLUMNS = [("排名", 6), ("网站标识码", 14), ("网站名称", 28), ("网址", 36), ("得分", 8),
                   ("结论", 8), ("单项否决", 40), ("问题数", 8), ("运行编号", 10), ("监测时间点", 12),
                   ("运行状态", 16)]  # 运行状态 last: scripts read the earlier columns by position
FINDINGS_SHEET = "全部问题"
# The first nine columns are those of earlier versions (scripts read them by position); new ones follow.
FINDINGS_COLUMNS = [("网站标识码", 14), ("网站名称", 24), ("规则", 30), ("规则名称", 18), ("严重程度", 10),
                    ("对象", 50), ("页面", 50), ("说明", 60), ("证据", 80), ("问题编号", 10), ("指标", 24),
                    ("整改建议", 60), ("依据", 60), ("截图", 30)]
SELFCHECK_SHEET = "自查表"
SELFCHECK_COLUMNS = [("网站标识码", 14), ("网站名称", 24), ("一级指标", 18), ("二级指标", 28), ("检查情况", 26),
                     ("扣分", 8), ("问题", 60), ("整改对策", 60)]
THUMB_PX = (220, 124)  # embedded thumbnails: small enough for a row, large enough to recognise the place
MAX_THUMBNAILS = 500  # beyond this the 截图 cell keeps the file link only (a workbook stays mailable)

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


def new_sheet(wb: Workbook, title: str, columns: list[tuple[str, int]]) -> Worksheet:
    """A new sheet with a bold, frozen header row of (name, width) columns."""
    ws = wb.create_sheet(title)
    _sheet(ws, title, columns)
    return ws


append_row = _append


def workbook(docs: list[dict[str, Any]], out_dir: Path | None = None) -> Workbook:
    """The summary workbook for docs (not validated here; write_summary_xlsx does that). With out_dir
    (the folder the site reports are in) the evidence thumbnails are embedded."""
    wb = Workbook()
    ordered = ranked(docs)
    views = {id(doc): report_view(doc) for doc in ordered}
    _ranking_sheet(wb.active, docs)
    _findings_sheet(wb, ordered, views, out_dir)
    _selfcheck_sheet(wb, ordered, views)
    if any("accounts" in doc for doc in docs):  # only runs that gathered accounts have the sheet
        _accounts_sheet(wb, docs)
    # ── further sheets: one call each here (docs/report.md)
    problems_sheet(wb, ordered)  # 问题变化: problems across runs (docs/problems.md)
    trends_sheet(wb, ordered)  # 变化趋势: each site's runs and the deltas (docs/history.md)
    for ws in wb.worksheets:
        ws.auto_filter.ref = ws.dimensions
    return wb


def _ranking_sheet(ranking: Worksheet, docs: list[dict[str, Any]]) -> None:
    _sheet(ranking, RANKING_SHEET, RANKING_COLUMNS)
    for row, doc in zip(rank(docs), ranked(docs)):  # one sort key, so both lists share one order
        _append(ranking, [row["rank"] if row["rank"] is not None else "—", row["id"], row["name"], row["url"], row["total"], row["grade"] or "",
                          "、".join(label(v, doc) for v in row["vetoes"]), row["findings"], row["run"],
                          row["as_of"], RUN_STATE_ZH.get(row["state"], row["state"])])


def _findings_sheet(wb: Workbook, docs: list[dict[str, Any]], views: dict[int, dict[str, Any]],
                    out_dir: Path | None) -> Worksheet:
    findings = new_sheet(wb, FINDINGS_SHEET, FINDINGS_COLUMNS)
    shot_col = len(FINDINGS_COLUMNS)
    embedded = 0
    for doc in docs:
        site = doc["site"]
        for p in views[id(doc)]["problems"]:
            f = p["finding"]
            evidence = json.dumps(f["evidence"], ensure_ascii=False, separators=(",", ":"))
            advice = p["advice"]
            # relative to summary.xlsx, which sits beside the site folders (an http(s) image stays as it is)
            link = (p["image"] if "://" in p["image"] else f"{site['id']}/{p['image']}") if p["image"] else ""
            _append(findings, [site["id"], site["name"], f["rule"], p["rule_name"], p["severity_zh"],
                               f["subject"], f["page"] or "", f["message"], evidence, p["number"],
                               p["indicator_name"], advice["text"],
                               f"{advice['requirement']}（{advice['source']}）[{advice['tag']}]", link])
            if not link:
                continue
            cell = findings.cell(row=findings.max_row, column=shot_col)
            cell.hyperlink = link
            thumb = thumbnail(evidence_file(out_dir, site["id"], p["image"]), *THUMB_PX) if out_dir else None
            if thumb is None or embedded >= MAX_THUMBNAILS:
                continue
            image = SheetImage(io.BytesIO(thumb[0]))
            image.width, image.height = thumb[1], thumb[2]
            findings.add_image(image, cell.coordinate)
            findings.row_dimensions[cell.row].height = thumb[2] * 0.75 + 4  # points
            embedded += 1
    return findings


def _selfcheck_sheet(wb: Workbook, docs: list[dict[str, Any]], views: dict[int, dict[str, Any]]) -> Worksheet:
    """The 自查表 of every site: 一级指标 · 二级指标 · 检查情况 · 扣分 · 问题 · 整改对策, a row per problem."""
    sheet = new_sheet(wb, SELFCHECK_SHEET, SELFCHECK_COLUMNS)
    wrap = Alignment(wrap_text=True, vertical="top")
    for doc in docs:
        for row in views[id(doc)]["selfcheck"]:
            p = row["problem"]
            problem = f"问题 {p['number']}：{p['message']}（对象：{p['subject']}）" if p else "—"
            _append(sheet, [doc["site"]["id"], doc["site"]["name"], row["first_level"], row["second_level"],
                            row["situation"], row["points"], problem, p["advice"]["text"] if p else "—"])
            for cell in sheet[sheet.max_row][4:]:
                cell.alignment = wrap
    return sheet


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
    """Validate every doc and write OUT/summary.xlsx (sheets 站点排名, 全部问题, 自查表 and 政务新媒体账号)."""
    for doc in docs:
        validate(doc)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    workbook(docs, out_dir).save(buffer)
    return atomic_write(out_dir / "summary.xlsx", buffer.getvalue())
