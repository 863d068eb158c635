"""Parsing helpers shared by rules: the stored HTML as an lxml tree, visible text, links."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from lxml import etree

from storage.html import parse_document_checked

_INVISIBLE = ("script", "style", "noscript", "template")


# The `parse_truncated` fact, derived from the stored body: the pages whose tree libxml2 cut (nesting past its
# limit) that the rule being run has read. `checks.runner` collects it per rule: a rule that read a cut page
# and found nothing is `not_measured` (what followed the cut was never read), never a pass.
_TRUNCATED: ContextVar[list[str] | None] = ContextVar("parse_truncated", default=None)


@lru_cache(maxsize=32)
def _parse(html: str) -> tuple[etree._Element, bool]:
    return parse_document_checked(html or "<html></html>")


def parse(html: str) -> etree._Element:
    """An lxml tree of the page (cached: several rules read the homepage), read as the crawler reads it
    (`storage.html.parse_document`); raises `etree.ParserError` or `ValueError` when lxml cannot."""
    tree, truncated = _parse(html)
    if truncated:
        seen = _TRUNCATED.get()
        if seen is not None:
            title = tree.find(".//title")
            seen.append(" ".join((title.text_content() if title is not None else "").split())[:80] or "?")
    return tree


def parse_truncated(html: str) -> bool:
    """The `parse_truncated` fact of a stored body: libxml2 dropped the rest of the document."""
    try:
        return _parse(html)[1]
    except (etree.ParserError, ValueError):
        return False


@contextmanager
def truncated_reads() -> Iterator[list[str]]:
    """Collect which cut pages (their titles) are parsed inside the block (`checks.runner`, per rule)."""
    seen: list[str] = []
    token = _TRUNCATED.set(seen)
    try:
        yield seen
    finally:
        _TRUNCATED.reset(token)


def visible_text(tree: etree._Element) -> str:
    """Text a person could read, without scripts and styles, whitespace collapsed."""
    parts = [
        t for t in tree.xpath("//body//text()")
        if t.getparent() is not None and t.getparent().tag not in _INVISIBLE and not isinstance(t.getparent(), etree._Comment)
    ]
    return " ".join(" ".join(parts).split())


def meta_content(tree: etree._Element, name: str) -> str | None:
    """The content of <meta name=…> (case-insensitive name), or None when absent."""
    for meta in tree.iter("meta"):
        if (meta.get("name") or "").lower() == name.lower():
            return (meta.get("content") or "").strip()
    return None
