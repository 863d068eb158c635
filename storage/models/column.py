"""Columns (栏目) of a site and their dated items (the crawl's facts; freshness is judged in checks/)."""
from __future__ import annotations

import datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base


class Column(Base):
    """One column (栏目) of a run: its list-page URL, name, level (0 = the homepage itself), type and why."""

    __tablename__ = "site_column"
    __table_args__ = (UniqueConstraint("run_id", "url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)  # the list page (first page), canonical
    name: Mapped[str | None] = mapped_column(Text)
    parent_url: Mapped[str | None] = mapped_column(Text)
    level: Mapped[int] = mapped_column(Integer, default=1)  # 0 homepage, 1 一级, 2 二级 (and deeper)
    level_reason: Mapped[str | None] = mapped_column(Text)  # "nav: 首页主导航", "parent: 经上级栏目 … 进入" …
    type: Mapped[str] = mapped_column(String(16), default="other")  # news | notice | policy | personnel | plan | …
    type_reason: Mapped[str | None] = mapped_column(Text)  # "keyword 通知公告", "sites.yaml override" …
    source: Mapped[str | None] = mapped_column(String(32))  # nav | more | sitemap | list | override | homepage
    fetched: Mapped[bool] = mapped_column(Boolean, default=False)  # its list page was crawled
    status: Mapped[int | None] = mapped_column(Integer)
    pages_seen: Mapped[list] = mapped_column(default=list)  # list pages read (pagination included)
    page_count: Mapped[int | None] = mapped_column(Integer)  # pages the pager announces (共N页), when shown
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    dated_items: Mapped[int] = mapped_column(Integer, default=0)
    subcolumns: Mapped[int] = mapped_column(Integer, default=0)  # child columns linked from its page
    empty_marker: Mapped[str | None] = mapped_column(Text)  # "暂无信息" … when the page says it is empty
    needs_render: Mapped[bool] = mapped_column(Boolean, default=False)  # a script fills the list
    rendered: Mapped[bool] = mapped_column(Boolean, default=False)  # the list was read after a browser render
    newest_date: Mapped[datetime.date | None] = mapped_column(Date)


class ColumnItem(Base):
    """One entry of a column's list (or of the homepage): title, link and the date shown beside it."""

    __tablename__ = "column_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("run.id", ondelete="CASCADE"), index=True)
    column_url: Mapped[str] = mapped_column(Text, index=True)
    page_url: Mapped[str] = mapped_column(Text)  # the list page it was read on
    title: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    date: Mapped[datetime.date | None] = mapped_column(Date)
    date_source: Mapped[str | None] = mapped_column(String(16))  # text | short | url | none
    date_raw: Mapped[str | None] = mapped_column(Text)  # the text the date was read from
