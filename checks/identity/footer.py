"""Find the identity elements (页面底部标识) on a homepage, with the text that shows each."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from checks.derived.html import meta_content, parse, visible_text

_DATA = Path(__file__).with_name("patterns.yaml")


@cache
def patterns() -> dict:
    data = yaml.safe_load(_DATA.read_text(encoding="utf-8"))
    data["compiled"] = {k: re.compile(v, re.IGNORECASE) for k, v in data["text"].items()}
    return data


@dataclass
class Identity:
    """Which elements a page shows: element → the snippet or URL that shows it."""

    found: dict[str, str] = field(default_factory=dict)
    site_codes: dict[str, str] = field(default_factory=dict)  # where → 标识码 ("footer", "meta")


def read_identity(html: str) -> Identity:
    tree = parse(html)
    text = visible_text(tree)
    data = patterns()
    ident = Identity()
    for element, rx in data["compiled"].items():
        m = rx.search(text)
        if m:
            ident.found[element] = _around(text, m)
    # Images, scripts and links that carry an element (the conac logo is often only an <img>).
    for el in tree.xpath("//a[@href] | //img[@src] | //script[@src] | //iframe[@src]"):
        url = el.get("href") or el.get("src") or ""
        host = (urlsplit(url).hostname or "").lower() if "//" in url else ""
        label = " ".join(filter(None, [el.get("alt"), el.get("title"), el.text_content() if el.tag == "a" else ""]))
        for element, needles in data["hosts"].items():
            if element not in ident.found and host and any(n in host for n in needles):
                ident.found[element] = url
        for element in ("conac", "zhaocuo", "contact"):
            if element not in ident.found and label and data["compiled"][element].search(label):
                ident.found[element] = label.strip()[:80]
        for img in el.iter("img"):
            alt = " ".join(filter(None, [img.get("alt"), img.get("title")]))
            if "conac" not in ident.found and alt and data["compiled"]["conac"].search(alt):
                ident.found["conac"] = alt
    m = data["compiled"]["site_code"].search(text)
    if m:
        ident.site_codes["footer"] = m.group(1)
    meta = meta_content(tree, "SiteIDCode")
    if meta:
        ident.site_codes["meta"] = meta
    return ident


def _around(text: str, m: re.Match, width: int = 24) -> str:
    return text[max(0, m.start() - width): m.end() + width].strip()
