"""ColumnExtractor: find every column (栏目) of a site, type it, and date the items of its list pages.

Sources of discovery: the homepage's menus (`nav`) and block "更多" links (`more`), 网站地图 pages
(`sitemap`), pages that show a dated list (`list`) and sites.yaml `columns:` (`override`). A list
page whose static HTML has no items but a script that loads them is recorded `needs_render`; when a
browser-rendered response of it arrives (`meta["playwright"]` or `meta["ga_rendered"]`), its items
replace the static reading. At the end of the crawl (`finish`) the columns and their items are handed
to the item pipeline.

Year-less item dates (`[11-15]`) are facts as seen: `month_day`, the URL's year and the day the list
was fetched; they are placed in a year when the run is judged (storage/facts/columns.py). Within the
crawl they are ordered by a provisional placement against the fetch day.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request

from crawler.extractors import Extractor, PageContext, SpiderPort
from crawler.extractors.columns.kinds import column_type
from crawler.extractors.columns.listing import ItemRow, ListReading, column_key, is_column_url, is_later_page, read_list
from storage.facts import FactRow
from storage.facts.columns import ColumnFact, ColumnItemFact
from storage.vocabulary import beijing_today, canonical, host_of

MAX_ITEMS = 60  # items kept per column (newest first); freshness needs only the newest
MAX_EXTRA_PAGES = 1  # pagination pages requested per column beyond what the crawl follows
_SITEMAP = re.compile(r"网站地图|站点地图|sitemap|wzdt", re.IGNORECASE)
_SOURCE_RANK = {"override": 0, "nav": 1, "more": 2, "sitemap": 3, "sub": 4, "list": 5}


@dataclass
class _Column:
    key: str
    names: dict[str, str] = field(default_factory=dict)  # source → name
    sources: set[str] = field(default_factory=set)
    nested: bool = False  # listed inside a submenu / a nested sitemap list
    nav_top: bool = False  # in the homepage menu, not in a submenu
    fetched: bool = False
    status: int | None = None
    pages: list[str] = field(default_factory=list)
    page_count: int | None = None
    items: dict[tuple, tuple[str, ItemRow]] = field(default_factory=dict)
    children: set[str] = field(default_factory=set)
    empty_marker: str | None = None
    loader_marker: str | None = None
    rendered: bool = False
    listy: bool = False  # its page showed a dated list
    extra_requested: int = 0
    page_name: str | None = None


class ColumnExtractor(Extractor):
    families = ("columns", "column_items")

    def __init__(self, run_id: int, homepage: str, overrides: list[dict] | None = None,
                 fetched_on: date | None = None) -> None:
        self.run_id = run_id
        self.homepage = homepage
        self.fetched_on = fetched_on or beijing_today()  # year-less dates are placed provisionally against it
        self.columns: dict[str, _Column] = {}
        self.home = _Column(key=column_key(homepage))
        self.overrides = {}
        for entry in overrides or []:
            url = canonical(entry.get("url") or "", homepage)
            if url:
                self.overrides[column_key(url)] = entry
        # the site's hosts; the spider's own set, which grows when the homepage redirects (http→https, www)
        self.hosts: set[str] = {host_of(homepage)}

    @classmethod
    def from_spider(cls, spider: SpiderPort) -> ColumnExtractor:
        ext = cls(spider.run_id, spider.homepage, (spider.site or {}).get("columns"))
        ext.hosts = spider.site_hosts
        return ext

    # --- gathering ------------------------------------------------------------------------------
    def on_page(self, ctx: PageContext) -> Iterator[Any]:
        tree = ctx.parsed.tree
        if tree is None:
            return
        status = ctx.response.status
        rendered = bool(ctx.response.meta.get("playwright") or ctx.response.meta.get("ga_rendered"))
        key = column_key(ctx.url)
        home = ctx.depth == 0 or key == self.home.key
        if _SITEMAP.search(ctx.parsed.title or "") or _SITEMAP.search(urlsplit(ctx.url).path):
            self._sitemap(tree, ctx)
        listy = home or is_column_url(ctx.url, self.homepage) or key in self.columns or key in self.overrides
        if not listy:
            return  # an article or other single page: nothing of a column's list to read (most of a crawl)
        reading = read_list(tree, ctx.final_url, self.fetched_on, self.homepage)
        if home:
            self._homepage(reading, ctx, rendered)
            yield from self._request_overrides(ctx)
            return
        for child_key, text in reading.column_links + reading.subcolumns:
            if child_key != key and child_key.startswith(key) and key.endswith("/"):
                self._candidate(child_key, text, "sub")
        col = self.columns.get(key) or _Column(key=key)
        if key not in self.columns and len([r for r in reading.items if r.found]) < 2 and key not in self.overrides:
            # a list-like URL nobody named a column and without a dated list: remember it quietly
            col.sources.add("page")
        self.columns[key] = col
        self._read_into(col, reading, ctx, status, rendered)
        yield from self._more_pages(col, reading, ctx)

    def _homepage(self, reading: ListReading, ctx: PageContext, rendered: bool) -> None:
        col = self.home
        col.fetched, col.status = True, ctx.response.status
        if ctx.url not in col.pages:
            col.pages.append(ctx.url)
        rows = reading.all_dated or reading.items
        if rendered:
            col.items.clear()
        self._add_items(col, rows, ctx.url)
        col.rendered = col.rendered or rendered
        if not any(r.found for r in rows) and not rendered:
            col.loader_marker = reading.loader_marker or _wall(ctx)
        for url, text, nested in reading.nav_links:
            if is_column_url(url, self.homepage):
                self._candidate(column_key(url), text, "nav", nested=nested)
        for url, heading in reading.more_links:
            if is_column_url(url, self.homepage) or url.endswith("/"):
                self._candidate(url, heading, "more")

    def _sitemap(self, tree: Any, ctx: PageContext) -> None:
        body = tree.find("body")
        for a in (body if body is not None else tree).iter("a"):
            url = canonical(a.get("href") or "", ctx.final_url)
            if not url or host_of(url) not in self.hosts or not is_column_url(url, self.homepage):
                continue
            if a.xpath("ancestor::*[self::footer or self::header or self::nav or contains(@class,'nav') "
                       "or contains(@class,'footer') or contains(@class,'crumbs')]"):
                continue
            text = " ".join(a.text_content().split())
            self._candidate(column_key(url), re.sub(r"（第\d+页）|\(第\d+页\)", "", text), "sitemap",
                            nested=len(a.xpath("ancestor::li")) >= 2 or len(a.xpath("ancestor::dd")) >= 1)

    def _candidate(self, key: str, name: str, source: str, nested: bool = False) -> None:
        if key == self.home.key or host_of(key) not in self.hosts:
            return
        col = self.columns.setdefault(key, _Column(key=key))
        col.sources.add(source)
        if name and source not in col.names:
            col.names[source] = name.strip()[:60]
        col.nested = col.nested or nested
        col.nav_top = col.nav_top or (source == "nav" and not nested)

    def _read_into(self, col: _Column, reading: ListReading, ctx: PageContext, status: int, rendered: bool) -> None:
        # Only the first list page shows the newest items: a column read from index_5.html alone is not read.
        if not is_later_page(ctx.url):
            col.fetched = True
            col.status = status
        elif col.status is None:
            col.status = status
        if ctx.url not in col.pages:
            col.pages.append(ctx.url)
        if rendered and not col.rendered:
            col.items.clear()  # the browser's reading replaces the static one
        col.rendered = col.rendered or rendered
        self._add_items(col, reading.items, ctx.url)
        if sum(r.found is not None for r in reading.items) >= 2:
            col.listy = True
        col.page_count = col.page_count or reading.page_count
        if reading.empty_marker and not reading.items:
            col.empty_marker = col.empty_marker or reading.empty_marker
        if not any(r.found for r in reading.items) and not rendered:
            # the browser path gave up on this page (issue 3's ga_render_failed): its list stays unread
            failed = "render_failed" if ctx.response.meta.get("ga_render_failed") else _wall(ctx)
            col.loader_marker = col.loader_marker or reading.loader_marker or failed
        for child_key, _text in reading.column_links + reading.subcolumns:
            if child_key != col.key:
                col.children.add(child_key)
        if ctx.parsed.title and col.page_name is None:
            col.page_name = _name_from_page(ctx)

    def _add_items(self, col: _Column, rows: list[ItemRow], page_url: str) -> None:
        for row in rows:
            k = (row.url, row.title)
            if k not in col.items:
                col.items[k] = (page_url, row)
        if len(col.items) > 4 * MAX_ITEMS:  # long paginated lists: memory stays bounded, the newest stay
            keep = sorted(col.items.items(), key=lambda kv: kv[1][1].found.day if kv[1][1].found else date.min,
                          reverse=True)[:2 * MAX_ITEMS]
            col.items = dict(keep)

    def _more_pages(self, col: _Column, reading: ListReading, ctx: PageContext) -> Iterator[Request]:
        """Request the next list page of a column when only a script pager (createPageHTML) links it."""
        for url in reading.pages:
            if col.extra_requested >= MAX_EXTRA_PAGES:
                return
            request = ctx.spider.request_page(url, ctx.depth + 1)
            if request is not None:
                col.extra_requested += 1
                yield request

    def _request_overrides(self, ctx: PageContext) -> Iterator[Request]:
        for key in self.overrides:  # declared in sites.yaml: read even beyond the page budget
            request = ctx.spider.request_page(key, 1, within_budget=False)
            if request is not None:
                yield request

    # --- the result -----------------------------------------------------------------------------
    def finish(self) -> list[FactRow]:
        """The columns and their items, for the item pipeline (at the end of the crawl)."""
        cols, items = self.records()
        return [FactRow(self.run_id, fact) for fact in (*cols, *items)]

    def records(self) -> tuple[list[ColumnFact], list[ColumnItemFact]]:
        """The columns (with the homepage as level 0) and their items."""
        for key in self.overrides:  # declared in sites.yaml: a column even when its page never answered
            self.columns.setdefault(key, _Column(key=key, sources={"override"}))
        chosen = {k: c for k, c in self.columns.items()
                  if (c.sources - {"page"}) or c.listy or k in self.overrides}
        cols: list[ColumnFact] = []
        items: list[ColumnItemFact] = []
        home = self.home
        cols.append(self._record(home, "首页", 0, None, "other", "homepage", "homepage", items, "homepage"))
        keys = sorted(chosen)
        for key in keys:
            col = chosen[key]
            parent = next((p for p in sorted(keys, key=len, reverse=True)
                           if p != key and p.endswith("/") and key.startswith(p)), None)
            level, level_reason = column_level(col, parent)
            name = next((col.names[s] for s in sorted(col.names, key=lambda s: _SOURCE_RANK.get(s, 9))
                         if col.names[s] and not _is_more(col.names[s])), None) or col.page_name
            override = self.overrides.get(key)
            if override:
                kind, reason = override["type"], "sites.yaml override"
                name = override.get("name") or name
                if override.get("level"):
                    level, level_reason = override["level"], "sites.yaml level"
            else:
                kind, reason = column_type(name, key)
            source = min((col.sources - {"page"}) or {"list"}, key=lambda s: _SOURCE_RANK.get(s, 9))
            if override:
                source = "override"
            cols.append(self._record(col, name, level, parent, kind, reason, source, items, level_reason))
        return cols, items

    def _record(self, col: _Column, name: str | None, level: int, parent: str | None, kind: str, reason: str,
                source: str, items: list[ColumnItemFact], level_reason: str | None = None) -> ColumnFact:
        rows = sorted(col.items.values(), key=lambda pr: (pr[1].found.day if pr[1].found else date.min),
                      reverse=True)[:MAX_ITEMS]
        items.extend(self._item(col.key, page_url, row) for page_url, row in rows)
        found = [r.found for _, r in col.items.values() if r.found]
        complete = [f.day for f in found if f.month_day is None]
        needs_render = not found and col.loader_marker is not None and not col.rendered
        children = {c for c in col.children if c.startswith(col.key) and col.key.endswith("/")} if level else set()
        return ColumnFact(
            url=col.key, name=name, parent_url=parent, level=level, level_reason=level_reason, type=kind,
            type_reason=reason, source=source,
            fetched=col.fetched, status=col.status, pages_seen=tuple(col.pages[:20]), page_count=col.page_count,
            items_seen=len(col.items), dated_items=len(found), subcolumns=len(children),
            empty_marker=None if col.items else col.empty_marker, needs_render=needs_render, rendered=col.rendered,
            newest_date=max(complete) if complete else None)

    def _item(self, column_url: str, page_url: str, row: ItemRow) -> ColumnItemFact:
        found = row.found
        source = found.source if found else ("unparsed" if row.unparsed else "none")
        if found is not None and found.month_day is not None:  # year-less: placed when judged
            return ColumnItemFact(column_url=column_url, page_url=page_url, title=row.title, url=row.url,
                                  date_source=source, date_raw=found.raw, month_day=found.month_day,
                                  year_hint=found.year_hint, fetched_on=self.fetched_on)
        return ColumnItemFact(column_url=column_url, page_url=page_url, title=row.title, url=row.url,
                              date=found.day if found else None, date_source=source,
                              date_raw=found.raw if found else None)


def column_level(col: _Column, parent: str | None) -> tuple[int, str]:
    """(level, why) from the site's structure, not the URL's depth: 一级 is a column of the homepage's top
    menu or one of its column blocks (更多, a heading that links the column) — wherever its folder
    sits (/zwgk/zcwj/ in the main menu is 一级); 二级 one reached through another column (a submenu
    entry, a nested 网站地图 list, a page under another column's folder). The path decides only when
    nothing else says (a list found by crawling alone)."""
    if col.nav_top:
        return 1, "nav: 首页主导航"
    if "more" in col.sources:
        return 1, "more: 首页栏目区块（更多/标题链接）"
    if col.nested:
        return 2, "nested: 首页导航子菜单或网站地图的下级列表"
    if parent is not None:
        return 2, f"parent: 经上级栏目 {parent} 进入"
    if "sitemap" in col.sources:
        return 1, "sitemap: 网站地图的第一级"
    depth = len([s for s in urlsplit(col.key).path.split("/") if s])
    return (1, "path: 一级目录（无导航信息）") if depth <= 1 else (2, "path: 多级目录（无导航信息）")


def _wall(ctx: PageContext) -> str | None:
    """An anti-bot challenge answered instead of the list (瑞数, 加速乐 …): the list was not seen."""
    return "js_challenge" if "js_challenge" in ctx.parsed.flags else None


def _is_more(text: str) -> bool:
    return bool(re.fullmatch(r"\s*(更多|more|>>|\+)\S{0,3}\s*", text, re.IGNORECASE))


def _name_from_page(ctx: PageContext) -> str | None:
    tree = ctx.parsed.tree
    for meta in tree.iter("meta"):
        if (meta.get("name") or "").lower() == "columnname" and (meta.get("content") or "").strip():
            return meta.get("content").strip()[:60]
    title = ctx.parsed.title or ""
    return re.split(r"\s*[_|｜\-—]\s*", title)[0][:60] or None
