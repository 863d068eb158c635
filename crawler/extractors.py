"""Page extractors: pluggable gatherers that see every crawled page once, after the spider parsed it.

A gatherer that needs more than the page itself (column lists, annual reports, message boards …)
is an extractor listed in the `GOVAUDIT_EXTRACTORS` setting. It receives a `PageContext` (the
response, the decoded HTML, the one lxml tree, the links) and yields facts (`StoredRecord`s) and
further `scrapy.Request`s; it never judges.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from scrapy.http import Response
from scrapy.utils.misc import load_object

from crawler.page import ParsedPage

if TYPE_CHECKING:
    from crawler.spiders.site import SiteSpider


@dataclass
class PageContext:
    url: str  # the URL as linked (canonical), before redirects
    response: Response
    html: str
    parsed: ParsedPage
    depth: int
    spider: SiteSpider

    @property
    def final_url(self) -> str:
        return self.response.url


class Extractor(Protocol):
    def on_page(self, ctx: PageContext) -> Iterable[Any]:
        """Facts and requests gathered from one crawled page."""


def load_extractors(spider: SiteSpider, paths: list[str]) -> list[Extractor]:
    """Instantiate the extractors named in settings (`cls.from_spider(spider)` when it exists)."""
    out = []
    for path in paths:
        cls = load_object(path)
        out.append(cls.from_spider(spider) if hasattr(cls, "from_spider") else cls())
    return out
