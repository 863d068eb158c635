"""Reading one page for injected spam: fields scored with the lexicon, plus injection-template signatures.

Clean pages cost a literal pre-filter over the stored text (an upper bound of any field's score) and
a few literal searches of the HTML for signatures; only a page whose bound reaches the threshold is
parsed and walked field by field.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from checks.content.dom import Styles, element_path, field_name, text_blocks
from checks.content.hosts import outside
from checks.content.lexicon import Hit, lexicon, quote
from checks.content.pages import page_tree
from storage.facts.pages import TEXT_CAP

# An empty element carrying an id: <legend id="h4sia"></legend>
_EMPTY_ID = re.compile(r"id=[\"']?([A-Za-z0-9_-]{3,16})[\"']?\s*></([a-zA-Z][a-zA-Z0-9]*)>")
_SCRIPT = re.compile(r"<script\b[^>]*>(.*?)</script>", re.IGNORECASE | re.DOTALL)
_ENGINES = re.compile(r"baidu|sogou|so\.com|sm\.cn|haosou|google|bing|360\.cn|toutiao", re.IGNORECASE)
_SPIDER_UA = re.compile(r"baiduspider|sogou|360spider|yisouspider|bytespider|googlebot|spider", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s\"'\\<>)]+", re.IGNORECASE)
_OBFUSCATED = re.compile(r"eval\s*\(|fromCharCode|unescape\s*\(|atob\s*\(|\\x[0-9a-f]{2}", re.IGNORECASE)
_HIDING = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden|left\s*:\s*-\d{3,}|font-size\s*:\s*0|"
                     r"height\s*:\s*[01]px", re.IGNORECASE)
_NAVIGATE = re.compile(r"(?:window\.|top\.|self\.|document\.)?location(?:\.href)?\s*=|location\.replace\s*\(|"
                       r"window\.open\s*\(|document\.write", re.IGNORECASE)
_DOC_WRITE = re.compile(r"document\.write(?:ln)?\s*\(\s*(['\"])(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_TAGS = re.compile(r"<[^>]*>")
_META_CONTENT = re.compile(r"<meta\b[^>]*?content\s*=\s*[\"']([^\"']*)", re.IGNORECASE)
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fa5])\s+|\s+(?=[\u4e00-\u9fa5])")
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


def scan_html(html: str, page_url: str, junk_min_run: int, min_score: int | None = None,
              title: str | None = None, text: str | None = None) -> PageScan:
    """Scan one page's HTML: scored fields (title, meta tags, metadata cells, links, text) and signatures.

    With `min_score`, a page whose lexicon upper bound stays below it is not parsed at all; `title`
    and `text` (the crawler's stored title and visible text) make that pre-filter cheaper than the HTML.
    """
    out = PageScan(signatures=signatures(html, page_url, junk_min_run))
    lex = lexicon()
    pre = spam_prefilter(html, title, text)
    if (lex.bound(pre) < min_score) if min_score is not None else not lex.might_contain(pre):
        return out
    tree = page_tree(html)
    title_el = tree.find(".//title")
    if title_el is not None:
        _add(out, "title", element_path(title_el), title_el.text_content() or "")
    for meta in tree.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("http-equiv") or "").strip()
        content = meta.get("content") or ""
        if name and content:
            _add(out, f"meta:{name}", element_path(meta), content)
    styles = None
    for block, raw_text in text_blocks(tree):
        block_text = " ".join(raw_text.split())
        if not lex.might_contain(block_text):
            continue
        hits = lex.hits(block_text)
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
        if styles is None:
            styles = Styles(tree)
        hidden = styles.hidden_reason(block)
        _add(out, fname, element_path(block), block_text, hits=hits, hidden=hidden[0] if hidden else None, href=href)
    if "document.write" in html:
        for m in _DOC_WRITE.finditer(html):
            _add(out, "script:document.write", "script", re.sub(r"<[^>]+>", " ", m.group(2)))
    return out


def spam_prefilter(html: str, title: str | None, text: str | None) -> str:
    """Everything a field could hold, cheaply: stored title and text plus meta contents and document.write
    strings — or the tag-stripped HTML when the stored text is missing or was capped."""
    if not text or len(text) >= TEXT_CAP:
        raw = _TAGS.sub(" ", html)
    else:
        metas = _META_CONTENT.findall(html) if "<meta" in html else []
        writes = [m.group(2) for m in _DOC_WRITE.finditer(html)] if "document.write" in html else []
        raw = " ".join([title or "", text, *metas, *writes])
    return _CJK_GAP.sub("", " ".join(raw.split()))


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
    """Traces of injection templates: runs of empty tags sharing one random id, scripts that send
    visitors from a search engine (or spiders) to another site, and document.write of hidden links."""
    found: list[dict] = []
    run = _junk_run(html) if "></" in html else None
    if run and run[1] >= junk_min_run:
        ident, count, tags, sample = run
        found.append({"kind": "junk_tags", "detail": f"{count} 个空标签共用 id=\"{ident}\"（{', '.join(tags[:6])}…）",
                      "quote": sample})
    site = {(urlsplit(page_url).hostname or "").lower()}
    if "referrer" in html or "userAgent" in html:
        for m in _SCRIPT.finditer(html):
            code = m.group(1)
            if not _NAVIGATE.search(code):
                continue
            targets = [u for u in _URL.findall(code)
                       if outside(u, site) and not _ENGINES.search(urlsplit(u).hostname or "")]
            if not targets and not _OBFUSCATED.search(code):
                continue  # a mobile redirect or a statistics counter, not a hijack
            where = f"跳转到 {', '.join(targets[:3])}" if targets else "跳转目标经过混淆"
            if "referrer" in code and _ENGINES.search(code):
                found.append({"kind": "referrer_redirect", "quote": " ".join(code.split())[:240],
                              "detail": f"脚本判断访客来自搜索引擎（document.referrer）后{where}"})
            elif "userAgent" in code and _SPIDER_UA.search(code):
                found.append({"kind": "spider_script", "quote": " ".join(code.split())[:240],
                              "detail": f"脚本按搜索引擎爬虫的 User-Agent 改变页面，{where}"})
    if "document.write" in html:
        for m in _DOC_WRITE.finditer(html):
            hidden_outside = [u for u in _HREF.findall(m.group(2)) if outside(u, site)]
            if hidden_outside and _HIDING.search(m.group(2)):
                found.append({"kind": "document_write_hidden_links",
                              "detail": f"document.write 写入隐藏的外站链接：{', '.join(hidden_outside[:5])}",
                              "quote": " ".join(m.group(0).split())[:240]})
    return found


def _junk_run(html: str) -> tuple[str, int, list[str], str] | None:
    """The longest run of consecutive empty elements sharing one id: (id, length, tags, sample)."""
    best: tuple[str, int, list[str], str] | None = None
    prev_end, ident, tags, start = -1, None, [], 0
    for m in _EMPTY_ID.finditer(html):
        lt = html.rfind("<", 0, m.start())
        tag = m.group(2).lower()
        if lt < 0 or html[lt + 1:m.start()].strip().lower() != tag:
            continue  # other attributes, or not the element that closes here
        adjacent = prev_end >= 0 and not html[prev_end:lt].strip()
        if adjacent and m.group(1) == ident:
            tags.append(tag)
        else:
            ident, tags, start = m.group(1), [tag], lt
        prev_end = m.end()
        if len(set(tags)) >= 3 and (best is None or len(tags) > best[1]):
            best = (ident, len(tags), [t for t, _ in Counter(tags).most_common()], html[start:m.end()][:240])
    return best
