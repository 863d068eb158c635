"""Parsing helpers shared by rules: the stored HTML as an lxml tree, visible text, links."""
from __future__ import annotations

from functools import lru_cache

import lxml.html
from lxml import etree

_INVISIBLE = ("script", "style", "noscript", "template")


@lru_cache(maxsize=32)
def parse(html: str) -> etree._Element:
    """An lxml tree of the page (cached: several rules read the homepage), in one piece (`merge_roots`)."""
    return merge_roots(lxml.html.document_fromstring(html or "<html></html>"))


def merge_roots(tree: etree._Element) -> etree._Element:
    """One tree for the whole document: after a comment past the first </html>, libxml2 starts a
    second top-level <html> for the rest of the markup, which `tree.iter()` and `tree.find("body")`
    never reach; its content is moved to the end of the first <body>. The crawler reads pages the
    same way (crawler/page.py; rules may not import the crawler)."""
    extra = [e for e in tree.itersiblings() if isinstance(e.tag, str)]
    if not extra:
        return tree
    body = tree.find("body")
    body = body if body is not None else tree
    for root in extra:
        src = root.find("body")
        src = src if src is not None else root
        if src.text and src.text.strip():
            if len(body):
                body[-1].tail = (body[-1].tail or "") + src.text
            else:
                body.text = (body.text or "") + src.text
        for child in list(src):
            body.append(child)
    return tree


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
