"""`govaudit recheck --site ID`: re-check the problems a unit claims to have fixed (复核, docs/problems.md).

A run of kind `recheck`, never a full audit: the same SiteSpider crawls the homepage and only the pages
the claimed problems need (no link followed), with only the extractors their rules read; the post-crawl
gatherers run only for the rules that need them (accounts, search/mobile/axe/host, TLS). The claimed
rules are judged with the scheme of the site's last audit (or `--scheme`) against `as_of` (today unless
given), each problem moves to `rectified` or `recheck_failed` (or stays `rectifying` when the re-check
could not decide), and the run is stored and reported like any other.
"""
from __future__ import annotations

import asyncio
import logging
from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from crawler import writer
from crawler.crawl import CrawlJob, crawl
from crawler.egress import policy_for_site
from crawler.gatherers.functions.gather import GatherOptions, gather_functions
from crawler.gatherers.newmedia import FAMILIES as NEWMEDIA_FAMILIES
from crawler.gatherers.newmedia import gather_accounts
from crawler.gatherers.probe import check_tls
from crawler.platforms.base import AccountRef
from govaudit.pipeline import render_runs
from reports import recheck as rc
from reports.judge import Judged, score_and_store
from reports.scheme import Scheme, load_scheme
from reports.tracking import fingerprint
from storage import models as m
from storage.facts import FactRow
from storage.facts.tls import TlsFact
from storage.runs import keep_alive, reap_stale_runs, start_run, update_stats
from storage.session import session_scope
from storage.snapshot import build_snapshot

log = logging.getLogger(__name__)

# Which crawl extractor gathers which fact family (crawler/settings.py GOVAUDIT_EXTRACTORS lists them all).
EXTRACTORS = {
    "columns": "crawler.extractors.columns.extractor.ColumnExtractor",
    "column_items": "crawler.extractors.columns.extractor.ColumnExtractor",
    "disclosure": "crawler.extractors.disclosure.extractor.DisclosureExtractor",
    "interaction": "crawler.extractors.disclosure.extractor.InteractionExtractor",
    "page_variants": "crawler.extractors.variants.VariantFetcher",
    "item_pages": "crawler.extractors.newest.NewestItemFetcher",
}
FUNCTION_FAMILIES = {"search", "mobile", "axe", "host"}


class NothingToRecheck(Exception):
    """The site has no problem with a claimed fix."""


def recheck_site(db_url: str, site_id: str, *, out: Path, as_of: date, scheme: Scheme | None = None,
                 browser: bool | None = None, platforms: dict[str, str] | None = None,
                 site_entry: dict | None = None, job: str | None = None) -> dict:
    """Re-check the site's `rectifying` problems; returns the re-check run's findings document. `job`: the
    queue job's key, kept in the run's options (govaudit/distributed.py)."""
    reap_stale_runs(db_url)  # runs of processes killed earlier end `interrupted` (storage/runs.py)
    with keep_alive(db_url):
        return _recheck_site(db_url, site_id, out=out, as_of=as_of, scheme=scheme, browser=browser,
                             platforms=platforms, site_entry=site_entry, job=job)


def _recheck_site(db_url: str, site_id: str, *, out: Path, as_of: date, scheme: Scheme | None,
                  browser: bool | None, platforms: dict[str, str] | None, site_entry: dict | None,
                  job: str | None) -> dict:
    with session_scope(db_url) as session:
        site = session.get(m.Site, site_id)
        if site is None:
            raise LookupError(f"--site {site_id}: no such site in the database")
        claimed = rc.claims(session, site_id)
        if not claimed:
            raise NothingToRecheck(f"{site_id}: 没有申报已整改的问题 / no problem is rectifying: nothing to re-check")
        last = session.scalar(select(func.max(m.Run.id)).join(m.Judgement, m.Judgement.run_id == m.Run.id)
                              .where(m.Run.site_id == site_id, m.Run.kind == "audit"))
        last_run = session.get(m.Run, last) if last else None
        judgement = session.get(m.Judgement, last) if last else None
        scheme = scheme or load_scheme(judgement.scheme if judgement else "national-2019")
        options = dict(last_run.options or {}) if last_run else {}
        entry = dict(site_entry or site.config or {"id": site.id, "name": site.name, "url": site.url})
    rendering = bool(options.get("browser")) if browser is None else browser
    homepage = entry["url"]
    plan = rc.plan(claimed, homepage, as_of, scheme.params)
    timeout = float(scheme.params.get("availability.timeout_s", 15))
    egress = policy_for_site(homepage, entry.get("network"), bool(options.get("allow_private")))
    allow_private = bool(options.get("allow_private")) or bool(egress.allow)
    run_id = start_run(db_url, entry, as_of, {"scheme": scheme.ref, "browser": rendering, "allow_private": allow_private,
                                              "recheck": {"problems": [c.problem.id for c in claimed],
                                                          "previous_run": last},
                                              **({"job": job} if job else {})}, kind="recheck")
    crawl_entry = {**entry, "columns": plan.columns, "recheck_columns": plan.newest}
    job = CrawlJob(site_id=site_id, run_id=run_id, homepage=homepage, max_pages=len(plan.crawl) + 10, max_depth=1,
                   allow_private=allow_private, site=crawl_entry, browser=rendering,
                   evidence_dir=str((out / site_id / "evidence").resolve()), seeds=tuple(plan.crawl),
                   checks=tuple(plan.check), follow=False, egress=egress)
    extractors = list(dict.fromkeys(EXTRACTORS[f] for f in sorted(plan.families) if f in EXTRACTORS))
    overrides = {"DOWNLOAD_TIMEOUT": timeout, "GOVAUDIT_EXTRACTORS": extractors,
                 "GOVAUDIT_VARIANT_PAGES": 5 if "page_variants" in plan.families else 0}
    state = crawl([job], db_url, overrides)[run_id]
    _gather(db_url, run_id, entry, plan, rendering, timeout, allow_private, out, platforms or {}, egress)
    with session_scope(db_url) as session:
        snap = build_snapshot(session, run_id, as_of)
        judged = rc.run_rules_for(snap, plan, scheme)
        history = rc.history(session, site_id, sorted({c["url"] for c in plan.newest} | _home_key(snap)), run_id)
        outcomes = rc.decide(claimed, rc.restrict(snap, plan), judged, plan, history, scheme.params)
        if state != "complete":  # an interrupted re-check decides nothing
            outcomes = [rc.Outcome(o.problem_id, "not_measured", f"复核抓取未完成（{state}） / the re-check crawl "
                                   f"did not finish", o.evidence_url) for o in outcomes]
        results = rc.run_results(scheme.rule_ids, judged, outcomes, claimed)
        score_and_store(session, Judged(run_id, as_of, scheme, results, set(snap.pages)))
        prints = {o.problem_id: fingerprint(o.finding.rule, o.finding.evidence) for o in outcomes if o.finding}
        rc.record(session, run_id, last, claimed, outcomes, prints)
    return render_runs(db_url, [run_id], out)[0]


def _home_key(snap) -> set[str]:  # noqa: ANN001 - Snapshot
    return {c.url for c in snap.columns if c.level == 0}


def _gather(db_url: str, run_id: int, entry: dict, plan: rc.RecheckPlan, browser: bool, timeout: float,
            allow_private: bool, out: Path, platforms: dict[str, str], egress=None) -> None:  # noqa: ANN001
    """The post-crawl gatherers the claimed rules read: the claimed accounts, the function probes, TLS."""
    if "tls" in plan.families:
        try:
            facts = asyncio.run(check_tls(entry["url"], entry.get("https"), timeout))
            writer.store(db_url, [FactRow(run_id, TlsFact(**facts))], (run_id, ("tls",)))
        except Exception:  # noqa: BLE001 - the rule then says not_measured
            log.exception("TLS check of %s failed", entry["url"])
    if plan.accounts:
        from crawler.platforms import GatherContext
        from crawler.platforms.login import state_dir

        wanted = set(plan.accounts)
        registered = [AccountRef(a["platform"], a["handle"], a.get("name"), a.get("interaction"))
                      for a in entry.get("accounts") or [] if f"{a['platform']}:{a['handle']}" in wanted]
        ctx = GatherContext(timeout_s=timeout, browser=browser, state_dir=state_dir(), registry_dir=Path("."))
        facts, counts = gather_accounts(db_url, run_id, registered, platforms, ctx)
        writer.store(db_url, facts, (run_id, NEWMEDIA_FAMILIES))
        update_stats(db_url, run_id, accounts=counts)
    if plan.families & FUNCTION_FAMILIES:
        from crawler import settings as crawl_settings

        opts = GatherOptions(out_dir=out / entry["id"], browser=browser, timeout_s=timeout,
                             user_agent=crawl_settings.USER_AGENT, allow_private=allow_private, egress=egress)
        try:
            facts, families = gather_functions(db_url, run_id, entry, opts)
            writer.store(db_url, facts, (run_id, families))
        except Exception:  # noqa: BLE001 - the rules that need these facts report not_measured
            log.exception("function gathering failed for %s", entry["id"])
