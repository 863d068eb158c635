"""Gather the 政务新媒体 accounts of one run after its crawl: platform adapters → account and post facts."""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, replace
from urllib.parse import urlsplit

from sqlalchemy import or_, select

from crawler.platforms import AdapterFailure, FailureKind, GatherContext, adapter_for
from crawler.platforms.base import AccountData, AccountRef
from storage import models as m
from storage.crawlset import links_where
from storage.base import utcnow
from storage.facts import FactRow
from storage.facts.newmedia import AccountFact, PostFact
from storage.session import session_scope
from storage.vocabulary import BEIJING

log = logging.getLogger(__name__)
WECHAT_HOSTS = ("mp.weixin.qq.com",)
FAMILIES = ("accounts",)


def portal_article_links(db_url: str, run_id: int, wechat_base: str | None) -> list[str]:
    """WeChat article URLs (…/s/…, …/s?__biz=…) that the crawled pages of the run link to."""
    hosts = {*WECHAT_HOSTS}
    if wechat_base:
        hosts.add(urlsplit(wechat_base).netloc.lower())
    # Only candidate rows leave the database (a large site has ~150,000 links); the exact test follows.
    # Targets are canonical (lower-case scheme and host), so the patterns need no case folding.
    like = or_(*(m.Link.target.like(f"%://{host}/s%") for host in sorted(hosts)))
    with session_scope(db_url) as session:
        targets = session.scalars(select(m.Link.target).where(links_where(session, run_id), like).order_by(m.Link.id)).all()
    return list(dict.fromkeys(t for t in targets
                              if urlsplit(t).netloc.lower() in hosts and urlsplit(t).path.startswith("/s")))


def _read(entry: AccountRef, ctx: GatherContext, platforms: dict[str, str]) -> tuple[AccountRef, AccountData | AdapterFailure]:
    adapter = adapter_for(entry.platform, ctx, platforms.get(entry.platform))
    try:
        return entry, adapter.read(entry.handle, entry.name)
    except AdapterFailure as exc:
        return entry, exc
    except Exception as exc:  # noqa: BLE001 - a defect of ours: recorded, never a verdict about the account
        log.exception("adapter %s failed on %s", entry.platform, entry.handle)
        return entry, AdapterFailure(FailureKind.ERROR, f"{type(exc).__name__}: {exc}")


def gather_accounts(db_url: str, run_id: int, registered: list[AccountRef], platforms: dict[str, str],
                    ctx: GatherContext) -> tuple[list[FactRow], dict[str, int]]:
    """Read every registered account of a site; returns what was seen and counts {ok, failed, posts}."""
    if any(a.platform == "wechat" for a in registered):
        ctx = replace(ctx, portal_links=portal_article_links(db_url, run_id, platforms.get("wechat")))
    first: dict[tuple[str, str], AccountRef] = {}
    for a in registered:
        first.setdefault((a.platform, a.handle), a)  # a handle registered twice is read once, as first registered
    accounts = list(first.values())
    # one queue per platform host, read one account at a time (politeness); the queues run side by side
    queues: dict[str, list[AccountRef]] = {}
    for a in accounts:
        host = urlsplit(a.handle).netloc if a.platform in ("rss", "atom") else a.platform
        queues.setdefault(host, []).append(a)
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = pool.map(lambda queue: [_read(a, ctx, platforms) for a in queue], queues.values())
        by_key = {(e.platform, e.handle): (e, got) for batch in done for e, got in batch}
    counts = {"ok": 0, "failed": 0, "posts": 0}
    facts: list[FactRow] = []
    for entry, got in (by_key[(a.platform, a.handle)] for a in accounts):
        profile_url = adapter_for(entry.platform, ctx, platforms.get(entry.platform)).profile_url(entry.handle)
        seen = {"platform": entry.platform, "handle": entry.handle, "registered_name": entry.name,
                "fetched_at": utcnow()}
        if isinstance(got, AdapterFailure):
            facts.append(FactRow(run_id, AccountFact(**seen, url=profile_url, status="failed", failure=str(got.kind),
                                                     failure_detail=got.detail[:2000],
                                                     interaction=dict(entry.interaction or {}))))
            counts["failed"] += 1
            continue
        p = got.profile
        # a person's observation fills what the platform did not show; it never overrides what it showed
        interaction = {**dict(entry.interaction or {}), **{k: v for k, v in p.interaction.items() if v is not None}}
        for k in p.interaction:
            interaction.setdefault(k, None)
        account = AccountFact(**seen, url=p.url or profile_url, status="ok", name=p.name, verified=p.verified,
                              verification=p.verification, followers=p.followers, posts_total=p.posts_total,
                              posts_source=got.posts_source, interaction=interaction)
        facts.append(FactRow(run_id, account))
        facts.extend(FactRow(run_id, PostFact(**{**asdict(x), "published_at": _china(x.published_at)},
                                              account=account.key)) for x in got.posts)
        counts["ok"] += 1
        counts["posts"] += len(got.posts)
    return facts, counts


def _china(when):  # noqa: ANN001, ANN202 - datetime | None
    """Store post times as China time: SQLite keeps only the wall clock, and rules read it as China time."""
    return when.astimezone(BEIJING) if when is not None and when.tzinfo is not None else when
