"""function.no_service — 无办事服务.

检查内容 / What it checks: the site offers 办事服务 somewhere: a link named like a service section
(办事服务, 网上办事, 政务服务, 一网通办, …), a link to the 政务服务网 (全国一体化政务服务平台 or a
province's, by host), a service section path on the site (/bsfw/, /zwfw/, …), or a column the
registry types `service`. Every crawled page's links count, not only the homepage's.

Why: 单项否决 V6(1) 服务不实用 — no 办事服务 at all (indicators.md §2 [V], web.veto.no_service).

Fires when: the homepage loaded and no crawled page links to any such service entry.

Does not fire when: any entry exists, even only a link to the province's 政务服务网.

Not applicable when: never. `not_measured` when the homepage could not be loaded.

Also `not_measured` when the crawl did not finish (an interrupted or failed run): an absence is
only shown by a whole crawl (`whole_site`).

Evidence: `pages_examined`, `links_examined`, `looked_for` (texts, hosts and paths from
`checks/function/services.yaml`).
"""
from __future__ import annotations

import re
from fnmatch import translate
from functools import cache, lru_cache
from urllib.parse import urlsplit

from checks.base import Finding, Params, Rule, RuleResult
from checks.function.data import services
from storage.facts.pages import LinkFact
from storage.snapshot import Snapshot

RULE = Rule(id="function.no_service", name_zh="无办事服务", name_en="No online services",
            indicator="web.veto.no_service", reads=("pages", "links"), whole_site=True)


@cache
def _host_globs() -> re.Pattern:
    """The data file's host globs as one expression (a site has ~100,000 links to test)."""
    return re.compile("|".join(translate(p) for p in services()["service_hosts"]) or r"(?!)")


def service_entry(link: LinkFact) -> str | None:
    """Why this link is a 办事服务 entry (text, host or path), or None."""
    data = services()
    text = (link.text or "").strip()
    word = next((w for w in data["service_link_text"] if w in text), None)
    if word:
        return f"text:{word}"
    return _target_entry(link.target)


@lru_cache(maxsize=65536)
def _target_entry(target: str) -> str | None:
    parts = urlsplit(target)
    host = (parts.hostname or "").lower()
    globs = _host_globs()
    if globs.match(host) or globs.match(host + parts.path):
        return f"host:{host}"
    path = next((p for p in services()["service_paths"] if p in parts.path.lower()), None)
    return f"path:{path}" if path else None


def check(snap: Snapshot, params: Params) -> RuleResult:
    """A finding on the homepage when nothing on the site leads to 办事服务."""
    home = snap.homepage
    if home is None or not home.ok:
        return RuleResult.not_measured("首页未能加载 / homepage not loaded")
    if any(c.get("type") == "service" for c in snap.site.config.get("columns", [])):
        return RuleResult.of([])
    if any(link.tag == "a" and service_entry(link) for link in snap.links):
        return RuleResult.of([])
    data = services()
    return RuleResult.of([Finding(
        rule=RULE.id, subject=snap.homepage_url, page=snap.homepage_url,
        message="网站未提供办事服务：没有办事服务栏目，也没有链接到政务服务网。",
        evidence={"pages_examined": sum(1 for p in snap.pages.values() if p.crawled), "links_examined": len(snap.links),
                  "looked_for": {"texts": data["service_link_text"], "hosts": data["service_hosts"],
                                 "paths": data["service_paths"]}},
    )])
