"""Carrying the previous run's crawl over to a nightly re-audit, in SQL (docs/incremental.md).

When every page the previous complete run crawled is unchanged, the new run takes that run's pages, bodies
and links by pointing at a base run (`run.base_run_id`, read through by storage/crawlset.py: nothing is
copied), and its crawl-time facts by `INSERT … SELECT` — rows never pass through Python objects — except
what the new run fetched itself (the homepage, the link targets re-checked on their cadence, the cloaking
variants).
Carried link-check results keep the day they were really checked, marked in their flags
(`carried_over`, `checked:YYYY-MM-DD`), and findings about them say so (`carried_over` in the evidence).

Bodies are content-addressed (storage/models/blob.py): a page read through the base keeps its body pointer;
a page copied from a previous run that has a base itself gets a pointer to the blob its previous page
pointed at (`page_blob`), or a copy of its `page_body` row for runs stored before.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import and_, exists, func, insert, literal, select, update
from sqlalchemy.orm import Session

from storage import models as m
from storage.crawlset import base_of, count_links, count_pages, page_parts, pages_where
from storage.base import text_hash
from storage.facts import TABLES
from storage.vocabulary import CARRIED_FLAG, CHECKED_PREFIX, SPINE_FACTS, carried_check


def checked_on(flags: Iterable[str] | None, fallback: date) -> date:
    """The day a stored check result was really made: its `checked:` flag, else the day of its run."""
    info = carried_check(flags)
    if info and info.get("checked_on"):
        return date.fromisoformat(info["checked_on"])
    return fallback


def previous_audit(session: Session, site_id: str, before_run_id: int) -> m.Run | None:
    """The site's newest complete full audit before this run."""
    run_id = session.scalar(select(func.max(m.Run.id)).where(
        m.Run.site_id == site_id, m.Run.id < before_run_id, m.Run.state == "complete", m.Run.kind == "audit"))
    return session.get(m.Run, run_id) if run_id is not None else None


def crawled_pages(session: Session, run_id: int) -> list[m.Page]:
    return [p for part in page_parts(session, run_id) for p in session.scalars(
        select(m.Page).where(part, m.Page.crawled.is_(True)).order_by(m.Page.id))]


def checked_targets(session: Session, run_id: int) -> list[tuple[str, list]]:
    """(url, flags) of every URL the run only checked."""
    return [(u, f or []) for u, f in session.execute(
        select(m.Page.url, m.Page.flags).where(pages_where(session, run_id), m.Page.crawled.is_(False)))]


def rendered_pages(session: Session, run_id: int) -> int:
    return count_pages(session, run_id, m.Page.rendered.is_(True))


def year_less_items(session: Session, run_id: int) -> list[tuple[str, int | None, date | None]]:
    """(MM-DD, year hint, fetch day) of the run's column items whose date has no year."""
    model = m.ColumnItem
    return [tuple(r) for r in session.execute(
        select(model.month_day, model.year_hint, model.fetched_on).where(model.run_id == run_id,
                                                                         model.month_day.is_not(None)))]


# Fact tables whose rows each belong to one page (the page's URL in the named column): a partial re-audit
# carries the rows of the pages it did not re-crawl and gathers new rows for those it did (`refresh`).
PER_PAGE_FACTS = {"document": "url"}


def carry(session: Session, previous: int, run_id: int, families: Iterable[str], *, checks: dict[str, date],
          today: date, drop: Iterable[str] = (), refresh: Iterable[str] = ()) -> dict[str, int]:
    """Give this run the previous run's crawl, except the URLs this run already fetched: the run points at
    a base run and reads the rest of its pages (with their bodies) and links through it
    (storage/crawlset.py) — nothing is copied but what the base does not hold. Stored as the run's own
    rows: the check results named in `checks` (url → day really checked, marked as carried) and, when the
    previous run reads through a base itself, that run's own rows (copied with their links and body
    pointers). A partial re-audit names in `drop` the previous pages a full crawl of today's state no longer
    reaches, or that are gone: neither their record nor their links are carried (`page_drop`; the drops of a
    previous run with a base are kept). Then the rows of the given fact families (column items re-dated to
    this run's fetch day), except the per-page facts (PER_PAGE_FACTS) of the pages in `refresh`, which a
    partial re-audit gathers anew. Returns counts of what was carried."""
    refresh = sorted(set(refresh))
    page, new = m.Page.__table__, m.Page.__table__.alias("new")
    link = m.Link.__table__

    def rows_of(table) -> int:  # noqa: ANN001 - (INSERT … SELECT rowcounts are not reported by every driver)
        return session.scalar(select(func.count()).select_from(table).where(table.c.run_id == run_id)) or 0

    own_pages, own_links = rows_of(page), rows_of(link)
    pcols = [c.name for c in page.columns if c.name not in ("id", "run_id")]
    counts: dict[str, int] = {}
    # 1. carried check results: rows of this run (other flags: they were not asked again this run)
    if checks:
        already = set(session.scalars(select(page.c.url).where(page.c.run_id == run_id)))
        rows = [dict(r._mapping) for r in session.execute(select(*[page.c[c] for c in pcols]).where(
            pages_where(session, previous), page.c.crawled.is_(False)).order_by(page.c.id))]
        out = []
        for r in rows:
            if r["url"] in checks and r["url"] not in already:
                flags = [f for f in (r["flags"] or []) if f != CARRIED_FLAG and not f.startswith(CHECKED_PREFIX)]
                r["flags"] = [*flags, CARRIED_FLAG, f"{CHECKED_PREFIX}{checks[r['url']].isoformat()}"]
                out.append({**r, "run_id": run_id})
        if out:
            session.execute(insert(page), out)
        counts["carried_checks"] = len(out)
    # 2. the base: the previous run's own base, else the previous run. Rows the previous run holds itself
    #    over its base are copied (pages this run did not fetch, their links, their body pointers).
    prev_base = base_of(session, previous)
    dropped = m.PageDrop.__table__
    new_drops = {u: text_hash(u) for u in drop}
    drops = dict(new_drops)  # hide the base's rows: the previous run's drops too (its own rows stay its own)
    if prev_base is not None:
        drops.update({u: h for u, h in session.execute(select(dropped.c.url, dropped.c.url_hash)
                                                        .where(dropped.c.run_id == previous))})
    if drops:
        session.execute(insert(dropped), [{"run_id": run_id, "url": u, "url_hash": h} for u, h in sorted(drops.items())])
    if prev_base is not None:
        old = page.alias("old")
        crawled_now = select(new.c.url).where(new.c.run_id == run_id, new.c.crawled.is_(True))
        crawled_final = select(new.c.final_url).where(new.c.run_id == run_id, new.c.crawled.is_(True),
                                                      new.c.final_url.is_not(None))
        lcols = [c.name for c in link.columns if c.name not in ("id", "run_id")]
        session.execute(insert(link).from_select(
            ["run_id", *lcols], select(literal(run_id), *[link.c[c] for c in lcols]).where(
                link.c.run_id == previous, link.c.source.not_in(crawled_now), link.c.source.not_in(crawled_final),
                *([link.c.source.not_in(sorted(new_drops))] if new_drops else [])).order_by(link.c.id)))
        session.execute(insert(page).from_select(
            ["run_id", *pcols], select(literal(run_id), *[old.c[c] for c in pcols]).where(
                old.c.run_id == previous,
                ~exists().where(new.c.run_id == run_id, new.c.url_hash == old.c.url_hash),
                *([old.c.url_hash.not_in(sorted(new_drops.values()))] if new_drops else [])).order_by(old.c.id)))
        pairs = old.join(new, and_(new.c.run_id == run_id, new.c.url_hash == old.c.url_hash))
        for body in (m.PageBlob.__table__, m.PageBody.__table__):
            value = body.c.hash if body.name == "page_blob" else body.c.html_z
            own = body.alias("own")  # a page this run fetched itself has its own body already
            rows = select(new.c.id.label("page_id"), value).select_from(pairs.join(body, body.c.page_id == old.c.id)) \
                .where(old.c.run_id == previous, old.c.crawled.is_(True), new.c.crawled.is_(True),
                       ~exists().where(own.c.page_id == new.c.id).correlate(new))
            session.execute(insert(body).from_select(["page_id", value.name], rows))
    session.execute(update(m.Run).where(m.Run.id == run_id)
                    .values(base_run_id=previous if prev_base is None else prev_base))
    counts["pages"] = count_pages(session, run_id) - own_pages - counts.get("carried_checks", 0)
    counts["links"] = count_links(session, run_id) - own_links
    # 4. crawl-time facts
    wanted_families = set(families)
    facts = 0
    for table in TABLES.values():
        if table.family not in wanted_families:
            continue
        t = table.model.__table__
        fcols = [c.name for c in t.columns if c.name not in ("id", "run_id")]
        before = rows_of(t)
        own_page = PER_PAGE_FACTS.get(t.name)
        skip = [t.c[own_page].not_in(refresh)] if own_page and refresh else []
        session.execute(insert(t).from_select(
            ["run_id", *fcols], select(literal(run_id), *[t.c[c] for c in fcols]).where(t.c.run_id == previous, *skip)
            .order_by(t.c.id)))
        facts += rows_of(t) - before
        if "fetched_on" in fcols:  # what a crawl today would record: the day the (unchanged) list was fetched
            session.execute(update(t).where(t.c.run_id == run_id, t.c.fetched_on.is_not(None))
                            .values(fetched_on=today))
    counts["facts"] = facts
    return counts


def carry_run(session: Session, previous: int, run_id: int, families: Iterable[str], *, checks: dict[str, date],
              today: date, reuse: dict, drop: Iterable[str] = (), refresh: Iterable[str] = ()) -> dict[str, int]:
    """`carry()`, then the run's bookkeeping as a full crawl of the same state would leave it: its page count,
    the fact families gathered (spine, carried, its own), the previous run's gatherer counters it did not
    make itself, `reused_pages` and the `reuse` block (also under `incremental`)."""
    families = tuple(families)

    def crawled() -> int:
        return count_pages(session, run_id, m.Page.crawled.is_(True))

    own = crawled()
    counts = carry(session, previous, run_id, families, checks=checks, today=today, drop=drop, refresh=refresh)
    run, prev = session.get(m.Run, run_id), session.get(m.Run, previous)
    run.pages = crawled()
    stats = dict(run.stats or {})
    mine = {"facts", "browser", "close_reason", "crawled", "checked", "errors", "reuse", "incremental",
           "crawl_key", "reused_pages", "accounts"}
    for name, value in (prev.stats or {}).items():
        if name not in mine and name not in stats:
            stats[name] = value
    stats["facts"] = list(dict.fromkeys([*(stats.get("facts") or SPINE_FACTS), *families]))
    block = {**reuse, **counts}
    stats.update(reused_pages=run.pages - own, reuse=block, incremental=block)
    run.stats = stats
    return counts


def add_refreshed(session: Session, run_id: int, facts: list) -> int:
    """Write the per-page facts a partial re-audit read anew (FactRows of PER_PAGE_FACTS tables) and count
    them in the run's reuse block (`documents_read`); returns how many."""
    from storage.facts import table_of

    by_table: dict = {}
    for row in facts:
        table = table_of(row.fact)
        if table.model.__table__.name not in PER_PAGE_FACTS:
            raise ValueError(f"not a per-page fact: {type(row.fact).__name__}")
        by_table.setdefault(table, []).append(table.row(run_id, row.fact))
    for table, values in by_table.items():
        session.execute(insert(table.model.__table__), values)
    run = session.get(m.Run, run_id)
    stats = dict(run.stats or {})
    block = {**(stats.get("incremental") or {}), "documents_read": len(facts)}
    stats.update(incremental=block, reuse=block)
    run.stats = stats
    return len(facts)


def fact_rows(session: Session, run_id: int, family: str) -> int:
    """How many rows of a fact family a run holds."""
    total = 0
    for table in TABLES.values():
        if table.family == family:
            t = table.model.__table__
            total += session.scalar(select(func.count()).select_from(t).where(t.c.run_id == run_id)) or 0
    return total


__all__ = ["CARRIED_FLAG", "PER_PAGE_FACTS", "add_refreshed",
           "carried_check", "carry", "carry_run", "checked_on", "checked_targets", "crawled_pages",
           "fact_rows", "previous_audit", "rendered_pages", "year_less_items"]
