"""A mostly static site where only a few columns need JavaScript (the browser bench and its test).

Pages form an 8-ary tree under the homepage. Inner pages are column list pages with a static,
dated list of their children; `js_columns` of them (chosen among the last inner pages, so their
children are leaves) fill their list with `fetch()` of JSON instead, so their children are found
only by rendering. Every article page fetches its hit counter by script — the look-alike that must
stay plain. Deterministic for a given seed.
"""
from __future__ import annotations

import json
import random
from datetime import date, timedelta

from demo.server import Route

__all__ = ["build_render_site", "page_path"]

FANOUT = 8
DAY0 = date(2026, 11, 20)


def page_path(i: int) -> str:
    return "/" if i == 0 else f"/c/{i // 100}/{i}.html"


def build_render_site(pages: int = 2000, js_columns: int = 10, seed: int = 20261127
                      ) -> tuple[dict[str, Route], set[str]]:
    """Routes of the site and the paths of the JS-filled columns."""
    rng = random.Random(seed)
    inner = [i for i in range(pages) if FANOUT * i + 1 < pages]
    js = set(inner[-js_columns:]) if js_columns else set()
    hidden = {c for j in js for c in _children(j, pages)}  # reachable only through a rendered list
    visible = [i for i in range(pages) if i not in hidden]
    routes: dict[str, Route] = {}
    for i in range(pages):
        kids = _children(i, pages)
        related = [page_path(rng.choice(visible)) for _ in range(3)]
        nav = "".join(f'<a href="{h}">相关 {n}</a> ' for n, h in enumerate(["/", *related]))
        if i in js:
            items = json.dumps([{"title": f"信息 {k}", "url": page_path(k), "date": _day(k)} for k in kids],
                               ensure_ascii=False)
            routes[f"/api/col{i}.json"] = Route(body=items.encode(), content_type="application/json; charset=utf-8")
            body = (f'<ul id="list" class="news-list"></ul><script>fetch("/api/col{i}.json").then(r=>r.json())'
                    '.then(xs=>{document.getElementById("list").innerHTML=xs.map(x=>"<li><a href=\\""+x.url+'
                    '"\\">"+x.title+"</a><span>"+x.date+"</span></li>").join("")})</script>')
        elif kids:
            body = '<ul class="list">' + "".join(
                f'<li><a href="{page_path(k)}">信息 {k}</a><span>{_day(k)}</span></li>' for k in kids) + "</ul>"
        else:
            body = (f"<p>发布时间：{_day(i)}</p><p>这是第 {i} 篇文章的正文。</p><p>浏览次数：<span id=\"hits\"></span></p>"
                    '<script>fetch("/api/hits").then(r=>r.text()).then(t=>{document.getElementById("hits")'
                    ".textContent=t})</script>")
        routes[page_path(i)] = Route(body=(
            f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>页面 {i}</title></head>'
            f'<body><h1>页面 {i}</h1><div class="nav">{nav}</div>{body}</body></html>').encode())
    routes["/api/hits"] = Route(body=b"7", content_type="text/plain")
    return routes, {page_path(j) for j in js}


def _children(i: int, pages: int) -> list[int]:
    return list(range(FANOUT * i + 1, min(FANOUT * i + FANOUT + 1, pages)))


def _day(i: int) -> str:
    return (DAY0 - timedelta(days=i % 60)).isoformat()
