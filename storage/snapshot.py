"""A run's read-only snapshot: the facts `checks/` judge, built from storage or in a test.

Every declared fact table (storage/facts/) loads into the `Snapshot` attribute it names; the spine
(pages, links, page bodies) is read here in bulk through Core selects.

Memory stays flat in the number of links and bodies (issue 17, docs/scale.md "Memory"): a stored run's
links are not held, `Snapshot.links` re-reads them from the database in chunks each time a rule iterates
it (`LinkRows`), and bodies are kept in a bounded cache (`BODY_CACHE` pages), read in batches.
"""
from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import islice
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
from storage.crawlset import count_links, link_parts, page_parts
from storage.models import Link, Page, PageBody, Run, Site
from storage.models.blob import BodyBlob, PageBlob
from storage.probes import ProbeFact, load_probes, window_bounds
from storage.vocabulary import SPINE_FACTS


LINK_CHUNK = 20_000  # link rows read per query while a rule iterates a stored run's links
BODY_CACHE = 1_000  # bodies a stored run's snapshot keeps (least recently read go first)
BODY_BATCH = 250  # bodies read per query


class LinkRows(Sequence):
    """A stored run's links as a read-only sequence of `LinkFact`, in the order stored (`link.id`), read
    again from the database on every iteration, `LINK_CHUNK` rows at a time: nothing is held between
    passes.

    A URL that is a page of the run is yielded as the page's own string (`intern`), so indexes a rule
    builds over links (`Snapshot.sources_of`) share one string per page instead of one per link."""

    def __init__(self, conn, run_id: int, intern: Mapping[str, str] | None = None,  # noqa: ANN001 - a Connection
                 chunk: int = LINK_CHUNK) -> None:
        self._conn, self._run_id, self._chunk = conn, run_id, chunk
        self._parts = link_parts(conn, run_id)  # the run's own links, then its base run's (storage/crawlset.py)
        self._intern = intern or {}
        self._len: int | None = None

    def __iter__(self) -> Iterator[LinkFact]:
        get = self._intern.get
        for rows in self._chunks():
            for s, t, g, x in rows:
                yield LinkFact(get(s, s), get(t, t), g, x)

    def _chunks(self) -> Iterator[list[tuple]]:
        """The rows (source, target, tag, text) in stored order, a chunk at a time; one query per part."""
        lt = Link.__table__.c
        for part in self._parts:
            query = select(lt.source, lt.target, lt.tag, lt.text).where(part).order_by(lt.id)
            if self._conn.dialect.name == "sqlite":  # the driver's own cursor: half the cost per row of a Core result
                compiled = query.compile(dialect=self._conn.dialect)
                cursor = self._conn.connection.dbapi_connection.cursor()
                try:
                    cursor.execute(str(compiled), tuple(compiled.params[k] for k in compiled.positiontup))
                    while rows := cursor.fetchmany(self._chunk):
                        yield rows
                finally:
                    cursor.close()
                continue
            # yield_per: a server-side cursor on PostgreSQL — not every row in the client at once
            with self._conn.execute(query, execution_options={"yield_per": self._chunk}) as result:
                yield from result.partitions()

    def __len__(self) -> int:
        if self._len is None:
            lt = Link.__table__.c
            self._len = count_links(self._conn, self._run_id)
        return self._len

    def __getitem__(self, index):  # noqa: ANN001, ANN204 - int or slice, like a list
        if isinstance(index, slice):
            if index.step in (None, 1) and (index.start or 0) >= 0 and (index.stop is None or index.stop >= 0):
                return list(islice(self, index.start, index.stop))
            return list(self)[index]
        if index < 0:
            index += len(self)
        for link in islice(self, index, None):
            return link
        raise IndexError("link index out of range")

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, (list, tuple, LinkRows)) else NotImplemented

    def __reversed__(self) -> Iterator[LinkFact]:
        return reversed(list(self))

    __hash__ = None  # compared by value, like a list

    def __repr__(self) -> str:
        return f"LinkRows(run {self._run_id})"


@dataclass
class Snapshot:
    """Everything a rule may read about one run; `as_of` is the 监测时间点; `facts` names the families gathered."""

    site: SiteFact
    as_of: date
    homepage_url: str
    pages: dict[str, PageFact] = field(default_factory=dict)
    links: Sequence[LinkFact] = field(default_factory=list)  # a stored run's: LinkRows (read again per pass)
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
    # urls → their stored HTML (those that have one). Given bodies (`snapshot_from`) are all kept; bodies
    # read through `_body_loader` are a cache of at most `_body_cache` pages, oldest read first out.
    _body_loader: Callable[[list[str]], dict[str, str]] | None = field(default=None, repr=False)
    _bodies_tried: set[str] = field(default_factory=set, repr=False)
    _body_cache: int = field(default=BODY_CACHE, repr=False)
    _page_order: dict[str, int] | None = field(default=None, repr=False)  # url → position in `pages` (read-ahead)
    _page_urls: list[str] = field(default_factory=list, repr=False)
    _last_miss: int | None = field(default=None, repr=False)
    _ahead: int = field(default=1, repr=False)

    def html(self, url: str) -> str | None:
        """The stored HTML of a crawled page, or None. A body not in the cache is read with those of the
        crawled pages after it (in `pages` order): a rule reading page after page costs a query per batch."""
        if url not in self._bodies and url not in self._bodies_tried:
            self.prefetch_html(self._read_ahead(url))
        return self._bodies.get(url)

    def _read_ahead(self, url: str) -> list[str]:
        if self._body_loader is None:
            return [url]
        if self._page_order is None:
            self._page_order = {u: i for i, u in enumerate(self.pages)}
            self._page_urls = list(self.pages)
        at = self._page_order.get(url)
        if at is None:
            return [url]
        # the window doubles while the misses move forward through the pages, and is 1 again otherwise
        last = self._last_miss
        sequential = last is not None and last < at <= last + 2 * BODY_BATCH
        self._ahead = min(BODY_BATCH, self._ahead * 2) if sequential else 1
        self._last_miss = at
        urls, pages, out = self._page_urls, self.pages, [url]
        for i in range(at + 1, min(len(urls), at + 1 + 2 * BODY_BATCH)):
            if len(out) >= self._ahead:
                break
            u = urls[i]
            if pages[u].crawled and u not in self._bodies and u not in self._bodies_tried:
                out.append(u)
        return out

    def prefetch_html(self, urls: Iterable[str]) -> None:
        """Read the stored HTML of many pages at once (one query per few hundred pages, not one per page).
        With a loader, at most the cache's size are read (the first ones): read the rest batch by batch
        (`iter_html`)."""
        if self._body_loader is None:
            return
        missing = [u for u in dict.fromkeys(urls) if u not in self._bodies and u not in self._bodies_tried]
        missing = missing[:self._body_cache]
        if not missing:
            return
        self._evict(len(missing))
        self._bodies_tried.update(missing)
        self._bodies.update(self._body_loader(missing))

    def _evict(self, room: int) -> None:
        """Forget the oldest read bodies (and that they were tried) until `room` more fit in the cache."""
        over = len(self._bodies_tried) + room - self._body_cache
        if over <= 0:
            return
        for url in list(islice(self._bodies_tried_order(), over)):
            self._bodies_tried.discard(url)
            self._bodies.pop(url, None)

    def _bodies_tried_order(self) -> Iterator[str]:
        # a set has no order: the bodies dict keeps insertion order, tried-but-absent URLs come after
        yield from self._bodies
        yield from (u for u in self._bodies_tried if u not in self._bodies)

    def iter_html(self, urls: Iterable[str], batch: int = BODY_BATCH) -> Iterator[tuple[str, str | None]]:
        """(url, stored HTML or None) for each URL in order, bodies read `batch` at a time (memory bounded
        by the cache, not by the number of pages)."""
        urls = list(urls)
        for at in range(0, len(urls), batch):
            chunk = urls[at:at + batch]
            self.prefetch_html(chunk)
            for url in chunk:
                yield url, self.html(url)

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
        return self._link_index[0]

    @cached_property
    def first_link_of(self) -> dict[str, LinkFact]:
        """For each link target, the first link to it (in crawl order)."""
        return self._link_index[1]

    @cached_property
    def _link_index(self) -> tuple[dict[str, list[str]], dict[str, LinkFact]]:
        """`sources_of` and `first_link_of` in one pass over the links.

        The links of one page are stored together, so a repeated (target, source) pair is the target's
        last source so far: no set of every pair is needed. Links given in another order (a source
        seen again after others) are indexed with the set."""
        index: dict[str, list[str]] = {}
        first: dict[str, LinkFact] = {}
        done: set[str] = set()
        previous = None
        for link in self.links:
            source = link.source
            if source != previous:
                if source in done:
                    return _index_with_pairs(self.links)
                if previous is not None:
                    done.add(previous)
                previous = source
            sources = index.get(link.target)
            if sources is None:
                index[link.target] = [source]
                first[link.target] = link
            elif sources[-1] != source:
                sources.append(source)
        return index, first


def _index_with_pairs(links: Iterable[LinkFact]) -> tuple[dict[str, list[str]], dict[str, LinkFact]]:
    index: dict[str, list[str]] = defaultdict(list)
    first: dict[str, LinkFact] = {}
    seen: set[tuple[str, str]] = set()
    for link in links:
        first.setdefault(link.target, link)
        key = (link.target, link.source)
        if key not in seen:
            seen.add(key)
            index[link.target].append(link.source)
    return dict(index), first


PROBE_DAYS = 31  # probe history loaded per snapshot; rules pick their own window inside it


def gathered_families(run: Run) -> frozenset[str]:
    """The fact families a run gathered (`run.stats["facts"]`, written by the one fact writer)."""
    return frozenset((run.stats or {}).get("facts") or SPINE_FACTS)


def build_snapshot(session: Session, run_id: int, as_of: date | None = None, probe_days: int = PROBE_DAYS,
                   with_links: bool = True) -> Snapshot:
    """Load a stored run into a Snapshot; bodies are read when a rule first asks, many per query.

    Probes belong to the site, not the run: the `probe_days` Beijing days ending at as_of are loaded.
    `with_links=False` leaves `links` empty (a gatherer that reads only pages and bodies). The links
    are read from `session`'s connection whenever a rule iterates them: keep the session open while
    the snapshot is judged.
    """
    run = session.get(Run, run_id)
    if run is None:
        raise LookupError(f"run {run_id} does not exist")
    site = session.get(Site, run.site_id)
    # Core selects on the tables: a large site has ~150,000 links, and ORM rows cost three times as much.
    pt = Page.__table__.c
    conn = session.connection()
    pages: dict[str, PageFact] = {}
    ids: dict[str, int] = {}
    for part in page_parts(conn, run_id):  # the run's own rows, then its base run's (storage/crawlset.py)
        for row in conn.execute(select(pt).where(part).order_by(pt.id)).mappings():  # crawl order
            pages[row["url"]] = _page_fact(row)
            ids[row["url"]] = row["id"]
    links = LinkRows(conn, run_id, {url: url for url in pages}) if with_links else []

    def load_bodies(urls: list[str]) -> dict[str, str]:
        by_id = {ids[u]: u for u in urls if u in ids}
        keys = list(by_id)
        bodies: dict[str, str] = {}
        for at in range(0, len(keys), BODY_BATCH):
            chunk = keys[at:at + BODY_BATCH]
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
