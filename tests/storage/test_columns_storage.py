"""Columns and items written at the end of a crawl (SQLite and PostgreSQL) load into the snapshot the rules read."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from scrapy import Request
from scrapy.http import HtmlResponse

from checks.runner import run_rules
from crawler import writer
from crawler.extractors import PageContext
from crawler.extractors.columns.extractor import ColumnExtractor
from crawler.page import parse_html
from reports.scheme import load_scheme
from storage import models as m
from storage.session import session_scope, upgrade
from storage.snapshot import build_snapshot

HOME = "http://www.example.gov.cn/"


def _page(ext: ColumnExtractor, url: str, body: str, depth: int) -> None:
    html = f'<html><head><meta charset="utf-8"><title>t</title></head><body>{body}</body></html>'
    resp = HtmlResponse(url, body=html.encode(), request=Request(url))
    spider = SimpleNamespace(request_page=lambda url, depth, within_budget=True: None)
    list(ext.on_page(PageContext(url=url, response=resp, html=html, parsed=parse_html(html, url), depth=depth,
                                 spider=spider)))


def test_columns_written_and_judged(db_url: str) -> None:
    upgrade(db_url)
    with session_scope(db_url) as session:
        session.add(m.Site(id="4213000001", name="示例县人民政府", url=HOME, config={}))
        session.flush()
        run = m.Run(site_id="4213000001", as_of=date(2022, 12, 20), homepage_url=HOME, stats={})
        session.add(run)
        session.flush()
        run_id = run.id
    ext = ColumnExtractor(run_id, HOME)
    nav = '<div class="nav"><ul><li><a href="/xwzx/">要闻动态</a></li><li><a href="/ghjh/">规划计划</a></li></ul></div>'
    _page(ext, HOME, nav + '<ul><li><a href="/xwzx/t20221218_1.html">常务会议</a>2022-12-18</li></ul>', 0)
    _page(ext, HOME + "xwzx/", nav + '<ul><li><a href="/xwzx/t20221101_2.html">旧闻</a>2022-11-01</li>'
          '<li><a href="/xwzx/t20221001_3.html">更旧</a>[10-01]</li></ul>', 1)
    _page(ext, HOME + "ghjh/", nav + '<p>暂无信息</p>', 1)
    writer.store(db_url, list(ext.finish()), (run_id, ext.families))  # what the item pipeline does at the end
    with session_scope(db_url) as session:
        snap = build_snapshot(session, run_id)
        assert {"columns", "column_items"} <= snap.facts
        assert [(c.url, c.level, c.type) for c in snap.columns] == [
            (HOME, 0, "other"), (HOME + "ghjh/", 1, "plan"), (HOME + "xwzx/", 1, "news")]
        items = snap.items_of[HOME + "xwzx/"]
        assert [(i.title, i.date, i.date_source) for i in items] == [
            ("旧闻", date(2022, 11, 1), "text"), ("更旧", date(2022, 10, 1), "short")]  # [10-01] placed when judged
        results = run_rules(snap, ["column.stale", "column.blank", "site.homepage_not_updated"],
                            load_scheme("national-2019").params)
    assert [f.subject for f in results["column.stale"].findings] == [HOME + "xwzx/"]
    assert [f.subject for f in results["column.blank"].findings] == [HOME + "ghjh/"]
    assert results["site.homepage_not_updated"].status == "pass"
