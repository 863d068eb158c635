"""Build a Snapshot from a plain dict (YAML cases and unit tests)."""
from __future__ import annotations

from datetime import date
from typing import Any

from storage.probes import ProbeFact, TlsFact
from storage.snapshot import LinkFact, PageFact, SiteFact, Snapshot

DEFAULT_SITE = {"id": "4213000001", "name": "示例县人民政府", "url": "http://www.example.gov.cn/"}

# Fact family → the dataclass of one item. A new fact family adds its entry here.
FACT_TYPES: dict[str, type] = {"links": LinkFact, "probes": ProbeFact, "tls": TlsFact}


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def build(spec: dict[str, Any]) -> Snapshot:
    """`spec` keys: as_of, site, homepage, pages, links, bodies, facts, and any FACT_TYPES family."""
    site = SiteFact(**{**DEFAULT_SITE, **spec.get("site", {})})
    homepage = spec.get("homepage", site.url)
    pages = {}
    for p in spec.get("pages", []):
        p = dict(p)
        if "redirects" in p:
            p["redirects"] = tuple(tuple(r) for r in p["redirects"])
        if "flags" in p:
            p["flags"] = tuple(p["flags"])
        pages[p["url"]] = PageFact(**p)
    kwargs: dict[str, Any] = {}
    for family, cls in FACT_TYPES.items():
        if family in spec:
            kwargs[family] = [cls(**item) for item in spec[family]]
    facts = frozenset(spec.get("facts", ["pages", "links", *[f for f in FACT_TYPES if f in spec]]))
    return Snapshot(site=site, as_of=_as_date(spec.get("as_of", "2026-11-27")), homepage_url=homepage,
                    pages=pages, facts=facts, _bodies=dict(spec.get("bodies", {})), **kwargs)
