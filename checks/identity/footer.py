"""Find the identity elements (页面底部标识) a homepage shows, and the form each is shown in.

The shapes come from real footers (`patterns.yaml` names where each was seen): labels before or after
the value (主办单位：X, X主办), numbers, links and images of the 备案/标识/找错 hosts, image alt/title
texts, and the official widgets. A widget is markup a script turns into the entry (the 找错 script
`<script id="_jiucuo_" sitecode=…>`, its `<span id="_span_jiucuo">`, 大汉's `j-jiucuo`/`j-gov` divs): read
from the rendered DOM the entry it drew is found like any other; when the widget is the only trace —
no browser ran, or the script drew nothing — the element is *not measured*, never missing. An entry
hidden by its own inline style (display:none) is not measured either: a script may show it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from lxml import etree

from checks.derived.html import meta_content, parse, visible_text

_DATA = Path(__file__).with_name("patterns.yaml")
_BLOCK_MAX = 80  # characters of a text block that can be a footer line
_BLOCKS = ("p", "div", "span", "li", "td", "dd", "dt", "font", "strong", "b", "em", "a", "label", "h4", "h5", "h6")
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)


@cache
def patterns() -> dict:
    data = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    data["compiled"] = {el: [(f["form"], f.get("scope", "text"), re.compile(f["pattern"], re.IGNORECASE))
                             for f in forms] for el, forms in data["text"].items()}
    data["site_code_rx"] = data["compiled"]["site_code"][0][2]
    data["image_rx"] = {el: re.compile(rx) for el, rx in data["images"].items()}
    data["onclick_rx"] = {el: re.compile(rx) for el, rx in data["onclick"].items()}
    data["mobile"] = frozenset(data["mobile_words"])
    return data


@dataclass
class Seen:
    """How an element is shown: the form recognised, the text or URL that shows it, mobile footer or not."""

    form: str
    shown: str
    where: str | None = None  # "mobile": only in the footer shown on phones


@dataclass
class Identity:
    """Which elements a page shows (`seen`), which could not be measured (`unmeasured`: why), its 标识码s."""

    seen: dict[str, Seen] = field(default_factory=dict)
    unmeasured: dict[str, str] = field(default_factory=dict)
    site_codes: dict[str, str] = field(default_factory=dict)  # where → 标识码 ("footer", "meta")
    rendered: bool = False

    @property
    def found(self) -> dict[str, str]:
        return {el: s.shown for el, s in self.seen.items()}

    @property
    def forms(self) -> dict[str, str]:
        return {el: s.form + (" (mobile)" if s.where else "") for el, s in self.seen.items()}


def read_identity(html: str, rendered: bool | None = None) -> Identity:
    """The identity elements of a page's HTML; `rendered` says the DOM is the browser's (default: its mark)."""
    tree = parse(html)
    if rendered is None:
        rendered = tree.get("data-ga-rendered") == "1"
    data = patterns()
    ident = Identity(rendered=rendered)
    text = visible_text(tree)
    for element, forms in data["compiled"].items():
        for form, scope, rx in forms:
            if element in ident.seen:
                break
            # the last occurrence: footers close the page, articles may use the same words earlier
            if scope == "text" and (m := _last(rx, text)):
                ident.seen[element] = Seen(form, _around(text, m))
            elif scope == "block":
                hits = [t for t in _short_blocks(tree) if rx.search(t)]
                if hits:
                    ident.seen[element] = Seen(form, hits[-1])
    hidden: dict[str, str] = {}
    for el in tree.xpath("//a | //img | //script[@src] | //iframe[@src] | //area"):
        for element, form, shown in _marks(el, data):
            if element in ident.seen:
                continue
            if _hidden(el):
                hidden.setdefault(element, f"入口被内联样式隐藏（{form}：{shown[:80]}） / hidden by its inline style")
            else:
                ident.seen[element] = Seen(form, shown[:120], "mobile" if _mobile(el, data["mobile"]) else None)
    for element, why in hidden.items():
        if element not in ident.seen:
            ident.unmeasured[element] = why
    for element, widgets in data["widgets"].items():
        if element in ident.seen or element in ident.unmeasured:
            continue
        for w in widgets:
            nodes = tree.xpath(w["xpath"])
            if nodes:
                ident.unmeasured[element] = _widget_reason(w["form"], nodes[0], rendered)
                break
    m = data["site_code_rx"].search(text)
    if m:
        ident.site_codes["footer"] = m.group(1)
    meta = meta_content(tree, "SiteIDCode")
    if meta:
        ident.site_codes["meta"] = meta
    return ident


def _marks(el: etree._Element, data: dict) -> list[tuple[str, str, str]]:
    """(element, form, shown) for what one link, image, script or frame shows."""
    out = []
    url = el.get("href") or el.get("src") or ""
    host = (urlsplit(url).hostname or "").lower() if "//" in url else ""
    path = urlsplit(url).path.lower()
    for element, needles in data["hosts"].items():
        if host and any(n in host for n in needles):
            out.append((element, "host", url))
    for element, needles in data["paths"].items():
        if any(n in path for n in needles):
            out.append((element, "path", url))
    alt = " ".join(filter(None, [el.get("alt"), el.get("title")]))
    for element, rx in data["image_rx"].items():
        if alt and rx.search(alt):
            out.append((element, "image_alt" if el.tag == "img" else "title", alt.strip()))
    if el.tag == "a":
        label = " ".join(el.text_content().split())
        for element in ("conac", "zhaocuo", "contact"):
            rx = data["compiled"][element][0][2]
            if label and rx.search(label):
                out.append((element, "link_text", label[:80]))
    onclick = " ".join(filter(None, [el.get("onclick"), *(c.get("onclick") or "" for c in el.iter("img"))]))
    for element, rx in data["onclick_rx"].items():
        if onclick and (m := rx.search(onclick)) and (el.tag == "img" or len(el) or el.text_content().strip()):
            out.append((element, "jiucuo_link", m.group(0)))
    return out


def _short_blocks(tree: etree._Element):  # noqa: ANN202 - a generator of strings
    for el in tree.iter(*_BLOCKS):
        raw = el.text_content()
        if len(raw) > 4 * _BLOCK_MAX:
            continue
        words = " ".join(" ".join(el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")).split())
        if words and len(words) <= _BLOCK_MAX:
            yield words


def _hidden(el: etree._Element) -> bool:
    node = el
    while node is not None and isinstance(node.tag, str):
        if node.get("hidden") is not None or _HIDDEN.search(node.get("style") or ""):
            return True
        node = node.getparent()
    return False


def _mobile(el: etree._Element, words: frozenset[str]) -> bool:
    for node in [el, *el.iterancestors()]:
        tokens = re.split(r"[-_\s]+", f"{node.get('class') or ''} {node.get('id') or ''}".lower())
        if words.intersection(tokens):
            return True
    return False


def _widget_reason(form: str, node: etree._Element, rendered: bool) -> str:
    code = node.get("sitecode") or node.get("data-setting") or ""
    what = f"{form}{'（' + code + '）' if code else ''}"
    if rendered:
        return f"只见到由脚本生成入口的标记 {what}，浏览器中脚本未画出入口 / widget drew nothing in the browser"
    return f"入口由脚本生成（{what}），未经浏览器渲染，无法确认 / widget not rendered (no browser)"


def _last(rx: re.Pattern, text: str) -> re.Match | None:
    m = None
    for m in rx.finditer(text):  # noqa: B007 - the last match is wanted
        pass
    return m


def _around(text: str, m: re.Match, width: int = 24) -> str:
    return text[max(0, m.start() - width): m.end() + width].strip()
