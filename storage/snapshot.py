"""A run's read-only snapshot: the facts `checks/` judge, built from storage or in a test.

Every declared fact table (storage/facts/) loads into the `Snapshot` attribute it names; the spine
(pages, links, page bodies) is read here in bulk through Core selects.
"""
from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.facts import TABLES
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
from storage.models import Link, Page, PageBody, Run, Site
from storage.models.blob import BodyBlob, PageBlob
from storage.probes import ProbeFact, load_probes, window_bounds
from storage.vocabulary import SPINE_FACTS


@dataclass
class Snapshot:
    """Everything a rule may read about one run; `as_of` is the 监测时间点; `facts` names the families gathered."""

    site: SiteFact
    as_of: date
    homepage_url: str
    pages: dict[str, PageFact] = field(default_factory=dict)
    links: list[LinkFact] = field(default_factory=list)
    columns: list[ColumnFact] = field(default_factory=list)
    column_items: list[ColumnItemFact] = field(default_factory=list)
    run_id: int | None = None
    run_state: str = "complete"
    options: dict = field(default_factory=dict)
    facts: frozenset[str] = frozenset(SPINE_FACTS)
    page_variants: list[PageVariantFact] = field(default_factory=list)
    link_visibility: list[LinkVisibilityFact] = field(default_factory=list)
    accounts: list[AccountFact] = field(default_factory=list)
    posts: list[PostFact] = field(default_factory=list)
    disclosure_parts: list[DisclosurePartFact] = field(default_factory=list)
    documents: list[DocumentFact] = field(default_factory=list)
    annual_reports: list[AnnualReportFact] = field(default_factory=list)
    interaction_channels: list[ChannelFact] = field(default_factory=list)
    messages: list[MessageFact] = field(default_factory=list)
    search_probes: list[SearchProbeFact] = field(default_factory=list)
    mobile_renders: list[MobileRenderFact] = field(default_factory=list)
    axe_results: list[AxeResultFact] = field(default_factory=list)
    host_facts: list[HostInfoFact] = field(default_factory=list)
    probes: list[ProbeFact] = field(default_factory=list)  # the site's availability samples up to as_of
    tls: list[TlsFact] = field(default_factory=list)  # the homepage host over HTTPS, at audit time
    browser_tls: list[BrowserTlsFact] = field(default_factory=list)  # HTTPS hosts the browser reached, verified?
    attachments: list[AttachmentFact] = field(default_factory=list)  # fact family "attachments" (附件 texts)
    item_pages: list[ItemPageFact] = field(default_factory=list)  # item pages a re-check dated (docs/problems.md)
    baselines: list[BaselineFact] = field(default_factory=list)  # accepted states of monitored pages (defacement)
    _bodies: dict[str, str] = field(default_factory=dict, repr=False)
    # urls → their stored HTML (those that have one); bodies are read once and kept
    _body_loader: Callable[[list[str]], dict[str, str]] | None = field(default=None, repr=False)
    _bodies_tried: set[str] = field(default_factory=set, repr=False)

    def html(self, url: str) -> str | None:
        """The stored HTML of a crawled page, or None."""
        if url not in self._bodies and url not in self._bodies_tried:
            self.prefetch_html([url])
        return self._bodies.get(url)

    def prefetch_html(self, urls: Iterable[str]) -> None:
        """Read the stored HTML of many pages at once (one query per few hundred pages, not one per page)."""
        if self._body_loader is None:
            return
        missing = [u for u in urls if u not in self._bodies and u not in self._bodies_tried]
        self._bodies_tried.update(missing)
        self._bodies.update(self._body_loader(missing))

    @property
    def homepage(self) -> PageFact | None:
        return self.pages.get(self.homepage_url)

    @cached_property
    def items_of(self) -> dict[str, list[ColumnItemFact]]:
        """Each column's items (by column URL), year-less dates placed against `as_of`, newest first, undated last."""
        index: dict[str, list[ColumnItemFact]] = defaultdict(list)
        for item in self.column_items:
            index[item.column_url].append(item.dated(self.as_of))
        for items in index.values():
            items.sort(key=lambda i: i.date or date.min, reverse=True)
        return dict(index)

    @cached_property
    def sources_of(self) -> dict[str, list[str]]:
        """For each link target, the distinct pages that link to it, in crawl order."""
        index: dict[str, list[str]] = defaultdict(list)
        seen: set[tuple[str, str]] = set()
        for link in self.links:
            key = (link.target, link.source)
            if key not in seen:
                seen.add(key)
                index[link.target].append(link.source)
        return dict(index)


PROBE_DAYS = 31  # probe history loaded per snapshot; rules pick their own window inside it


def gathered_families(run: Run) -> frozenset[str]:
    """The fact families a run gathered (`run.stats["facts"]`, written by the one fact writer)."""
    return frozenset((run.stats or {}).get("facts") or SPINE_FACTS)


def build_snapshot(session: Session, run_id: int, as_of: date | None = None, probe_days: int = PROBE_DAYS,
                   with_links: bool = True) -> Snapshot:
    """Load a stored run into a Snapshot; bodies are read when a rule first asks, many per query.

    Probes belong to the site, not the run: the `probe_days` Beijing days ending at as_of are loaded.
    `with_links=False` leaves `links` empty (a gatherer that reads only pages and bodies).
    """
    run = session.get(Run, run_id)
    if run is None:
        raise LookupError(f"run {run_id} does not exist")
    site = session.get(Site, run.site_id)
    # Core selects on the tables: a large site has ~150,000 links, and ORM rows cost three times as much.
    lt, pt = Link.__table__.c, Page.__table__.c
    conn = session.connection()
    pages: dict[str, PageFact] = {}
    ids: dict[str, int] = {}
    for row in conn.execute(select(pt).where(pt.run_id == run_id)).mappings():
        pages[row["url"]] = _page_fact(row)
        ids[row["url"]] = row["id"]
    links = [LinkFact(s, t, g, x) for s, t, g, x in conn.execute(
        select(lt.source, lt.target, lt.tag, lt.text).where(lt.run_id == run_id).order_by(lt.id)).all()
             ] if with_links else []

    def load_bodies(urls: list[str]) -> dict[str, str]:
        by_id = {ids[u]: u for u in urls if u in ids}
        keys = list(by_id)
        bodies: dict[str, str] = {}
        for at in range(0, len(keys), 500):
            chunk = keys[at:at + 500]
            for page_id, blob in conn.execute(select(PageBody.page_id, PageBody.html_z)
                                              .where(PageBody.page_id.in_(chunk))):
                bodies[by_id[page_id]] = zlib.decompress(blob).decode("utf-8")
            # content-addressed bodies (runs written since migration 0014; storage/models/blob.py)
            for page_id, blob in conn.execute(select(PageBlob.page_id, BodyBlob.html_z)
                                              .join(BodyBlob, BodyBlob.hash == PageBlob.hash)
                                              .where(PageBlob.page_id.in_(chunk))):
                bodies[by_id[page_id]] = zlib.decompress(blob).decode("utf-8")
        return bodies

    day = as_of or run.as_of
    return Snapshot(
        site=SiteFact(id=site.id, name=site.name, url=site.url, kind=site.kind, unit=site.unit, config=site.config),
        as_of=day,
        homepage_url=run.homepage_url,
        pages=pages,
        links=links,
        run_id=run.id,
        run_state=run.state,
        options=dict(run.options or {}),
        facts=gathered_families(run) | {"probes"},  # the probe history is always read (it may be empty)
        probes=load_probes(session, site.id, *window_bounds(day, probe_days)),
        _body_loader=load_bodies,
        **load_fact_tables(session, run_id),
    )


def load_fact_tables(session: Session, run_id: int) -> dict[str, list[Any]]:
    """Every declared fact table of the run, as Snapshot keyword arguments, rows in the order stored."""
    conn = session.connection()
    out: dict[str, list[Any]] = {}
    for table in TABLES.values():
        if table.snapshot is None:
            continue
        cols = table.model.__table__.c
        query = select(*(cols[name] for name in table.fields)).where(cols.run_id == run_id).order_by(cols.id)
        out[table.snapshot] = [table.load(row) for row in conn.execute(query).mappings()]
    return out


def _page_fact(p: Mapping[str, Any]) -> PageFact:
    """A page row (the `page` table's columns) as a fact."""
    return PageFact(
        url=p["url"], status=p["status"], final_url=p["final_url"], crawled=p["crawled"], error=p["error"],
        error_detail=p["error_detail"], redirects=tuple(tuple(r) for r in (p["redirects"] or [])),
        content_type=p["content_type"], charset=p["charset"], size=p["size"], elapsed_ms=p["elapsed_ms"],
        title=p["title"], text=p["text"], depth=p["depth"], rendered=p["rendered"],
        render_reason=p["render_reason"], method=p["method"], flags=tuple(p["flags"] or ()),
    )


def snapshot_from(site: SiteFact, as_of: date, homepage_url: str, pages: Iterable[PageFact] = (),
                  links: Iterable[LinkFact] = (), bodies: dict[str, str] | None = None, **kw) -> Snapshot:
    """Build a snapshot in memory (tests, and rules judged right after gathering)."""
    return Snapshot(site=site, as_of=as_of, homepage_url=homepage_url, pages={p.url: p for p in pages},
                    links=list(links), _bodies=dict(bodies or {}), **kw)
