"""Reading one HTML response once: title, visible text, outgoing references, markers."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from crawler.items import LinkRecord
from storage.facts.pages import TEXT_CAP
from storage.html import parse_document_checked
from storage.vocabulary import canonical

# Targets that are documents, not pages to parse: checked (HEAD, then a ranged GET), never crawled.
ATTACHMENT_EXT = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".wps", ".et", ".ppt", ".pptx", ".zip", ".rar",
                  ".7z", ".jpg", ".jpeg", ".png", ".gif", ".bmp", ".webp", ".svg", ".ico", ".mp4", ".mp3",
                  ".flv", ".avi", ".css", ".js", ".txt", ".xml", ".apk", ".exe", ".ofd", ".tif")
CRAWL_TAGS = {"a", "area", "iframe", "frame"}

_REFS = (
    ("a", "href"), ("area", "href"), ("img", "src"), ("script", "src"), ("link", "href"),
    ("iframe", "src"), ("frame", "src"), ("embed", "src"), ("source", "src"), ("video", "src"), ("audio", "src"),
)
_REF_ATTR = dict(_REFS)
_LINK_RELS = {"stylesheet", "icon", "shortcut", "preload", "apple-touch-icon"}
_INVISIBLE = {"script", "style", "noscript", "template", "head", "title"}
# Script challenges of anti-bot walls (瑞数 $_ts, 加速乐 __jsl_clearance, WZWS, 安全狗/云锁, 创宇盾).
_CHALLENGE = re.compile(r"__jsl_clearance|wzws_cid|WZWS_|\$_ts\s*=|_\$[a-z]{2}\(|yunsuo_session|safedog|jiasule|"
                        r"_waf_bd8ce2ce|请开启JavaScript|please enable javascript", re.IGNORECASE)


@dataclass
class ParsedPage:
    title: str | None = None
    text: str = ""
    links: list[LinkRecord] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    tree: etree._Element | None = None  # the one lxml parse, shared with the page extractors


def parse_html(html: str, base_url: str, with_links: bool = True) -> ParsedPage:
    """Parse once with lxml; links are canonical absolute http(s) URLs, one per (target, tag)."""
    out = ParsedPage()
    if _CHALLENGE.search(html[:20000]):
        out.flags.append("js_challenge")
    try:
        tree, truncated = parse_document_checked(html)
    except (etree.ParserError, ValueError):
        return out
    if truncated:
        out.flags.append("parse_truncated")  # nested past libxml2's limit: the rest of the page was not read
    out.tree = tree
    title = tree.find(".//title")
    out.title = " ".join(title.text_content().split())[:500] if title is not None else None
    base = tree.find(".//base[@href]")
    if base is not None:
        base_url = canonical(base.get("href"), base_url) or base_url
    if tree.xpath("//meta[translate(@http-equiv,'REFRESH','refresh')='refresh']"):
        out.flags.append("meta_refresh")
    out.text = _visible_text(tree)[:TEXT_CAP]
    if with_links:
        out.links = _links(tree, base_url)
    return out


def _links(tree: etree._Element, base_url: str) -> list[LinkRecord]:
    """The page's references in document order, one per (target, tag); the crawl's hottest loop."""
    links: list[LinkRecord] = []
    seen: set[tuple[str, str]] = set()
    origin = _origin(base_url)
    skip = ("javascript:", "mailto:", "tel:", "#", "data:")
    for el in tree.iter(*_REF_ATTR):  # one pass, in document order
        tag = el.tag
        raw = el.get(_REF_ATTR[tag])
        if not raw or raw.startswith(skip):
            continue
        if tag == "link" and not (set((el.get("rel") or "").lower().split()) & _LINK_RELS):
            continue
        target = _fast_root_relative(origin, raw) or canonical(raw, base_url)
        if target is None or (target, tag) in seen:
            continue
        seen.add((target, tag))
        if tag == "a":  # a leaf anchor's text is its .text (4× cheaper than text_content())
            text = " ".join(((el.text or "") if len(el) == 0 else el.text_content()).split())[:200]
        else:
            text = el.get("alt")
        links.append(LinkRecord(target, tag, text or None))
    return links


def _origin(base_url: str) -> str | None:
    """`scheme://host[:port]` of the canonical base, for the root-relative fast path."""
    base = canonical(base_url)
    if base is None:
        return None
    return base[: base.index("/", base.index("//") + 2)]


_SLOW_CHARS = re.compile(r"[\s\\]|/\.")


def _fast_root_relative(origin: str | None, raw: str) -> str | None:
    """The canonical form of a plain root-relative href ("/a/b.html?x=1") without urljoin, or None.

    Most links of a government site look like this; anything unusual (dot segments, whitespace,
    backslashes, "//host") takes the general path, which gives the same result.
    """
    if origin is None or not raw.startswith("/") or raw.startswith("//") or _SLOW_CHARS.search(raw):
        return None
    path = raw.split("#", 1)[0]
    return None if path.endswith("?") else origin + path


def _visible_text(tree: etree._Element) -> str:
    body = tree.find("body")
    root = body if body is not None else tree
    parts: list[str] = []
    for el in root.iter():
        if not isinstance(el.tag, str) or el.tag in _INVISIBLE:
            if el.tail and el.tail.strip():
                parts.append(el.tail)
            continue
        if el.text and el.text.strip():
            parts.append(el.text)
        if el.tail and el.tail.strip():
            parts.append(el.tail)
    return " ".join(" ".join(parts).split())


def decode_html(body: bytes, content_type: str | None = None) -> str:
    """Decode a page by its BOM, its declared charset (Content-Type, then meta) — GBK and GB2312 read as
    GB18030 — else UTF-8 when it is valid, else GB18030 (w3lib, as Scrapy decodes the crawl)."""
    from w3lib.encoding import html_to_unicode

    return html_to_unicode(content_type, body, auto_detect_fun=_utf8_or_gb18030)[1]


def _utf8_or_gb18030(body: bytes) -> str:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return "gb18030"
    return "utf-8"
