"""CMS fingerprints (TRS, 大汉 Hanweb, …) and whether a site runs on its 集约化 platform."""
from __future__ import annotations

import re
from fnmatch import fnmatch
from functools import cache
from pathlib import Path

import yaml


@cache
def _cms() -> list[tuple[str, str, list[re.Pattern]]]:
    data = yaml.safe_load((Path(__file__).parent / "cms.yaml").read_text(encoding="utf-8"))
    return [(e["name"], e["vendor"], [re.compile(p, re.IGNORECASE) for p in e["patterns"]]) for e in data["cms"]]


def cms_fingerprints(html: str) -> list[dict]:
    """Every CMS whose markers the homepage carries, with the first matched text as evidence."""
    found = []
    for name, vendor, patterns in _cms():
        for rx in patterns:
            m = rx.search(html or "")
            if m:
                found.append({"name": name, "vendor": vendor, "evidence": m.group(0)[:80]})
                break
    return found


def platform_match(platform: dict | None, host: str, cnames: list[str], html: str,
                   search_action: str | None) -> dict:
    """Which of the platform's fingerprints the site shows: host, CNAME, template markers, shared search."""
    if not platform:
        return {}
    matched = []
    if any(fnmatch(host, p) for p in platform.get("hosts", [])):
        matched.append("host")
    if any(fnmatch(c, p) for c in cnames for p in platform.get("cnames", [])):
        matched.append("cname")
    markers = [m for m in platform.get("markers", []) if m and m in (html or "")]
    if markers:
        matched.append("markers")
    shared = bool(search_action) and any(
        fnmatch(search_action, p) or fnmatch(search_action.split("?")[0], p) for p in platform.get("search", []))
    return {"name": platform.get("name"), "matched": matched, "markers": markers,
            "on_platform": bool(matched), "shared_search": shared, "search_action": search_action,
            "declared": {k: platform.get(k, []) for k in ("hosts", "cnames", "search", "markers")}}
