"""Column typing from a keyword dictionary (crawler/extractors/columns/column_types.yaml), with the reason kept."""
from __future__ import annotations

from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml

DATA = Path(__file__).with_name("column_types.yaml")


@cache
def _dictionary() -> tuple[list[tuple[str, str]], dict[str, str]]:
    data = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    return [(e["keyword"], e["type"]) for e in data["names"]], dict(data.get("folders") or {})


def column_type(name: str | None, url: str) -> tuple[str, str]:
    """(type, why): the first name keyword that matches, else the URL folder, else `other`."""
    names, folders = _dictionary()
    text = name or ""
    for keyword, kind in names:
        if keyword in text:
            return kind, f"keyword {keyword}"
    segments = [s for s in urlsplit(url).path.lower().split("/") if s and "." not in s]
    if segments and segments[-1] in folders:
        return folders[segments[-1]], f"URL folder {segments[-1]}"
    return "other", "no keyword matched"
