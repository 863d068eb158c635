"""AttachmentExtractor on a page built from HTML: which links are attachments, the cap, the order."""
from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.extractors import PageContext
from crawler.extractors.attachments import AttachmentExtractor
from crawler.page import parse_html

HOME = "http://www.x.gov.cn/"
PAGE = """<html><body><div class="content">
<a href="/gsgg/2026/dbmd.pdf">2026年低保对象名单</a> <a href="http://fj.x.gov.cn/up/plan.DOCX">工作计划</a>
<a href="/up/jh.wps">计划</a> <a href="/up/gw.ofd">公文</a> <a href="/up/scan.jpg">扫描件</a>
<a href="/up/list.xlsx?id=3">名册</a> <a href="/up/gw.ofd">公文（重复）</a>
<a href="http://www.other.gov.cn/a.pdf">外站文件</a> <a href="/xwzx/index.html">新闻</a>
<a href="javascript:download('a.pdf')">下载</a></div></body></html>"""


def _ctx(url: str, body: str) -> PageContext:
    response = HtmlResponse(url, body=body.encode("utf-8"), request=Request(url))
    return PageContext(url=url, response=response, html=response.text, parsed=parse_html(response.text, url),
                       depth=1, spider=None)


def test_linked_files_on_the_site_and_its_subdomains_once_each() -> None:
    ext = AttachmentExtractor(1, HOME, {"www.x.gov.cn"}, max_files=100)
    requests = list(ext.on_page(_ctx(HOME + "gsgg/1.html", PAGE)))
    assert [r.url for r in requests] == [
        HOME + "gsgg/2026/dbmd.pdf", "http://fj.x.gov.cn/up/plan.DOCX", HOME + "up/jh.wps", HOME + "up/gw.ofd",
        HOME + "up/scan.jpg", HOME + "up/list.xlsx?id=3"]  # not another site's file, a page or a script link
    by_url = {r.url: r for r in requests}
    assert by_url[HOME + "gsgg/2026/dbmd.pdf"].priority > by_url[HOME + "up/jh.wps"].priority  # 名单 first
    assert by_url[HOME + "gsgg/2026/dbmd.pdf"].meta["ga_attachment"] == {"page": HOME + "gsgg/1.html",
                                                                         "text": "2026年低保对象名单"}
    assert list(ext.on_page(_ctx(HOME + "gsgg/2.html", PAGE))) == []  # each file once per run


def test_the_cap_counts_what_was_left_unread() -> None:
    ext = AttachmentExtractor(1, HOME, {"www.x.gov.cn"}, max_files=2)
    assert len(list(ext.on_page(_ctx(HOME + "gsgg/1.html", PAGE)))) == 2
    assert ext.skipped == 4
    off = AttachmentExtractor(1, HOME, {"www.x.gov.cn"}, max_files=0)
    assert list(off.on_page(_ctx(HOME + "gsgg/1.html", PAGE))) == [] and off.skipped == 6
