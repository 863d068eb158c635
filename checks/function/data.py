"""The data files the function rules share (services.yaml, gbt37668.yaml), loaded once."""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

HERE = Path(__file__).parent


@cache
def services() -> dict:
    return yaml.safe_load((HERE / "services.yaml").read_text(encoding="utf-8"))


@cache
def gbt37668() -> dict:
    return yaml.safe_load((HERE / "gbt37668.yaml").read_text(encoding="utf-8"))


def clauses(tags: list[str]) -> list[str]:
    """The GB/T 37668-2019 clauses an axe rule's WCAG tags point to (none for best-practice rules)."""
    table = gbt37668()["guidelines"]
    out = []
    for tag in tags:
        m = re.fullmatch(r"wcag(\d)(\d)(\d+)", tag)
        if m and (entry := table.get(f"{m.group(1)}.{m.group(2)}")):
            out.append(f"{gbt37668()['standard']} {entry['clause']} {entry['name']}（WCAG {m.group(1)}.{m.group(2)}.{m.group(3)}）")
    return list(dict.fromkeys(out))
