"""A page's HTML as one lxml tree, read the same way by the crawler (a fresh response) and by the
rules (the stored body), so both see the same elements and text."""
from __future__ import annotations

import re

import lxml.html
from lxml import etree

_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def parse_document(html: str) -> etree._Element:
    """The document's root element; raises `etree.ParserError` or `ValueError` when lxml cannot read it.

    lxml refuses a str that starts with an XML declaration (old XHTML templates): it is dropped.
    Markup libxml2 puts under a second top-level <html> is moved into the first (`merge_roots`).
    Parsed with `huge_tree`: without it libxml2 silently drops everything after 256 nested elements (300
    unclosed <font> of a legacy list hid the spam after them); past libxml2's hard limit (2048) the rest is
    still cut — `parse_document_checked` says so.
    """
    return parse_document_checked(html)[0]


def parse_document_checked(html: str) -> tuple[etree._Element, bool]:
    """`parse_document` and whether libxml2 cut the document (`parse_truncated`: a resource limit — nesting
    deeper than it builds — dropped the rest of the page, so what follows was never read)."""
    if html.lstrip().startswith("<?xml"):
        html = _XML_DECL.sub("", html, count=1)
    parser = lxml.html.HTMLParser(huge_tree=True)
    tree = lxml.html.document_fromstring(html, parser=parser)
    truncated = any(e.type_name == "ERR_RESOURCE_LIMIT" or "Excessive depth" in e.message for e in parser.error_log)
    return merge_roots(tree), truncated


def merge_roots(tree: etree._Element) -> etree._Element:
    """One tree for the whole document: after a comment past the first </html>, libxml2 starts a
    second top-level <html> for the rest of the markup (a real gov.cn 国务院公报 article has its whole
    text and half its links there), which `tree.iter()` and `tree.find("body")` never reach. Its
    content is moved to the end of the first <body>."""
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


_NOT_READ = {"script", "style", "noscript", "template"}


def crawler_view(html: str) -> tuple[str | None, str]:
    """What a search engine's crawler reads of a page: its title, and the title, meta keywords and
    description and all body text — hidden text included — whitespace collapsed. The crawler stores
    it for each spider/referrer variant, and `content.cloaking` compares it with the normal page's."""
    try:
        tree = parse_document(html)
    except (etree.ParserError, ValueError):
        return None, ""
    title_el = tree.find(".//title")
    title = " ".join(title_el.text_content().split()) if title_el is not None else None
    parts = [title or ""]
    for meta in tree.iter("meta"):
        if (meta.get("name") or "").lower() in ("keywords", "description"):
            parts.append(meta.get("content") or "")
    body = tree.find("body")
    for el in (body if body is not None else tree).iter():
        if isinstance(el.tag, str) and el.tag not in _NOT_READ and el.text:
            parts.append(el.text)
        if el.tail:
            parts.append(el.tail)
    return title, " ".join(" ".join(parts).split())
