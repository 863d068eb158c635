"""A run's crawl: its own `page` and `link` rows, overlaid on its base run's (docs/incremental.md, docs/scale.md).

An incremental nightly run does not copy the pages and links it carries over: it points at a base run
(`run.base_run_id`, always a run without a base of its own) and stores only what differs — what it fetched
itself, the records it kept or carried with other flags, and the crawled pages of its previous run that the
base does not hold. A run's crawl is then

- pages: its own rows, then the base run's rows whose URL it has no row for and has not dropped
  (`page_drop`: a partial re-audit's pages that today's crawl no longer reaches, or that are gone), each
  part in stored (`id`) order — the order copied rows would have. (Every URL the base only checked is checked again or carried
  with other flags, so it has a row of the run; what the base fetched as a page and the run did not comes
  through unchanged: crawled pages, error pages, redirect aliases);
- links: its own rows, then the base run's links whose source is none of its own crawled pages (by URL or
  final URL) nor a dropped page, each part in stored order.

A run without a base is its own rows only. Every reader of a run's `page` or `link` rows goes through here
(`page_parts`, `link_parts`: ordered parts for reads in crawl order; `count_pages`, `count_links`; and
`pages_where`, `links_where`: one filter, for lookups by URL). Bodies need nothing: a base page's row keeps its body pointer.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.sql.elements import ColumnElement

from storage import models as m

PAGE = m.Page.__table__
LINK = m.Link.__table__
DROP = m.PageDrop.__table__


def base_of(conn, run_id: int) -> int | None:  # noqa: ANN001 - a Session or a Connection
    """The run whose crawled pages and links this run reads through, if any."""
    return conn.execute(select(m.Run.base_run_id).where(m.Run.id == run_id)).scalar()


def page_parts(conn, run_id: int, base: int | None = ...) -> list[ColumnElement]:  # noqa: ANN001
    """Conditions on `page` selecting the run's pages, one per part, in the order the parts are read."""
    base = base_of(conn, run_id) if base is ... else base
    parts: list[ColumnElement] = [PAGE.c.run_id == run_id]
    if base is not None:
        own = PAGE.alias("own")
        parts.append(and_(PAGE.c.run_id == base,
                          ~exists().where(own.c.run_id == run_id, own.c.url_hash == PAGE.c.url_hash),
                          ~exists().where(DROP.c.run_id == run_id, DROP.c.url_hash == PAGE.c.url_hash)))
    return parts


def pages_where(conn, run_id: int, base: int | None = ...) -> ColumnElement:  # noqa: ANN001
    """One condition on `page` selecting every page of the run (counts, lookups by URL)."""
    return or_(*page_parts(conn, run_id, base))


def link_parts(conn, run_id: int, base: int | None = ...) -> list[ColumnElement]:  # noqa: ANN001
    """Conditions on `link` selecting the run's links, one per part, in the order the parts are read."""
    base = base_of(conn, run_id) if base is ... else base
    parts: list[ColumnElement] = [LINK.c.run_id == run_id]
    if base is not None:
        parts.append(and_(LINK.c.run_id == base, *_not_crawled_by(run_id, LINK.c.source),
                          LINK.c.source.not_in(select(DROP.c.url).where(DROP.c.run_id == run_id))))
    return parts


def links_where(conn, run_id: int, base: int | None = ...) -> ColumnElement:  # noqa: ANN001
    """One condition on `link` selecting every link of the run."""
    return or_(*link_parts(conn, run_id, base))


def count_pages(conn, run_id: int, *where: ColumnElement) -> int:  # noqa: ANN001
    """How many pages of the run match `where`: counted part by part (each part uses the run_id index)."""
    return sum(conn.execute(select(func.count()).select_from(PAGE).where(part, *where)).scalar() or 0
               for part in page_parts(conn, run_id))


def count_links(conn, run_id: int) -> int:  # noqa: ANN001
    return sum(conn.execute(select(func.count()).select_from(LINK).where(part)).scalar() or 0
               for part in link_parts(conn, run_id))


def _not_crawled_by(run_id: int, source) -> list[ColumnElement]:  # noqa: ANN001
    """`source` is neither the URL nor the final URL of a page the run crawled itself."""
    own = PAGE.alias("own_crawled")
    crawled = and_(own.c.run_id == run_id, own.c.crawled.is_(True))
    return [source.not_in(select(own.c.url).where(crawled)),
            source.not_in(select(own.c.final_url).where(crawled, own.c.final_url.is_not(None)))]


__all__ = ["base_of", "count_links", "count_pages", "link_parts", "links_where", "page_parts", "pages_where"]
