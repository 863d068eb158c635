"""Fact families `search`, `mobile`, `axe` and `host`: what a site offers, gathered after the crawl
(docs/functions.md)."""
from __future__ import annotations

from dataclasses import field
from typing import Annotated

from sqlalchemy import String

from storage.facts.table import fact_table


@fact_table("search_probe", model="SearchProbe", family="search", snapshot="search_probes")
class SearchProbeFact:
    """One query of the site search: the title asked for, where the results were, whether it was listed."""

    outcome: Annotated[str, String(32)]  # found | no_search | not_found | error | needs_browser | no_query | blocked
    query: str | None = None
    query_source: str | None = None  # the article whose title was asked for
    form_page: str | None = None  # the page that carries the search box
    form_action: str | None = None
    results_url: str | None = None
    status: int | None = None
    via: Annotated[str | None, String(16)] = None  # http | browser
    error: str | None = None
    shared: bool = False  # the platform's shared search endpoint
    screenshot: str | None = None


@fact_table("mobile_render", model="MobileRender", family="mobile", snapshot="mobile_renders")
class MobileRenderFact:
    """A render of a page at phone size (375×812): viewport meta, overflow, text size."""

    url: str
    viewport_meta: str | None = None
    viewport_width: int | None = None
    scroll_width: int | None = None
    min_font_px: float | None = None  # smallest font size of visible text
    text_sizes: dict = field(default_factory=dict)  # rendered font size (px, 0.5 steps) → visible characters
    error: str | None = None
    screenshot: str | None = None


@fact_table("axe_result", model="AxeResult", family="axe", snapshot="axe_results")
class AxeResultFact:
    """axe-core's violations on one page (rule id, impact, help, WCAG tags, a few node targets)."""

    url: str
    violations: tuple = ()
    axe_version: Annotated[str | None, String(32)] = None
    error: str | None = None
    screenshot: str | None = None


@fact_table("host_fact", model="HostInfo", family="host", snapshot="host_facts")
class HostInfoFact:
    """The homepage host: AAAA records, a fetch over IPv6, CMS fingerprints, the 集约化 platform match."""

    host: str
    aaaa: tuple = ()
    cnames: tuple = ()
    dns_error: str | None = None  # nxdomain | no_answer | timeout | …
    ipv6_route: bool | None = None  # the auditing machine can reach IPv6 at all
    ipv6_address: str | None = None
    ipv6_status: int | None = None
    ipv6_error: str | None = None
    cms: tuple = ()  # ({name, evidence}, …)
    platform: dict = field(default_factory=dict)  # {name, matched: [...], on_platform, shared_search}
