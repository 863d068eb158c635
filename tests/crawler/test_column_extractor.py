"""ColumnExtractor on responses built from HTML: discovery, levels, overrides, pagination requests, rendered lists."""
from __future__ import annotations

from datetime import date

from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.extractors import PageContext
from crawler.extractors.columns.extractor import ColumnExtractor
from crawler.page import parse_html

HOME = "http://www.x.gov.cn/"
AS_OF = date(2022, 12, 20)


class FakeSpider:
    """The extractor's view of the spider (crawler.extractors.SpiderPort): page requests within a budget."""

    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.crawl_scheduled = 1
        self.max_pages = 100

    def request_page(self, url: str, depth: int, within_budget: bool = True) -> Request | None:
        if (within_budget and self.crawl_scheduled >= self.max_pages) or url in self.seen:
            return None
        self.seen.add(url)
        self.crawl_scheduled += 1
        return Request(url, meta={"ga_depth": depth})


def visit(ext: ColumnExtractor, spider: FakeSpider, url: str, body: str, depth: int = 1, rendered: bool = False,
          charset: str = "utf-8") -> list:
    html = f'<html><head><meta charset="{charset}"><title>t</title></head><body>{body}</body></html>'
    request = Request(url, meta={"playwright": True} if rendered else {})
    response = HtmlResponse(url, body=html.encode(charset), request=request)
    ctx = PageContext(url=url, response=response, html=response.text, parsed=parse_html(response.text, url),
                      depth=depth, spider=spider)
    return list(ext.on_page(ctx))


NAV = ('<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a><ul>'
       '<li><a href="/xwzx/bmdt/">部门动态</a></li></ul></li><li><a href="/zt/">专题</a></li></ul></div>')


def test_discovery_levels_parents_and_overrides() -> None:
    ext = ColumnExtractor(1, HOME, overrides=[{"url": "/zt/", "type": "news"}], fetched_on=AS_OF)
    spider = FakeSpider()
    requests = visit(ext, spider, HOME, NAV + '<h3>通知公告 <a href="/tzgg/">更多&gt;&gt;</a></h3>', depth=0)
    assert [r.url for r in requests] == ["http://www.x.gov.cn/zt/"]  # the override's list page is fetched
    visit(ext, spider, HOME + "xwzx/bmdt/", '<ul><li><a href="/xwzx/bmdt/t20221201_1.html">动态一</a>2022-12-01</li></ul>')
    cols, items = ext.records()
    by_url = {c.url.removeprefix(HOME): c for c in cols}
    assert by_url[""].level == 0 and by_url[""].name == "首页"
    assert (by_url["xwzx/"].level, by_url["xwzx/"].type, by_url["xwzx/"].source) == (1, "news", "nav")
    assert by_url["xwzx/bmdt/"].level == 2 and by_url["xwzx/bmdt/"].parent_url == HOME + "xwzx/"
    assert (by_url["tzgg/"].name, by_url["tzgg/"].source, by_url["tzgg/"].type) == ("通知公告", "more", "notice")
    assert (by_url["zt/"].type, by_url["zt/"].type_reason, by_url["zt/"].source) == ("news", "sites.yaml override", "override")
    assert [(i.title, i.date) for i in items if i.column_url == HOME + "xwzx/bmdt/"] == [("动态一", date(2022, 12, 1))]


def test_script_list_needs_render_until_a_rendered_response_arrives() -> None:
    ext = ColumnExtractor(1, HOME, fetched_on=AS_OF)
    spider = FakeSpider()
    visit(ext, spider, HOME, NAV, depth=0)
    loader = '<ul id="list"></ul><script>$.getJSON("/xwzx/list.json", function (d) {})</script>'
    visit(ext, spider, HOME + "xwzx/", loader)
    col = next(c for c in ext.records()[0] if c.url == HOME + "xwzx/")
    assert col.needs_render and not col.rendered and col.items_seen == 0
    visit(ext, spider, HOME + "xwzx/", '<ul id="list"><li><a href="/xwzx/t20221218_9.html">渲染后的新闻</a>'
          '<span>2022-12-18</span></li></ul>', rendered=True)
    col = next(c for c in ext.records()[0] if c.url == HOME + "xwzx/")
    assert col.rendered and not col.needs_render and col.items_seen == 1 and col.newest_date == date(2022, 12, 18)


def test_trs_pager_requests_one_more_page_only() -> None:
    ext = ColumnExtractor(1, HOME, fetched_on=AS_OF)
    spider = FakeSpider()
    visit(ext, spider, HOME, NAV, depth=0)
    out = visit(ext, spider, HOME + "xwzx/", '<ul><li><a href="./t20221218_1.html">新闻</a>2022-12-18</li></ul>'
                '<script>createPageHTML(4, 0, "index", "html");</script>')
    assert [r.url for r in out] == [HOME + "xwzx/index_1.html"]
    visit(ext, spider, HOME + "xwzx/index_1.html", '<ul><li><a href="./t20221001_2.html">旧新闻</a>2022-10-01</li></ul>'
          '<script>createPageHTML(4, 1, "index", "html");</script>')
    col = next(c for c in ext.records()[0] if c.url == HOME + "xwzx/")
    assert col.page_count == 4 and col.items_seen == 2 and col.pages_seen == (HOME + "xwzx/", HOME + "xwzx/index_1.html")


def test_gbk_list_page() -> None:
    ext = ColumnExtractor(1, HOME, fetched_on=AS_OF)
    spider = FakeSpider()
    visit(ext, spider, HOME, NAV, depth=0)
    visit(ext, spider, HOME + "xwzx/", '<ul><li><a href="/xwzx/a_1001.html">县政府召开会议</a>2022年12月01日</li>'
          '<li><a href="/xwzx/a_1002.html">县长调研</a>2022年11月01日</li></ul>', charset="gbk")
    items = [i for i in ext.records()[1] if i.column_url == HOME + "xwzx/"]
    assert [(i.title, i.date, i.date_raw) for i in items][0] == ("县政府召开会议", date(2022, 12, 1), "2022年12月01日")


def test_article_pages_with_related_lists_are_not_columns() -> None:
    ext = ColumnExtractor(1, HOME, fetched_on=AS_OF)
    spider = FakeSpider()
    visit(ext, spider, HOME, NAV, depth=0)
    visit(ext, spider, HOME + "xwzx/202212/t20221201_1.html",
          '<h1>正文</h1><ul><li><a href="/xwzx/t20221101_2.html">相关一</a>2022-11-01</li>'
          '<li><a href="/xwzx/t20221001_3.html">相关二</a>2022-10-01</li></ul>')
    assert {c.url for c in ext.records()[0]} == {HOME, HOME + "xwzx/", HOME + "xwzx/bmdt/", HOME + "zt/"}


def test_levels_follow_the_column_tree() -> None:
    ext = ColumnExtractor(1, HOME, overrides=[{"url": "/xwzx/gsgg/", "type": "notice", "level": 1}], fetched_on=AS_OF)
    spider = FakeSpider()
    blocks = ('<div class="block"><h3>通知公告 <a href="/xwzx/tzgg/">更多</a></h3></div>'
              '<div class="block"><h3>政策文件 <a href="/zcwj/">更多</a></h3></div>')
    visit(ext, spider, HOME, NAV + blocks, depth=0)
    visit(ext, spider, HOME + "wzdt.html", '<h2>网站地图</h2><ul><li><a href="/zt/">专题</a><ul>'
          '<li><a href="/xwzx/">新闻中心</a></li><li><a href="/ztzl/">专题专栏</a></li></ul></li></ul>')
    records = {c.url.removeprefix(HOME): c for c in ext.records()[0]}
    levels = {k: c.level for k, c in records.items()}
    assert levels["xwzx/"] == 1  # top of the menu, though nested in the sitemap
    assert levels["zcwj/"] == 1  # a homepage block, no enclosing column
    assert levels["xwzx/bmdt/"] == 2  # in a submenu, under 新闻中心
    assert levels["xwzx/tzgg/"] == 1  # a homepage block: 一级 wherever its folder sits (issue 19)
    assert levels["ztzl/"] == 2  # only in a nested sitemap list
    assert levels["xwzx/gsgg/"] == 1  # sites.yaml says so
    assert records["xwzx/tzgg/"].level_reason.startswith("more:")
    assert records["xwzx/bmdt/"].level_reason.startswith("nested:")
    assert records["xwzx/gsgg/"].level_reason == "sites.yaml level"


def test_level_by_navigation_not_by_path_depth() -> None:
    """A 政策文件 column under /zwgk/zcwj/ in the main menu is 一级; its twin reached only from the 政务公开
    page is 二级 (negative control), as is a column found only by crawling under another column."""
    ext = ColumnExtractor(1, HOME, None, AS_OF)
    spider = FakeSpider()
    nav = ('<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>'
           '<li><a href="/zwgk/zcwj/">政策文件</a></li></ul></div>')
    visit(ext, spider, HOME, nav, depth=0)
    visit(ext, spider, HOME + "zwgk/", '<div class="side"><a href="/zwgk/tzgg/">通知公告</a></div><ul>'
          '<li><a href="/zwgk/zcwj/t20260401_1.html">政策一</a>2026-04-01</li>'
          '<li><a href="/zwgk/tzgg/t20260402_2.html">通知一</a>2026-04-02</li></ul>')
    visit(ext, spider, HOME + "zwgk/zcwj/", '<ul><li><a href="/zwgk/zcwj/t20260401_1.html">政策一</a>2026-04-01</li>'
          '<li><a href="/zwgk/zcwj/t20260301_2.html">政策二</a>2026-03-01</li></ul>')
    visit(ext, spider, HOME + "zwgk/tzgg/", '<ul><li><a href="/zwgk/tzgg/t20260402_2.html">通知一</a>2026-04-02</li>'
          '<li><a href="/zwgk/tzgg/t20260302_3.html">通知二</a>2026-03-02</li></ul>')
    records = {c.url.removeprefix(HOME): c for c in ext.records()[0]}
    assert (records["zwgk/zcwj/"].level, records["zwgk/zcwj/"].type, records["zwgk/zcwj/"].parent_url) == (
        1, "policy", HOME + "zwgk/")
    assert records["zwgk/zcwj/"].level_reason == "nav: 首页主导航"
    assert (records["zwgk/tzgg/"].level, records["zwgk/tzgg/"].level_reason) == (2, f"parent: 经上级栏目 {HOME}zwgk/ 进入")


def test_redirected_homepage_host_keeps_its_columns() -> None:
    # sites.yaml says http://x.gov.cn/; the site answers from https://www.x.gov.cn/ (the spider adds the host)
    ext = ColumnExtractor(1, "http://x.gov.cn/", fetched_on=AS_OF)
    ext.hosts = {"x.gov.cn", "www.x.gov.cn"}
    spider = FakeSpider()
    html = ('<html><body><div class="nav"><ul><li><a href="/index.html">首页</a></li><li><a href="/xwzx/">新闻</a>'
            '</li></ul></div></body></html>')
    request = Request("http://x.gov.cn/")
    response = HtmlResponse("https://www.x.gov.cn/", body=html.encode(), request=request, encoding="utf-8")
    list(ext.on_page(PageContext(url="http://x.gov.cn/", response=response, html=html,
                                 parsed=parse_html(html, response.url), depth=0, spider=spider)))
    assert [c.url for c in ext.records()[0]] == ["http://x.gov.cn/", "https://www.x.gov.cn/xwzx/"]


def test_anti_bot_wall_on_a_list_page_is_not_a_reading() -> None:
    ext = ColumnExtractor(1, HOME, fetched_on=AS_OF)
    spider = FakeSpider()
    visit(ext, spider, HOME, NAV, depth=0)
    visit(ext, spider, HOME + "xwzx/", '<p>暂无信息</p><script>var $_ts=window["$_ts"];$_ts.nsd=1;</script>')
    col = next(c for c in ext.records()[0] if c.url == HOME + "xwzx/")
    assert col.needs_render and col.empty_marker == "暂无信息"  # the rules see it as not measured, never blank


def test_a_column_read_only_from_a_later_page_is_not_read() -> None:
    ext = ColumnExtractor(1, HOME, fetched_on=AS_OF)
    spider = FakeSpider()
    visit(ext, spider, HOME, NAV, depth=0)
    visit(ext, spider, HOME + "xwzx/index_5.html", '<ul><li><a href="/xwzx/t20200101_1.html">旧闻</a>2020-01-01</li>'
          '<li><a href="/xwzx/t20191201_2.html">更旧</a>2019-12-01</li></ul>')
    col = next(c for c in ext.records()[0] if c.url == HOME + "xwzx/")
    assert not col.fetched and col.items_seen == 2  # the rules: not measured, never stale from page 5
    visit(ext, spider, HOME + "xwzx/", '<ul><li><a href="/xwzx/t20221218_3.html">新闻</a>2022-12-18</li></ul>')
    col = next(c for c in ext.records()[0] if c.url == HOME + "xwzx/")
    assert col.fetched and col.newest_date == date(2022, 12, 18)
