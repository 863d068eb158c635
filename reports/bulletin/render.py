"""通报.xlsx and 通报.docx of a `Bulletin` (the skeleton of evaluation.md §2.3: 总体情况, 问题网站名单, 政务新媒体
问题名单, 上期问题复查情况, 弄虚作假, and every unit's result as the annex)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from reports.bulletin.data import Bulletin

PLATFORMS = {"weibo": "政务微博", "wechat": "政务微信", "douyin": "抖音", "toutiao": "今日头条", "rss": "RSS", "atom": "Atom",
             "manual": "其他"}

LEVEL_HEAD = ["级别/分组", "网站数", "已检查（完整运行）", "合格", "不合格", "未完成检查", "未检查", "合格率(%)", "上期合格率(%)"]
PROBLEM_HEAD = ["序号", "地区/单位", "网站标识码", "网站名称", "网址", "问题"]
NEWMEDIA_HEAD = ["序号", "类型", "名称", "责任单位", "问题类别", "检查时更新日期"]
RECHECK_HEAD = ["序号", "网站标识码", "网站名称", "问题编号", "问题", "对象", "发现日期", "复查情况", "弄虚作假"]
UNIT_HEAD = ["序号", "网站标识码", "网站名称", "级别/分组", "期内检查次数", "完整运行", "监测时间点", "得分", "结论", "单项否决",
             "未整改问题数"]


def title(b: Bulletin) -> str:
    return f"政府网站与政务新媒体检查情况通报（{b.start:%Y年%m月%d日}至{b.end:%Y年%m月%d日}）"


def summary_text(b: Bulletin) -> str:
    graded = [u for u in b.units if u.graded]
    passed = sum(u.grade == "合格" for u in graded)
    rate = "—" if b.pass_rate is None else f"{b.pass_rate:.2f}%"
    text = (f"本期共监测政府网站 {len(b.units)} 个，完成检查 {len(graded)} 个，合格 {passed} 个，不合格 {len(graded) - passed} 个，"
            f"总体合格率 {rate}")
    if b.delta is not None:
        text += f"，较上期（{b.prev_start:%Y-%m-%d}至{b.prev_end:%Y-%m-%d}，{b.prev_pass_rate:.2f}%）" + \
            (f"上升 {b.delta:.2f} 个百分点" if b.delta > 0 else f"下降 {-b.delta:.2f} 个百分点" if b.delta < 0 else "持平")
    incomplete = [u for u in b.units if not u.graded and u.runs]
    if incomplete:
        text += f"；{len(incomplete)} 个网站本期检查未完成（未评定、未计入合格率）：" + "、".join(u.name for u in incomplete)
    checked = sum(v["checked"] for v in b.accounts.values())
    if checked:
        text += f"。检查政务新媒体账号 {checked} 个，存在问题 {sum(v['problem'] for v in b.accounts.values())} 个"
    return text + "。"


def level_rows(b: Bulletin) -> list[list]:
    return [[r["level"], r["sites"], r["graded"], r["passed"], r["failed"], r["incomplete"], r["unchecked"],
             _pct(r["rate"]), _pct(r["prev_rate"])] for r in b.levels()]


def platform_rows(b: Bulletin) -> list[list]:
    return [[PLATFORMS.get(p, p), v["checked"], v["problem"], _pct(round(100 * (v["checked"] - v["problem"]) / v["checked"], 2))]
            for p, v in sorted(b.accounts.items()) if v["checked"]]


def problem_rows(b: Bulletin) -> list[list]:
    return [[i, u.unit or u.level, u.site_id, u.name, u.url,
             "；".join((["单项否决：" + "、".join(u.vetoes)] if u.vetoes else []) + u.defects) or f"得分 {u.total:.2f}"]
            for i, u in enumerate(b.problem_sites, 1)]


def newmedia_rows(b: Bulletin) -> list[list]:
    return [[i, PLATFORMS.get(r["platform"], r["platform"]), r["name"], r["unit"], r["problem"], r["updated"]]
            for i, r in enumerate(b.newmedia, 1)]


def recheck_rows(b: Bulletin) -> list[list]:
    return [[i, r.site_id, r.site_name, r.problem_id, r.rule_name, r.subject, r.opened_on.isoformat(), r.status,
             "是（重复发布旧信息）" if r.fake else ""] for i, r in enumerate(b.rechecks, 1)]


def unit_rows(b: Bulletin) -> list[list]:
    ranked = sorted(b.units, key=lambda u: (not u.graded, -(u.total or 0), u.site_id))
    return [[i, u.site_id, u.name, u.level, u.runs, u.complete_runs, u.as_of.isoformat() if u.as_of else "—",
             f"{u.total:.2f}" if u.graded else "—", u.grade or ("未完成检查（未评定）" if u.runs else "本期未检查"),
             "、".join(u.vetoes) or "—", u.open_problems] for i, u in enumerate(ranked, 1)]


def write_xlsx(b: Bulletin, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "总体情况"
    ws.append([title(b)])
    ws.append([summary_text(b)])
    ws.append([])
    _table(ws, LEVEL_HEAD, level_rows(b))
    ws.append([])
    ws.append(["总体合格率(%)", _pct(b.pass_rate), "上期合格率(%)", _pct(b.prev_pass_rate), "变化(百分点)",
               "—" if b.delta is None else b.delta])
    if b.accounts:
        ws.append([])
        _table(ws, ["平台", "检查账号数", "存在问题账号数", "合格率(%)"], platform_rows(b))
    for name, head, rows in (("问题网站名单", PROBLEM_HEAD, problem_rows(b)),
                             ("政务新媒体问题名单", NEWMEDIA_HEAD, newmedia_rows(b)),
                             ("上期问题复查情况", RECHECK_HEAD, recheck_rows(b)),
                             ("各单位检查情况", UNIT_HEAD, unit_rows(b))):
        sheet = wb.create_sheet(name)
        _table(sheet, head, rows)
        sheet.freeze_panes = "A2"
    _atomic(path, wb.save)


def write_docx(b: Bulletin, path: Path) -> None:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name, style.font.size = "Times New Roman", Pt(12)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    doc.add_heading(title(b), level=0)
    doc.add_heading("一、总体情况", level=1)
    doc.add_paragraph(summary_text(b))
    _doc_table(doc, LEVEL_HEAD, level_rows(b))
    if b.accounts:
        doc.add_paragraph("政务新媒体按平台：")
        _doc_table(doc, ["平台", "检查账号数", "存在问题账号数", "合格率(%)"], platform_rows(b))
    doc.add_heading("二、主要问题", level=1)
    if b.problem_sites:
        for u in b.problem_sites:
            doc.add_paragraph(f"{u.name}（{u.site_id}）：" + "；".join((["单项否决：" + "、".join(u.vetoes)] if u.vetoes else [])
                                                                   + u.defects[:3]) + "。", style="List Bullet")
    else:
        doc.add_paragraph("本期完成检查的网站均合格。")
    doc.add_heading("三、上期问题复查情况", level=1)
    counts: dict[str, int] = {}
    for r in b.rechecks:
        counts[r.status] = counts.get(r.status, 0) + 1
    doc.add_paragraph(f"上期（{b.prev_start:%Y-%m-%d}至{b.prev_end:%Y-%m-%d}）问题清单共 {len(b.rechecks)} 个问题：" +
                      ("，".join(f"{k} {v} 个" for k, v in counts.items()) or "无") + "。")
    if b.fakes:
        doc.add_heading("四、弄虚作假情况", level=1)
        for f in b.fakes:
            doc.add_paragraph(f"{f['site_name']}（{f['site_id']}）在整改中{f['note'].split(' / ')[0]}（{f['rule']}，{f['subject']}，"
                              f"{f['on']} 复核发现），属弄虚作假。", style="List Bullet")
    doc.add_heading("附件1 问题网站名单", level=1)
    _doc_table(doc, PROBLEM_HEAD, problem_rows(b))
    doc.add_heading("附件2 政务新媒体问题名单", level=1)
    _doc_table(doc, NEWMEDIA_HEAD, newmedia_rows(b))
    doc.add_heading("附件3 上期问题复查情况", level=1)
    _doc_table(doc, RECHECK_HEAD, recheck_rows(b))
    doc.add_heading("附件4 各单位检查情况", level=1)
    _doc_table(doc, UNIT_HEAD, unit_rows(b))
    _atomic(path, doc.save)


def _pct(v: float | None) -> str | float:
    return "—" if v is None else v


def _table(ws, head: list[str], rows: list[list]) -> None:  # noqa: ANN001
    ws.append(head)
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _doc_table(doc, head: list[str], rows: list[list]) -> None:  # noqa: ANN001
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, head, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = str(value)


def _atomic(path: Path, save) -> None:  # noqa: ANN001
    """Write next to the target and rename: a failure never leaves half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=path.suffix)
    os.close(fd)
    try:
        save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
