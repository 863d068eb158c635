"""The printable 自查报告 as Word: OUT/<site-id>/report.docx (`govaudit report --run ID --format docx`).

The shape units hand in (../shared/evaluation.md §2.3): the site and its score, then the 自查表 —
一级指标 · 二级指标 · 检查情况 · 扣分 · 问题 · 整改对策, one row per problem (its evidence thumbnail in the
问题 cell), one row per indicator without problems — then what was not measured and how the check was
made. Everything comes from `report_view(doc)`, as in report.html and summary.xlsx.
"""
from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell

from reports.outputs.json import atomic_write, site_dir, validate
from reports.outputs.thumbnails import evidence_file, thumbnail
from reports.outputs.view import report_view

BODY_FONT = "宋体"  # SimSun and SimHei: present wherever Word or WPS is installed in Chinese
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
SELFCHECK_HEADER = ("一级指标", "二级指标", "检查情况", "扣分", "问题", "整改对策")
COLUMN_CM = (2.6, 3.4, 3.2, 1.4, 8.5, 7.0)  # A4 landscape less 1.8 cm margins: 26.1 cm
THUMB_CM = 6.0
THUMB_PX = (640, 360)


def _fonts(run_or_style: Any, east_asia: str, size: float | None = None, bold: bool | None = None) -> None:
    font = run_or_style.font
    font.name = LATIN_FONT
    if size:
        font.size = Pt(size)
    if bold is not None:
        font.bold = bold
    element = run_or_style.element
    rpr = element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), east_asia)


def _setup(document: Any) -> None:
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.8))
    _fonts(document.styles["Normal"], BODY_FONT, 10.5)
    for name, size in (("Title", 18), ("Heading 1", 14), ("Heading 2", 12)):
        _fonts(document.styles[name], HEADING_FONT, size, bold=True)
        document.styles[name].font.color.rgb = RGBColor(0, 0, 0)
    # 第 N 页 in the footer (a PAGE field, computed by the word processor)
    paragraph = section.footer.paragraphs[0]
    paragraph.add_run("第 ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    paragraph._p.append(field)
    paragraph.add_run(" 页")


def _repeat_header(row: Any) -> None:
    trpr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _text(cell: _Cell, text: str, *, bold: bool = False, size: float | None = None) -> None:
    paragraph = cell.paragraphs[0] if not cell.paragraphs[0].text else cell.add_paragraph()
    run = paragraph.add_run(text)
    run.bold = bold
    if size:
        run.font.size = Pt(size)


def _info(document: Any, view: dict[str, Any]) -> None:
    site, run, score = view["site"], view["run"], view["score"]
    vetoes = "、".join(v["label"] for v in score["vetoes"]) or "未触发"
    rows = [("网站名称", site["name"]), ("网站地址", site["url"]), ("网站标识码", site["id"]),
            ("监测时间点", run["as_of"]), ("检测时间", f"{run.get('started_at') or '—'} 至 {run.get('finished_at') or '未完成'}"),
            ("检测页面数", str(run["pages"])), ("评分方案", score["scheme"]), ("得分", score["total_text"]),
            ("结论", score["grade"] or "未定"), ("单项否决", vetoes)]
    table = document.add_table(rows=0, cols=2)
    table.style = "Table Grid"
    for key, value in rows:
        cells = table.add_row().cells
        _text(cells[0], key, bold=True)
        _text(cells[1], value)
        cells[0].width, cells[1].width = Cm(4), Cm(22.1)


def _overview(document: Any, view: dict[str, Any]) -> None:
    counts, score = view["counts"], view["score"]
    document.add_heading("一、总体情况", level=1)
    document.add_paragraph(
        f"本次自查共检查 {view['method']['rules']} 项，发现问题 {counts['total']} 个（否决 {counts['veto']} 个、"
        f"扣分 {counts['deduction']} 个、提示 {counts['info']} 个），得分 {score['total_text']}，"
        f"结论：{score['grade'] or '未定'}。")
    for v in score["vetoes"]:
        trigger = "、".join(f"问题 {n}" for n in v["problems"])
        document.add_paragraph(f"触发单项否决：{v['label']}" + (f"（{trigger}）" if trigger else "")
                               + (f"。{v['requirement']}" if v["requirement"] else ""), style="List Bullet")
    for v in score["undecided_vetoes"]:
        document.add_paragraph(f"未能判定的否决项：{v}（未能检测或检查出错，请人工核查）", style="List Bullet")


def _problem_cell(cell: _Cell, p: dict[str, Any], out_dir: Path, site_id: str) -> None:
    _text(cell, f"问题 {p['number']}［{p['severity_zh']}］{p['rule_name'] or p['rule']}", bold=True)
    _text(cell, p["message"])
    _text(cell, f"对象：{p['subject']}", size=9)
    if p["page"] and p["page"] != p["subject"]:
        _text(cell, f"所在页面：{p['page']}", size=9)
    thumb = thumbnail(evidence_file(out_dir, site_id, p["image"]), *THUMB_PX) if p["image"] else None
    if thumb is not None:
        cell.add_paragraph().add_run().add_picture(io.BytesIO(thumb[0]), width=Cm(THUMB_CM))
    elif p["image"]:
        _text(cell, f"截图：{p['image']}", size=9)


def _selfcheck(document: Any, view: dict[str, Any], out_dir: Path) -> None:
    document.add_heading("二、自查情况及问题整改对策", level=1)
    table = document.add_table(rows=1, cols=len(SELFCHECK_HEADER))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, name in zip(table.rows[0].cells, SELFCHECK_HEADER, strict=True):
        _text(cell, name, bold=True)
    _repeat_header(table.rows[0])
    first_of_group: list[_Cell] | None = None
    for row in view["selfcheck"]:
        cells = table.add_row().cells
        for cell, width in zip(cells, COLUMN_CM, strict=True):
            cell.width = Cm(width)
        if row["span"]:  # the first row of an indicator carries its cells; the rows below merge into them
            for cell, value in zip(cells[:4], (row["first_level"], row["second_level"], row["situation"],
                                               row["points"]), strict=True):
                _text(cell, value)
            first_of_group = cells[:4]
        elif first_of_group is not None:
            for top, cell in zip(first_of_group, cells[:4], strict=True):
                top.merge(cell)
        p = row["problem"]
        if p is None:
            _text(cells[4], "—")
            _text(cells[5], "—")
            continue
        _problem_cell(cells[4], p, out_dir, view["site"]["id"])
        _text(cells[5], p["advice"]["text"])
        _text(cells[5], f"依据：{p['advice']['requirement']}（{p['advice']['source']}）[{p['advice']['tag']}]", size=8.5)


def _rest(document: Any, view: dict[str, Any]) -> None:
    document.add_heading("三、未能检测的项目", level=1)
    if not view["not_judged"]:
        document.add_paragraph("所有检查项均已判定。")
    for r in view["not_judged"]:
        document.add_paragraph(f"{r['name'] or r['rule']}（{r['rule']}，{r['status_zh']}）：{r['reason']}",
                               style="List Bullet")
    method = view["method"]
    document.add_heading("四、检查方法", level=1)
    document.add_paragraph(
        f"自动检测 {method['pages']} 个页面（{method['started_at'] or '—'} 至 {method['finished_at'] or '未完成'}），"
        f"按评分方案 {method['scheme']} 的 {method['rules']} 个检查项逐项判定；"
        + ("使用浏览器渲染页面并截取证据。" if method["browser"] else "未使用浏览器，需要浏览器的检查项为“未能检测”。")
        + "整改对策后的依据标注核实程度：V 原文已核实，C 有旁证，U 待核实。")
    if view["generator"]:
        document.add_paragraph(f"生成工具：{view['generator']['name']} {view['generator']['version']}")


def docx_bytes(doc: dict[str, Any], out_dir: Path) -> bytes:
    """The report.docx of doc (thumbnails read from OUT/<site-id>/)."""
    view = report_view(doc)
    document = Document()
    _setup(document)
    document.core_properties.title = f"{view['site']['name']}网站自查报告"
    document.add_heading(f"{view['site']['name']}网站自查报告", level=0)
    _info(document, view)
    _overview(document, view)
    _selfcheck(document, view, Path(out_dir))
    _rest(document, view)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(doc: dict[str, Any], out_dir: Path) -> Path:
    """Validate doc and write OUT/<site-id>/report.docx."""
    validate(doc)
    return atomic_write(site_dir(doc, out_dir) / "report.docx", docx_bytes(doc, out_dir))
