"""Metadata blocks written with the 信息公开目录 standard's own labels (生成日期, 信息索引, 发文机构, 信息类别,
文件编号), as real sites print them (jyt.zj.gov.cn, www.moe.gov.cn — shapes reproduced here, not copied),
and the document type deciding which fields are due."""
from __future__ import annotations

from datetime import date

import lxml.html

from checks.runner import run_rules
from crawler.dates import find_date
from crawler.extractors.disclosure.metadata import is_normative, read_metadata
from reports.scheme import load_scheme
from storage.facts.disclosure import DocumentFact
from tests.checks.snapshots import build

MOE_LIKE = """<html><body><table id="policy-table"><tbody>
<tr><td class="t">信息名称：</td><td colspan="5">示例县教育局关于举办读书活动的通知</td></tr>
<tr><td class="t">信息索引：</td><td>360A12-07-2026-0008-1</td><td class="t">生成日期：</td><td>2026-06-04</td>
<td class="t">发文机构：</td><td>示例县教育局</td></tr>
<tr><td class="t">发文字号：</td><td>示教函〔2026〕10号</td><td class="t">信息类别：</td><td colspan="3">基础教育</td></tr>
<tr><td class="t">内容概述：</td><td colspan="5">关于举办读书活动的通知</td></tr></tbody></table>
<h1>示例县教育局关于举办读书活动的通知</h1><p>正文。</p>
<div class="info">发布日期：2026-06-13　来源：示例县教育局　<a href="#">打印</a></div></body></html>"""
# 浙江 style: "label: value" in one cell, 文件编号 shown empty on a news item
ZJ_LIKE = """<html><body><table class="xxgk"><tr><td>索引号: 002482082/2026-00332</td><td>文件编号: </td>
<td>发布机构: 示例县教育局</td></tr><tr><td>生成日期: 2026-10-21</td><td>主题分类: 教育</td><td>公开方式: 主动公开</td></tr>
</table><h1>全县中小学开展秋季运动会</h1><table><tr><td>发布日期：2026-10-21</td></tr></table></body></html>"""


def _fields(html: str) -> dict[str, str]:
    block = read_metadata(lxml.html.document_fromstring(html))
    return block.fields


def test_standard_labels_map_to_the_canonical_ones() -> None:
    f = _fields(MOE_LIKE)
    assert f["索引号"] == "360A12-07-2026-0008-1" and f["发布机构"] == "示例县教育局"
    assert find_date(f["成文日期"]) == date(2026, 6, 4) and f["主题分类"] == "基础教育"
    assert f["发文字号"] == "示教函〔2026〕10号" and f["标题"].startswith("示例县教育局")
    # the table has no 发布日期; the page prints it under the article: taken from there, value cut at 来源
    assert f["发布日期"] == "2026-06-13"


def test_label_value_cells_and_an_empty_number() -> None:
    f = _fields(ZJ_LIKE)
    assert f["发文字号"] == ""  # shown empty — not the next cell's "发布机构: …"
    assert (f["索引号"], f["发布机构"], f["成文日期"], f["发布日期"]) == (
        "002482082/2026-00332", "示例县教育局", "2026-10-21", "2026-10-21")
    assert not is_normative(f, "全县中小学开展秋季运动会")


def test_document_type_decides_the_fields_due() -> None:
    params = load_scheme("national-2019").params
    news = _fields(ZJ_LIKE)
    base = {"layout": "spans", "written_date": "2026-10-21", "published_date": "2026-10-21"}
    snap = build({"documents": [
        DocumentFact(url="http://www.example.gov.cn/xw/1.html", kind="document", fields=news, **base).__dict__,
        # negative control: the same block on a 规范性文件 — its empty 文件编号 and missing 有效性 are due
        DocumentFact(url="http://www.example.gov.cn/gfxwj/1.html", kind="normative",
                     fields={**news, "主题分类": "行政规范性文件"}, **base).__dict__,
    ]})
    result = run_rules(snap, ["disclosure.metadata_incomplete"], params)["disclosure.metadata_incomplete"]
    assert {f.subject: f.evidence["missing"] for f in result.findings} == {
        "http://www.example.gov.cn/gfxwj/1.html": ["发文字号", "有效性"]}


def test_normative_by_name_number_or_validity() -> None:
    assert is_normative({"主题分类": "行政规范性文件"}, None)
    assert is_normative({"发文字号": "示政规〔2026〕1号"}, None)
    assert is_normative({"有效性": "有效"}, None)
    assert is_normative({"有效性": "", "发文字号": "示政发〔2026〕3号"}, None)  # a numbered document, validity blank
    assert not is_normative({"有效性": "", "发文字号": ""}, "全县召开会议")  # a news template's empty label


def test_gaps_are_filled_only_where_that_removes_a_finding() -> None:
    """Look-alikes outside a dl block: a sidebar 有效性 would make the news item normative (more fields
    due), a 发布时间 without a date would be "malformed": neither is taken; a 发布日期 with a date is."""
    block = ("<dl><dt>索引号</dt><dd>002482082/2026-00332</dd><dt>发布机构</dt><dd>示例县教育局</dd>"
             "<dt>生成日期</dt><dd>2026-10-21</dd><dt>信息类别</dt><dd>教育</dd></dl>")
    side = "<div class='side'><span>有效性：有效</span><span>发布时间：今天</span></div>"
    f = _fields(f"<html><body>{block}<h1>全县中小学开展秋季运动会</h1>{side}</body></html>")
    assert "有效性" not in f and "发布日期" not in f and not is_normative(f, "全县中小学开展秋季运动会")
    dated = _fields(f"<html><body>{block}<p><span>发布日期：2026-10-22</span></p></body></html>")
    assert dated["发布日期"] == "2026-10-22"
