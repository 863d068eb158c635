"""The partial incremental re-audit (docs/incremental.md, "When only some pages changed").

When the revalidation pass (crawler.reuse) found some pages changed, `plan_partial()` decides whether a
crawl of only those pages can give exactly what a full crawl of today's state gives, and what it must then
fetch, drop and carry. Precision first: anything it cannot make exact is a `Refusal` with a named reason and
the audit crawls fully.

What it does:
1. The changes it accepts: a crawled page (not the homepage, not redirected, not the target of a redirect
   alias) whose body changed (still an HTML page) or that is gone (now answers 4xx/5xx).
2. The link graph of today's state: the previous run's links, the changed pages' links read from the bodies
   the revalidation pass got (parsed as the crawl parses them), none for gone pages. A breadth-first walk
   from the homepage with the crawl's own follow rule (`SiteSpider._should_crawl`) over the old and the new
   graph gives each page's depth: pages no longer reached are dropped, pages whose depth moved are
   re-crawled at their new depth, pages newly reached must be dead (asked once now: an error status or a
   failed fetch, no redirect) — a new live page means a full crawl — and are crawled as the full crawl
   would. The link targets only checked are those linked from today's pages (new ones are checked, the ones
   nobody links any more disappear). A run that reached `max_pages` or `max_depth` (in either graph) or
   whose link checks were capped is refused.
3. The crawl-time fact families. `document` rows (disclosure) belong each to one page: the re-crawled and
   dropped pages' rows are not carried and new ones are read from this run's bodies (`refresh_documents`).
   Every other family is built across pages (columns and their items, platform parts, annual reports,
   interaction channels and messages, attachments and which page linked them): a partial run is refused
   when a page it touches is named in any of their previous rows, or when the crawl's extractors, primed
   with the (unchanged) homepage, gather anything from the old or the new version of the page besides its
   document row (the attachment requests excepted when identical in both versions), or change what they
   would hand over at the end of the crawl.
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Session

from crawler.page import ATTACHMENT_EXT, CRAWL_TAGS, parse_html
from storage import models as m
from storage.crawlset import link_parts, pages_where
from storage.facts import TABLES
from storage.reuse import PER_PAGE_FACTS
from storage.vocabulary import host_of


class Refusal(Exception):  # noqa: N818 - a reason, not an error
    """Why a partial re-crawl cannot be exact: the audit crawls fully."""

    def __init__(self, reason: str, **detail: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@dataclass
class PartialPlan:
    pages: tuple[tuple[str, int], ...]  # (url, depth) crawled again: changed, gone, depth moved, new dead links
    drop: tuple[str, ...]  # previous pages today's state no longer reaches (and gone pages' links)
    refresh: tuple[str, ...]  # pages whose per-page facts are gathered anew (not carried)
    targets: set[str]  # the link targets today's pages link to (only checked)
    stats: dict = field(default_factory=dict)


# --- pages as the crawl reads them -----------------------------------------------------------------------
def response_for(url: str, final_url: str, body: bytes, content_type: str | None, depth: int,
                 status: int = 200):  # noqa: ANN201 - scrapy Response
    from scrapy import Request
    from scrapy.http.headers import Headers
    from scrapy.responsetypes import responsetypes

    headers = Headers({"Content-Type": content_type} if content_type else {})
    cls = responsetypes.from_args(headers=headers, url=final_url, body=body)
    return cls(url=final_url, status=status, headers=headers, body=body,
               request=Request(url, meta={"ga_depth": depth}))


def stored_response(url: str, final_url: str | None, html: str, depth: int):  # noqa: ANN201
    """A stored page body (decoded HTML) as the response it came from."""
    from scrapy import Request
    from scrapy.http import HtmlResponse

    return HtmlResponse(url=final_url or url, body=html.encode("utf-8"), encoding="utf-8",
                        request=Request(url, meta={"ga_depth": depth}))


def stored_html(session: Session, run_id: int, urls: list[str]) -> dict[str, str]:
    """url → stored HTML of the run's pages (its own or read through its base, storage/crawlset.py)."""
    import zlib

    out: dict[str, str] = {}
    ids = dict(session.execute(select(m.Page.id, m.Page.url).where(pages_where(session, run_id),
                                                                   m.Page.url.in_(urls))).all())
    if not ids:
        return out
    for page_id, blob in session.execute(select(m.PageBody.page_id, m.PageBody.html_z)
                                         .where(m.PageBody.page_id.in_(list(ids)))):
        out[ids[page_id]] = zlib.decompress(blob).decode("utf-8")
    for page_id, blob in session.execute(select(m.PageBlob.page_id, m.BodyBlob.html_z)
                                         .join(m.BodyBlob, m.BodyBlob.hash == m.PageBlob.hash)
                                         .where(m.PageBlob.page_id.in_(list(ids)))):
        out[ids[page_id]] = zlib.decompress(blob).decode("utf-8")
    return out


# --- the extractors' view of one page ---------------------------------------------------------------------
class _ProbePort:
    """A SpiderPort for extractors run outside the crawl: requests are recorded, never sent."""

    def __init__(self, run_id: int, homepage: str, site: dict, hosts: set[str]) -> None:
        self.run_id, self.homepage, self.site, self.site_hosts = run_id, homepage, site or {}, set(hosts)
        self.requested: list[tuple[str, int]] = []

    def setting(self, name: str, default: Any = None) -> Any:
        from crawler import settings as crawl_settings

        return getattr(crawl_settings, name, default)

    def request_page(self, url: str, depth: int, within_budget: bool = True):  # noqa: ANN201
        from scrapy import Request

        self.requested.append((url, depth))
        return Request(url, meta={"ga_depth": depth})


class Probe:
    """The crawl's extractors (those a restricted crawl does not run), primed with the homepage."""

    def __init__(self, run_id: int, homepage: str, site: dict, hosts: set[str], home,  # noqa: ANN001
                 extractors: list[str]) -> None:
        self.args = (run_id, homepage, site, hosts)
        self.home = home  # (url, response) of the homepage
        self.paths = extractors
        self.baseline = self._finish(self._primed())

    def _primed(self) -> list:
        from crawler.extractors import PageContext, load_extractors

        port = _ProbePort(*self.args)
        extractors = load_extractors(port, self.paths)
        url, response = self.home
        ctx = PageContext(url=url, response=response, html=response.text,
                          parsed=parse_html(response.text, response.url, with_links=True), depth=0, spider=port)
        for extractor in extractors:
            for _ in extractor.on_page(ctx) or ():
                pass
        return extractors

    @staticmethod
    def _finish(extractors: list) -> list[str]:
        return [repr(row) for e in extractors for row in e.finish()]

    def read(self, url: str, response, depth: int) -> tuple[list, list, list]:  # noqa: ANN001
        """(own document facts, attachment requests, anything else) the extractors gather from the page;
        a change of what they hand over at the end of the crawl counts as anything else."""
        from scrapy import Request

        from crawler.extractors import PageContext
        from crawler.extractors.attachments import AttachmentExtractor
        from storage.facts.disclosure import DocumentFact

        extractors = self._primed()
        html = response.text
        ctx = PageContext(url=url, response=response, html=html, depth=depth, spider=_ProbePort(*self.args),
                          parsed=parse_html(html, response.url, with_links=True))
        documents, attachments, other = [], [], []
        for extractor in extractors:
            for out in extractor.on_page(ctx) or ():
                fact = getattr(out, "fact", None)
                if isinstance(fact, DocumentFact) and fact.url == url:
                    documents.append(fact)
                elif isinstance(extractor, AttachmentExtractor) and isinstance(out, Request):
                    attachments.append((out.url, repr(out.meta.get("ga_attachment", {}).get("text"))))
                else:
                    other.append(f"{type(extractor).__name__}: {type(out).__name__} {getattr(out, 'url', '')}")
        if self._finish(extractors) != self.baseline:
            other.append("finish() changed")
        if any(isinstance(e, _interaction_cls()) for e in extractors):
            from crawler.extractors.disclosure.extractor import _heading
            from crawler.extractors.disclosure.messages import detail_message

            if detail_message(ctx.parsed.text, _heading(ctx), url) is not None:
                other.append("InteractionExtractor: a message detail page")
        return documents, attachments, other


def _interaction_cls() -> type:
    from crawler.extractors.disclosure.extractor import InteractionExtractor

    return InteractionExtractor


# --- the link graph ---------------------------------------------------------------------------------------
def walk(homepage: str, edges: dict[str, list[tuple[str, str]]], hosts: set[str], max_depth: int) -> dict[str, int]:
    """Breadth-first from the homepage with the crawl's follow rule: url → depth of every page it reaches."""
    depth = {homepage: 0}
    queue = deque([homepage])
    while queue:
        url = queue.popleft()
        d = depth[url]
        for target, tag in edges.get(url, ()):
            if target in depth:
                continue
            path = target.split("?", 1)[0].lower()
            if tag in CRAWL_TAGS and host_of(target) in hosts and d + 1 <= max_depth \
                    and not path.endswith(ATTACHMENT_EXT):
                depth[target] = d + 1
                queue.append(target)
    return depth


# Columns naming a URL the fact was not read from: a column item's own page (the item is read from its list).
NAMED_ONLY = {("column_item", "url")}


def _within_caps(caps: dict, targets: set[str], edges: dict, pages: set[str]) -> None:
    """Refuse when a link-check cap (scheme links.max_checks_per_*) would cut today's checks: which targets
    it leaves out depends on the crawl's order."""
    from collections import Counter

    def cap(name: str) -> int | None:
        try:
            return int(caps.get(name) or 0) or None
        except (TypeError, ValueError):
            return None

    run, host, page = cap("run"), cap("host"), cap("page")
    if run is not None and len(targets) > run:
        raise Refusal("link_caps", cap="run")
    if host is not None and any(n > host for n in Counter(host_of(t) for t in targets).values()):
        raise Refusal("link_caps", cap="host")
    if page is not None:
        for url, links in edges.items():
            if len({t for t, _ in links if t not in pages}) > page:
                raise Refusal("link_caps", cap="page", url=url)


def referenced(session: Session, run_id: int, families: tuple[str, ...], urls: set[str]) -> tuple[str, str] | None:
    """(table, url) of a previous cross-page fact row naming one of `urls`, else None."""
    from crawler.extractors.columns.listing import column_key

    wanted = sorted(urls | {column_key(u) for u in urls})
    for table in TABLES.values():
        if table.family not in families:
            continue
        t = table.model.__table__
        own = PER_PAGE_FACTS.get(t.name)
        for col in t.columns:
            if col.name == own or (t.name, col.name) in NAMED_ONLY or not isinstance(col.type, (String, Text)):
                continue
            for start in range(0, len(wanted), 500):
                hit = session.scalar(select(col).where(t.c.run_id == run_id, col.in_(wanted[start:start + 500]))
                                     .limit(1))
                if hit is not None:
                    return t.name, hit
    return None


def plan_partial(session: Session, *, job, prev_id: int, rows: list, changes: list,  # noqa: ANN001, C901
                 families: tuple[str, ...], limit: int, probe_new, extractors: list[str], link_caps: dict | None,
                 prev_stats: dict) -> PartialPlan:
    """The partial re-crawl of today's state, or raises Refusal (see the module docstring)."""
    homepage = job.homepage
    by_url = {r.url: r for r in rows}
    home = by_url.get(homepage)
    if home is None or not home.crawled:
        raise Refusal("homepage_not_crawled")
    if any((prev_stats.get("checks_capped") or {}).values()):
        raise Refusal("link_caps")  # which targets a cap left out depends on the crawl's order
    aliased = {r.final_url for r in rows if not r.crawled and r.depth is not None and r.final_url
               and r.final_url != r.url}
    changed: dict[str, Any] = {}  # url → new response (None: gone)
    for c in changes:
        r = by_url.get(c.url)
        detail = {"url": c.url, "change": c.reason}
        if c.url == homepage or (r is not None and r.depth == 0):
            raise Refusal("homepage_changed", **detail)
        if r is None or not r.crawled:
            raise Refusal("record_changed", **detail)  # an error page, an alias: their handling is not partial
        if r.redirects or (r.final_url and r.final_url != r.url) or c.hops or r.url in aliased:
            raise Refusal("redirected_page_changed", **detail)
        if c.reason == "body_changed":
            response = response_for(c.url, c.final_url or c.url, c.body or b"", c.content_type, r.depth,
                                    c.status or 200)
            from scrapy.http import TextResponse

            ctype = (c.content_type or "").split(";")[0].strip().lower()
            if not isinstance(response, TextResponse) or "html" not in (ctype or "html"):
                raise Refusal("changed_not_html", **detail)
            changed[c.url] = response
        elif (c.reason or "").startswith("status_") and c.status is not None and c.status >= 400:
            changed[c.url] = None  # gone: crawled again, it becomes an error page without links
        else:
            raise Refusal("change_not_partial", **detail)

    # the link graph, before and after
    hosts = {host_of(homepage), host_of(home.final_url or homepage)}
    edges: dict[str, list[tuple[str, str]]] = {}
    crawled = {r.url for r in rows if r.crawled}
    for part in link_parts(session, prev_id):  # the run's own links, then its base's
        for source, target, tag in session.execute(select(m.Link.source, m.Link.target, m.Link.tag)
                                                   .where(part).order_by(m.Link.id)):
            if source in crawled:
                edges.setdefault(source, []).append((target, tag))
    new_edges = dict(edges)
    for url, response in changed.items():
        links = parse_html(response.text, response.url, with_links=True).links if response is not None else []
        new_edges[url] = [(ln.target, ln.tag) for ln in links]
    old_depth = walk(homepage, edges, hosts, job.max_depth)
    new_depth = walk(homepage, new_edges, hosts, job.max_depth)
    page_rows = {r.url for r in rows if r.depth is not None}
    extras = page_rows - set(old_depth)  # pages an extractor asked for (a column's next list page)
    unexplained = set(old_depth) - page_rows
    if unexplained:  # the walk does not reproduce the previous crawl: its pages are no model of today's
        raise Refusal("graph_mismatch", url=sorted(unexplained)[0], pages=len(unexplained))
    if extras & set(new_depth):
        raise Refusal("graph_extra", url=sorted(extras & set(new_depth))[0])
    if max(old_depth.values()) >= job.max_depth or max(new_depth.values()) >= job.max_depth:
        raise Refusal("max_depth")  # a page at max_depth follows no link: which ones are there depends on order
    if len(page_rows) >= job.max_pages or len(new_depth) + len(extras) >= job.max_pages:
        raise Refusal("max_pages")
    dropped = (set(old_depth) - set(new_depth)) & page_rows
    new_nodes = set(new_depth) - set(old_depth)
    moved = {u for u in set(new_depth) & set(old_depth) if new_depth[u] != old_depth[u]}
    gone = {u for u, resp in changed.items() if resp is None}
    recrawl = (set(changed) - dropped) | moved | new_nodes
    if len(recrawl) + len(dropped) > limit:
        raise Refusal("too_many_recrawls", pages=len(recrawl), dropped=len(dropped), limit=limit)
    today_crawled = {u for u in new_depth if (u in crawled and u not in gone)}
    targets: set[str] = set()
    for url in today_crawled:
        for target, _tag in new_edges.get(url, ()):
            if target not in new_depth and target not in extras:
                targets.add(target)
    _within_caps(link_caps or {}, targets, {u: new_edges.get(u, ()) for u in today_crawled}, set(new_depth) | extras)
    if dropped & targets:
        raise Refusal("dropped_page_still_linked", url=sorted(dropped & targets)[0])
    # pages newly reached must be dead links: asked once now, no body worth crawling
    for result in probe_new(sorted(new_nodes)):
        dead = result.status is not None and result.status >= 400 and not result.hops
        failed = result.status is None and (result.reason or "").startswith(("fetch_failed", "refused"))
        if not (dead or failed):
            raise Refusal("new_page", url=result.url, status=result.status)

    # the cross-page fact families
    touched = recrawl | dropped
    hit = referenced(session, prev_id, families, touched)
    if hit:
        raise Refusal("facts_reference", table=hit[0], url=hit[1])
    home_html = stored_html(session, prev_id, [homepage]).get(homepage)
    if home_html is None:
        raise Refusal("homepage_body_missing")
    old_html = stored_html(session, prev_id, sorted(u for u in touched if u in crawled))
    probe = Probe(job.run_id, homepage, job.site or {}, hosts,
                  (homepage, stored_response(homepage, home.final_url, home_html, 0)), extractors)
    for url in sorted(touched):
        versions = []
        if url in crawled:
            if url not in old_html:
                raise Refusal("body_missing", url=url)
            r = by_url[url]
            versions.append(("old", stored_response(url, r.final_url, old_html[url], r.depth), r.depth))
            if url in moved and url not in changed:
                versions.append(("moved", stored_response(url, r.final_url, old_html[url], new_depth[url]),
                                 new_depth[url]))
        if changed.get(url) is not None:
            versions.append(("new", changed[url], new_depth.get(url, by_url[url].depth)))
        signatures = {}
        for name, response, depth in versions:
            _docs, attachments, other = probe.read(url, response, depth)
            if other:
                raise Refusal("extractor_facts", url=url, version=name, what=other[0])
            signatures[name] = attachments
        kept = url in recrawl and url not in gone
        if len({repr(v) for v in signatures.values()}) > 1 or (not kept and any(signatures.values())):
            raise Refusal("attachments_changed", url=url)
    pages = tuple(sorted(((u, new_depth[u]) for u in recrawl), key=lambda p: (p[1], p[0])))
    return PartialPlan(
        pages=pages, drop=tuple(sorted(dropped | gone)), refresh=tuple(sorted(touched)), targets=targets,
        stats={"changed": sorted(set(changed) - gone), "gone": sorted(gone),
               "depth_moved": sorted(moved - set(changed)),
               "new_pages": sorted(new_nodes), "dropped": sorted(dropped), "recrawled": len(pages)})


def refresh_documents(session: Session, *, run_id: int, job_site: dict, homepage: str, urls: list[str],
                      extractors: list[str]) -> list:
    """The per-page facts (documents) of the pages this run crawled again, read from its own bodies as the
    crawl's extractors read them: fact rows for `run_id`."""
    from storage.facts import FactRow

    rows = {r.url: r for r in session.execute(select(m.Page.url, m.Page.final_url, m.Page.depth, m.Page.crawled)
                                              .where(pages_where(session, run_id),
                                                     m.Page.url.in_([homepage, *urls])))}
    wanted = [u for u in urls if u in rows and rows[u].crawled]
    if not wanted or homepage not in rows:
        return []
    html = stored_html(session, run_id, [homepage, *wanted])
    if homepage not in html:
        return []
    home = rows[homepage]
    hosts = {host_of(homepage), host_of(home.final_url or homepage)}
    probe = Probe(run_id, homepage, job_site, hosts,
                  (homepage, stored_response(homepage, home.final_url, html[homepage], 0)), extractors)
    out = []
    for url in wanted:
        if url in html:
            r = rows[url]
            documents, _, _ = probe.read(url, stored_response(url, r.final_url, html[url], r.depth or 0), r.depth or 0)
            out += [FactRow(run_id, d) for d in documents]
    return out


__all__ = ["PartialPlan", "Probe", "Refusal", "plan_partial", "refresh_documents", "walk"]
