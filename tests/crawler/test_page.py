"""Parsing one response: canonical URLs, every kind of reference once, text, markers, charsets."""
from __future__ import annotations

from scrapy.http import HtmlResponse, Request

from crawler.page import parse_html
from storage.vocabulary import canonical, is_private_ip


def test_canonical_urls() -> None:
    assert canonical("HTTP://WWW.Example.GOV.cn:80/a?b=1#frag") == "http://www.example.gov.cn/a?b=1"
    assert canonical("https://x.gov.cn:443") == "https://x.gov.cn/"
    assert canonical("../c.html", "http://x.gov.cn/a/b/") == "http://x.gov.cn/a/c.html"
    assert canonical("http://x.gov.cn:8080/") == "http://x.gov.cn:8080/"
    assert canonical("javascript:void(0)") is None and canonical("mailto:a@b.cn") is None
    assert canonical("http://[::1]:8000/x") == "http://[::1]:8000/x"


def test_private_addresses() -> None:
    for ip in ("127.0.0.1", "10.1.2.3", "192.168.1.1", "172.16.0.1", "169.254.1.1", "::1", "fe80::1"):
        assert is_private_ip(ip), ip
    for ip in ("59.255.1.1", "2400:3200::1"):
        assert not is_private_ip(ip), ip


HTML = """<html><head><title> 示例 首页 </title><link rel="stylesheet" href="/s.css">
<link rel="alternate" href="/feed.xml"><script src="/a.js"></script><style>.x{}</style></head>
<body><a href="/xw/1.html#top">要闻 一</a><a href="/xw/1.html">again</a><a href="javascript:;">js</a>
<img src="logo.png" alt="标志"><iframe src="https://other.example.com/w"></iframe>
<script>var hidden = "不可见";</script><p>可见 文字</p><!-- 注释 --></body></html>"""


def test_parse_links_text_and_title() -> None:
    page = parse_html(HTML, "http://www.example.gov.cn/index.html")
    assert page.title == "示例 首页"
    got = {(ln.target, ln.tag) for ln in page.links}
    assert got == {
        ("http://www.example.gov.cn/s.css", "link"), ("http://www.example.gov.cn/a.js", "script"),
        ("http://www.example.gov.cn/xw/1.html", "a"), ("http://www.example.gov.cn/logo.png", "img"),
        ("https://other.example.com/w", "iframe"),
    }
    assert next(ln.text for ln in page.links if ln.tag == "a") == "要闻 一"
    assert "可见 文字" in page.text and "不可见" not in page.text and "注释" not in page.text
    assert page.flags == []


def test_base_href_and_challenge_marker() -> None:
    html = '<html><head><base href="http://cdn.example.gov.cn/root/"></head><body><a href="x.html">x</a>' \
           '<script>document.cookie="__jsl_clearance=1";location.reload()</script></body></html>'
    page = parse_html(html, "http://www.example.gov.cn/")
    assert page.links[0].target == "http://cdn.example.gov.cn/root/x.html"
    assert "js_challenge" in page.flags


def test_gbk_page_without_charset_header_decodes() -> None:
    body = '<html><head><meta charset="gbk"><title>通知公告</title></head><body>关于开展网站普查的通知</body></html>'
    resp = HtmlResponse("http://x.gov.cn/tzgg/", body=body.encode("gbk"), headers={"Content-Type": "text/html"},
                        request=Request("http://x.gov.cn/tzgg/"))
    assert resp.encoding in ("gbk", "gb18030")
    page = parse_html(resp.text, resp.url)
    assert page.title == "通知公告" and "网站普查" in page.text


def test_gb2312_declared_in_header() -> None:
    body = "<html><body>政务公开 〔2026〕</body></html>".encode("gb18030")
    resp = HtmlResponse("http://x.gov.cn/", body=body, headers={"Content-Type": "text/html; charset=gb2312"},
                        request=Request("http://x.gov.cn/"))
    assert "政务公开 〔2026〕" in resp.text


# After a comment past </html>, libxml2 starts a second top-level <html> (a real gov.cn 国务院公报 article
# has its whole text there); control: the same markup without the stray comment.
TWO_ROOTS = ('<!DOCTYPE html><html><head><title>公报</title></head><body><a href="/a.html">首页</a></body></html>\n'
             '<!-- 统计代码 -->\n<html><body><div><a href="/b.html">公报目录</a>关于批准发行特别国债的决议</div>'
             '<img src="/c.png" alt="图"></body></html>')


def test_markup_after_a_second_html_root_is_read() -> None:
    for html in (TWO_ROOTS, TWO_ROOTS.replace("<!-- 统计代码 -->", "")):
        page = parse_html(html, "http://www.example.gov.cn/")
        assert [(x.target, x.tag) for x in page.links] == [
            ("http://www.example.gov.cn/a.html", "a"), ("http://www.example.gov.cn/b.html", "a"),
            ("http://www.example.gov.cn/c.png", "img")], html
        assert page.text == "首页 公报目录 关于批准发行特别国债的决议" and page.title == "公报"
        assert len(page.tree.xpath("//a")) == 2  # moved, not copied
