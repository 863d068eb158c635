"""Page extractors: pluggable gatherers that see every crawled page once, after the spider parsed it.

A gatherer that needs more than the page itself (column lists, annual reports, message boards …)
is an extractor listed in the `GOVAUDIT_EXTRACTORS` setting. It receives a `PageContext` (the
response, the decoded HTML, the one lxml tree, the links) and yields facts (`FactRow`s of declared
fact tables, storage/facts/) and further `scrapy.Request`s; at the end of the crawl `finish()` yields
what it gathered across pages. It never judges, never writes to storage itself (the item pipeline is
the one writer) and talks to the spider only through `SpiderPort`.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from scrapy import Request
from scrapy.http import Response
from scrapy.utils.misc import load_object

from crawler.page import ParsedPage
from storage.facts import FactRow


class SpiderPort(Protocol):
    """What an extractor may ask of the spider crawling its site."""

    run_id: int
    homepage: str
    site: dict  # the registry entry (columns, interaction, disclosure … overrides)
    site_hosts: set[str]  # the site's own hosts (grows when the homepage redirects: http→https, www)

    def setting(self, name: str, default: Any = None) -> Any:
        """A crawl setting (e.g. GOVAUDIT_VARIANT_PAGES)."""

    def request_page(self, url: str, depth: int, within_budget: bool = True) -> Request | None:
        """A crawl request for a page the extractor needs (a column's next list page …), parsed like every
        page; None when the run already asked for it or, `within_budget`, when max_pages is reached."""


@dataclass
class PageContext:
    url: str  # the URL as linked (canonical), before redirects
    response: Response
    html: str
    parsed: ParsedPage
    depth: int
    spider: SpiderPort

    @property
    def final_url(self) -> str:
        return self.response.url


class Extractor(ABC):
    families: tuple[str, ...] = ()  # the fact families it gathers: marked gathered at the end of the crawl

    @abstractmethod
    def on_page(self, ctx: PageContext) -> Iterable[FactRow | Request]:
        """Facts and requests gathered from one crawled page."""

    def finish(self) -> Iterable[FactRow]:
        """Facts gathered across pages, at the end of the crawl (before the last batch is written)."""
        return ()

    def stats(self) -> dict[str, Any]:
        """Counters for the run's stats at the end of the crawl (what was found, what a cap left out)."""
        return {}


def load_extractors(spider: SpiderPort, paths: list[str]) -> list[Extractor]:
    """Instantiate the extractors named in settings (`cls.from_spider(spider)` when it exists)."""
    out = []
    for path in paths:
        cls = load_object(path)
        out.append(cls.from_spider(spider) if hasattr(cls, "from_spider") else cls())
    return out
