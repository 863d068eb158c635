"""The metadata block of a disclosure document (索引号, 主题分类, 发布机构, 成文日期, 发文字号, 发布日期, 有效性 …).

Three common layouts: a table (label cell, value cell), a definition list (dt/dd) and labelled spans
("索引号：…" in one element, or the label in one element and the value in the next). The block is
read as shown; judging what is missing or malformed is the rules' business.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

# Canonical label → the labels sites use for it (whitespace is ignored when matching).
LABELS: dict[str, tuple[str, ...]] = {
    "索引号": ("索引号",),
    "主题分类": ("主题分类", "信息分类", "分类", "组配分类"),
    "发布机构": ("发布机构", "发文机关", "发布机关", "发文单位", "发布单位", "公开主体"),
    "成文日期": ("成文日期", "成文时间"),
    "发文字号": ("发文字号", "文号"),
    "发布日期": ("发布日期", "发布时间", "公开日期", "公开时间"),
    "有效性": ("有效性", "时效性", "效力状态", "是否有效"),
    "标题": ("标题", "名称", "文件名称"),
    "主题词": ("主题词", "关键词"),
}
_BY_LABEL = {syn: canon for canon, syns in LABELS.items() for syn in syns}
_COLON = "：:"
_SPACE = re.compile(r"[\s\u3000\xa0]+")
# "索引号：123" or "索 引 号: 123" inside one element.
_INLINE = re.compile(r"^(?P<label>[\u4e00-\u9fff\s\u3000\xa0]{2,12}?)[\s\u3000\xa0]*[：:][\s\u3000\xa0]*(?P<value>.*)$",
                     re.DOTALL)
MIN_LABELS = 3  # fewer recognised labels is not a metadata block (a page that mentions 发布时间 only)


@dataclass
class MetadataBlock:
    layout: str = "none"  # table | dl | spans | none
    fields: dict[str, str] = field(default_factory=dict)  # canonical label → value as shown ("" when empty)


def _norm(text: str | None) -> str:
    return _SPACE.sub("", text or "")


def _label(text: str | None) -> str | None:
    t = _norm(text).rstrip(_COLON)
    return _BY_LABEL.get(t)


def _value(text: str | None) -> str:
    return " ".join((text or "").split()).strip().lstrip(_COLON).strip()


def _header_row(cell: etree._Element) -> bool:
    """True in a list's header row (标题 | 发文字号 | 发布日期): two label cells side by side."""
    row = cell.getparent()
    labels = [_label(c.text_content()) is not None for c in row if isinstance(c.tag, str)] if row is not None else []
    return any(a and b for a, b in zip(labels, labels[1:]))


def _from_table(tree: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for cell in tree.iter("td", "th"):
        canon = _label(cell.text_content())
        if canon is None or canon in out or _header_row(cell):
            continue
        nxt = cell.getnext()
        while nxt is not None and not isinstance(nxt.tag, str):
            nxt = nxt.getnext()
        if nxt is not None and nxt.tag in ("td", "th") and _label(nxt.text_content()) is None:
            out[canon] = _value(nxt.text_content())
        elif nxt is None or nxt.tag in ("td", "th"):
            out[canon] = ""  # a label cell followed by nothing (or another label): shown empty
    return out


def _from_dl(tree: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for dt in tree.iter("dt"):
        canon = _label(dt.text_content())
        if canon is None or canon in out:
            continue
        dd = dt.getnext()
        out[canon] = _value(dd.text_content()) if dd is not None and dd.tag == "dd" else ""
    return out


def _labelled(text: str) -> str | None:
    """The canonical label when `text` reads "label：value", else None."""
    m = _INLINE.match(text.strip())
    return _label(m.group("label")) if m else None


_ANY_LABEL = re.compile("(" + "|".join(sorted(map(re.escape, _BY_LABEL), key=len, reverse=True)) + ")[：:]")


def _label_count(text: str) -> int:
    return len(_ANY_LABEL.findall(_SPACE.sub("", text)))


def _from_spans(tree: etree._Element) -> dict[str, str]:
    out: dict[str, str] = {}
    for el in tree.iter("span", "li", "p", "div", "em", "b", "strong", "label", "font", "td"):
        text = el.text_content()
        if len(text) > 120 or _label_count(text) > 1:  # a container of several pairs, not one pair
            continue
        m = _INLINE.match(text.strip())
        if m:
            canon = _label(m.group("label"))
            if canon is None or canon in out:
                continue
            value = _value(m.group("value"))
            if not value:  # label alone: the value sits in the tail or the next element (not another pair)
                nxt = el.getnext()
                value = _value(el.tail) or (_value(nxt.text_content()) if nxt is not None and
                                              _labelled(nxt.text_content()) is None and
                                              _label(nxt.text_content()) is None else "")
            out[canon] = value
    return out


def read_metadata(tree: etree._Element | None) -> MetadataBlock:
    """The page's metadata block in whichever layout yields most labels (none below MIN_LABELS)."""
    if tree is None:
        return MetadataBlock()
    best = MetadataBlock()
    for layout, reader in (("table", _from_table), ("dl", _from_dl), ("spans", _from_spans)):
        found = reader(tree)
        if len(found) > len(best.fields):
            best = MetadataBlock(layout=layout, fields=found)
    if len(best.fields) < MIN_LABELS:
        return MetadataBlock()
    return best
