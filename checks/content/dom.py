"""Where a piece of text sits in a page (element path, metadata field) and whether people can see it.

Visibility is decided statically (`Styles`) from inline `style` attributes and the page's own
`<style>` rules; what needs a browser (external stylesheets, scripts) is left to the rendered-DOM
facts (see content.hidden_link).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

INLINE = {"a", "span", "font", "b", "strong", "em", "i", "u", "label", "small", "big", "sup", "sub", "abbr",
          "acronym", "cite", "code", "q", "s", "strike", "mark", "ins", "del", "nobr", "img", "br"}
# Labels of the 信息公开 metadata block (索引号/发布机构/成文日期 …) and of article headers.
META_LABELS = ("索引号", "发布机构", "发文机关", "发文单位", "主题分类", "主题词", "成文日期", "发布日期", "发文日期",
               "发文字号", "文号", "有效性", "信息来源", "来源", "作者", "责任编辑", "公开方式", "公开范围", "所属机构",
               "信息名称", "标题", "名称", "内容概述", "生成日期", "体裁分类", "组配分类", "服务对象", "信息分类")
_LABEL_RX = re.compile(r"^\s*(" + "|".join(sorted(META_LABELS, key=len, reverse=True)) + r")\s*[:：]?\s*")
_SKIP = {"script", "style", "noscript", "template", "head", "title"}
# Only the properties that can hide something; a literal alternation keeps long CSS (data: URIs) linear.
_DECL = re.compile(r"(?<![\w-])(display|visibility|opacity|position|left|top|right|bottom|text-indent|width|height|"
                   r"overflow|font-size|color|background-color|background-image|background|clip-path|clip)\s*:\s*"
                   r"([^;}]*)", re.IGNORECASE)
_SIMPLE = re.compile(r"^([a-z][a-z0-9]*)?((?:[.#][\w-]+)*)$", re.IGNORECASE)
_LENGTH = re.compile(r"^(-?\d+(?:\.\d+)?)(px|pt|em|rem|%)?$")


def element_path(el: etree._Element) -> str:
    """A readable XPath of the element (/html/body/div[2]/table/tr[3]/td[2])."""
    try:
        return el.getroottree().getpath(el)
    except ValueError:
        return el.tag if isinstance(el.tag, str) else "?"


def field_name(block: etree._Element) -> str | None:
    """`metadata:发布机构` when the block is the value cell of a labelled metadata row, or starts with the label."""
    text = " ".join((block.text_content() or "").split())
    m = _LABEL_RX.match(text)
    if m and len(text) > m.end():
        return f"metadata:{m.group(1)}"
    prev = block.getprevious()
    while prev is not None and not isinstance(prev.tag, str):
        prev = prev.getprevious()
    if prev is not None and block.tag in ("td", "dd", "span", "div", "li", "p"):
        label = " ".join((prev.text_content() or "").split())
        m = _LABEL_RX.match(label)
        if m and len(label) <= len(m.group(0)) + 2:
            return f"metadata:{m.group(1)}"
    return None


def declarations(style: str) -> dict[str, str]:
    """`display:none; color:#fff` → {"display": "none", "color": "#fff"} (lower case, !important dropped)."""
    return {k.lower(): v.lower().replace("!important", "").strip() for k, v in _DECL.findall(style or "")}


@dataclass(frozen=True)
class StyleRule:
    chain: tuple[tuple[str | None, frozenset[str], str | None], ...]  # descendant chain of (tag, classes, id)
    decls: dict


# Techniques page layouts also use for drop-downs, tabs, accordions and image replacement: alone they
# prove nothing. The others (off-screen, zero font, same colour, marquee tricks) hide text on purpose.
MENU_LIKE = ("display:none", "visibility:hidden", "opacity:0", "hidden属性", "尺寸为零", "clip:", "text-indent:")


class Styles:
    """The page's own <style> rules (simple selectors: tag, .class, #id, tag.class and descendant chains
    of those) and inline styles, with per-element caching: enough to see most hiding without a browser."""

    def __init__(self, tree: etree._Element) -> None:
        self.by_key: dict[str, list[StyleRule]] = {}
        self._own: dict[etree._Element, dict[str, str]] = {}
        for rule in _parse_rules(tree):
            tag, classes, ident = rule.chain[-1]
            key = f"#{ident}" if ident else (f".{min(classes)}" if classes else (tag or "*"))
            self.by_key.setdefault(key, []).append(rule)

    def own(self, el: etree._Element) -> dict[str, str]:
        """The element's declarations from matching rules, then its inline style (which wins)."""
        if el in self._own:
            return self._own[el]
        decls: dict[str, str] = {}
        keys = ["*", el.tag, *(f".{c}" for c in (el.get("class") or "").split())]
        if el.get("id"):
            keys.append(f"#{el.get('id')}")
        for key in keys:
            for rule in self.by_key.get(key, ()):
                if _rule_applies(el, rule):
                    decls.update(rule.decls)
        decls.update(declarations(el.get("style") or ""))
        self._own[el] = decls
        return decls

    def inherited(self, el: etree._Element, prop: str) -> tuple[str, etree._Element] | None:
        """The nearest declared value of an inherited property (font-size, color, visibility)."""
        node = el
        while node is not None and isinstance(node.tag, str):
            value = self.own(node).get(prop)
            if value is not None and value != "inherit":
                return value, node
            node = node.getparent()
        return None

    def hidden_reason(self, el: etree._Element) -> tuple[str, etree._Element] | None:
        """Why people cannot see this element's text (display:none, off-screen …) and which element hides
        it, or None. Image links stay visible when only their text is hidden."""
        node = el
        while node is not None and isinstance(node.tag, str):
            if node.tag in ("head", "noscript", "template"):
                return None  # not page content at all
            if node.get("hidden") is not None:
                return "hidden属性", node
            reason = _hides(node, self.own(node))
            if reason:
                return reason, node
            node = node.getparent()
        vis = self.inherited(el, "visibility")
        if vis and vis[0] in ("hidden", "collapse"):
            return "visibility:hidden", vis[1]
        if el.find(".//img") is not None:
            return None
        font = self.inherited(el, "font-size")
        if font and (size := _px(font[0])) is not None and size < 1:
            return f"font-size:{font[0]}", font[1]
        colour = self.inherited(el, "color")
        background = self._background(el)
        if colour and background and _colour(colour[0]) == background[0]:
            return f"文字颜色与背景相同（{background[0]}）", el
        return None

    def _background(self, el: etree._Element) -> tuple[str, etree._Element] | None:
        node = el
        while node is not None and isinstance(node.tag, str):
            s = self.own(node)
            if "url(" in s.get("background", "") or "background-image" in s:
                return None  # an image behind the text: colours cannot be compared without a browser
            bg = _colour(s.get("background-color") or s.get("background"))
            if bg and bg != "transparent":
                return bg, node
            node = node.getparent()
        return None


def css_blocks(css: str) -> list[tuple[str, str]]:
    """(selectors, declarations) of the top-level style rules of a stylesheet, in one linear pass.

    Comments are dropped (an unclosed one runs to the end, as in a browser); at-rules (`@media`, `@supports`,
    `@font-face`, `@import …;`) are skipped with everything nested in them (not static); a rule whose body
    nests further blocks is skipped; an unclosed block is dropped. No backtracking regex: 1 MB of hostile CSS
    (no braces, unclosed comments, deep nesting) costs one scan (the earlier regexes were quadratic)."""
    parts, i = [], 0
    while True:
        j = css.find("/*", i)
        if j < 0:
            parts.append(css[i:])
            break
        parts.append(css[i:j])
        k = css.find("*/", j + 2)
        if k < 0:
            break
        i = k + 2
    css = " ".join(parts)
    out: list[tuple[str, str]] = []
    depth, start, prelude, nested = 0, 0, "", False
    for m in _BRACE.finditer(css):  # a run of braces is one match: "{" * 10**6 is one step
        run, pos = m.group(), m.start()
        if run == ";":
            if depth == 0:
                start = pos + 1  # the end of a statement at-rule (@import …;) or of stray text
            continue
        if run[0] == "{":
            if depth == 0:
                prelude, start, nested = css[start:pos], pos + 1, len(run) > 1
            else:
                nested = True
            depth += len(run)
            continue
        if depth == 0:  # stray "}": ignored
            start = m.end()
            continue
        if len(run) < depth:
            depth -= len(run)
            continue
        if not nested and not prelude.lstrip().startswith("@"):
            out.append((prelude, css[start:pos]))
        depth, start = 0, m.end()  # any further "}" of the run is stray
    return out


_BRACE = re.compile(r"\{+|\}+|;")
_CLASS_ID = re.compile(r"[.#][\w-]+")


def _parse_rules(tree: etree._Element) -> list[StyleRule]:
    rules: list[StyleRule] = []
    seen: set[tuple[str, str]] = set()
    for style in tree.iter("style"):
        for selectors, body in css_blocks(style.text or ""):
            if (selectors, body) in seen:  # a rule repeated (hostile or careless) applies once
                continue
            seen.add((selectors, body))
            decls = declarations(body)
            if not decls:
                continue
            for selector in selectors.split(","):
                chain = []
                for part in selector.split():
                    m = _SIMPLE.match(part.strip())
                    if m is None:
                        chain = []
                        break
                    tokens = _CLASS_ID.findall(m.group(2) or "")
                    chain.append(((m.group(1) or "").lower() or None,
                                  frozenset(t[1:] for t in tokens if t[0] == "."),
                                  next((t[1:] for t in tokens if t[0] == "#"), None)))
                if chain:
                    rules.append(StyleRule(tuple(chain), decls))
    return rules


def _matches(el: etree._Element, sel: tuple) -> bool:
    tag, classes, ident = sel
    if tag and el.tag != tag:
        return False
    if ident and el.get("id") != ident:
        return False
    return not classes or classes <= set((el.get("class") or "").split())


def _rule_applies(el: etree._Element, rule: StyleRule) -> bool:
    if not _matches(el, rule.chain[-1]):
        return False
    node = el.getparent()
    for sel in reversed(rule.chain[:-1]):
        while node is not None and not _matches(node, sel):
            node = node.getparent()
        if node is None:
            return False
        node = node.getparent()
    return True


def _px(value: str | None) -> float | None:
    if value is None:
        return None
    m = _LENGTH.match(value.strip())
    if m is None:
        return None
    num = float(m.group(1))
    return num * {"pt": 1.33, "em": 16, "rem": 16}.get(m.group(2) or "px", 1) if m.group(2) != "%" else None


def _colour(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    v = value.strip().split()[0]
    if re.fullmatch(r"#[0-9a-f]{3}", v):
        v = "#" + "".join(c * 2 for c in v[1:])
    return {"white": "#ffffff", "black": "#000000"}.get(v, v)


def _hides(node: etree._Element, s: dict[str, str]) -> str | None:
    """Hiding declared on this element that no descendant can undo."""
    if s.get("display") == "none":
        return "display:none"
    if s.get("opacity") is not None and _px(s["opacity"]) == 0:
        return "opacity:0"
    pos = s.get("position")
    if pos in ("absolute", "fixed", "relative"):
        for side in ("left", "top", "right", "bottom"):
            v = _px(s.get(side))
            if v is not None and v <= -500:
                return f"position:{pos}; {side}:{s[side]}（移出屏幕）"
    indent = _px(s.get("text-indent"))
    if indent is not None and indent <= -500:
        return f"text-indent:{s['text-indent']}（文字移出屏幕）"
    w, h = _px(s.get("width")), _px(s.get("height"))
    if s.get("overflow") == "hidden" and ((h is not None and h <= 1) or (w is not None and w <= 1)):
        return f"尺寸为零（width:{s.get('width', '-')}; height:{s.get('height', '-')}; overflow:hidden）"
    if node.tag == "marquee":
        if (h is not None and h <= 1) or (w is not None and w <= 1) or _px(node.get("height") or "") in (0.0, 1.0) \
                or _px(node.get("width") or "") in (0.0, 1.0):
            return "marquee 尺寸为零"
        amount = _px(node.get("scrollamount") or "")
        if amount is not None and amount >= 1000:
            return f"marquee scrollamount={node.get('scrollamount')}（滚动过快，看不见）"
    clip = s.get("clip") or s.get("clip-path")
    if clip and re.search(r"rect\(\s*0(px)?[ ,]+0(px)?[ ,]+0(px)?[ ,]+0(px)?\s*\)|inset\(\s*50%|circle\(\s*0", clip):
        return f"clip:{clip}"
    return None


def text_blocks(tree: etree._Element) -> list[tuple[etree._Element, str]]:
    """Each block element with the text that belongs to it directly (not to nested blocks)."""
    body = tree.find("body")
    root = body if body is not None else tree
    texts: dict[etree._Element, list[str]] = {}
    order: list[etree._Element] = []

    # An explicit stack, not recursion: with huge_tree a page nests up to 2,048 elements (300 unclosed <font>
    # are common), past Python's recursion limit.
    stack: list[tuple[bool, etree._Element, etree._Element]] = [(False, root, root)]
    while stack:
        is_tail, el, blk = stack.pop()
        if is_tail:
            _put(texts, order, blk, el.tail)
            continue
        if el.text and el.text.strip():
            _put(texts, order, blk, el.text)
        todo = []
        for child in el:
            if isinstance(child.tag, str) and child.tag not in _SKIP:
                todo.append((False, child, blk if child.tag in INLINE else child))
            if child.tail and child.tail.strip():
                todo.append((True, child, blk))
        stack.extend(reversed(todo))
    return [(b, "".join(texts[b])) for b in order]


def _put(texts: dict, order: list, blk: etree._Element, text: str) -> None:
    if blk not in texts:
        texts[blk] = []
        order.append(blk)
    texts[blk].append(text)
