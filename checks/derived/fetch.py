"""Shared reading of a fetch: did it fail, and was the failure a measurement we can trust?"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from storage.facts.pages import PageFact
from storage.vocabulary import WALL_STATUSES

# Error classes recorded by the crawler that say the target itself failed.
FAILED_ERRORS = {"dns", "connect", "tls", "timeout", "reset", "redirect_loop", "too_many_redirects"}
# Error classes that say we did not (or could not honestly) measure the target.
UNMEASURED_ERRORS = {"refused_private", "skipped", "other"}


def behind_wall(page: PageFact) -> bool:
    """An anti-bot wall answered (瑞数 412, 加速乐 521, WZWS …): the target was not really seen."""
    return "js_challenge" in page.flags and (page.status in WALL_STATUSES or page.status == 200)


def unconfirmed_failure(page: PageFact) -> bool:
    """A timeout or reset the browser should have retried (no browser, or its budget was spent):
    a wall may drop plain clients, so the failure is not measured."""
    return page.error is not None and "needs_render" in page.flags


@cache
def _soft404() -> dict:
    data = yaml.safe_load((Path(__file__).parent.parent / "data" / "soft404.yaml").read_text(encoding="utf-8"))
    return {
        "funnel_min": int(data["redirect_funnel_min_targets"]),
        "root_paths": re.compile(data["root_paths"], re.IGNORECASE),
        "error_paths": re.compile(data["error_paths"], re.IGNORECASE),
        "max_text_chars": int(data["max_text_chars"]),
        "title": [re.compile(p, re.IGNORECASE) for p in data["title_patterns"]],
        "body": [re.compile(p, re.IGNORECASE) for p in data["body_patterns"]],
    }


def soft_404(page: PageFact) -> str | None:
    """The phrase that shows an HTTP 200 page is an error page (软404), or None."""
    if page.status != 200 or not page.is_html:
        return None
    rules = _soft404()
    title = page.title or ""
    for rx in rules["title"]:
        m = rx.search(title)
        if m:
            return f"标题：{title.strip()[:80]}"
    text = page.text or ""
    if len(text) <= rules["max_text_chars"]:
        for rx in rules["body"]:
            m = rx.search(text)
            if m:
                return f"正文：{text[max(0, m.start() - 20): m.end() + 20].strip()}"
    return None


def redirect_funnels(pages: Mapping[str, PageFact]) -> dict[str, str]:
    """Targets whose redirects end where missing URLs are sent: one root page, or an error page.

    A root page (`/`, `/index.html` …) counts when at least `redirect_funnel_min_targets` distinct
    non-root URLs end on it; an error page (its path says 404/error/notfound, or it reads as a
    soft-404 itself) counts for any number. Returns target URL → the reason shown as evidence.
    """
    rules = _soft404()
    to_root: dict[str, list[str]] = defaultdict(list)
    out: dict[str, str] = {}
    for url, page in pages.items():
        final = page.final_url
        if not page.redirects or not final or final == url or not page.ok:
            continue
        final_path = urlsplit(final).path or "/"
        landing = pages.get(final)
        if rules["error_paths"].search(final_path) or (landing is not None and soft_404(landing)):
            out[url] = f"重定向到错误页 {final}"
        elif rules["root_paths"].match(final_path) and not rules["root_paths"].match(urlsplit(url).path or "/"):
            to_root[final].append(url)
    for final, urls in to_root.items():
        if len(urls) >= rules["funnel_min"]:
            for url in urls:
                out[url] = f"重定向到首页 {final}（{len(urls)} 个不同链接都被重定向到这里）"
    return out
