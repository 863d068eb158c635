"""What a monitored page shows for defacement monitoring (content.defacement): title, visible text, the
outside hosts of its scripts and frames, and where it sends a visitor. The same reading makes a baseline
(govaudit/baselines.py) and the state compared with it, so the two never differ by method."""
from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from checks.content.hosts import outside
from checks.content.pages import page_tree
from storage.facts.pages import TEXT_CAP, PageFact

_REFRESH = re.compile(r"^\s*\d*\s*[;,]?\s*url\s*=\s*['\"]?([^'\"\s>]+)", re.IGNORECASE)
# An unconditional top-level navigation written in a script: location = "…", location.href = "…",
# location.replace("…"), window.open is not a redirect. Conditional (referrer/spider) redirects are
# content.spam_injection's signatures.
_JS_NAV = re.compile(r"""(?:window\.|top\.|self\.|document\.)?location(?:\.href)?\s*(?:=|\.replace\(|\.assign\()\s*['"](https?://[^'"\s]+)""",
                     re.IGNORECASE)
_CONDITION = re.compile(r"referrer|navigator\.userAgent|spider|baidu|sogou|\bif\s*\(", re.IGNORECASE)


@dataclass(frozen=True)
class Monitored:
    """One monitored page's state (plain data: stored as a baseline fact, compared by the rule)."""

    url: str
    title: str
    text: str
    script_hosts: tuple[str, ...]
    iframe_hosts: tuple[str, ...]
    redirect_host: str | None


def site_hosts(homepage_url: str, site_url: str) -> set[str]:
    return {(urlsplit(u).hostname or "").lower() for u in (homepage_url, site_url)} - {""}


def read_page(page: PageFact, html: str | None, hosts: set[str]) -> Monitored:
    """The monitored state of a fetched page (`html` its stored body, or None)."""
    scripts: set[str] = set()
    frames: set[str] = set()
    redirect: str | None = None
    base = page.final_url or page.url
    final_host = (urlsplit(base).hostname or "").lower()
    if page.final_url and outside(page.final_url, hosts):
        redirect = final_host
    if html:
        tree = page_tree(html)
        for src in tree.xpath("//script/@src"):
            _add_host(scripts, urljoin(base, src.strip()), hosts)
        for src in tree.xpath("//iframe/@src | //frame/@src"):
            _add_host(frames, urljoin(base, src.strip()), hosts)
        if redirect is None:
            for content in tree.xpath("//meta[translate(@http-equiv,'REFSH','refsh')='refresh']/@content"):
                m = _REFRESH.match(content or "")
                if m and outside(urljoin(base, m.group(1)), hosts):
                    redirect = (urlsplit(urljoin(base, m.group(1))).hostname or "").lower()
                    break
        if redirect is None:
            for script in tree.xpath("//script[not(@src)]/text()"):
                if _CONDITION.search(script):
                    continue
                m = _JS_NAV.search(script)
                if m and outside(m.group(1), hosts):
                    redirect = (urlsplit(m.group(1)).hostname or "").lower()
                    break
    return Monitored(url=page.url, title=(page.title or "").strip(), text=(page.text or "")[:TEXT_CAP],
                     script_hosts=tuple(sorted(scripts)), iframe_hosts=tuple(sorted(frames)), redirect_host=redirect)


def _add_host(into: set[str], url: str, hosts: set[str]) -> None:
    if url.startswith(("http://", "https://", "//")) and outside(url, hosts):
        host = (urlsplit(url).hostname or "").lower()
        if host:
            into.add(host)


_SPACE = re.compile(r"\s+")


def shingles(text: str, n: int) -> set[str]:
    """The distinct n-character pieces of a text with white space removed (CJK has no word gaps)."""
    flat = _SPACE.sub("", text or "")
    return {flat[i:i + n] for i in range(max(0, len(flat) - n + 1))}


def retained(before: str, after: str, n: int) -> float:
    """Share of the baseline's text pieces still on the page (1.0 when the baseline had no text)."""
    old = shingles(before, n)
    if not old:
        return 1.0
    return len(old & shingles(after, n)) / len(old)
