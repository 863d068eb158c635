"""The spider's browser path on responses built in the test (no browser, no network)."""
from __future__ import annotations

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy_playwright.page import PageMethod
from twisted.python.failure import Failure

from crawler.items import PageRecord
from crawler.spiders.site import SiteSpider

HOME = "http://www.example.gov.cn/"
LIST = HOME + "xwzx/"
FETCH_LIST = ('<html><body><ul id="list" class="news-list"></ul>'
              "<script>fetch('/api/news.json')</script></body></html>")
WALL = '<html><head><script>document.cookie="__jsl_clearance_s=1";location.reload()</script></head></html>'
RENDERED = ('<html><body><ul id="list" class="news-list"><li><a href="/xwzx/a1.html">新闻一</a>'
            "<span>2026-11-20</span></li></ul></body></html>")


def _spider(browser: bool = True, **site) -> SiteSpider:
    spider = SiteSpider(run_id=7, homepage=HOME, browser=browser, site={"render": "auto", **site})
    spider.homepage_rendered = True
    return spider


def _plain(url: str, body: str, status: int = 200, depth: int = 1) -> HtmlResponse:
    request = Request(url, meta={"ga_depth": depth, "ga_role": "crawl", "download_latency": 0.01})
    return HtmlResponse(url, status=status, body=body.encode("utf-8"), encoding="utf-8", request=request,
                        headers={"Content-Type": "text/html; charset=utf-8"})


def _rendered(request: Request, body: str, status: int, settled: dict) -> HtmlResponse:
    request.meta["playwright_page_methods"][0].result = settled
    return HtmlResponse(request.url, status=status, body=body.encode("utf-8"), encoding="utf-8", request=request,
                        headers={"Content-Type": "text/html; charset=utf-8"}, flags=["playwright"])


def test_js_list_goes_to_the_browser_and_comes_back_through_parse_page() -> None:
    spider = _spider()
    out = list(spider.parse_page(_plain(LIST, FETCH_LIST)))
    assert len(out) == 1 and isinstance(out[0], Request)
    req = out[0]
    assert req.meta["playwright"] and req.meta["ga_render"] == "js_list"
    assert req.meta["playwright_context"] == "run-7" and isinstance(req.meta["playwright_page_methods"][0], PageMethod)
    assert req.callback == spider.parse_page and req.errback == spider.on_render_error
    items = list(spider.parse_page(_rendered(req, RENDERED, 200, {"status": 200, "errors": []})))
    record = next(i for i in items if isinstance(i, PageRecord))
    assert record.rendered and record.render_reason == "js_list" and record.url == LIST
    assert "新闻一" in record.html and [ln.target for ln in record.links] == [HOME + "xwzx/a1.html"]
    assert any(isinstance(i, Request) and i.url == HOME + "xwzx/a1.html" for i in items)


def test_without_a_browser_the_page_is_marked_needs_render() -> None:
    spider = _spider(browser=False)
    (record, *_rest) = list(spider.parse_page(_plain(LIST, FETCH_LIST)))
    assert isinstance(record, PageRecord) and not record.rendered and "needs_render" in record.flags
    assert spider.render_counts["needs_render"] == 1


def test_site_render_never_disables_the_browser() -> None:
    spider = _spider(render="never")
    assert not spider.browser
    (record, *_rest) = list(spider.parse_page(_plain(LIST, FETCH_LIST)))
    assert isinstance(record, PageRecord) and not record.rendered


def test_wall_passed_in_the_browser_shares_its_cookies_with_the_plain_downloader() -> None:
    spider = _spider()
    (req,) = list(spider.parse_page(_plain(LIST, WALL, status=521)))
    assert req.meta["ga_render"] == "antibot_wall" and req.meta["ga_plain_wall"]
    settled = {"status": 200, "passed_wall": True, "errors": [],
               "cookies": [{"name": "__jsl_clearance_s", "value": "ok", "domain": "www.example.gov.cn", "path": "/"}]}
    items = list(spider.parse_page(_rendered(req, RENDERED, 521, settled)))
    record = next(i for i in items if isinstance(i, PageRecord))
    assert record.status == 200 and "wall_passed" in record.flags and "js_challenge" not in record.flags
    follow = next(i for i in items if isinstance(i, Request))
    assert follow.cookies == {"__jsl_clearance_s": "ok"} and not follow.meta.get("playwright")
    assert spider._check_request("http://other.example.com/x.html").cookies == {}  # never to other hosts


def test_wall_not_passed_keeps_the_challenge_flag() -> None:
    spider = _spider()
    (req,) = list(spider.parse_page(_plain(LIST, WALL, status=412)))
    items = list(spider.parse_page(_rendered(req, WALL, 412, {"status": 412, "passed_wall": False, "errors": []})))
    record = next(i for i in items if isinstance(i, PageRecord))
    assert record.status == 412 and "js_challenge" in record.flags and "wall_passed" not in record.flags
    assert not spider.wall_cookies


def test_browser_failure_costs_the_render_only() -> None:
    spider = _spider()
    (req,) = list(spider.parse_page(_plain(LIST, FETCH_LIST)))
    failure = Failure(TimeoutError("Page.goto: Timeout 5000ms exceeded"))
    failure.request = req
    (record, *_rest) = list(spider.on_render_error(failure))
    assert isinstance(record, PageRecord) and record.status == 200 and not record.rendered
    assert {"render_failed", "needs_render"} <= set(record.flags)
    assert spider.render_counts["failed"] == 1


def test_render_budget_is_bounded() -> None:
    spider = _spider()
    spider.max_renders = 1
    assert isinstance(next(iter(spider.parse_page(_plain(LIST, FETCH_LIST)))), Request)
    (record, *_rest) = list(spider.parse_page(_plain(HOME + "tzgg/", FETCH_LIST)))
    assert isinstance(record, PageRecord) and "needs_render" in record.flags


def test_checked_target_behind_a_wall_is_retried_with_get_then_in_the_browser() -> None:
    spider = _spider()
    url = HOME + "files/form.doc"
    head = spider._check_request(url)
    (get,) = list(spider.on_checked(HtmlResponse(url, status=202, body=b"", request=head)))
    assert get.method == "GET" and get.callback == spider.on_checked
    (render,) = list(spider.on_checked(HtmlResponse(url, status=202, body=WALL.encode(), encoding="utf-8",
                                                    request=get, headers={"Content-Type": "text/html"})))
    assert render.meta["playwright"] and render.meta["ga_role"] == "check" and render.callback == spider.on_checked
    failure = Failure(RuntimeError("Target crashed"))
    failure.request = render
    (record,) = list(spider.on_render_error(failure))
    assert record.status == 202 and not record.crawled and {"js_challenge", "render_failed"} <= set(record.flags)


def test_extractors_request_pages_through_parse_page() -> None:
    spider = _spider()
    req = spider.request_page(HOME + "tzgg/", depth=2)
    assert req.callback == spider.parse_page and req.meta["ga_depth"] == 2
    assert spider.request_page(HOME + "tzgg/", depth=2) is None  # once per run
