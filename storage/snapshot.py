"""A run's read-only snapshot: the facts `checks/` judge, built from storage or in a test.

Every declared fact table (storage/facts/) loads into the `Snapshot` attribute it names; the spine
(pages, links, page bodies) is read here in bulk through Core selects.

Memory stays flat in the number of links and bodies (issue 17, docs/scale.md "Memory"): a stored run's
links are not held, `Snapshot.links` re-reads them from the database in chunks each time a rule iterates
it (`LinkRows`), bodies are kept in a bounded cache (`BODY_CACHE` pages), read in batches, and so is each
page's visible text (`PageFact.text` of a stored page is read when first asked: `_TextStore`).
"""
from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
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
from storage.memo import PageDigests
from storage.models.blob import BodyBlob, PageBlob
from storage.reads import note
from storage.probes import ProbeFact, load_probes, window_bounds
from storage.vocabulary import SPINE_FACTS


LINK_CHUNK = 5_000  # link rows read at a time while a rule iterates a stored run's links (≈ 1.7 MB a chunk)
BODY_CACHE = 1_000  # bodies a stored run's snapshot keeps (least recently read go first)
BODY_BATCH = 250  # bodies read per query
TEXT_CACHE = 2_000  # page texts a stored run's snapshot keeps (oldest read go first)
TEXT_BATCH = 250  # page texts read per query


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

    def _chunks(self, parts: Iterable[Any] | None = None) -> Iterator[list[tuple]]:
        """The rows (source, target, tag, text) in stored order, a chunk at a time; one query per part
        (`parts`: other conditions on `link`, default the run's own parts)."""
        lt = Link.__table__.c
        for part in self._parts if parts is None else parts:
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


class _Unread:
    """`text` of a stored page not read yet (a marker, never seen by rules)."""

    def __repr__(self) -> str:
        return "<unread>"


_UNREAD = _Unread()


class _LazyText:
    """`PageFact.text` of a stored run's page: read from the database when first asked, through the
    snapshot's `_TextStore` (a bounded cache, pages read a batch at a time), not held for every page."""

    def __set__(self, page: PageFact, value: Any) -> None:
        # kept as `_text` (not through page.__dict__: asking for it builds a dict per page); a text given
        # (dataclasses.replace …) is kept like any field
        object.__setattr__(page, "_text", value)

    def __get__(self, page: PageFact | None, owner: type | None = None) -> Any:
        if page is None:
            return None  # the field's default, as on PageFact
        text = page._text
        return type(page)._texts.text(page.url) if text is _UNREAD else text


class _Noted:
    """A field of a stored run's page whose reads the judging memo notes (storage/reads.py): a value that
    changes from run to run while the page does not (the load time)."""

    def __init__(self, member: str) -> None:
        self.member = member

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_{name}"

    def __set__(self, page: PageFact, value: Any) -> None:
        object.__setattr__(page, self.slot, value)

    def __get__(self, page: PageFact | None, owner: type | None = None) -> Any:
        if page is None:
            return None  # the field's default, as on PageFact
        note(self.member)
        return getattr(page, self.slot)


class StoredPageFact(PageFact):
    """A page of a stored run: a `PageFact` whose `text` is read when asked (`_LazyText`). Each snapshot
    makes its own subclass (named PageFact) holding its `_TextStore`; equal to a `PageFact` of equal fields."""

    text = _LazyText()
    elapsed_ms = _Noted("timing")
    _texts: _TextStore

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PageFact):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in _PAGE_FIELDS)

    __hash__ = PageFact.__hash__


_PAGE_FIELDS = tuple(f.name for f in fields(PageFact))


class _TextStore:
    """The visible text of a stored run's pages, read by page id when a rule first asks, `TEXT_BATCH` a
    query: a miss reads the pages next to it too (in `pages` order, the way the misses move: after it
    when forward, before it when back) — the window doubles up to `TEXT_BATCH` while the misses stay
    near, and is 1 again on a jump. At most `TEXT_CACHE` texts are kept, oldest read first out."""

    def __init__(self, conn, pages: dict[str, PageFact], ids: dict[str, int],  # noqa: ANN001 - a Connection
                 cache: int = TEXT_CACHE) -> None:
        self._conn, self._pages, self._ids, self._size = conn, pages, ids, cache
        self._cache: dict[str, str | None] = {}
        self._order: dict[str, int] | None = None
        self._urls: list[str] = []
        self._last: int | None = None
        self._ahead = 1
        self.queries = 0
        self.shared: dict[Any, Any] = {}  # values many pages share, one object each
        self.page_class = type("PageFact", (StoredPageFact,), {"_texts": self, "__qualname__": "PageFact",
                                                                "__module__": PageFact.__module__})

    def page_index(self) -> tuple[list[str], dict[str, int]]:
        """The pages' URLs in order and each one's position (shared with the snapshot's body read-ahead)."""
        if self._order is None or len(self._order) != len(self._pages):
            self._urls = list(self._pages)
            self._order = {u: i for i, u in enumerate(self._urls)}
        return self._urls, self._order

    def text(self, url: str) -> str | None:
        cache = self._cache
        if url not in cache:
            self._read(self._window(url))
        return cache.get(url)

    def _window(self, url: str) -> list[str]:
        self.page_index()
        at = self._order.get(url)
        if at is None:
            return [url]
        # misses moving forward read the pages after, misses moving back (a rule walking targets in the
        # order they were first linked: a LIFO crawl fetched those last) the pages before
        last = self._last
        step = 0 if last is None else at - last
        near = 0 < abs(step) <= 2 * TEXT_BATCH
        self._ahead = min(TEXT_BATCH, self._ahead * 2) if near else 1
        self._last = at
        urls, cache = self._urls, self._cache
        window = range(at + 1, min(len(urls), at + self._ahead)) if step >= 0 else \
            range(at - 1, max(-1, at - self._ahead), -1)
        return [url, *(urls[i] for i in window if urls[i] not in cache)]

    def _read(self, urls: list[str]) -> None:
        by_id = {self._ids[u]: u for u in urls if u in self._ids}
        cache = self._cache
        over = len(cache) + len(urls) - self._size
        if over > 0:
            for old in list(islice(cache, over)):
                del cache[old]
        for u in urls:
            cache[u] = None
        pt = Page.__table__.c
        keys = list(by_id)
        for at in range(0, len(keys), TEXT_BATCH):
            self.queries += 1
            for page_id, text in self._conn.execute(select(pt.id, pt.text).where(pt.id.in_(keys[at:at + TEXT_BATCH]))):
                cache[by_id[page_id]] = text


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
    _page_index: Callable[[], tuple[list[str], dict[str, int]]] | None = field(default=None, repr=False)
    _last_miss: int | None = field(default=None, repr=False)
    _ahead: int = field(default=1, repr=False)
    _page_digests: Any = field(default=None, repr=False)  # a stored run's: storage.memo.PageDigests of its rows

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
            if self._page_index is not None:  # a stored run's: the text store's (one index, not two)
                self._page_urls, self._page_order = self._page_index()
            else:
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
        texts: dict[str, str] = {}
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
                text = link.text  # anchor texts repeat ("更多", "首页"): one string each
                first[link.target] = link if text is None else link._replace(text=texts.setdefault(text, text))
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
                   with_links: bool = True, digests: bool = False) -> Snapshot:
    """Load a stored run into a Snapshot; bodies are read when a rule first asks, many per query.

    Probes belong to the site, not the run: the `probe_days` Beijing days ending at as_of are loaded.
    `with_links=False` leaves `links` empty (a gatherer that reads only pages and bodies). The links
    are read from `session`'s connection whenever a rule iterates them: keep the session open while
    the snapshot is judged. `digests=True` (judging) adds the page rows' digests the judging memo compares.
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
    texts = _TextStore(conn, pages, ids)  # page text is read when a rule asks, not held for every page
    rows = PageDigests() if digests else None  # what the judging memo compares (storage/memo.py)
    for part in page_parts(conn, run_id):  # the run's own rows, then its base run's (storage/crawlset.py)
        for row in conn.execute(select(pt).where(part).order_by(pt.id)).mappings():  # crawl order
            if rows is not None:
                rows.add(row)  # a URL met twice leaves the count above len(pages): no digest, no reuse
            pages[row["url"]] = _page_fact(row, texts)
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
        _page_index=texts.page_index,
        _page_digests=rows,
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


def _page_fact(p: Mapping[str, Any], texts: _TextStore | None = None) -> PageFact:
    """A page row (the `page` table's columns) as a fact. With `texts`, a stored page: its text is read
    when asked (`_TextStore`), and values most pages share (content type, charset, method, error, flags)
    are one object each; a final URL equal to the URL is the URL's string."""
    url, final_url = p["url"], p["final_url"]
    flags = tuple(p["flags"] or ())
    if texts is None:
        return PageFact(
            url=url, status=p["status"], final_url=final_url, crawled=p["crawled"], error=p["error"],
            error_detail=p["error_detail"], redirects=tuple(tuple(r) for r in (p["redirects"] or [])),
            content_type=p["content_type"], charset=p["charset"], size=p["size"], elapsed_ms=p["elapsed_ms"],
            title=p["title"], text=p["text"], depth=p["depth"], rendered=p["rendered"],
            render_reason=p["render_reason"], method=p["method"], flags=flags,
        )
    one = texts.shared.setdefault
    return texts.page_class(
        url=url, status=p["status"], final_url=url if final_url == url else final_url, crawled=p["crawled"],
        error=one(p["error"], p["error"]), error_detail=p["error_detail"],
        redirects=tuple(tuple(r) for r in (p["redirects"] or [])),
        content_type=one(p["content_type"], p["content_type"]), charset=one(p["charset"], p["charset"]),
        size=p["size"], elapsed_ms=p["elapsed_ms"], title=p["title"], text=_UNREAD, depth=p["depth"],
        rendered=p["rendered"], render_reason=one(p["render_reason"], p["render_reason"]),
        method=one(p["method"], p["method"]), flags=one(flags, flags),
    )


def snapshot_from(site: SiteFact, as_of: date, homepage_url: str, pages: Iterable[PageFact] = (),
                  links: Iterable[LinkFact] = (), bodies: dict[str, str] | None = None, **kw) -> Snapshot:
    """Build a snapshot in memory (tests, and rules judged right after gathering)."""
    return Snapshot(site=site, as_of=as_of, homepage_url=homepage_url, pages={p.url: p for p in pages},
                    links=list(links), _bodies=dict(bodies or {}), **kw)
