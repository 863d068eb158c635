"""A run's read-only snapshot: the facts `checks/` judge, built from storage or in a test."""
from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.attachment_facts import AttachmentFact, load_attachment_facts
from storage.disclosure_facts import (
    AnnualReportFact,
    ChannelFact,
    DisclosurePartFact,
    DocumentFact,
    MessageFact,
    load_disclosure_facts,
)
from storage.models import (
    Account,
    AxeResult,
    Column,
    ColumnItem,
    HostFact,
    Link,
    LinkVisibility,
    MobileRender,
    Page,
    PageBody,
    PageVariant,
    Post,
    Run,
    SearchProbe,
    Site,
)
from storage.models.page import TEXT_CAP
from storage.probes import ProbeFact, TlsFact, load_probes, load_tls, window_bounds


@dataclass(frozen=True)
class SiteFact:
    id: str
    name: str
    url: str
    kind: str = "portal"
    unit: str | None = None
    config: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PageFact:
    """What a fetch of one URL showed (status or error class, timing, text)."""

    url: str
    status: int | None = 200
    final_url: str | None = None
    crawled: bool = True
    error: str | None = None
    error_detail: str | None = None
    redirects: tuple = ()
    content_type: str | None = "text/html"
    charset: str | None = None
    size: int | None = None
    elapsed_ms: float | None = None
    title: str | None = None
    text: str | None = None
    depth: int | None = None
    rendered: bool = False
    render_reason: str | None = None
    method: str = "GET"
    flags: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and self.status < 400

    @property
    def is_html(self) -> bool:
        return bool(self.content_type) and "html" in self.content_type.lower()

    @property
    def complete_text(self) -> str | None:
        """The stored visible text when it is all of it (not capped, not missing), else None: a rule may
        skip a page whose complete text lacks what it looks for without loading the HTML."""
        return self.text if self.text and len(self.text) < TEXT_CAP else None


class LinkFact(NamedTuple):
    """An outgoing reference of a crawled page (a tuple: a large site has ~150,000 of them)."""

    source: str
    target: str
    tag: str = "a"
    text: str | None = None


@dataclass(frozen=True)
class PostFact:
    """One post of an account (政务新媒体 fact family "accounts")."""

    account: str  # "platform:handle" of its account
    url: str | None = None
    published_at: datetime | None = None
    title: str | None = None
    text: str | None = None
    pinned: bool = False
    comments: int | None = None
    likes: int | None = None
    reposts: int | None = None


@dataclass(frozen=True)
class AccountFact:
    """One registered 政务新媒体 account as its platform showed it; `status` ok or failed (+ `failure`)."""

    platform: str
    handle: str
    registered_name: str | None = None
    name: str | None = None
    url: str | None = None
    verified: bool | None = None
    verification: str | None = None
    followers: int | None = None
    posts_total: int | None = None
    posts_source: str | None = None  # timeline | feed | portal | manual
    interaction: dict = field(default_factory=dict)
    status: str = "ok"
    failure: str | None = None
    failure_detail: str | None = None

    @property
    def key(self) -> str:
        """The contract's subject for account rules: `platform:handle`."""
        return f"{self.platform}:{self.handle}"


@dataclass(frozen=True)
class ColumnFact:
    """A column (栏目) the crawl found: level 0 is the homepage itself, 1 一级, 2 二级."""

    url: str
    name: str | None = None
    type: str = "other"
    type_reason: str | None = None
    level: int = 1
    level_reason: str | None = None  # why 一级/二级: top menu, homepage block, submenu, parent column …
    parent_url: str | None = None
    source: str | None = None
    fetched: bool = True
    status: int | None = 200
    pages_seen: tuple[str, ...] = ()
    page_count: int | None = None
    items_seen: int = 0
    dated_items: int = 0
    subcolumns: int = 0
    empty_marker: str | None = None
    needs_render: bool = False
    rendered: bool = False
    newest_date: date | None = None


@dataclass(frozen=True)
class ColumnItemFact:
    """One entry of a column's list, with the date shown beside it (None when none is shown)."""

    column_url: str
    title: str | None = None
    url: str | None = None
    date: date | None = None
    date_source: str | None = None
    date_raw: str | None = None
    page_url: str | None = None


@dataclass(frozen=True)
class SearchProbeFact:
    """One query of the site search (fact family `search`)."""

    outcome: str
    query: str | None = None
    query_source: str | None = None
    form_page: str | None = None
    form_action: str | None = None
    results_url: str | None = None
    status: int | None = None
    via: str | None = None
    error: str | None = None
    shared: bool = False
    screenshot: str | None = None


@dataclass(frozen=True)
class MobileRenderFact:
    """A page rendered at phone size (fact family `mobile`)."""

    url: str
    viewport_meta: str | None = None
    viewport_width: int | None = None
    scroll_width: int | None = None
    min_font_px: float | None = None
    text_sizes: dict = field(default_factory=dict)
    error: str | None = None
    screenshot: str | None = None


@dataclass(frozen=True)
class AxeResultFact:
    """axe-core's violations on one page (fact family `axe`)."""

    url: str
    violations: tuple = ()
    axe_version: str | None = None
    error: str | None = None
    screenshot: str | None = None


@dataclass(frozen=True)
class HostFactFact:
    """The homepage host's DNS, IPv6 fetch and fingerprints (fact family `host`)."""

    host: str
    aaaa: tuple = ()
    cnames: tuple = ()
    dns_error: str | None = None
    ipv6_route: bool | None = None
    ipv6_address: str | None = None
    ipv6_status: int | None = None
    ipv6_error: str | None = None
    cms: tuple = ()
    platform: dict = field(default_factory=dict)


@dataclass(frozen=True)
class PageVariantFact:
    """The same page fetched as a search-engine spider or with a search-engine Referer (content.cloaking)."""

    url: str
    variant: str  # baiduspider | sogou | search_referer
    user_agent: str = ""
    referer: str | None = None
    status: int | None = 200
    final_url: str | None = None
    error: str | None = None
    title: str | None = None
    text: str | None = None


@dataclass(frozen=True)
class LinkVisibilityFact:
    """A link of a rendered page and whether the browser's computed style lets a person see it."""

    page: str
    href: str
    text: str | None = None
    hidden: str = ""  # why it is invisible; "" = visible
    path: str | None = None
    in_menu: bool = False


@dataclass
class Snapshot:
    """Everything a rule may read about one run; `as_of` is the 监测时间点."""

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
    facts: frozenset[str] = frozenset({"pages", "links"})
    page_variants: list[PageVariantFact] = field(default_factory=list)
    link_visibility: list[LinkVisibilityFact] = field(default_factory=list)
    accounts: list[AccountFact] = field(default_factory=list)
    posts: list[PostFact] = field(default_factory=list)
    # 政府信息公开 (fact family "disclosure") and 互动交流 ("interaction"): storage/disclosure_facts.py
    disclosure_parts: list[DisclosurePartFact] = field(default_factory=list)
    documents: list[DocumentFact] = field(default_factory=list)
    annual_reports: list[AnnualReportFact] = field(default_factory=list)
    interaction_channels: list[ChannelFact] = field(default_factory=list)
    messages: list[MessageFact] = field(default_factory=list)
    search_probes: list[SearchProbeFact] = field(default_factory=list)
    mobile_renders: list[MobileRenderFact] = field(default_factory=list)
    axe_results: list[AxeResultFact] = field(default_factory=list)
    host_facts: list[HostFactFact] = field(default_factory=list)
    probes: list[ProbeFact] = field(default_factory=list)  # the site's availability samples up to as_of
    tls: list[TlsFact] = field(default_factory=list)  # the homepage host over HTTPS, at audit time
    attachments: list[AttachmentFact] = field(default_factory=list)  # fact family "attachments" (附件 texts)
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
        """Each column's items (by column URL), newest first, undated last."""
        index: dict[str, list[ColumnItemFact]] = defaultdict(list)
        for item in self.column_items:
            index[item.column_url].append(item)
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
    columns = [_column_fact(c) for c in session.scalars(select(Column).where(Column.run_id == run_id).order_by(Column.id))]
    column_items = [
        ColumnItemFact(column_url=i.column_url, title=i.title, url=i.url, date=i.date, date_source=i.date_source,
                       date_raw=i.date_raw, page_url=i.page_url)
        for i in session.scalars(select(ColumnItem).where(ColumnItem.run_id == run_id).order_by(ColumnItem.id))
    ]
    variants = [
        PageVariantFact(url=v.url, variant=v.variant, user_agent=v.user_agent, referer=v.referer, status=v.status,
                        final_url=v.final_url, error=v.error, title=v.title, text=v.text)
        for v in session.scalars(select(PageVariant).where(PageVariant.run_id == run_id).order_by(PageVariant.id))
    ]
    visibility = [
        LinkVisibilityFact(page=v.page, href=v.href, text=v.text, hidden=v.hidden, path=v.path, in_menu=v.in_menu)
        for v in session.scalars(
            select(LinkVisibility).where(LinkVisibility.run_id == run_id).order_by(LinkVisibility.id))
    ]

    def load_bodies(urls: list[str]) -> dict[str, str]:
        by_id = {ids[u]: u for u in urls if u in ids}
        keys = list(by_id)
        bodies: dict[str, str] = {}
        for at in range(0, len(keys), 500):
            chunk = keys[at:at + 500]
            for page_id, blob in conn.execute(select(PageBody.page_id, PageBody.html_z)
                                              .where(PageBody.page_id.in_(chunk))):
                bodies[by_id[page_id]] = zlib.decompress(blob).decode("utf-8")
        return bodies

    accounts, posts = _newmedia_facts(session, run_id)
    day = as_of or run.as_of
    facts = set(run.stats.get("facts", ["pages", "links"])) if run.stats else {"pages", "links"}
    return Snapshot(
        site=SiteFact(id=site.id, name=site.name, url=site.url, kind=site.kind, unit=site.unit, config=site.config),
        as_of=as_of or run.as_of,
        homepage_url=run.homepage_url,
        pages=pages,
        links=links,
        columns=columns,
        column_items=column_items,
        run_id=run.id,
        run_state=run.state,
        options=dict(run.options or {}),
        page_variants=variants,
        link_visibility=visibility,
        facts=frozenset(facts | {"probes"}),  # the probe history is always read (it may be empty)
        probes=load_probes(session, site.id, *window_bounds(day, probe_days)),
        tls=load_tls(session, run.id),
        accounts=accounts,
        posts=posts,
        _body_loader=load_bodies,
        attachments=load_attachment_facts(session, run_id),
        **load_disclosure_facts(session, run_id),
        **_function_facts(session, run_id),
    )


CHINA_TZ = timezone(timedelta(hours=8))


def china_time(when: datetime | None) -> datetime | None:
    """A stored post time as an aware China time (SQLite returns the stored China wall clock, naive)."""
    if when is None:
        return None
    return when.replace(tzinfo=CHINA_TZ) if when.tzinfo is None else when.astimezone(CHINA_TZ)


def _newmedia_facts(session: Session, run_id: int) -> tuple[list[AccountFact], list[PostFact]]:
    rows = session.scalars(select(Account).where(Account.run_id == run_id).order_by(Account.id)).all()
    keys = {a.id: f"{a.platform}:{a.handle}" for a in rows}
    accounts = [AccountFact(
        platform=a.platform, handle=a.handle, registered_name=a.registered_name, name=a.name, url=a.url,
        verified=a.verified, verification=a.verification, followers=a.followers, posts_total=a.posts_total,
        posts_source=a.posts_source, interaction=dict(a.interaction or {}), status=a.status, failure=a.failure,
        failure_detail=a.failure_detail) for a in rows]
    posts = [PostFact(account=keys[p.account_id], url=p.url, published_at=china_time(p.published_at), title=p.title, text=p.text,
                      pinned=p.pinned, comments=p.comments, likes=p.likes, reposts=p.reposts)
             for p in session.scalars(select(Post).where(Post.run_id == run_id).order_by(Post.id))]
    return accounts, posts


def _function_facts(session: Session, run_id: int) -> dict:
    """Facts gathered after the crawl (search, mobile, axe, host), in the order they were stored."""
    def rows(model):  # noqa: ANN001, ANN202
        return session.scalars(select(model).where(model.run_id == run_id).order_by(model.id)).all()

    return {
        "search_probes": [SearchProbeFact(
            outcome=r.outcome, query=r.query, query_source=r.query_source, form_page=r.form_page,
            form_action=r.form_action, results_url=r.results_url, status=r.status, via=r.via, error=r.error,
            shared=r.shared, screenshot=r.screenshot) for r in rows(SearchProbe)],
        "mobile_renders": [MobileRenderFact(
            url=r.url, viewport_meta=r.viewport_meta, viewport_width=r.viewport_width, scroll_width=r.scroll_width,
            min_font_px=r.min_font_px, text_sizes=dict(r.text_sizes or {}), error=r.error,
            screenshot=r.screenshot) for r in rows(MobileRender)],
        "axe_results": [AxeResultFact(url=r.url, violations=tuple(r.violations or ()), axe_version=r.axe_version,
                                      error=r.error, screenshot=r.screenshot) for r in rows(AxeResult)],
        "host_facts": [HostFactFact(
            host=r.host, aaaa=tuple(r.aaaa or ()), cnames=tuple(r.cnames or ()), dns_error=r.dns_error,
            ipv6_route=r.ipv6_route, ipv6_address=r.ipv6_address, ipv6_status=r.ipv6_status,
            ipv6_error=r.ipv6_error, cms=tuple(r.cms or ()), platform=dict(r.platform or {})) for r in rows(HostFact)],
    }


def _page_fact(p: Mapping[str, Any]) -> PageFact:
    """A page row (the `page` table's columns) as a fact."""
    return PageFact(
        url=p["url"], status=p["status"], final_url=p["final_url"], crawled=p["crawled"], error=p["error"],
        error_detail=p["error_detail"], redirects=tuple(tuple(r) for r in (p["redirects"] or [])),
        content_type=p["content_type"], charset=p["charset"], size=p["size"], elapsed_ms=p["elapsed_ms"],
        title=p["title"], text=p["text"], depth=p["depth"], rendered=p["rendered"],
        render_reason=p["render_reason"], method=p["method"], flags=tuple(p["flags"] or ()),
    )


def _column_fact(c: Column) -> ColumnFact:
    return ColumnFact(
        url=c.url, name=c.name, type=c.type, type_reason=c.type_reason, level=c.level, level_reason=c.level_reason,
        parent_url=c.parent_url,
        source=c.source, fetched=c.fetched, status=c.status, pages_seen=tuple(c.pages_seen or ()),
        page_count=c.page_count, items_seen=c.items_seen, dated_items=c.dated_items, subcolumns=c.subcolumns,
        empty_marker=c.empty_marker, needs_render=c.needs_render, rendered=c.rendered, newest_date=c.newest_date,
    )


def snapshot_from(site: SiteFact, as_of: date, homepage_url: str, pages: Iterable[PageFact] = (),
                  links: Iterable[LinkFact] = (), bodies: dict[str, str] | None = None, **kw) -> Snapshot:
    """Build a snapshot in memory (tests, and rules judged right after gathering)."""
    return Snapshot(site=site, as_of=as_of, homepage_url=homepage_url, pages={p.url: p for p in pages},
                    links=list(links), _bodies=dict(bodies or {}), **kw)
