"""Build a Snapshot from a plain dict (YAML cases and unit tests)."""
from __future__ import annotations

from datetime import date
from typing import Any

from storage.facts.attachments import AttachmentFact
from storage.facts.columns import ColumnFact, ColumnItemFact
from storage.facts.content import LinkVisibilityFact, PageVariantFact
from storage.facts.disclosure import AnnualReportFact, DisclosurePartFact, DocumentFact
from storage.facts.functions import AxeResultFact, HostInfoFact, MobileRenderFact, SearchProbeFact
from storage.facts.interaction import ChannelFact, MessageFact
from storage.facts.items import ItemPageFact
from storage.facts.monitor import BaselineFact
from storage.facts.newmedia import AccountFact, PostFact
from storage.facts.pages import LinkFact, PageFact, SiteFact
from storage.facts.browser_tls import BrowserTlsFact
from storage.facts.tls import TlsFact
from storage.probes import ProbeFact
from storage.snapshot import Snapshot

DEFAULT_SITE = {"id": "4213000001", "name": "示例县人民政府", "url": "http://www.example.gov.cn/"}

# Case key (= Snapshot field) → the dataclass of one item. A new fact family adds its entry here.
FACT_TYPES: dict[str, type] = {
    "links": LinkFact, "accounts": AccountFact, "posts": PostFact,
    "columns": ColumnFact, "column_items": ColumnItemFact,
    "disclosure_parts": DisclosurePartFact, "documents": DocumentFact, "annual_reports": AnnualReportFact,
    "interaction_channels": ChannelFact, "messages": MessageFact,
    "search_probes": SearchProbeFact, "mobile_renders": MobileRenderFact, "axe_results": AxeResultFact,
    "host_facts": HostInfoFact, "page_variants": PageVariantFact, "link_visibility": LinkVisibilityFact,
    "probes": ProbeFact, "tls": TlsFact, "browser_tls": BrowserTlsFact, "attachments": AttachmentFact,
    "item_pages": ItemPageFact, "baselines": BaselineFact,
}
# Snapshot fields whose fact family (run.stats["facts"]) has another name.
FACT_FAMILIES: dict[str, str] = {
    "posts": "accounts", "disclosure_parts": "disclosure", "documents": "disclosure", "annual_reports": "disclosure",
    "interaction_channels": "interaction", "messages": "interaction",
    "search_probes": "search", "mobile_renders": "mobile", "axe_results": "axe", "host_facts": "host",
}
# Families whose frozen dataclasses hold tuples where YAML gives lists.
TUPLE_FIELDS = {"search_probes", "mobile_renders", "axe_results", "host_facts", "baselines"}


def _as_date(v: Any) -> date:
    return v if isinstance(v, date) else date.fromisoformat(str(v))


def _tuples(item: dict) -> dict:
    """YAML lists become the tuples the frozen fact dataclasses hold."""
    return {k: tuple(v) if isinstance(v, list) else v for k, v in item.items()}


def build(spec: dict[str, Any]) -> Snapshot:
    """`spec` keys: as_of, site, homepage, pages, links, bodies, facts, run_state, options, and any FACT_TYPES key."""
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
    for key, cls in FACT_TYPES.items():
        if key in spec:
            kwargs[key] = [cls(**(_tuples(item) if key in TUPLE_FIELDS else item)) for item in spec[key]]
    facts = frozenset(spec.get("facts", ["pages", "links", *[FACT_FAMILIES.get(k, k) for k in FACT_TYPES if k in spec]]))
    return Snapshot(site=site, as_of=_as_date(spec.get("as_of", "2026-11-27")), homepage_url=homepage,
                    pages=pages, facts=facts, _bodies=dict(spec.get("bodies", {})),
                    run_state=spec.get("run_state", "complete"), options=dict(spec.get("options", {})), **kwargs)
