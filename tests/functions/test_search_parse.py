"""Finding the search box, picking the query, reading results; CMS and platform fingerprints (no network)."""
from __future__ import annotations

from crawler.gatherers.functions.fingerprint import cms_fingerprints, platform_match
from crawler.gatherers.functions.search import (
    article_title,
    find_search_form,
    pick_query,
    results_list,
    search_entry_links,
)

HOME = "http://www.example.gov.cn/"


def test_search_form_get_with_hidden_fields() -> None:
    html = """<form action="/was5/web/search" method="get"><input type="hidden" name="channelid" value="2345">
    <input type="text" name="searchword" placeholder="请输入关键字"><input type="submit" value="搜索"></form>"""
    form = find_search_form(html, HOME)
    assert form.action == "http://www.example.gov.cn/was5/web/search" and form.field == "searchword"
    method, url, body = form.request("冬季 安全")
    assert method == "GET" and body is None and url.startswith(form.action + "?")
    assert "channelid=2345" in url and "searchword=%E5%86%AC%E5%AD%A3+%E5%AE%89%E5%85%A8" in url


def test_post_search_form() -> None:
    form = find_search_form('<form action="s.jsp" method="POST"><input name="q"><button>检索</button></form>', HOME)
    method, url, body = form.request("通知")
    assert (method, url) == ("POST", "http://www.example.gov.cn/s.jsp") and body == b"q=%E9%80%9A%E7%9F%A5"


def test_login_and_message_forms_are_not_search() -> None:
    login = '<form action="/login"><input name="user"><input type="password" name="pw"><button>登录</button></form>'
    board = '<form action="/hd/ly" method="post"><input name="title"><button>提交留言</button></form>'
    assert find_search_form(login, HOME) is None
    assert find_search_form(board, HOME) is None


def test_search_link_to_another_page() -> None:
    html = '<a href="/search/index.html">站内搜索</a><a href="http://other.gov.cn/search">搜索</a><a href="/xw/">新闻</a>'
    assert search_entry_links(html, HOME) == ["http://www.example.gov.cn/search/index.html"]


def test_article_title_and_query_pick() -> None:
    pages = {
        "http://www.example.gov.cn/xw/2026/1101/1.html": '<meta name="ArticleTitle" content="关于开展冬季安全检查的通知">',
        "http://www.example.gov.cn/xw/2026/1120/2.html": "<title>示例县召开经济运行分析会_示例县人民政府</title>",
        "http://www.example.gov.cn/about.html": "<h1>机构职能与领导分工</h1>",
    }
    home = ("<a href='/xw/2026/1101/1.html'>关于开展冬季安全检查的通知</a>"
            "<a href='/xw/2026/1120/2.html'>示例县召开经济运行分析会</a><a href='/about.html'>机构概况简介说明</a>")
    assert article_title(pages["http://www.example.gov.cn/xw/2026/1120/2.html"]) == "示例县召开经济运行分析会"
    assert pick_query(home, HOME, pages.get) == ("示例县召开经济运行分析会", "http://www.example.gov.cn/xw/2026/1120/2.html")
    assert pick_query("<a href='/x.html'>短</a>", HOME, pages.get) is None


def test_results_need_a_link_not_an_echo() -> None:
    title, art = "示例县召开经济运行分析会", "http://www.example.gov.cn/xw/2.html"
    echo = f'<input value="{title}"><p>搜索“{title}”共0条</p>'
    assert not results_list(echo, HOME + "search", title, art)
    assert results_list("<a href='/xw/2.html'>其他标题</a>", HOME + "search", title, art)
    assert results_list("<a href='/r?id=9'>示例县召开<em>经济运行</em>分析会</a>", HOME + "search", title, art)


def test_cms_fingerprints() -> None:
    assert [c["name"] for c in cms_fingerprints('<div class="TRS_Editor">正文</div>')] == ["TRS WCM"]
    assert [c["name"] for c in cms_fingerprints('<script src="/module/web/jpage/dataproxy.jsp"></script>')] == ["Hanweb JCMS"]
    assert cms_fingerprints("<p>trust the process</p>") == []  # "trs" inside a word is not TRS


def test_platform_match() -> None:
    plat = {"name": "省集约化平台", "hosts": ["*.jyh.example.gov.cn"], "cnames": ["*.cdn.jyh.example.gov.cn"],
            "search": ["https://so.example.gov.cn/*"], "markers": ["jyh-footer"]}
    got = platform_match(plat, "www.county.gov.cn", ["site.cdn.jyh.example.gov.cn"], "<div>x</div>",
                         "https://so.example.gov.cn/s?siteCode=1")
    assert got["on_platform"] and got["matched"] == ["cname"] and got["shared_search"]
    off = platform_match(plat, "www.county.gov.cn", [], "<div>x</div>", "http://www.county.gov.cn/search")
    assert not off["on_platform"] and not off["shared_search"]
    assert platform_match(None, "h", [], "", None) == {}


def test_site_search_preferred_over_a_service_query_form() -> None:
    html = """<form action="/bjcx/query.do"><input name="q"><button>办件查询</button></form>
    <form action="/ss/"><input name="keyword"><input type="submit" value="站内搜索"></form>"""
    assert find_search_form(html, HOME).action == "http://www.example.gov.cn/ss/"
    only_query = '<form action="/bjcx/query.do"><input name="q"><button>办件查询</button></form>'
    assert find_search_form(only_query, HOME) is None


def test_search_endpoint_from_a_hot_word_link() -> None:
    from crawler.gatherers.functions.search import search_endpoint

    html = '<a href="/search/sxgovsearch.jsp?sword=%E8%BD%AC%E5%9E%8B&amp;site=1">转型</a><a href="/xw/?page=2">下一页</a>'
    form = search_endpoint(html, HOME)
    assert form.action == "http://www.example.gov.cn/search/sxgovsearch.jsp" and form.field == "sword"
    assert form.hidden == {"site": "1"} and form.request("通知")[1].endswith("site=1&sword=%E9%80%9A%E7%9F%A5")
    assert search_endpoint('<a href="/list.jsp?page=2">更多</a>', HOME) is None


def test_ucap_marker() -> None:
    assert [c["name"] for c in cms_fingerprints('<div class="pages_content" id="UCAP-CONTENT">')] == ["UCAP"]
