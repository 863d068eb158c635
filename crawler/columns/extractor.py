"""ColumnExtractor: find every column (栏目) of a site, type it, and date the items of its list pages.

Sources of discovery: the homepage's menus (`nav`) and block "更多" links (`more`), 网站地图 pages
(`sitemap`), pages that show a dated list (`list`) and sites.yaml `columns:` (`override`). A list
page whose static HTML has no items but a script that loads them is recorded `needs_render`; when a
browser-rendered response of it arrives (`meta["playwright"]` or `meta["ga_rendered"]`), its items
replace the static reading. At the end of the crawl the columns and their items are written in one
transaction and the run's facts gain `columns` and `column_items`.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request, signals
from sqlalchemy import insert

from crawler.columns.listing import ItemRow, ListReading, column_key, is_column_url, is_later_page, read_list
from crawler.columns.records import ColumnItemRecord, ColumnRecord
from crawler.columns.kinds import column_type
from crawler.extractors import PageContext
from crawler.urls import canonical, host_of
from storage import models as m
from storage.session import session_scope

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


class ColumnExtractor:
    facts = ("columns", "column_items")

    def __init__(self, run_id: int, homepage: str, db_url: str | None, as_of: date | None,
                 overrides: list[dict] | None = None) -> None:
        self.run_id = run_id
        self.homepage = homepage
        self.db_url = db_url
        self.as_of = as_of
        self.columns: dict[str, _Column] = {}
        self.home = _Column(key=column_key(homepage))
        self.overrides = {}
        for entry in overrides or []:
            url = canonical(entry.get("url") or "", homepage)
            if url:
                self.overrides[column_key(url)] = entry
        self.written = False
        # the site's hosts; the spider's own set, which grows when the homepage redirects (http→https, www)
        self.hosts: set[str] = {host_of(homepage)}

    @classmethod
    def from_spider(cls, spider: Any) -> ColumnExtractor:
        db_url = spider.crawler.settings.get("GOVAUDIT_DB") if getattr(spider, "crawler", None) else None
        as_of = getattr(spider, "as_of", None)
        if as_of is None and db_url:
            with session_scope(db_url) as session:
                run = session.get(m.Run, spider.run_id)
                as_of = run.as_of if run is not None else None
        ext = cls(spider.run_id, spider.homepage, db_url, as_of, (spider.site or {}).get("columns"))
        ext.hosts = spider.site_hosts
        if getattr(spider, "crawler", None) is not None:
            spider.crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
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
        reading = read_list(tree, ctx.final_url, self.as_of, self.homepage)
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
        spider = ctx.spider
        for url in reading.pages:
            if col.extra_requested >= MAX_EXTRA_PAGES or spider.crawl_scheduled >= spider.max_pages:
                return
            if spider.claim(url):
                col.extra_requested += 1
                spider.crawl_scheduled += 1
                yield _crawl_request(spider, url, ctx.depth + 1)

    def _request_overrides(self, ctx: PageContext) -> Iterator[Request]:
        spider = ctx.spider
        for key in self.overrides:
            if spider.claim(key):
                spider.crawl_scheduled += 1
                yield _crawl_request(spider, key, 1)

    # --- the result -----------------------------------------------------------------------------
    def records(self) -> tuple[list[ColumnRecord], list[ColumnItemRecord]]:
        """The columns (with the homepage as level 0) and their items, as stored records."""
        for key in self.overrides:  # declared in sites.yaml: a column even when its page never answered
            self.columns.setdefault(key, _Column(key=key, sources={"override"}))
        chosen = {k: c for k, c in self.columns.items()
                  if (c.sources - {"page"}) or c.listy or k in self.overrides}
        cols: list[ColumnRecord] = []
        items: list[ColumnItemRecord] = []
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
                source: str, items: list[ColumnItemRecord], level_reason: str | None = None) -> ColumnRecord:
        rows = sorted(col.items.values(), key=lambda pr: (pr[1].found.day if pr[1].found else date.min),
                      reverse=True)[:MAX_ITEMS]
        for page_url, row in rows:
            items.append(ColumnItemRecord(
                run_id=self.run_id, column_url=col.key, page_url=page_url, title=row.title, url=row.url,
                date=row.found.day if row.found else None,
                date_source=row.found.source if row.found else ("unparsed" if row.unparsed else "none"),
                date_raw=row.found.raw if row.found else None))
        dated = [r.found.day for _, r in col.items.values() if r.found]
        needs_render = not dated and col.loader_marker is not None and not col.rendered
        children = {c for c in col.children if c.startswith(col.key) and col.key.endswith("/")} if level else set()
        return ColumnRecord(
            run_id=self.run_id, url=col.key, name=name, parent_url=parent, level=level, level_reason=level_reason, type=kind,
            type_reason=reason, source=source, fetched=col.fetched, status=col.status, pages_seen=col.pages[:20],
            page_count=col.page_count, items_seen=len(col.items), dated_items=len(dated),
            subcolumns=len(children), empty_marker=None if col.items else col.empty_marker,
            needs_render=needs_render, rendered=col.rendered, newest_date=max(dated) if dated else None)

    def spider_closed(self, spider: Any, reason: str) -> None:
        """Write the columns and items in one transaction and record the fact families gathered."""
        if self.written or not self.db_url:
            return
        self.written = True
        cols, items = self.records()
        with session_scope(self.db_url) as session:
            session.execute(insert(m.Column), [c.row() for c in cols])
            if items:
                session.execute(insert(m.ColumnItem), [i.row() for i in items])
            run = session.get(m.Run, self.run_id)
            if run is not None:
                stats = dict(run.stats or {})
                stats["facts"] = list(dict.fromkeys([*stats.get("facts", ["pages", "links"]), *self.facts]))
                stats["columns"] = len(cols) - 1
                run.stats = stats


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


def _crawl_request(spider: Any, url: str, depth: int) -> Request:
    """A crawl request the spider's way (its callbacks, priority and any wall cookies it holds)."""
    make = getattr(spider, "_crawl_request", None)
    if make is not None:
        return make(url, depth)
    return Request(url, callback=spider.parse_page, errback=spider.on_error, dont_filter=True,
                   meta={"ga_depth": depth, "ga_role": "crawl"}, priority=-depth)


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
