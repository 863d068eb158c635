"""The crawled HTML pages a content rule reads, in crawl order, with their stored HTML."""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from lxml import etree

from checks.derived.fetch import behind_wall
from checks.derived.html import parse
from storage.facts.pages import PageFact
from storage.snapshot import Snapshot

_EMPTY_TREE = parse("<html><body></body></html>")


def crawled_html(snap: Snapshot, where: Callable[[str, PageFact], bool] | None = None) -> Iterator[tuple[str, str]]:
    """(url, html) of every crawled, loaded HTML page whose body was stored (anti-bot walls skipped),
    only those `where(url, page)` accepts if given; the bodies are read a batch at a time (a pass
    holds a batch, not the site)."""
    urls = [url for url, page in snap.pages.items()
            if page.crawled and page.ok and page.is_html and not behind_wall(page)
            and (where is None or where(url, page))]
    for url, html in snap.iter_html(urls):
        if html:
            yield url, html


_TAGS = re.compile(r"<[^>]*>")


def prefilter_text(snap: Snapshot, url: str, html: str) -> str:
    """The page's stored title and visible text (cheap to search), or its tag-stripped HTML when the
    stored text is missing or was capped. Used only to decide whether a page needs a closer look."""
    page = snap.pages.get(url)
    if page is None or page.complete_text is None:
        return _TAGS.sub(" ", html)
    return f"{page.title or ''} {page.complete_text}"


def no_pages_reason(snap: Snapshot) -> str:
    home = snap.homepage
    if home is None or not home.ok:
        return "首页未能加载，没有可检查的页面 / homepage not loaded, no page to read"
    return "没有保存页面内容，无法检查 / no stored page bodies"


def page_tree(html: str) -> etree._Element:
    """The page's lxml tree (`parse`); an unparsable body reads as an empty page."""
    try:
        return parse(html)
    except (etree.ParserError, ValueError):
        return _EMPTY_TREE
