"""Reading one page for injected spam: fields scored with the lexicon, plus injection-template signatures.

Clean pages cost one regex pre-filter over the HTML and three signature regexes; only a page that
contains a lexicon term is parsed and walked field by field.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import etree

from checks.content.dom import element_path, field_name, hidden_reason, style_rules, text_blocks
from checks.content.lexicon import Hit, lexicon, quote
from checks.derived.html import parse

# An empty element carrying an id: <legend id="h4sia"></legend>
_EMPTY_ID = re.compile(r"<([a-z][a-z0-9]*)\s+id=[\"']?([A-Za-z0-9_-]{3,16})[\"']?\s*>\s*</\1>", re.IGNORECASE)
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_ENGINES = re.compile(r"baidu|sogou|so\.com|sm\.cn|haosou|google|bing|360\.cn|toutiao", re.IGNORECASE)
_SPIDER_UA = re.compile(r"spider|bot|googlebot|baiduspider|sogou", re.IGNORECASE)
_NAVIGATE = re.compile(r"(?:window\.|top\.|self\.|document\.)?location(?:\.href)?\s*=|location\.replace\s*\(|"
                       r"window\.open\s*\(|document\.write", re.IGNORECASE)
_DOC_WRITE = re.compile(r"document\.write(?:ln)?\s*\(\s*(['\"])(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_HREF = re.compile(r"href\s*=\s*\\?[\"']?(https?://[^\"'\s>\\]+)", re.IGNORECASE)


@dataclass
class FieldHit:
    field: str  # title | meta:keywords | metadata:发布机构 | link | text | script:document.write
    path: str
    text: str  # the field's text, quoted around the hits
    terms: list[str]
    score: int
    hidden: str | None = None
    href: str | None = None

    def as_evidence(self) -> dict:
        out = {"field": self.field, "path": self.path, "quote": self.text, "terms": self.terms, "score": self.score}
        if self.hidden:
            out["hidden"] = self.hidden
        if self.href:
            out["href"] = self.href
        return out


@dataclass
class PageScan:
    fields: list[FieldHit] = field(default_factory=list)  # every field with a lexicon score above 0
    signatures: list[dict] = field(default_factory=list)

    def spam_fields(self, min_score: int) -> list[FieldHit]:
        return [f for f in self.fields if f.score >= min_score]

    def terms(self, min_score: int) -> set[str]:
        return {t for f in self.spam_fields(min_score) for t in f.terms}


def scan_html(html: str, page_url: str, junk_min_run: int) -> PageScan:
    """Scan one page's HTML: scored fields (title, meta tags, metadata cells, links, text) and signatures."""
    out = PageScan(signatures=signatures(html, page_url, junk_min_run))
    lex = lexicon()
    if not lex.might_contain(html):
        return out
    tree = parse(html)
    title = tree.find(".//title")
    if title is not None:
        _add(out, "title", element_path(title), title.text_content() or "")
    for meta in tree.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("http-equiv") or "").strip()
        content = meta.get("content") or ""
        if name and content:
            _add(out, f"meta:{name}", element_path(meta), content)
    rules = None
    for block, text in text_blocks(tree):
        if not lex.might_contain(text):
            continue
        hits = lex.hits(text)
        if not hits:
            continue
        href = None
        fname = field_name(block)
        if fname is None:
            fname = "text"
            for a in block.iter("a"):
                anchor = a.text_content() or ""
                if any(h.term in anchor for h in hits):
                    fname, href = "link", a.get("href")
                    break
        if rules is None:
            rules = style_rules(tree)
        hidden = hidden_reason(block, rules)
        _add(out, fname, element_path(block), text, hits=hits, hidden=hidden[0] if hidden else None, href=href)
    for m in _DOC_WRITE.finditer(html):
        written = re.sub(r"<[^>]+>", " ", m.group(2))
        _add(out, "script:document.write", "script", written)
    return out


def _add(out: PageScan, fname: str, path: str, text: str, hits: list[Hit] | None = None,
         hidden: str | None = None, href: str | None = None) -> None:
    text = " ".join(text.split())
    lex = lexicon()
    hits = lex.hits(text) if hits is None else hits
    if not hits:
        return
    score = lex.score(hits)
    first, last = min(h.start for h in hits), max(h.end for h in hits)
    out.fields.append(FieldHit(field=fname, path=path, text=quote(text, first, min(last, first + 120)),
                               terms=sorted({h.term for h in hits}), score=score, hidden=hidden, href=href))


def signatures(html: str, page_url: str, junk_min_run: int) -> list[dict]:
    """Traces of injection templates: runs of empty tags sharing one random id, search-referrer or
    spider-only redirects in scripts, and document.write of links to other sites."""
    found: list[dict] = []
    run = _junk_run(html)
    if run and run[1] >= junk_min_run:
        ident, count, tags, sample = run
        found.append({"kind": "junk_tags", "detail": f"{count} 个空标签共用 id=\"{ident}\"（{', '.join(tags[:6])}…）",
                      "quote": sample})
    home = (urlsplit(page_url).hostname or "").lower()
    for m in _SCRIPT.finditer(html):
        code = m.group(1)
        if not code.strip() or not _NAVIGATE.search(code):
            continue
        if "referrer" in code and _ENGINES.search(code):
            found.append({"kind": "referrer_redirect", "detail": "脚本判断访客来自搜索引擎（document.referrer）后跳转或改写页面",
                          "quote": " ".join(code.split())[:240]})
        elif "userAgent" in code and _SPIDER_UA.search(code.split("userAgent", 1)[1][:300]):
            found.append({"kind": "spider_script", "detail": "脚本按搜索引擎爬虫的 User-Agent 改变页面",
                          "quote": " ".join(code.split())[:240]})
    for m in _DOC_WRITE.finditer(html):
        outside = [u for u in _HREF.findall(m.group(2)) if (urlsplit(u).hostname or "").lower() != home]
        if outside and re.search(r"display\s*:\s*none|visibility\s*:\s*hidden|left\s*:\s*-\d{3,}|"
                                 r"font-size\s*:\s*0|height\s*:\s*[01]px", m.group(2), re.IGNORECASE):
            found.append({"kind": "document_write_hidden_links",
                          "detail": f"document.write 写入隐藏的外站链接：{', '.join(outside[:5])}",
                          "quote": " ".join(m.group(0).split())[:240]})
    return found


def _junk_run(html: str) -> tuple[str, int, list[str], str] | None:
    """The longest run of consecutive empty elements sharing one id: (id, length, tags, sample)."""
    best: tuple[str, int, list[str], str] | None = None
    prev_end, ident, tags, start = -1, None, [], 0
    for m in _EMPTY_ID.finditer(html):
        adjacent = prev_end >= 0 and not html[prev_end:m.start()].strip()
        if adjacent and m.group(2) == ident:
            tags.append(m.group(1).lower())
        else:
            ident, tags, start = m.group(2), [m.group(1).lower()], m.start()
        prev_end = m.end()
        if len(set(tags)) >= 3 and (best is None or len(tags) > best[1]):
            best = (ident, len(tags), [t for t, _ in Counter(tags).most_common()], html[start:m.end()][:240])
    return best
