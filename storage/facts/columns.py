"""Fact families `columns` and `column_items`: the 栏目 of a site and the dated entries of their lists.

A year-less date shown beside an item (`[11-15]`, `11月15日`) is stored as it was seen — `month_day`,
the year its URL hints at, and the day its list page was fetched — and placed in a year when a run
is judged (`Snapshot.items_of`), against the 监测时间点 of that judging: the same stored run judged
with another `--as-of` dates its items against that day.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Annotated

from sqlalchemy import String

from storage.facts.table import Indexed, fact_table
from storage.vocabulary import infer_year


@fact_table("site_column", model="Column", family="columns", snapshot="columns", unique=("url",))
class ColumnFact:
    """A column (栏目) the crawl found: level 0 is the homepage itself, 1 一级, 2 二级."""

    url: str  # the list page (first page), canonical
    name: str | None = None
    type: Annotated[str, String(16)] = "other"  # news | notice | policy | personnel | plan | …
    type_reason: str | None = None  # "keyword 通知公告", "sites.yaml override" …
    level: int = 1  # 0 homepage, 1 一级, 2 二级 (and deeper)
    level_reason: str | None = None  # "nav: 首页主导航", "parent: 经上级栏目 … 进入" … (how the level was told)
    parent_url: str | None = None
    source: Annotated[str | None, String(32)] = None  # nav | more | sitemap | list | override | homepage
    fetched: bool = True  # its list page was crawled
    status: int | None = 200
    pages_seen: tuple[str, ...] = ()  # list pages read (pagination included)
    page_count: int | None = None  # pages the pager announces (共N页), when shown
    items_seen: int = 0
    dated_items: int = 0
    subcolumns: int = 0  # child columns linked from its page
    empty_marker: str | None = None  # "暂无信息" … when the page says it is empty
    needs_render: bool = False  # a script fills the list
    rendered: bool = False  # the list was read after a browser render
    newest_date: date | None = None  # the newest complete date seen (year-less dates are placed when judged)


@fact_table("column_item", model="ColumnItem", family="column_items", snapshot="column_items")
class ColumnItemFact:
    """One entry of a column's list (or of the homepage), with the date shown beside it (None when none)."""

    column_url: Annotated[str, Indexed()]
    title: str | None = None
    url: str | None = None
    date: date | None = None  # a complete date; None for a year-less one until it is placed (`dated`)
    date_source: Annotated[str | None, String(16)] = None  # text | short | url | url_month | none | unparsed
    date_raw: str | None = None  # the text the date was read from
    page_url: str | None = None  # the list page it was read on
    month_day: Annotated[str | None, String(5)] = None  # a year-less date as MM-DD
    year_hint: int | None = None  # the year its URL carries, if any
    fetched_on: date | None = None  # the Beijing day its list page was fetched

    def dated(self, as_of: date) -> ColumnItemFact:
        """This item with a year-less date placed: the latest year that puts it neither after the
        监测时间点 nor after the day its list was fetched (the URL's year first, when it fits)."""
        if self.date is not None or not self.month_day:
            return self
        ref = min(as_of, self.fetched_on) if self.fetched_on else as_of
        month, day = (int(x) for x in self.month_day.split("-"))
        placed = infer_year(month, day, ref, self.year_hint)
        return self if placed is None else replace(self, date=placed)
