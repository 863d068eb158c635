"""The search probe over plain HTTP against fixture routes: walls and timeouts are not findings."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.gatherers.functions.gather import GatherOptions, _Crawl, _search
from crawler.gatherers.functions.search import SearchForm
from demo.server import FixtureServer, Route

TITLE, ARTICLE = "示例县召开经济运行分析会", "/xw/2.html"


@pytest.fixture(scope="module")
def server():
    routes = {
        "/wall": Route(status=412, body=b"<html><script>challenge()</script></html>"),
        "/slow": Route(body=b"<html></html>", delay=3),
        "/gbk": Route(body=f"<html><a href='{ARTICLE}'>{TITLE}</a></html>".encode("gbk"),
                      content_type="text/html; charset=GBK"),
        "/post": Route(body=f"<html><a href='/r?id=1'>{TITLE}</a></html>".encode()),
    }
    with FixtureServer(routes) as srv:
        yield srv


def _probe(server: FixtureServer, action: str, tmp: Path, method: str = "get", timeout: float = 5) -> dict:
    home = server.base_url + "/"
    crawl = _Crawl(homepage=home, homepage_html="<html></html>",
                   search_form=SearchForm(page=home, action=server.base_url + action, method=method, field="q"),
                   query=(TITLE, server.base_url + ARTICLE))
    return _search(crawl, GatherOptions(out_dir=tmp, browser=False, allow_private=True, timeout_s=timeout), None, tmp)


def test_wall_is_blocked_not_error(server: FixtureServer, tmp_path: Path) -> None:
    probe = _probe(server, "/wall", tmp_path)
    assert probe["outcome"] == "blocked" and probe["error"] == "HTTP 412"


def test_timeout_is_unreachable(server: FixtureServer, tmp_path: Path) -> None:
    probe = _probe(server, "/slow", tmp_path, timeout=0.5)
    assert probe["outcome"] == "unreachable" and "timeout" in probe["error"]


def test_gbk_results_page_is_decoded(server: FixtureServer, tmp_path: Path) -> None:
    assert _probe(server, "/gbk", tmp_path)["outcome"] == "found"


def test_post_form_is_sent_as_post(server: FixtureServer, tmp_path: Path) -> None:
    server.log.clear()
    probe = _probe(server, "/post", tmp_path, method="post")
    assert probe["outcome"] == "found" and ("POST", "/post") in server.log
