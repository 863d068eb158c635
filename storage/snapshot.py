"""A run's read-only snapshot: the facts `checks/` judge, built from storage or in a test."""
from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import Link, Page, PageBody, Run, Site
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


@dataclass(frozen=True)
class LinkFact:
    source: str
    target: str
    tag: str = "a"
    text: str | None = None


@dataclass
class Snapshot:
    """Everything a rule may read about one run; `as_of` is the 监测时间点."""

    site: SiteFact
    as_of: date
    homepage_url: str
    pages: dict[str, PageFact] = field(default_factory=dict)
    links: list[LinkFact] = field(default_factory=list)
    run_id: int | None = None
    run_state: str = "complete"
    options: dict = field(default_factory=dict)
    facts: frozenset[str] = frozenset({"pages", "links"})
    probes: list[ProbeFact] = field(default_factory=list)  # the site's availability samples up to as_of
    tls: list[TlsFact] = field(default_factory=list)  # the homepage host over HTTPS, at audit time
    _bodies: dict[str, str] = field(default_factory=dict, repr=False)
    _body_loader: Callable[[str], str | None] | None = field(default=None, repr=False)

    def html(self, url: str) -> str | None:
        """The stored HTML of a crawled page, or None."""
        if url not in self._bodies and self._body_loader is not None:
            body = self._body_loader(url)
            if body is not None:
                self._bodies[url] = body
        return self._bodies.get(url)

    @property
    def homepage(self) -> PageFact | None:
        return self.pages.get(self.homepage_url)

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


def build_snapshot(session: Session, run_id: int, as_of: date | None = None, probe_days: int = PROBE_DAYS) -> Snapshot:
    """Load a stored run into a Snapshot; bodies are read lazily, one query each.

    Probes belong to the site, not the run: the `probe_days` Beijing days ending at as_of are loaded.
    """
    run = session.get(Run, run_id)
    if run is None:
        raise LookupError(f"run {run_id} does not exist")
    site = session.get(Site, run.site_id)
    pages = {p.url: _page_fact(p) for p in session.scalars(select(Page).where(Page.run_id == run_id))}
    # Core selects on the tables: a large site has ~150,000 links, and ORM rows cost three times as much.
    lt, pt = Link.__table__.c, Page.__table__.c
    conn = session.connection()
    links = [LinkFact(s, t, g, x) for s, t, g, x in conn.execute(
        select(lt.source, lt.target, lt.tag, lt.text).where(lt.run_id == run_id).order_by(lt.id)).all()]
    ids = dict(conn.execute(select(pt.url, pt.id).where(pt.run_id == run_id)).all())

    def load_body(url: str) -> str | None:
        page_id = ids.get(url)
        if page_id is None:
            return None
        blob = session.scalar(select(PageBody.html_z).where(PageBody.page_id == page_id))
        return zlib.decompress(blob).decode("utf-8") if blob is not None else None

    day = as_of or run.as_of
    facts = set(run.stats.get("facts", ["pages", "links"])) if run.stats else {"pages", "links"}
    return Snapshot(
        site=SiteFact(id=site.id, name=site.name, url=site.url, kind=site.kind, unit=site.unit, config=site.config),
        as_of=as_of or run.as_of,
        homepage_url=run.homepage_url,
        pages=pages,
        links=links,
        run_id=run.id,
        run_state=run.state,
        options=dict(run.options or {}),
        facts=frozenset(facts | {"probes"}),  # the probe history is always read (it may be empty)
        probes=load_probes(session, site.id, *window_bounds(day, probe_days)),
        tls=load_tls(session, run.id),
        _body_loader=load_body,
    )


def _page_fact(p: Page) -> PageFact:
    return PageFact(
        url=p.url, status=p.status, final_url=p.final_url, crawled=p.crawled, error=p.error,
        error_detail=p.error_detail, redirects=tuple(tuple(r) for r in (p.redirects or [])),
        content_type=p.content_type, charset=p.charset, size=p.size, elapsed_ms=p.elapsed_ms, title=p.title,
        text=p.text, depth=p.depth, rendered=p.rendered, render_reason=p.render_reason, method=p.method,
        flags=tuple(p.flags or ()),
    )


def snapshot_from(site: SiteFact, as_of: date, homepage_url: str, pages: Iterable[PageFact] = (),
                  links: Iterable[LinkFact] = (), bodies: dict[str, str] | None = None, **kw) -> Snapshot:
    """Build a snapshot in memory (tests, and rules judged right after gathering)."""
    return Snapshot(site=site, as_of=as_of, homepage_url=homepage_url, pages={p.url: p for p in pages},
                    links=list(links), _bodies=dict(bodies or {}), **kw)
