"""Parsers on generated fixtures: annual reports (HTML, PDF, DOCX; 2021 and 2019), metadata blocks, boards."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import lxml.html
import pytest

from checks.disclosure.arithmetic import check_report
from crawler.dates import find_date
from crawler.extractors.disclosure import annual_report as ar
from crawler.extractors.disclosure.messages import channel_kind, detail_message, table_messages
from crawler.extractors.disclosure.metadata import read_metadata
from crawler.page import parse_html
from tests.disclosure import reports as rp
from tests.disclosure import site

RELATIONS = {"AR1", "AR2", "AR3", "AR4", "AR7"}
REALDATA = Path(__file__).resolve().parents[3] / "shared" / "realdata"
if not REALDATA.exists():
    REALDATA = Path("/work/shared/realdata")


def parse(report: rp.Report, kind: str) -> ar.ReportParse:
    if kind == "html":
        return ar.parse_report_text(ar.html_text(lxml.html.document_fromstring(rp.to_html(report))))
    return ar.parse_source(rp.to_pdf(report) if kind == "pdf" else rp.to_docx(report), kind)


@pytest.mark.parametrize("template", ["2021", "2019"])
@pytest.mark.parametrize("kind", ["html", "pdf", "docx"])
def test_correct_report_has_no_failure(kind: str, template: str) -> None:
    parsed = parse(rp.make_report("示例县人民政府", 2024, template), kind)
    assert parsed.status == "ok", parsed.detail
    assert parsed.template == template
    assert parsed.sections == [1, 2, 3, 4, 5, 6]
    assert check_report(parsed.tables, RELATIONS) == []
    rows = parsed.tables["table3"]["rows"]
    assert rows["一、本年新收"] == [*rp.NEW, sum(rp.NEW)]
    assert parsed.tables["table4"]["groups"]["行政复议"] == rp.T4[0]
    if template == "2021":
        assert parsed.tables["table2"]["rows"]["行政事业性收费"] == [12.5]
        assert len([k for k in rows if k.startswith("（六）")]) == 3
    else:
        assert parsed.tables["table2"]["rows"]["行政许可"] == [40, -2, 120]  # 本年增/减 may be negative
        assert "（六）其他处理" in rows


@pytest.mark.parametrize("kind", ["html", "pdf", "docx"])
def test_planted_cell_breaks_exactly_ar1_and_ar3(kind: str) -> None:
    parsed = parse(rp.plant(rp.make_report("示例县人民政府", 2024)), kind)
    failures = check_report(parsed.tables, RELATIONS)
    assert [(f["relation"], f["where"], f["left"], f["right"]) for f in failures] == [
        ("AR1", "表三“总计”列", 44, 43), ("AR3", "表三“一、本年新收”行", 37, 36)]


def test_blank_cell_is_unparsed_not_guessed() -> None:
    html = rp.to_html(rp.make_report("示例县人民政府", 2024)).replace("<td>29</td>", "<td></td>", 1)
    parsed = ar.parse_report_text(ar.html_text(lxml.html.document_fromstring(html)))
    assert parsed.status == "unparsed" and "表三" in parsed.detail


def test_scans_and_unknown_formats() -> None:
    assert ar.parse_source(rp.scanned_pdf(), "pdf").status == "scanned"
    assert ar.parse_source(rp.png(), "image").status == "scanned"
    assert ar.parse_source(b"\xd0\xcf\x11\xe0", "other").status == "unparsed"
    assert ar.parse_source(b"not a pdf", "pdf").status == "unparsed"
    assert ar.source_kind("http://x.gov.cn/a.PDF") == "pdf"
    assert ar.source_kind("http://x.gov.cn/down?id=1", "application/pdf") == "pdf"


@pytest.mark.parametrize(("title", "year"), [
    ("示例县人民政府2023年政府信息公开工作年度报告", 2023),
    ("2022年度政府信息公开工作年度报告", 2022),
    ("示例县教育局 2021 年政府信息公开工作年度报告.pdf", 2021),
    ("关于做好2023年政务公开工作的通知", None),
    ("政府信息公开工作年度报告", None),
])
def test_report_year(title: str, year: int | None) -> None:
    assert ar.report_year(title) == year


@pytest.mark.skipif(not (REALDATA / "annual_reports").exists(), reason="shared/realdata not beside the checkout")
def test_real_report_is_a_true_negative() -> None:
    text = (REALDATA / "annual_reports" / "huaian_szf_2024_xxgk_ndbg.pypdf.txt").read_text(encoding="utf-8")
    parsed = ar.parse_report_text(text)
    assert parsed.status == "ok" and parsed.template == "2021" and parsed.sections == [1, 2, 3, 4, 5, 6]
    assert parsed.tables["table3"]["rows"]["（七）总计"][-1] == 3050
    assert check_report(parsed.tables, RELATIONS) == []


# --- metadata ------------------------------------------------------------------------------------
def tree(html: str):
    return lxml.html.document_fromstring(f"<html><body><div class='nav'>首页</div>{html}<p>正文</p></body></html>")


@pytest.mark.parametrize(("layout", "render"), [("table", site.meta_table), ("dl", site.meta_dl),
                                                ("spans", site.meta_spans),
                                                ("spans", lambda f: site.meta_spans(f, split=True))])
def test_metadata_layouts(layout: str, render) -> None:  # noqa: ANN001
    complete = site.doc_fields(1, 有效性="有效")
    block = read_metadata(tree(render(complete)))
    assert block.layout == layout
    assert block.fields == complete
    incomplete = site.doc_fields(2, 索引号="", 发布机构=None)
    block = read_metadata(tree(render(incomplete)))
    assert block.fields["索引号"] == "" and "发布机构" not in block.fields


def test_page_with_only_a_date_is_not_a_metadata_block() -> None:
    assert read_metadata(tree("<p>发布时间：2026-11-20 来源：县政府办</p>")).layout == "none"


@pytest.mark.skipif(not (REALDATA / "gov_pages").exists(), reason="shared/realdata not beside the checkout")
def test_real_govcn_metadata_table() -> None:
    sql = (REALDATA / "gov_pages" / "platform1_ge_policy_raw_govcn_zhengce.sql").read_text(encoding="utf-8")
    start = sql.rindex("<table", 0, sql.index("索 引 号"))
    html = sql[start:sql.index("</table>", sql.index("主 题 词")) + 8].replace('\\"', '"').replace("\\n", "\n")
    fields = read_metadata(lxml.html.document_fromstring(html)).fields
    assert fields["索引号"] == "000014349/2018-00222" and fields["发文字号"] == "国发〔2018〕43号"
    assert find_date(fields["成文日期"]) == date(2018, 12, 21) and find_date(fields["发布日期"]) == date(2018, 12, 29)
    assert fields["发布机构"] == "国务院"


# --- message boards --------------------------------------------------------------------------------
def test_table_board() -> None:
    t = tree(site.board_table(site.BOARD_A))
    msgs = table_messages(t, lambda a: a.get("href"))
    assert [(m.url, m.asked_at, m.replied_at, m.answered, m.reply_unit) for m in msgs] == [
        ("/hdjl/xzxx/a1.html", date(2026, 7, 25), None, False, None),
        ("/hdjl/xzxx/a2.html", date(2026, 9, 20), None, False, None),
        ("/hdjl/xzxx/a3.html", date(2026, 2, 1), date(2026, 6, 15), True, "县民政局"),
        ("/hdjl/xzxx/a4.html", date(2026, 11, 1), date(2026, 11, 5), True, "县政务服务中心")]


def test_detail_pages() -> None:
    def parsed(row):  # noqa: ANN001, ANN202
        text = parse_html(f"<html><body>{site.detail(*row[1:])}</body></html>", "http://x.gov.cn/").text
        return detail_message(text, row[1], row[0])

    m1, m3 = parsed(site.DETAILS_B[0]), parsed(site.DETAILS_B[2])
    assert (m1.asked_at, m1.replied_at, m1.answered, m1.status) == (date(2026, 7, 20), None, False, "办理中")
    assert (m3.asked_at, m3.replied_at, m3.answered, m3.reply_unit) == (date(2026, 3, 1), date(2026, 7, 10), True, "县教育局")
    assert detail_message("欢迎访问 发布时间：2026-01-01", "新闻", "http://x/") is None


@pytest.mark.parametrize(("name", "kind"), [
    ("县长信箱", "mailbox"), ("在线咨询", "consult"), ("我要留言", "board"), ("12345政务服务便民热线", "hotline"),
    ("网上信访", "petition"), ("信访信箱", "petition"), ("纪检举报", "report"), ("咨询学校招生范围", None),
    ("互动交流", None), ("", None),
])
def test_channel_kind(name: str, kind: str | None) -> None:
    assert channel_kind(name) == kind


@pytest.mark.parametrize(("text", "day"), [
    ("2026-01-05", date(2026, 1, 5)), ("2026年1月5日", date(2026, 1, 5)), ("发布时间：2026/01/05 10:20", date(2026, 1, 5)),
    ("2026.1.5", date(2026, 1, 5)), ("2026-02-30", None), ("二〇二六年三月", None), (None, None),
])
def test_find_date(text: str | None, day: date | None) -> None:
    assert find_date(text) == day


def test_list_table_header_is_not_a_metadata_block() -> None:
    rows = "".join(f"<tr><td><a href='/{i}.html'>通知{i}</a></td><td>示政发〔2026〕{i}号</td><td>2026-01-0{i}</td></tr>"
                   for i in range(1, 4))
    html = f"<table><tr><th>索引号</th><th>标题</th><th>发文字号</th><th>发布日期</th></tr>{rows}</table>"
    assert read_metadata(tree(html)).layout == "none"


def test_report_year_of_nianbao_titles() -> None:
    assert ar.report_year("示例县人民政府2023年政府信息公开年报") == 2023
    assert ar.report_year("示例县政府网站2023年工作年度报表") is None  # the 网站年度报表 (12号) is another report


def test_a_list_of_messages_is_not_one_message() -> None:
    text = " ".join(f"咨询{i} 留言时间：2026-0{i}-01 状态：未回复" for i in range(1, 4))
    assert detail_message(text, "县长信箱", "http://x.gov.cn/ly/") is None
