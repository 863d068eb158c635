"""A large synthetic site for the crawl benchmark: 5,000 pages, about 150,000 links, 200 missing targets.

Pages form an 8-ary tree under the homepage (so every page is reachable within a few hops) and each
page adds random links to other pages, one in five links a page of the external host, and the
missing targets are each linked from three pages. Deterministic for a given seed.
"""
from __future__ import annotations

import random

from demo.server import Route

__all__ = ["build_big_site", "page_path"]

FANOUT = 8        # tree children per page: depth stays about log8(5000) ≈ 5
EXTERNAL_PAGES = 100
LINKS_PER_MISSING = 3


def page_path(i: int) -> str:
    """The path of page `i` (0 is the homepage)."""
    return "/" if i == 0 else f"/p/{i // 100}/{i}.html"


def build_big_site(base_url: str, external_base: str, pages: int = 5000, links_per_page: int = 30,
                   missing: int = 200, seed: int = 20261123
                   ) -> tuple[dict[str, Route], dict[str, Route], set[str]]:
    """Routes of the site and of its external host, and the absolute URLs of the missing targets."""
    base, ext = base_url.rstrip("/"), external_base.rstrip("/")
    rng = random.Random(seed)
    # Each missing target is linked from a few random pages (never the homepage: it stays clean).
    dead_on: dict[int, list[int]] = {}
    for j in range(missing):
        for i in rng.sample(range(1, pages), min(LINKS_PER_MISSING, pages - 1)):
            dead_on.setdefault(i, []).append(j)
    routes: dict[str, Route] = {}
    for i in range(pages):
        hrefs = [page_path(c) for c in range(FANOUT * i + 1, min(FANOUT * i + FANOUT + 1, pages))]
        if i:
            hrefs.append(page_path((i - 1) // FANOUT))
        hrefs += [f"/gone/{j}.html" for j in dead_on.get(i, ())]
        if rng.random() < 0.2:
            hrefs.append(f"{ext}/ext/{rng.randrange(EXTERNAL_PAGES)}.html")
        seen = set(hrefs)
        while len(hrefs) < links_per_page and len(seen) < pages + 1:
            href = page_path(rng.randrange(pages))
            if href not in seen:
                seen.add(href)
                hrefs.append(href)
        routes[page_path(i)] = Route(body=_page(i, hrefs))
    routes["/index.html"] = routes["/"]
    external = {f"/ext/{k}.html": Route(body=_page(10_000 + k, [])) for k in range(EXTERNAL_PAGES)}
    expected = {f"{base}/gone/{j}.html" for j in range(missing)}
    return routes, external, expected


def _page(i: int, hrefs: list[str]) -> bytes:
    items = "".join(f'<li><a href="{h}">信息 {n}</a></li>' for n, h in enumerate(hrefs))
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        # "页面{i}", not "页面 {i}": a title ending in " 404" reads as an error page (软404).
        f"<title>示例页面{i}</title></head><body><h1>示例页面{i}</h1>"
        f"<p>这是基准测试站点的第{i}个页面，用于测量抓取速度。</p><ul>{items}</ul></body></html>"
    ).encode()
