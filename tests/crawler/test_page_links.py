"""The root-relative fast path of link extraction gives exactly what the general canonical form gives."""
from __future__ import annotations

import pytest

from crawler.page import _fast_root_relative, _origin, parse_html
from storage.vocabulary import canonical

BASES = ["http://www.example.gov.cn/a/b.html", "HTTPS://WWW.Example.gov.cn:443/", "http://127.0.0.1:8080/x/",
         "http://[::1]:81/p?q=1"]
HREFS = ["/x/y.html", "/x/y.html?q=1#frag", "/a/../b.html", "/x y.html", "//other/x", "/", "/?a=1", "/x?#",
         "/x#", "/%E4%B8%AD.html", "/中文.html", "/x/./y", "/x\\y", "/x\ty", "/x;p=1", "/.hidden", "/x?a=/../b"]


@pytest.mark.parametrize("base", BASES)
def test_fast_path_matches_canonical(base: str) -> None:
    origin = _origin(base)
    for raw in HREFS:
        fast = _fast_root_relative(origin, raw)
        assert fast is None or fast == canonical(raw, base), (base, raw)


def test_links_extracted_once_per_target_and_tag() -> None:
    html = ('<html><head><link rel="stylesheet" href="/s.css"><link rel="alternate" href="/feed.xml"></head><body>'
            '<a href="/a.html">A</a><a href="/a.html#top">A again</a><img src="/a.html"><a href="mailto:x@y">m</a>'
            '<iframe src="../f.html"></iframe><script src="//cdn.example.com/j.js"></script></body></html>')
    links = parse_html(html, "http://www.example.gov.cn/d/index.html").links
    assert [(ln.target, ln.tag) for ln in links] == [
        ("http://www.example.gov.cn/s.css", "link"), ("http://www.example.gov.cn/a.html", "a"),
        ("http://www.example.gov.cn/a.html", "img"), ("http://www.example.gov.cn/f.html", "iframe"),
        ("http://cdn.example.com/j.js", "script"),
    ]
