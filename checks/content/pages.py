"""The crawled HTML pages a content rule reads, in crawl order, with their stored HTML."""
from __future__ import annotations

import re
from collections.abc import Iterator

from checks.derived.fetch import behind_wall
from storage.snapshot import Snapshot


def crawled_html(snap: Snapshot) -> Iterator[tuple[str, str]]:
    """(url, html) of every crawled, loaded HTML page whose body was stored (anti-bot walls skipped)."""
    for url, page in snap.pages.items():
        if not page.crawled or not page.ok or not page.is_html or behind_wall(page):
            continue
        html = snap.html(url)
        if html:
            yield url, html


TEXT_CAP = 20000  # crawler/page.py caps the stored text; a longer page is pre-filtered from its HTML
_TAGS = re.compile(r"<[^>]*>")


def prefilter_text(snap: Snapshot, url: str, html: str) -> str:
    """The page's stored title and visible text (cheap to search), or its tag-stripped HTML when the
    stored text is missing or was capped. Used only to decide whether a page needs a closer look."""
    page = snap.pages.get(url)
    if page is None or page.text is None or len(page.text) >= TEXT_CAP:
        return _TAGS.sub(" ", html)
    return f"{page.title or ''} {page.text}"


def no_pages_reason(snap: Snapshot) -> str:
    home = snap.homepage
    if home is None or not home.ok:
        return "首页未能加载，没有可检查的页面 / homepage not loaded, no page to read"
    return "没有保存页面内容，无法检查 / no stored page bodies"
