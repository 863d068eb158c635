"""The metadata block of a disclosure document (索引号, 主题分类, 发布机构, 成文日期, 发文字号, 发布日期, 有效性 …).

Three common layouts: a table (label cell, value cell), a definition list (dt/dd) and labelled spans
("索引号：…" in one element, or the label in one element and the value in the next). The block is
read as shown; judging what is missing or malformed is the rules' business.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from lxml import etree

from crawler.dates import find_date

DATA = Path(__file__).with_name("metadata_labels.yaml")
_DATA = yaml.safe_load(DATA.read_text(encoding="utf-8"))
# Canonical label → the labels sites use for it (crawler/extractors/disclosure/metadata_labels.yaml, with sources).
LABELS: dict[str, tuple[str, ...]] = {canon: tuple(syns) for canon, syns in _DATA["labels"].items()}
NORMATIVE_WORDS: tuple[str, ...] = tuple(_DATA["normative"]["words"])
NORMATIVE_NUMBER = re.compile(_DATA["normative"]["number"])
_BY_LABEL = {syn: canon for canon, syns in LABELS.items() for syn in syns}
_COLON = "：:"
_SPACE = re.compile(r"[\s\u3000\xa0]+")
# "索引号：123" or "索 引 号: 123" inside one element.
_INLINE = re.compile(r"^(?P<label>[\u4e00-\u9fff\s\u3000\xa0]{2,12}?)[\s\u3000\xa0]*[：:][\s\u3000\xa0]*(?P<value>.*)$",
                     re.DOTALL)
# "2024-06-13　来源：教育部": a value ends where the next "label：" pair begins
_NEXT_PAIR = re.compile(r"[\s\u3000\xa0]+(?=[\u4e00-\u9fff]{2,6}[：:])")
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
        if nxt is not None and nxt.tag in ("td", "th") and _label(nxt.text_content()) is None \
                and _labelled(nxt.text_content()) is None:  # not the next pair ("发布机构: 省教育厅")
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
            value = _value(_NEXT_PAIR.split(m.group("value"), maxsplit=1)[0])
            if not value:  # label alone: the value sits in the tail or the next element (not another pair)
                nxt = el.getnext()
                value = _value(el.tail) or (_value(nxt.text_content()) if nxt is not None and
                                              _labelled(nxt.text_content()) is None and
                                              _label(nxt.text_content()) is None else "")
            out[canon] = value
    return out


def read_metadata(tree: etree._Element | None) -> MetadataBlock:
    """The page's metadata block in whichever layout yields most labels (none below MIN_LABELS); a label
    the block lacks but the page shows in another layout is taken from there (教育部's table has no
    发布日期: it is printed under the article, "发布日期：2024-06-13")."""
    if tree is None:
        return MetadataBlock()
    readings = [(layout, reader(tree)) for layout, reader in (("table", _from_table), ("dl", _from_dl),
                                                               ("spans", _from_spans))]
    best = MetadataBlock()
    for layout, found in readings:
        if len(found) > len(best.fields):
            best = MetadataBlock(layout=layout, fields=found)
    if len(best.fields) < MIN_LABELS:
        return MetadataBlock()
    for layout, found in readings:
        for canon, value in found.items():
            if layout != best.layout and value and not best.fields.get(canon) and _fills(canon, value):
                best.fields[canon] = value
    return best


def _fills(canon: str, value: str) -> bool:
    """Whether a value found outside the block may fill its gap: only where it can remove a finding,
    never add one (a non-date 发布日期 would be "malformed"; a 有效性 or 主题分类 could make the document
    normative and more fields due)."""
    if canon in ("成文日期", "发布日期"):
        return find_date(value) is not None
    if canon == "发文字号":
        return bool(re.search(r"〔\d{4}〕\d+号", value))
    return canon in ("索引号", "发布机构", "标题", "主题词")


def is_normative(fields: dict[str, str], title: str | None) -> bool:
    """A 规范性文件: named so (主题分类, title), numbered 规〔…〕, or showing its 有效性 (empty only with a 文号)."""
    category = fields.get("主题分类") or ""
    if any(w in category or w in (title or "") for w in NORMATIVE_WORDS):
        return True
    number = (fields.get("发文字号") or "").strip()
    if NORMATIVE_NUMBER.search(number):
        return True
    if "有效性" in fields:
        return bool((fields.get("有效性") or "").strip()) or bool(number and number not in ("无", "-", "—", "/"))
    return False
