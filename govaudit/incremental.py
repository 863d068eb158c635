"""Incremental re-audits (docs/incremental.md): a nightly audit reuses the site's last complete run.

Before the crawl, `prepare()` decides per site: an incremental run needs a previous complete audit of the
same site crawled with the same registry entry and crawl options (a hash, `run.stats["crawl_key"]`), no
browser (a 304 says nothing about what scripts fill in) and no rendered page in that run, and attachment
texts gathered less than `reuse.attachment_days` ago. Then every page the previous run fetched as a page is
asked again conditionally (`crawler.reuse.revalidate`: ETag / Last-Modified → 304, or the same status and
body hash); the pass goes on past changes up to `reuse.max_changed_fraction` of the pages. When some pages
changed, `govaudit.partial.plan_partial` decides whether re-crawling exactly those (with the dead links they
newly lead to and the pages whose depth moved) gives what a full crawl of today's state gives; if not — or
if too many changed — the audit crawls fully, as it always did — precision first: the findings of an
incremental run are those a full audit of the same site state gives — and the reason is kept in
`run.stats["incremental"]`.

When nothing changed the crawl is restricted (the homepage with the cloaking variants only, no link
followed) and re-checks the link targets on their cadence: internal targets every run, external targets
and attachments when their last real check is `reuse.external_days` / `reuse.attachment_days` old or
older. `finish()` then carries the rest of the previous run over in SQL (`storage.reuse.carry_run`):
pages, body pointers, links, the crawl-time fact families, and the link-check results not asked again,
marked `carried_over` with the day they were really checked (link.broken shows it in its evidence).
`govaudit audit --full` (AuditOptions.full) always crawls fully.
"""
from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import select

from crawler import settings as crawl_settings
from crawler.reuse import KnownPage, revalidate, target_class
from storage import models as m
from storage.crawlset import page_parts
from storage.reuse import (add_refreshed, carry_run, checked_on, fact_rows, previous_audit, rendered_pages,
                           year_less_items)
from storage.runs import update_stats
from storage.session import session_scope
from storage.vocabulary import beijing_today, host_of, infer_year

log = logging.getLogger(__name__)

# Fact families the crawl's extractors gather from the pages (carried when every page is unchanged).
CRAWL_FAMILIES = ("columns", "column_items", "disclosure", "interaction", "attachments", "item_pages")
# The one extractor the restricted crawl runs: cloaking shows other visitors other pages, which a
# conditional request for the crawl's own view cannot tell (content.cloaking).
RESTRICTED_EXTRACTORS = ("crawler.extractors.variants.VariantFetcher",)
DEFAULT_EXTERNAL_DAYS = 7
DEFAULT_ATTACHMENT_DAYS = 7
DEFAULT_MAX_CHANGED_FRACTION = 0.05


@dataclass
class Plan:
    """What an incremental run re-fetches and what it carries over from `previous`."""

    previous: int
    checks: tuple[str, ...]  # link targets asked again now (the restricted crawl's `checks`)
    carried: dict[str, date]  # link targets carried over → the day they were really checked
    families: tuple[str, ...]  # crawl-time fact families carried
    gathered_on: str  # the day the carried families were really gathered
    revalidation: dict = field(default_factory=dict)
    # a partial re-audit (govaudit/partial.py): pages crawled again (url, depth), previous pages not carried,
    # pages whose per-page facts are read anew; all empty when every page was unchanged
    pages: tuple[tuple[str, int], ...] = ()
    drop: tuple[str, ...] = ()
    refresh: tuple[str, ...] = ()
    homepage: str = ""
    site: dict = field(default_factory=dict)


def crawl_key(site: dict, options: dict) -> str:
    """The hash telling whether two runs crawled the same registry entry with the same crawl options."""
    material = {"site": site, **options, "extractors": list(crawl_settings.GOVAUDIT_EXTRACTORS),
                "variant_pages": crawl_settings.GOVAUDIT_VARIANT_PAGES}
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def _day(when: datetime | None) -> date:
    if when is None:
        return beijing_today()
    return beijing_today(when if when.tzinfo else when.replace(tzinfo=timezone.utc))


def _int(params: dict, name: str, default: int) -> int:
    try:
        return max(0, int(params.get(name, default)))
    except (TypeError, ValueError):
        return default


def _year_less_moved(items: list, today: date) -> str | None:
    """A year-less column date (MM-DD) that today's fetch would place in another year than the previous
    fetch did (the column reader places them provisionally at crawl time): its MM-DD, else None."""
    for month_day, hint, fetched_on in items:
        try:
            month, day = (int(x) for x in month_day.split("-"))
        except (AttributeError, ValueError):
            continue
        if fetched_on is not None and infer_year(month, day, fetched_on, hint) != infer_year(month, day, today, hint):
            return month_day
    return None


def prepare(job, opts, *, full: bool, user_agent: str | None = None) -> Plan | None:  # noqa: ANN001 - CrawlJob, AuditOptions
    """Decide how this run crawls; a Plan for an incremental run, None for a full crawl (the reason is
    written into the run's stats either way)."""
    key = crawl_key(job.site or {}, {"max_pages": job.max_pages, "max_depth": job.max_depth,
                                     "allow_private": job.allow_private, "browser": job.browser,
                                     "user_agent": user_agent})
    update_stats(opts.db_url, job.run_id, crawl_key=key, reused_pages=0)

    def full_crawl(reason: str, **extra: object) -> None:
        update_stats(opts.db_url, job.run_id, incremental={"mode": "full", "reason": reason, **extra})
        log.info("run %s of %s: full crawl (%s)", job.run_id, job.site_id, reason)

    if full:
        return full_crawl("full_requested")
    if job.browser:
        return full_crawl("browser")  # a 304 does not cover what scripts fill in
    params = opts.scheme.params
    external_days = _int(params, "reuse.external_days", DEFAULT_EXTERNAL_DAYS)
    attachment_days = _int(params, "reuse.attachment_days", DEFAULT_ATTACHMENT_DAYS)
    today = beijing_today()
    with session_scope(opts.db_url) as session:
        prev = previous_audit(session, job.site_id, job.run_id)
        if prev is None:
            return full_crawl("no_previous_run")
        pstats = prev.stats or {}
        if pstats.get("crawl_key") != key:
            return full_crawl("options_changed", previous_run=prev.id)
        if rendered_pages(session, prev.id):
            return full_crawl("previous_rendered", previous_run=prev.id)
        prev_day = _day(prev.started_at)
        families = tuple(f for f in CRAWL_FAMILIES if f in (pstats.get("facts") or ()))
        gathered_on = date.fromisoformat((pstats.get("reuse") or {}).get("gathered_on") or prev_day.isoformat())
        if "attachments" in families and fact_rows(session, prev.id, "attachments") \
                and (today - gathered_on).days >= attachment_days:
            return full_crawl("attachments_stale", previous_run=prev.id, gathered_on=gathered_on.isoformat())
        if prev_day != today and "column_items" in families:
            moved = _year_less_moved(year_less_items(session, prev.id), today)
            if moved:
                return full_crawl("year_less_dates", previous_run=prev.id, example=moved)
        rows = [r for part in page_parts(session, prev.id) for r in session.execute(
            select(m.Page.url, m.Page.final_url, m.Page.redirects, m.Page.content_hash, m.Page.etag,
                   m.Page.last_modified, m.Page.status, m.Page.error, m.Page.depth, m.Page.crawled, m.Page.flags)
            .where(part).order_by(m.Page.id))]
    hosts = {host_of(r.final_url or r.url) for r in rows if r.crawled} | {host_of(job.homepage)}
    known = []
    for r in rows:
        if r.depth is not None and r.error is None and r.status is not None:  # fetched as a page
            known.append(KnownPage(r.url, r.final_url, len(r.redirects or ()), r.content_hash, r.etag,
                                   r.last_modified, r.status))
    fraction = _fraction(params, "reuse.max_changed_fraction", DEFAULT_MAX_CHANGED_FRACTION)
    limit = int(fraction * len(known))
    agent = user_agent or crawl_settings.USER_AGENT
    report = revalidate(known, allow_private=job.allow_private, timeout_s=opts.timeout_s, egress=job.egress,
                        user_agent=agent, max_changes=limit)
    counts = {"revalidated": len(report.results), "not_modified": report.not_modified, "bodies": report.bodies}
    partial = None
    if not report.unchanged:
        change = report.first_change
        first = {"first_change": change.url if change else None, "change": change.reason if change else None}
        if not report.complete:
            return full_crawl("changed", previous_run=prev.id, changed_over=limit, **first, **counts)

        def probe_new(urls: list[str]) -> list:
            if not urls:
                return []
            return revalidate([KnownPage(u, None, 0, None, None, None, None) for u in urls],
                              allow_private=job.allow_private, timeout_s=opts.timeout_s, egress=job.egress,
                              user_agent=agent, max_changes=len(urls)).results

        from govaudit.partial import Refusal, plan_partial

        changes = [{"url": c.url, "change": c.reason} for c in report.changes]
        try:
            with session_scope(opts.db_url) as session:
                partial = plan_partial(
                    session, job=job, prev_id=prev.id, rows=rows, changes=report.changes, families=families,
                    limit=limit, probe_new=probe_new, extractors=_probed_extractors(), prev_stats=pstats,
                    link_caps=getattr(job, "link_caps", None))
        except Refusal as refusal:
            return full_crawl(refusal.reason, previous_run=prev.id, **{"partial_refused": refusal.detail},
                              changes=changes[:20], changed=len(changes), **first, **counts)
        counts = {**counts, "changed": len(changes), "changes": changes[:50], **partial.stats}
    drop = set(partial.drop) if partial else set()
    recrawl = {u for u, _ in partial.pages} if partial else set()
    checks, carried = [], {}
    for r in rows:
        if r.url in drop or r.url in recrawl:
            continue
        if r.depth is not None and r.error is None and r.status is not None:  # fetched as a page: revalidated
            continue
        if r.depth is not None:  # a page that failed: asked again, as every internal target
            checks.append(r.url)
            continue
        if partial is not None and r.url not in partial.targets:
            continue  # no page links it any more: a full crawl of today's state does not check it
        kind = target_class(r.url, hosts)
        day = checked_on(r.flags, prev_day)
        days = {"internal": 0, "external": external_days, "attachment": attachment_days}[kind]
        if kind == "internal" or (today - day).days >= days:
            checks.append(r.url)
        else:
            carried[r.url] = day
    if partial is not None:  # targets only today's pages link: checked now, as a full crawl checks them
        have = {r.url for r in rows}
        checks += sorted(t for t in partial.targets if t not in have)
    return Plan(previous=prev.id, checks=tuple(checks), carried=carried, families=families,
                gathered_on=gathered_on.isoformat(), revalidation=counts,
                pages=partial.pages if partial else (), drop=partial.drop if partial else (),
                refresh=partial.refresh if partial else (), homepage=job.homepage, site=job.site or {})


def _probed_extractors() -> list[str]:
    """The crawl's extractors a restricted crawl does not run (their facts are carried or re-read)."""
    return [p for p in crawl_settings.GOVAUDIT_EXTRACTORS if p not in RESTRICTED_EXTRACTORS]


def _fraction(params: dict, name: str, default: float) -> float:
    try:
        return min(1.0, max(0.0, float(params.get(name, default))))
    except (TypeError, ValueError):
        return default


def finish(db_url: str, run_id: int, plan: Plan) -> dict:
    """After the restricted crawl: carry the rest of the previous run over; returns the run's reuse block."""
    reuse = {"mode": "partial" if plan.pages or plan.drop else "incremental", "previous_run": plan.previous,
             **plan.revalidation, "rechecked": len(plan.checks), "carried_checks": len(plan.carried),
             "gathered_on": plan.gathered_on}
    with session_scope(db_url) as session:
        counts = carry_run(session, plan.previous, run_id, plan.families, checks=plan.carried,
                           today=beijing_today(), reuse=reuse, drop=plan.drop, refresh=plan.refresh)
        if plan.refresh and "disclosure" in plan.families:
            from govaudit.partial import refresh_documents

            facts = refresh_documents(session, run_id=run_id, job_site=plan.site, homepage=plan.homepage,
                                      urls=list(plan.refresh), extractors=_probed_extractors())
            counts["documents_read"] = add_refreshed(session, run_id, facts)
    log.info("run %s: incremental, %s", run_id, counts)
    return counts


__all__ = ["CRAWL_FAMILIES", "Plan", "crawl_key", "finish", "prepare"]
