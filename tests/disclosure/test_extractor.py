"""The extractors' page heuristics on single pages (no crawl): roots, parts, 解读 pages, channels."""
from __future__ import annotations

from types import SimpleNamespace

from scrapy.http import HtmlResponse

from crawler.extractors import PageContext
from crawler.extractors.disclosure.extractor import DisclosureExtractor, InteractionExtractor
from crawler.page import parse_html
from storage.facts import FactRow
from storage.facts.disclosure import DisclosurePartFact, DocumentFact
from storage.facts.interaction import ChannelFact


def facts(out: list, kind: type) -> list:
    """The facts of one kind among what an extractor yielded for a page."""
    return [r.fact for r in out if isinstance(r, FactRow) and isinstance(r.fact, kind)]

HOME = "http://www.example.gov.cn/"


def on_page(extractor, url: str, body: str, depth: int = 1) -> list:  # noqa: ANN001
    html = f"<html><head><title>t</title></head><body>{body}</body></html>"
    response = HtmlResponse(url=url, body=html.encode("utf-8"), encoding="utf-8")
    spider = SimpleNamespace(run_id=1, site={"url": HOME}, homepage=HOME)
    ctx = PageContext(url=url, response=response, html=html, parsed=parse_html(html, url), depth=depth, spider=spider)
    return [x for x in extractor.on_page(ctx)]


def test_root_is_the_platform_link_not_a_part_link() -> None:
    ex = DisclosureExtractor(1, {"url": HOME}, HOME)
    out = on_page(ex, HOME, "<a href='/zn/'>政府信息公开指南</a><div class='nav'><a href='/zwgk/'>政府信息公开</a></div>", 0)
    assert [(r.part, r.url) for r in facts(out, DisclosurePartFact)] == [
        ("root", HOME + "zwgk/"), ("guide", HOME + "zn/")]


def test_root_page_heading_is_a_part() -> None:
    ex = DisclosureExtractor(1, {"url": HOME, "disclosure": "/zwgk/"}, HOME)
    out = on_page(ex, HOME + "zwgk/", "<h2>政府信息公开</h2><h3>法定主动公开内容</h3><ul><li><a href='/a'>机构职能</a></li></ul>")
    assert [(r.part, r.url) for r in facts(out, DisclosurePartFact)] == [("catalog", HOME + "zwgk/")]


def test_interpretation_list_page_is_not_an_interpretation() -> None:
    ex = DisclosureExtractor(1, {"url": HOME}, HOME)
    items = "".join(f"<li><a href='/jd/{i}.html'>《办法{i}》解读</a> 发布时间：2026-01-0{i}</li>" for i in range(1, 6))
    assert not [r for r in facts(on_page(ex, HOME + "jd/", f"<h1>政策解读</h1><ul>{items}</ul>"), DocumentFact)]


def test_interpretation_links_in_content_not_in_navigation() -> None:
    ex = DisclosureExtractor(1, {"url": HOME}, HOME)
    body = ("<div class='topnav'><a href='/wj/'>《政策文件》</a></div><h1>《示例办法》政策解读</h1><p>发布时间：2026-01-09</p>"
            "<div class='topic-content'><p>详见<a href='/wj/1.html'>《示例办法》</a></p></div>")
    docs = [r for r in facts(on_page(ex, HOME + "jd/1.html", body), DocumentFact)]
    assert [(d.kind, d.related) for d in docs] == [("interpretation", ((HOME + "wj/1.html", "《示例办法》"),))]


def test_channels_by_name_and_board_items_are_not_channels() -> None:
    ex = InteractionExtractor(1, {"url": HOME}, HOME)
    out = on_page(ex, HOME, "<a href='/ldxx/'>领导信箱</a><a href='/xf/'>网上信访</a><a href='/hdjl/'>互动交流</a>"
                            "<a href='/ly/1.html'>咨询学校招生范围</a>", 0)
    assert [(r.url, r.kind, r.excluded) for r in facts(out, ChannelFact)] == [
        (HOME + "ldxx/", "mailbox", False), (HOME + "xf/", "petition", True)]


def test_report_page_fetches_its_own_file_and_a_report_list_is_not_a_report() -> None:
    from scrapy import Request

    ex = DisclosureExtractor(1, {"url": HOME}, HOME)
    on_page(ex, HOME + "nb/", "<ul><li><a href='/nb/2025.html'>示例县人民政府2025年政府信息公开工作年度报告</a></li>"
                              "<li><a href='/bm/'>2025年政府信息公开工作年度报告（部门）</a></li></ul>")
    page = ("<h1>示例县人民政府2025年政府信息公开工作年度报告</h1><p>发布时间：2026-03-20</p><div class='article'>"
            "<a href='/f/sqb.doc'>政府信息公开申请表.doc</a> <a href='/f/nb2025.pdf'>2025年度报告全文.pdf</a></div>")
    fetched = [r for r in on_page(ex, HOME + "nb/2025.html", page) if isinstance(r, Request)]
    assert [r.url for r in fetched] == [HOME + "f/nb2025.pdf"]
    assert fetched[0].meta["ga_report"]["published"].isoformat() == "2026-03-20"
    departments = "".join(f"<li><a href='/bm/{i}.pdf'>示例县第{i}局2025年政府信息公开工作年度报告</a></li>" for i in range(3))
    out = on_page(ex, HOME + "bm/", f"<h1>部门年报</h1><ul>{departments}</ul>")
    assert sorted(r.meta["ga_report"]["page_url"] for r in out if isinstance(r, Request)) == [
        HOME + f"bm/{i}.pdf" for i in range(3)]  # each listed file is a report; the list itself is not
