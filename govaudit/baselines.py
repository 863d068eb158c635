"""Monitored pages and their baselines (content.defacement; docs/supervision.md).

Before a run is judged, the site's accepted baselines of its monitored pages are copied into the run as
`baselines` facts (so `check --run` judges it again against the same baseline). The first complete run
of a site establishes the baseline of every monitored page that has none (accepted by "auto"); after a
legitimate redesign a person accepts the current state with `govaudit baseline accept`.
"""
from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import select

from checks.content.monitored import read_page, site_hosts
from storage import models as m
from storage.facts import FactRow
from storage.session import session_scope
from storage.snapshot import build_snapshot
from storage.supervision import as_fact, baselines_of, save_baseline
from storage.vocabulary import BASELINE_AUTO, canonical


def monitored_urls(config: dict) -> list[str]:
    """The pages watched for defacement: the entry's `monitor:` list (absolute), or its homepage."""
    pages = config.get("monitor")
    if pages is None:
        return [config["url"]]
    return list(dict.fromkeys(canonical(p, config["url"]) or p for p in pages))


def baseline_facts(db_url: str, run_id: int, site_id: str, config: dict) -> list[FactRow]:
    """The site's baselines of its monitored pages as facts of the run (the pipeline stores them)."""
    urls = set(monitored_urls(config))
    with session_scope(db_url) as session:
        return [FactRow(run_id, as_fact(b)) for url, b in baselines_of(session, site_id).items() if url in urls]


def establish(db_url: str, run_id: int) -> list[str]:
    """After a complete audit run: every monitored page without a baseline that loaded becomes one."""
    with session_scope(db_url) as session:
        run = session.get(m.Run, run_id)
        if run is None or run.state != "complete" or run.kind != "audit":
            return []
        site = session.get(m.Site, run.site_id)
        have = baselines_of(session, site.id)
        missing = [u for u in monitored_urls(site.config or {"url": site.url}) if u not in have]
        if not missing:
            return []
        states = _states(session, run_id, missing)
        for state in states:
            save_baseline(session, site.id, state, run_id, BASELINE_AUTO)
        return [s["url"] for s in states]


def accept(db_url: str, site_id: str, by: str, page: str | None = None) -> tuple[int, list[str]]:
    """Accept the monitored pages (or one of them) as the newest complete audit run of the site shows them.
    Returns (run id, pages accepted); LookupError when there is nothing to accept."""
    with session_scope(db_url) as session:
        site = session.get(m.Site, site_id)
        if site is None:
            raise LookupError(f"--site {site_id}: no such site in the database (audit it first)")
        run = session.scalars(select(m.Run).where(m.Run.site_id == site_id, m.Run.state == "complete",
                                                  m.Run.kind == "audit").order_by(m.Run.id.desc())).first()
        if run is None:
            raise LookupError(f"--site {site_id}: no complete audit run to accept a baseline from")
        urls = monitored_urls(site.config or {"url": site.url})
        if page is not None:
            target = canonical(page, site.url) or page
            if target not in urls:
                raise LookupError(f"--page {page}: not a monitored page of {site_id} (monitored: {', '.join(urls)})")
            urls = [target]
        states = _states(session, run.id, urls)
        if not states:
            raise LookupError(f"run {run.id} of {site_id} did not load {', '.join(urls)}: nothing to accept")
        for state in states:
            save_baseline(session, site_id, state, run.id, by)
        return run.id, [s["url"] for s in states]


def _states(session, run_id: int, urls: list[str]) -> list[dict]:
    """The monitored state of each of `urls` that the run loaded as an HTML page."""
    snap = build_snapshot(session, run_id, with_links=False)
    hosts = site_hosts(snap.homepage_url, snap.site.url)
    out = []
    for url in urls:
        page = snap.pages.get(url)
        if page is None or not page.ok or not page.is_html:
            continue
        out.append(asdict(read_page(page, snap.html(url), hosts)))
    return out
