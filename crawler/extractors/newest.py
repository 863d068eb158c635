"""NewestItemFetcher: in a re-check, fetch the newest items of the columns whose staleness is re-checked
and record the date each item page states about itself (fact family `item_pages`).

The re-check (govaudit/recheck.py) names the columns in the site entry it crawls with —
`recheck_columns: [{url, since}]` (the homepage's URL stands for the homepage's own list) — and this
extractor, listed in `GOVAUDIT_EXTRACTORS` only for re-checks, reads each such list page, requests the
items dated on or after `since` (at most three; the newest one when none is), and dates each item page
by its metadata (`PubDate`, `publishdate` …), else its labelled 发布时间 line, else its URL. It records
what the pages say; whether a fix was faked is decided when the re-check is judged (reports/recheck.py).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

from crawler.dates import FULL
from crawler.extractors import Extractor, PageContext, SpiderPort
from crawler.extractors.columns.dates import url_date
from crawler.extractors.columns.listing import ItemRow, column_key, read_list
from storage.facts import FactRow
from storage.facts.items import ItemPageFact
from storage.vocabulary import beijing_today, canonical, valid_date

MAX_ITEMS = 3  # item pages fetched per column: a re-check stays a few requests
_META_NAMES = ("pubdate", "publishdate", "firstpublishedtime", "article:published_time", "og:release_date",
               "dc.date", "dc.date.issued", "dcterms.issued")
_LABEL = re.compile(r"(发布|公开|发表)(日期|时间)[:：\s]*$")


class NewestItemFetcher(Extractor):
    families = ("item_pages",)

    def __init__(self, run_id: int, homepage: str, targets: dict[str, date | None],
                 fetched_on: date | None = None) -> None:
        self.run_id = run_id
        self.homepage = homepage
        self.home_key = column_key(homepage)
        self.targets = targets  # column key → the oldest listed date worth fetching (None: the newest only)
        self.fetched_on = fetched_on or beijing_today()
        self.read: set[str] = set()
        self.chosen: dict[str, tuple[str, ItemRow]] = {}  # item URL → (column key, its list row)
        self.dates: dict[str, tuple[date | None, str | None]] = {}  # page URL → the date it states, source

    @classmethod
    def from_spider(cls, spider: SpiderPort) -> NewestItemFetcher:
        targets: dict[str, date | None] = {}
        for entry in (spider.site or {}).get("recheck_columns") or ():
            url = canonical(entry.get("url") or "", spider.homepage)
            if url:
                since = entry.get("since")
                targets[column_key(url)] = date.fromisoformat(since) if since else None
        return cls(spider.run_id, spider.homepage, targets)

    def on_page(self, ctx: PageContext) -> Iterator[Any]:
        tree = ctx.parsed.tree
        if tree is None or not self.targets:
            return
        self.dates[ctx.url] = page_date(tree, ctx.parsed.text or "", ctx.url)
        key = column_key(ctx.url)
        if key not in self.targets or key in self.read:
            return
        self.read.add(key)
        reading = read_list(tree, ctx.final_url, self.fetched_on, self.homepage)
        rows = reading.all_dated if key == self.home_key else reading.items
        dated = sorted((r for r in rows if r.found and r.url), key=lambda r: r.found.day, reverse=True)
        since = self.targets[key]
        chosen = [r for r in dated if since is not None and r.found.day >= since][:MAX_ITEMS] or dated[:1]
        for row in chosen:
            self.chosen.setdefault(row.url, (key, row))
            request = ctx.spider.request_page(row.url, ctx.depth + 1, within_budget=False)
            if request is not None:
                yield request

    def finish(self) -> list[FactRow]:
        out = []
        for url, (key, row) in self.chosen.items():
            day, source = self.dates.get(url, (None, None))
            listed = row.found.day if row.found and row.found.month_day is None else None
            out.append(FactRow(self.run_id, ItemPageFact(url=url, column_url=key, listed_title=row.title,
                                                         listed_date=listed, page_date=day, page_date_source=source)))
        return out


def page_date(tree: Any, text: str, url: str) -> tuple[date | None, str | None]:
    """The date a page states about itself: a publication meta tag, a labelled 发布时间, else its URL's date."""
    for meta in tree.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        if name in _META_NAMES:
            day = _first_date(meta.get("content") or "")
            if day is not None:
                return day, f"meta:{name}"
    for m in FULL.finditer(text):
        if _LABEL.search(text[max(0, m.start() - 10): m.start()]):
            day = valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if day is not None:
                return day, "text"
    found = url_date(url)
    return (found.day, "url") if found is not None and found.source == "url" else (None, None)


def _first_date(text: str) -> date | None:
    for m in FULL.finditer(text):
        day = valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if day is not None:
            return day
    return None
