"""The 自查报告 outputs from one report view: order, numbering, 整改建议 and evidence in report.html,
summary.xlsx, report.docx and the printable page of report.pdf (no browser here; tests/e2e/test_report_demo.py
prints and measures them in Chromium)."""
from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from lxml import html as lxml_html
from openpyxl import load_workbook
from PIL import Image

from reports.advice import advice_for
from reports.outputs import FORMATS, write_outputs
from reports.outputs.docx import SELFCHECK_HEADER, write_docx
from reports.outputs.html import CONTEXT_HOOKS, TEMPLATES, context, render_report
from reports.outputs.json import validate
from reports.outputs.pdf import printable_html
from reports.outputs.view import report_view
from reports.outputs.xlsx import write_summary_xlsx

Doc = dict[str, Any]


def _image(path: Path, size: tuple[int, int] = (560, 200)) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (200, 30, 30)).save(path, "JPEG")


@pytest.fixture
def cropped(suizhou: Doc, tmp_path: Path) -> tuple[Doc, Path]:
    """随州 with crops like the evidence step's: two findings share one crop, one has a full page too."""
    doc = copy.deepcopy(suizhou)
    home, ly = doc["findings"][0], doc["findings"][2]
    home["crop"] = {"path": "evidence/crop-a.jpg", "kind": "element", "box": [10, 20, 560, 200]}
    ly["crop"] = {"path": "evidence/screen-b.jpg", "kind": "screen", "box": [0, 0, 1280, 800]}
    ly["screenshot"] = "evidence/page-b.jpg"
    doc["findings"][3]["crop"] = {"path": "evidence/crop-a.jpg", "kind": "element", "box": [10, 20, 560, 200]}
    for f in doc["findings"]:
        f["advice"] = advice_for(f["rule"], f["subject"], f["name_zh"])
    out = tmp_path / "out"
    for name in ("crop-a.jpg", "screen-b.jpg", "page-b.jpg", "link-broken-1.png"):
        _image(out / doc["site"]["id"] / "evidence" / name)
    validate(doc)
    return doc, out


# --- the view -------------------------------------------------------------------------------

def test_problems_ordered_vetoes_first_and_numbered_once(suizhou: Doc) -> None:
    view = report_view(suizhou)
    assert [p["number"] for p in view["problems"]] == [1, 2, 3, 4]
    assert view["problems"][0]["rule"] == "interaction.unanswered" and view["problems"][0]["severity"] == "veto"
    assert view["groups"][0]["id"] == "web.veto.interaction_unanswered"
    assert view["counts"] == {"total": 4, "veto": 1, "deduction": 3, "info": 0}
    assert view["score"]["vetoes"] == [{"id": "web.veto.interaction_unanswered",
                                        "label": "互动回应差（web.veto.interaction_unanswered）", "problems": [1],
                                        "rules": ["留言超期未回复"],
                                        "requirement": advice_for("interaction.unanswered", "x")["requirement"]}]
    assert [r["status"] for r in view["rules"]][:3] == ["fail", "fail", "fail"]  # what needs doing first
    assert {r["rule"] for r in view["not_judged"]} == {"column.stale", "content.typo"}


def test_every_problem_has_advice_even_without_the_key(suizhou: Doc) -> None:
    for p in report_view(suizhou)["problems"]:  # the sample predates the advice key
        assert p["advice"] == advice_for(p["rule"], p["subject"], p["rule_name"])
    assert report_view(suizhou)["problems"][3]["advice"]["text"].startswith("在页面底部标注全国政府网站信息报送系统")


def test_selfcheck_rows_one_per_problem_then_the_other_indicators(suizhou: Doc) -> None:
    rows = report_view(suizhou)["selfcheck"]
    with_problem = [r for r in rows if r["problem"]]
    assert [r["problem"]["number"] for r in with_problem] == [1, 2, 3, 4]
    assert rows[0]["points"] == "否决" and rows[0]["first_level"] == "政府网站单项否决指标"
    broken = [r for r in rows if r["indicator"] == "web.ded.broken_links"]
    assert [r["span"] for r in broken] == [2, 0] and broken[0]["points"] == "6"
    rest = [r for r in rows if not r["problem"]]
    assert [r["indicator"] for r in rest] == ["web.veto.columns_stale"]  # not judged: says so, never 未发现问题
    assert rest[0]["situation"].startswith("未能判定")


def test_shared_image_shown_once_and_full_page_on_demand(cropped: tuple[Doc, Path]) -> None:
    doc, _ = cropped
    problems = {p["subject"]: p for p in report_view(doc)["problems"]}
    first = problems["https://www.suizhou.gov.cn/missing.html"]
    again = problems["site_code"]
    assert first["image"] == again["image"] == "evidence/crop-a.jpg" and first["full"] == "evidence/link-broken-1.png"
    assert again["same_image_as"] == first["number"] and first["same_image_as"] is None
    message = problems["https://www.suizhou.gov.cn/hdjl/ly/123.html"]
    assert (message["image"], message["image_kind"], message["full"]) == ("evidence/screen-b.jpg", "screen",
                                                                         "evidence/page-b.jpg")


# --- report.html --------------------------------------------------------------------------------

def test_html_reads_in_the_order_a_unit_acts(cropped: tuple[Doc, Path]) -> None:
    doc, _ = cropped
    text = render_report(doc)
    where = [text.index(f'id="{s}"') for s in ("summary", "problems", "rules", "not-measured", "method")]
    assert where == sorted(where)
    summary = text[where[0]:where[1]]
    assert "82" in summary and "不合格" in summary and 'href="#p1"' in summary  # the first problems, linked
    assert "由 <a href=\"#p1\">问题 1</a> 触发" in summary  # what triggered the veto
    tree = lxml_html.fromstring(text)
    articles = tree.cssselect("article.problem")
    assert [a.get("id") for a in articles] == ["p1", "p2", "p3", "p4"]
    assert (articles[0].get("data-rule"), articles[0].get("data-subject")) == (
        "interaction.unanswered", "https://www.suizhou.gov.cn/hdjl/ly/123.html")
    for a, p in zip(articles, report_view(doc)["problems"], strict=True):
        assert p["advice"]["text"] in a.cssselect(".advice")[0].text_content()
    imgs = tree.cssselect("article img")
    assert len(imgs) == 2 and all(i.get("loading") == "lazy" and i.get("alt") for i in imgs)  # crop-a shown once
    assert 'width="560" height="200"' in text
    assert "截图同 <a href=\"#p2\">问题 2</a>" in text and '<a href="evidence/page-b.jpg">整页截图</a>' in text


def test_html_keeps_its_guards(suizhou: Doc) -> None:
    text = render_report(suizhou)
    assert "<script" not in text and 'src="http' not in text
    assert 'data-total="82.0"' in text and '<div class="total" data-total="82.0">82</div>' in text
    assert '<a class="skip" href="#problems">' in text and "<main>" in text and 'lang="zh-CN"' in text
    assert "@media print" in text and "details::details-content" in text


def test_template_marks_its_extension_points() -> None:
    source = (TEMPLATES / "report.html.j2").read_text(encoding="utf-8")
    assert len(re.findall(r"扩展位置 \d：", source)) == 4 and "扩展位置 P" in source


def test_context_hooks_add_template_variables(suizhou: Doc) -> None:
    CONTEXT_HOOKS.append(lambda doc: {"trend_points": [doc["score"]["total"]]})
    try:
        assert context(suizhou)["trend_points"] == [82.0] and context(suizhou)["doc"] is suizhou
    finally:
        CONTEXT_HOOKS.pop()


# --- summary.xlsx ---------------------------------------------------------------------------------

def test_xlsx_rows_carry_advice_and_thumbnails(cropped: tuple[Doc, Path], guangshui: Doc) -> None:
    doc, out = cropped
    wb = load_workbook(write_summary_xlsx([doc, guangshui], out))
    assert wb.sheetnames == ["站点排名", "全部问题", "自查表"]
    sheet = wb["全部问题"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][9:] == ["问题编号", "指标", "整改建议", "依据", "截图"]
    mine = [r for r in rows[1:] if r[0] == "4213000001"]
    view = report_view(doc)
    assert [(r[2], r[5], r[9]) for r in mine] == [(p["rule"], p["subject"], p["number"]) for p in view["problems"]]
    assert [r[11] for r in mine] == [p["advice"]["text"] for p in view["problems"]]
    assert mine[0][13] == "4213000001/evidence/screen-b.jpg"
    assert len(sheet._images) == 3  # one per row with an image (rows are filtered and sorted one by one)
    assert sheet.cell(row=3, column=14).hyperlink.target == "4213000001/evidence/screen-b.jpg"
    selfcheck = [list(r) for r in wb["自查表"].iter_rows(values_only=True)]
    assert selfcheck[0] == ["网站标识码", "网站名称", "一级指标", "二级指标", "检查情况", "扣分", "问题", "整改对策"]
    assert sum(1 for r in selfcheck[1:] if str(r[6]).startswith("问题 ")) == len(doc["findings"]) + 1


def test_xlsx_without_evidence_files_names_them(suizhou: Doc, tmp_path: Path) -> None:
    wb = load_workbook(write_summary_xlsx([suizhou], tmp_path))
    assert wb["全部问题"]._images == [] and wb["全部问题"].cell(row=3, column=14).value.endswith("link-broken-1.png")


# --- report.docx and the printable page ---------------------------------------------------------

def _docx_problem_rows(path: Path) -> list[list[str]]:
    table = Document(path).tables[1]
    assert tuple(c.text for c in table.rows[0].cells) == SELFCHECK_HEADER
    return [[c.text for c in row.cells] for row in table.rows[1:] if row.cells[4].text.startswith("问题 ")]


def test_docx_one_row_per_problem_with_its_measures(cropped: tuple[Doc, Path]) -> None:
    doc, out = cropped
    path = write_docx(doc, out)
    assert path == out / "4213000001" / "report.docx"
    document = Document(path)
    assert document.sections[0].page_width > document.sections[0].page_height  # landscape
    info = {r.cells[0].text: r.cells[1].text for r in document.tables[0].rows}
    assert info["得分"] == "82" and info["结论"] == "不合格" and info["网站标识码"] == "4213000001"
    rows = _docx_problem_rows(path)
    view = report_view(doc)
    assert len(rows) == len(doc["findings"])
    for row, p in zip(rows, view["problems"], strict=True):
        assert row[4].startswith(f"问题 {p['number']}［") and f"对象：{p['subject']}" in row[4]
        assert row[5].startswith(p["advice"]["text"]) and "依据：" in row[5]
    broken = [r for r in rows if r[1] == "链接可用性"]
    assert len(broken) == 2 and broken[0][:4] == broken[1][:4] == ["政府网站扣分指标", "链接可用性", "发现 2 个问题", "6"]
    pictures = document.inline_shapes
    assert len(pictures) == 3  # every problem with an image file, the shared crop included
    east_asia = document.styles["Normal"].element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
    assert east_asia == "宋体"


def test_printable_page_has_the_selfcheck_table_and_inline_thumbnails(cropped: tuple[Doc, Path]) -> None:
    doc, out = cropped
    tree = lxml_html.fromstring(printable_html(doc, out))
    assert [th.text_content() for th in tree.cssselect("table.selfcheck thead th")] == list(SELFCHECK_HEADER)
    cells = [td for td in tree.cssselect("table.selfcheck tbody td") if td.text_content().strip().startswith("问题 ")]
    assert len(cells) == len(doc["findings"])
    imgs = tree.cssselect("table.selfcheck img")
    assert len(imgs) == 3 and all(i.get("src").startswith("data:image/jpeg;base64,") for i in imgs)
    assert "网站标识码" in tree.text_content() and "整改对策" in tree.text_content()


def test_write_outputs_by_format(cropped: tuple[Doc, Path]) -> None:
    doc, out = cropped
    written = {p.name for p in write_outputs([doc], out, ["docx"])}
    assert written == {"report.docx"}
    assert {p.name for p in write_outputs([doc], out)} == {"findings.json", "report.html", "summary.json",
                                                           "summary.xlsx"}
    assert FORMATS == ("html", "docx", "pdf")
    with pytest.raises(ValueError, match="needs a browser"):
        write_outputs([doc], out, ["pdf"])
    with pytest.raises(ValueError, match="unknown report format 'rtf'"):
        write_outputs([doc], out, ["rtf"])


# --- schema -------------------------------------------------------------------------------------

def test_schema_takes_advice_and_crop_and_checks_them(cropped: tuple[Doc, Path]) -> None:
    doc, _ = cropped
    validate(doc)
    bad = copy.deepcopy(doc)
    bad["findings"][0]["crop"]["kind"] = "thumbnail"
    with pytest.raises(ValueError, match="/findings/0/crop/kind"):
        validate(bad)
    bad = copy.deepcopy(doc)
    bad["findings"][1]["advice"] = {"text": "x"}
    with pytest.raises(ValueError, match="/findings/1/advice"):
        validate(bad)
