"""Parsing helpers shared by rules: the stored HTML as an lxml tree, visible text, links."""
from __future__ import annotations

from functools import lru_cache

from lxml import etree

from storage.html import parse_document

_INVISIBLE = ("script", "style", "noscript", "template")


@lru_cache(maxsize=32)
def parse(html: str) -> etree._Element:
    """An lxml tree of the page (cached: several rules read the homepage), read as the crawler reads it
    (`storage.html.parse_document`); raises `etree.ParserError` or `ValueError` when lxml cannot."""
    return parse_document(html or "<html></html>")


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
