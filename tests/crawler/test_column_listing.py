"""Reading list pages: item rows, dates beside titles, pagination styles, markers, typing."""
from __future__ import annotations

from datetime import date

import lxml.html
import pytest

from crawler.extractors.columns.kinds import column_type
from crawler.extractors.columns.listing import column_key, is_article_url, is_column_url, is_later_page, read_list

AS_OF = date(2022, 12, 20)
HOME = "http://www.x.gov.cn/"


def read(body: str, url: str = "http://www.x.gov.cn/xwzx/", head: str = ""):
    html = f"<html><head><title>t</title>{head}</head><body>{body}</body></html>"
    return read_list(lxml.html.document_fromstring(html), url, AS_OF, HOME)


def test_list_with_spans_and_footer_copyright() -> None:
    r = read('<div class="nav"><ul><li><a href="/xwzx/">要闻</a></li><li><a href="/tzgg/">通知</a></li></ul></div>'
             '<ul class="list"><li><a href="./202212/t20221218_1.html">县政府召开2022年11月10日会议</a>'
             '<span>2022-12-18</span></li><li><a href="./202212/t20221201_2.html">安全检查</a><span>2022-12-01</span></li>'
             '</ul><div class="footer">版权所有 © 2005-2022 示例县 2020年1月1日起施行</div>')
    assert [(i.title, i.found.day) for i in r.items] == [("县政府召开2022年11月10日会议", date(2022, 12, 18)),
                                                       ("安全检查", date(2022, 12, 1))]
    assert [u for u, _t, _n in r.nav_links] == ["http://www.x.gov.cn/xwzx/", "http://www.x.gov.cn/tzgg/"]


def test_date_inside_a_title_is_not_the_item_date() -> None:
    r = read('<ul><li><a href="/a/1001.html">关于2022年12月19日停水的通知</a> [2022-03-01]</li>'
             '<li><a href="/a/1002.html">其他通知</a> [2022-02-01]</li></ul>')
    assert r.items[0].found.day == date(2022, 3, 1)


def test_table_rows_with_cells() -> None:
    r = read('<table><tr><th>标题</th><th>日期</th></tr>'
             '<tr><td><a href="/hdjl/1.html">关于路灯的问题</a></td><td>2022-12-01</td><td>2022-12-03</td></tr>'
             '<tr><td><a href="/hdjl/2.html">关于公交的建议</a></td><td>2022-11-01</td><td>2022-11-04</td></tr></table>')
    assert [i.found.day for i in r.items] == [date(2022, 12, 1), date(2022, 11, 1)]


def test_short_dates_and_largest_list_wins() -> None:
    r = read('<ul class="main"><li><a href="/xwzx/a1.html">新闻一</a>[12-18]</li><li><a href="/xwzx/a2.html">新闻二</a>[11-30]</li>'
             '<li><a href="/xwzx/a3.html">新闻三</a>[01-05]</li></ul>'
             '<ul class="hot"><li><a href="/zcjd/b1.html">热点解读</a>2022-12-19</li></ul>')
    assert [i.found.day for i in r.items] == [date(2022, 12, 18), date(2022, 11, 30), date(2022, 1, 5)]
    assert len(r.all_dated) == 4


def test_undated_article_list_is_a_list() -> None:
    r = read("<ul>" + "".join(f'<li><a href="/xwzx/content_{n}.html">新闻标题{n}</a></li>' for n in range(1001, 1005))
             + "</ul>")
    assert len(r.items) == 4 and all(i.found is None for i in r.items)


def test_menu_of_columns_is_not_an_undated_list() -> None:
    r = read('<ul><li><a href="/xwzx/">要闻动态</a></li><li><a href="/tzgg/">通知公告</a></li><li><a href="/zcwj/">政策文件</a></li></ul>')
    assert r.items == []
    assert [k for k, _ in r.column_links] == [f"http://www.x.gov.cn/{p}/" for p in ("xwzx", "tzgg", "zcwj")]


def test_pagination_trs_create_page_html() -> None:
    r = read('<ul><li><a href="./t20221218_1.html">新闻一</a>2022-12-18</li></ul>'
             '<script>createPageHTML(5, 0, "index", "html");</script>')
    assert r.page_count == 5
    assert r.pages[:2] == ["http://www.x.gov.cn/xwzx/index_1.html", "http://www.x.gov.cn/xwzx/index_2.html"]


def test_pagination_next_and_last_links() -> None:
    r = read('<ul><li><a href="./t20221218_1.html">新闻一</a>2022-12-18</li></ul>'
             '<div class="page">共3页 <a href="index_1.html">下一页</a> <a href="index_2.html">尾页</a></div>',
             url="http://www.x.gov.cn/xwzx/index.html")
    assert r.page_count == 3
    assert r.pages == ["http://www.x.gov.cn/xwzx/index_1.html", "http://www.x.gov.cn/xwzx/index_2.html"]


def test_pagination_query_string() -> None:
    r = read('<ul><li><a href="/list.jsp?id=9">新闻一</a>2022-12-18</li></ul>'
             '<a href="/col/list.jsp?columnId=12&page=2">2</a><a href="/col/list.jsp?columnId=12&page=3">3</a>',
             url="http://www.x.gov.cn/col/list.jsp?columnId=12")
    assert r.pages == ["http://www.x.gov.cn/col/list.jsp?columnId=12&page=2", "http://www.x.gov.cn/col/list.jsp?columnId=12&page=3"]


@pytest.mark.parametrize(("url", "key"), [
    ("http://www.x.gov.cn/xwzx/index.html", "http://www.x.gov.cn/xwzx/"),
    ("http://www.x.gov.cn/xwzx/index_3.html", "http://www.x.gov.cn/xwzx/"),
    ("http://www.x.gov.cn/xwzx/index.shtml", "http://www.x.gov.cn/xwzx/"),
    ("http://www.x.gov.cn/col/list.jsp?columnId=12&page=2", "http://www.x.gov.cn/col/list.jsp?columnId=12"),
    ("http://www.x.gov.cn/xwzx/", "http://www.x.gov.cn/xwzx/"),
])
def test_column_key_folds_pages(url: str, key: str) -> None:
    assert column_key(url) == key


def test_article_and_column_urls() -> None:
    assert is_article_url("http://www.x.gov.cn/xwzx/202212/t20221218_1.html")
    assert is_article_url("http://www.x.gov.cn/art/2020/11/11/art_406_1230102.html")
    assert not is_article_url("http://www.x.gov.cn/xwzx/index.html")
    assert is_column_url("http://www.x.gov.cn/xwzx/", HOME)
    assert is_column_url("http://www.x.gov.cn/col/list.jsp?columnId=12", HOME)
    assert not is_column_url(HOME + "index.html", HOME)
    assert not is_column_url("http://www.x.gov.cn/xwzx/202212/t20221218_1.html", HOME)


def test_empty_markers_and_loader() -> None:
    assert read('<div class="list"><p>暂无信息</p></div>').empty_marker == "暂无信息"
    assert read('<ul class="list"></ul><div>共0条</div>').empty_marker == "共0条"
    assert read('<ul class="news-list"></ul>').empty_marker.startswith("empty <ul")
    js = read('<ul id="list"></ul><script>$.ajax({url:"/api/list.json",success:function(d){}})</script>')
    assert js.items == [] and js.loader_marker and js.empty_marker is None
    fresh = read('<ul><li><a href="/xwzx/a1.html">新闻</a>2022-12-18</li></ul><script>$.get("/stat")</script>')
    assert fresh.loader_marker is None  # items are there: the script is not the list


def test_more_links_take_the_block_heading() -> None:
    r = read('<div class="block"><h3>通知公告 <a href="/tzgg/">更多</a></h3><ul></ul></div>', url=HOME)
    assert r.more_links == [("http://www.x.gov.cn/tzgg/", "通知公告")]


@pytest.mark.parametrize(("name", "url", "kind", "why"), [
    ("今日要闻", "http://x/jryw/", "news", "keyword 要闻"),
    ("部门动态", "http://x/bmdt/", "news", "keyword 动态"),
    ("通知公告", "http://x/tzgg/", "notice", "keyword 通知公告"),
    ("公示公告", "http://x/gsgg/", "notice", "keyword 公示公告"),
    ("政策文件", "http://x/zcwj/", "policy", "keyword 政策文件"),
    ("规范性文件", "http://x/gfxwj/", "policy", "keyword 规范性文件"),
    ("政策解读", "http://x/zcjd/", "other", "keyword 政策解读"),
    ("人事信息", "http://x/rsxx/", "personnel", "keyword 人事信息"),
    ("规划计划", "http://x/ghjh/", "plan", "keyword 规划计划"),
    ("县长信箱", "http://x/xzxx/", "interaction", "keyword 县长信箱"),
    ("办事指南", "http://x/bszn/", "service", "keyword 办事指南"),
    ("机构职能", "http://x/jgzn/", "other", "no keyword matched"),
    (None, "http://x/tzgg/", "notice", "URL folder tzgg"),
    ("政府信息公开年报", "http://x/ndbg/", "other", "keyword 信息公开年报"),
])
def test_column_types(name: str | None, url: str, kind: str, why: str) -> None:
    assert column_type(name, url) == (kind, why)


def test_hanweb_datastore_records_are_read_without_a_browser() -> None:
    records = "".join(
        f'<record><![CDATA[<li><a href="/art/2022/12/{d:02d}/art_1229_{n}.html" title="新闻{n}">新闻{n}</a>'
        f'<span>2022-12-{d:02d}</span></li>]]></record>' for n, d in ((1, 18), (2, 10)))
    r = read(f'<div id="100"><script type="text/xml"><datastore><nextgroup></nextgroup><recordset>{records}'
             '</recordset></datastore></script><script>jpage.init()</script></div>')
    assert [(i.title, i.found.day) for i in r.items] == [("新闻1", date(2022, 12, 18)), ("新闻2", date(2022, 12, 10))]
    assert r.loader_marker is None


def test_unreadable_dates_are_not_undated() -> None:
    r = read('<ul><li><a href="/xwzx/a_1001.html">新闻一</a><span>22-12-18</span></li>'
             '<li><a href="/xwzx/a_1002.html">新闻二</a><span>22-12-01</span></li>'
             '<li><a href="/xwzx/a_1003.html">新闻三</a><span>22-11-30</span></li></ul>')
    assert len(r.items) == 3 and all(i.found is None and i.unparsed for i in r.items)


def test_side_block_is_not_the_column_list() -> None:
    r = read('<div class="side"><h3>热点排行</h3><ul><li><a href="/a/1.html">热点一</a>2020-01-01</li>'
             '<li><a href="/a/2.html">热点二</a>2020-01-02</li></ul></div>'
             '<ul id="list"></ul><script>$.ajax({url: "/api/list"})</script>')
    assert r.items == [] and len(r.all_dated) == 2
    assert r.loader_marker == "$.ajax("


def test_placeholder_beside_a_fetch_is_a_loader_not_blank() -> None:
    r = read('<ul class="news"><li>暂无数据</li></ul><script>fetch("/api/news").then(r => r.json())</script>')
    assert r.loader_marker == "fetch(" and r.empty_marker == "暂无数据"


def test_hit_counter_script_on_a_content_page_is_no_loader() -> None:
    r = read('<div class="article"><p>机构职能：负责全县政务工作。</p></div><script>$.get("/stat/hit?id=1")</script>')
    assert r.loader_marker is None and r.empty_marker is None


def test_marker_text_in_scripts_and_menus_does_not_count() -> None:
    r = read('<div class="nav"><ul><li><a href="/a/">暂无信息</a></li></ul></div><p>机构职能</p>'
             '<script>var tip = "暂无数据";</script>')
    assert r.empty_marker is None


def test_heading_link_names_its_column() -> None:
    r = read('<div class="block"><h3><a href="/tzgg/">通知公告</a></h3><ul><li><a href="/tzgg/t20221201_1.html">通知一'
             '</a>2022-12-01</li></ul></div>', url=HOME)
    assert ("http://www.x.gov.cn/tzgg/", "通知公告") in r.more_links


def test_script_links_rows_still_dated() -> None:
    r = read('<ul class="list"><li><a href="javascript:void(0)" onclick="openDetail(11)">关于开展安全检查的通知</a>'
             '<span>2022-12-01</span></li><li><a onclick="openDetail(12)">关于春节值班的通知</a><span>2022-11-20</span>'
             '</li></ul>')
    assert [(i.title, i.url, i.found.day) for i in r.items] == [("关于开展安全检查的通知", None, date(2022, 12, 1)),
                                                               ("关于春节值班的通知", None, date(2022, 11, 20))]


def test_pinyin_menu_class() -> None:
    r = read('<div id="dh"><ul><li><a href="/xwzx/">新闻中心</a></li></ul></div>', url=HOME)
    assert [u for u, _t, _n in r.nav_links] == ["http://www.x.gov.cn/xwzx/"]


def test_date_column_wins_over_a_date_in_the_summary() -> None:
    r = read('<ul><li><a href="/xwzx/a_1001.html">县政府召开常务会议</a><p>会议回顾了2019年5月1日以来的工作。</p>'
             '<span class="time">2022-12-01</span></li><li><a href="/xwzx/a_1002.html">县长调研</a>'
             '<p>摘要</p><span>发布时间：2022-11-20 09:30</span></li></ul>')
    assert [i.found.day for i in r.items] == [date(2022, 12, 1), date(2022, 11, 20)]


def test_undated_placeholder_list_beside_a_loader_needs_the_browser() -> None:
    static = "".join(f'<li><a href="/xwzx/content_{n}.html">占位新闻{n}</a></li>' for n in range(1001, 1004))
    r = read(f'<ul class="list">{static}</ul><script src="/js/jpage.js"></script>')
    assert len(r.items) == 3 and r.loader_marker == "jpage"


def test_site_roots_are_not_columns() -> None:
    assert not is_column_url("https://www.x.gov.cn/", HOME)
    assert not is_column_url("https://www.x.gov.cn/index.shtml", HOME)
    assert is_column_url("https://www.x.gov.cn/col/", HOME)


def test_disclosure_table_takes_the_publication_column() -> None:
    r = read('<table><tr><th>序号</th><th>标题</th><th>文号</th><th>成文日期</th><th>发布日期</th></tr>'
             '<tr><td>1</td><td><a href="/zcwj/t20221115_1.html">关于印发营商环境措施的通知</a></td><td>甲政发〔2022〕9号</td>'
             '<td>2022-11-01</td><td>2022-11-15</td></tr>'
             '<tr><td>2</td><td><a href="/zcwj/t20221020_2.html">关于加强安全生产的意见</a></td><td>甲政发〔2022〕8号</td>'
             '<td>2022-10-10</td><td>2022-10-20</td></tr></table>')
    assert [i.found.day for i in r.items] == [date(2022, 11, 15), date(2022, 10, 20)]


def test_table_with_only_a_written_date_is_dated_by_url_or_not_at_all() -> None:
    r = read('<table><tr><th>标题</th><th>成文日期</th></tr>'
             '<tr><td><a href="/zcwj/t20221115_1.html">通知一</a></td><td>2022-11-01</td></tr>'
             '<tr><td><a href="/zcwj/a_2.html">通知二</a></td><td>2022-10-10</td></tr></table>')
    assert [(i.found.day, i.found.source) if i.found else None for i in r.items] == [(date(2022, 11, 15), "url"), None]


def test_whole_row_link_with_a_date_node() -> None:
    r = read('<ul><li><a href="/xwzx/a_1001.html"><span class="t">县政府召开常务会议</span><span class="d">2022-12-01'
             '</span></a></li><li><a href="/xwzx/a_1002.html"><p>2022年工作要点发布</p><em>[11-20]</em></a></li></ul>')
    assert [(i.title, i.found.day) for i in r.items] == [("县政府召开常务会议", date(2022, 12, 1)),
                                                       ("2022年工作要点发布", date(2022, 11, 20))]


@pytest.mark.parametrize(("url", "later"), [
    ("http://www.x.gov.cn/xwzx/index.html", False), ("http://www.x.gov.cn/xwzx/index_1.html", True),
    ("http://www.x.gov.cn/list.jsp?columnId=12&page=1", False), ("http://www.x.gov.cn/list.jsp?columnId=12&page=2", True),
    ("http://www.x.gov.cn/list.jsp?columnId=12&start=0", False), ("http://www.x.gov.cn/list.jsp?columnId=12&start=20", True),
    ("http://www.x.gov.cn/list.jsp?columnId=12&pageSize=20", False),
])
def test_later_pages(url: str, later: bool) -> None:
    assert is_later_page(url) is later
