"""The bundled sample portal: reachable, every link works except the planted defects, expected list."""
from __future__ import annotations

import http.client
import re
import time
from collections import deque
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
import yaml
from lxml import html as lxml_html

from demo.portal import DemoPortal, sites_yaml, start_demo

AS_OF = date(2026, 11, 23)
LINK_ATTRS = "//a/@href | //img/@src | //link/@href | //script/@src | //iframe/@src | //form/@action"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def is_html(self) -> bool:
        return bool(self.body) and "text/html" in self.headers.get("content-type", "")

    def text(self) -> str:
        ctype = self.headers.get("content-type", "")
        m = re.search(r"charset=([\w-]+)", ctype) or re.search(rb'<meta charset="([\w-]+)"', self.body)
        charset = m.group(1) if m else "utf-8"
        return self.body.decode(charset.decode() if isinstance(charset, bytes) else charset)


def fetch(url: str, method: str = "GET") -> Answer:
    # http.client, not urllib: no proxy from the environment, no silent redirect following.
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=15)
    try:
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""))
        resp = conn.getresponse()
        return Answer(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def links_of(answer: Answer, url: str) -> list[str]:
    if not answer.is_html:
        return []
    tree = lxml_html.fromstring(answer.text())
    return [urldefrag(urljoin(url, v.strip()))[0] for v in tree.xpath(LINK_ATTRS)]


@dataclass
class Crawl:
    pages: dict[str, Answer]          # internal URL → answer (redirects not followed)
    depth: dict[str, int]
    linked_from: dict[str, set[str]]  # target → pages that link it
    external: dict[str, Answer]


@pytest.fixture(scope="module")
def demo():
    with start_demo(AS_OF) as d:
        yield d


@pytest.fixture(scope="module")
def crawl(demo: DemoPortal) -> Crawl:
    home = demo.url
    origin = urlsplit(home).netloc
    pages: dict[str, Answer] = {}
    depth = {home: 0}
    linked_from: dict[str, set[str]] = {}
    queue = deque([home])
    while queue:
        url = queue.popleft()
        ans = fetch(url)
        pages[url] = ans
        if ans.status in (301, 302):
            target = urljoin(url, ans.headers["location"])
            linked_from.setdefault(target, set()).add(url)
            if target not in depth:
                depth[target] = depth[url]
                queue.append(target)
            continue
        for link in links_of(ans, url):
            linked_from.setdefault(link, set()).add(url)
            if urlsplit(link).netloc == origin and link not in depth:
                depth[link] = depth[url] + 1
                queue.append(link)
    external = {u: fetch(u) for u in linked_from if urlsplit(u).netloc != origin}
    return Crawl(pages, depth, linked_from, external)


def test_start_demo_serves_two_hosts(demo: DemoPortal) -> None:
    assert demo.url == demo.portal.base_url + "/"
    assert urlsplit(demo.url).hostname == "127.0.0.1"
    assert urlsplit(demo.portal.external_base).hostname == "127.0.0.2"
    home = fetch(demo.url)
    assert home.status == 200 and "示例县人民政府" in home.text()


def test_site_size_and_depth(crawl: Crawl) -> None:
    html_pages = [u for u, a in crawl.pages.items() if a.is_html]
    assert 60 <= len(html_pages) <= 120
    assert max(crawl.depth.values()) <= 3


def test_every_internal_link_works_except_planted(demo: DemoPortal, crawl: Crawl) -> None:
    base = demo.portal.base_url
    broken = {u: a.status for u, a in crawl.pages.items() if a.status not in (200, 301)}
    assert broken == {base + "/xxgk/old-notice.html": 404, base + "/uploads/2025/plan.pdf": 404}
    redirects = {u: a.headers["location"] for u, a in crawl.pages.items() if a.status == 301}
    assert redirects == {base + "/old/jgzn.html": "/zwgk/jgzn.html"}
    assert crawl.pages[base + "/zwgk/jgzn.html"].status == 200


def test_every_external_link_works_except_planted(demo: DemoPortal, crawl: Crawl) -> None:
    ext = demo.portal.external_base
    assert {u: a.status for u, a in crawl.external.items() if a.status != 200} == {ext + "/news/gone.html": 404}
    assert all(urlsplit(u).hostname == "127.0.0.2" for u in crawl.external)  # never a real host


def test_planted_404s_are_linked_where_described(demo: DemoPortal, crawl: Crawl) -> None:
    base, ext, home = demo.portal.base_url, demo.portal.external_base, demo.url
    assert home in crawl.linked_from[base + "/xxgk/old-notice.html"]
    assert home in crawl.linked_from[base + "/zt/expired.html"]
    assert home in crawl.linked_from[base + "/old/jgzn.html"]
    pdf_pages = crawl.linked_from[base + "/uploads/2025/plan.pdf"]
    assert len(pdf_pages) == 1 and home not in pdf_pages
    gone_pages = crawl.linked_from[ext + "/news/gone.html"]
    assert gone_pages and home not in gone_pages


def test_soft_404(demo: DemoPortal) -> None:
    ans = fetch(demo.portal.base_url + "/zt/expired.html")
    assert ans.status == 200
    text = ans.text()
    assert "<title>页面不存在</title>" in text and "对不起，您访问的页面不存在或已被删除！" in text
    assert len(ans.body) < 600


def test_g404_article_is_a_normal_page(crawl: Crawl) -> None:
    [(url, ans)] = [(u, a) for u, a in crawl.pages.items() if a.is_html and "G404国道示例段改造工程顺利通车</h1>" in a.text()]
    assert ans.status == 200 and len(ans.body) > 3000
    assert ans.text().count("404") >= 5


def test_gbk_column(demo: DemoPortal, crawl: Crawl) -> None:
    ans = fetch(demo.portal.base_url + "/tzgg/")
    assert ans.status == 200 and ans.headers["content-type"] == "text/html"
    with pytest.raises(UnicodeDecodeError):
        ans.body.decode("utf-8")
    text = ans.body.decode("gbk")
    assert '<meta charset="gbk">' in text[:200] and "通知公告" in text
    articles = [u for u in crawl.pages if "/tzgg/2" in u]
    assert len(articles) >= 10
    assert all(crawl.pages[u].headers["content-type"] == "text/html" for u in articles)
    assert "各乡镇人民政府" in crawl.pages[articles[0]].body.decode("gbk")


def test_external_look_alikes(demo: DemoPortal) -> None:
    ext = demo.portal.external_base
    assert fetch(ext + "/gov/index.html", "HEAD").status == 405
    assert fetch(ext + "/gov/index.html").status == 200
    start = time.monotonic()
    assert fetch(ext + "/news/slow.html").status == 200
    assert 1.5 <= time.monotonic() - start < 15
    png = fetch(ext + "/conac/red.png")
    assert png.status == 200 and png.body.startswith(b"\x89PNG") and png.headers["content-type"] == "image/png"


def test_footer_identity(demo: DemoPortal) -> None:
    ext = demo.portal.external_base
    home = fetch(demo.url).text()
    tree = lxml_html.fromstring(home)
    text = tree.text_content()
    assert re.search(r"网站标识码[:：]?\s*(bm\d{8}|\d{10})", text).group(1) == "4213000099"
    assert tree.xpath('//meta[@name="SiteIDCode"]/@content') == [""]
    assert re.search(r"[\u4e00-\u9fa5]ICP备\d+号(-\d+)?", text)
    assert tree.xpath(f'//a[@href="{ext}/beian/"][contains(., "ICP备案号：鄂ICP备05003457号-1")]')
    assert "主办：示例县人民政府办公室" in text and "主办单位" not in text
    assert tree.xpath('//a[@href="/lxwm.html"][.="联系我们"]') and "0722-3456789" in text
    assert tree.xpath(f'//a[@href="{ext}/conac/"]/img[@src="{ext}/conac/red.png"][@alt="党政机关"]')
    # The missing ones are missing on every page, not only on the homepage.
    assert "公网安备" not in home and "我为政府网站找错" not in home and "zfwzzc" not in home


def test_missing_identity_is_missing_everywhere(crawl: Crawl) -> None:
    for url, ans in crawl.pages.items():
        if ans.is_html:
            text = ans.text()
            assert "公网安备" not in text and "我为政府网站找错" not in text, url


def test_freshness(demo: DemoPortal) -> None:
    dates = [date.fromisoformat(d) for d in re.findall(r"<span>(\d{4}-\d{2}-\d{2})</span>", fetch(demo.url).text())]
    assert dates and AS_OF - timedelta(days=5) <= max(dates) <= AS_OF - timedelta(days=2)
    assert max(dates) <= AS_OF


def test_expected_findings(demo: DemoPortal) -> None:
    base, ext = demo.portal.base_url, demo.portal.external_base
    assert demo.portal.expected == [
        ("link.broken", base + "/xxgk/old-notice.html"),
        ("link.broken", base + "/uploads/2025/plan.pdf"),
        ("link.broken", base + "/zt/expired.html"),
        ("link.broken", ext + "/news/gone.html"),
        ("identity.mismatch", "site_code"),
        ("identity.missing", "psb"),
        ("identity.missing", "zhaocuo"),
    ]
    for rule, subject in demo.portal.expected:
        if rule == "link.broken":
            parts = urlsplit(subject)
            assert parts.scheme == "http" and parts.netloc == parts.netloc.lower() and not parts.fragment
    assert demo.portal.site_id == "4213000001" and demo.portal.name == "示例县人民政府"


def test_sites_yaml(demo: DemoPortal) -> None:
    data = yaml.safe_load(sites_yaml(demo))
    assert data == {"sites": [{"id": "4213000001", "name": "示例县人民政府", "url": demo.url,
                               "kind": "portal", "unit": "示例县人民政府办公室"}]}
