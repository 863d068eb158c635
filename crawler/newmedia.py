"""Gather the 政务新媒体 accounts of one run after its crawl: adapters → `Account`/`Post` rows."""
from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from urllib.parse import urlsplit

from sqlalchemy import or_, select

from crawler.platforms import AdapterFailure, FailureKind, GatherContext, adapter_for
from crawler.platforms.base import CHINA_TZ, AccountData
from crawler.sites import AccountEntry, SiteEntry
from storage import models as m
from storage.base import utcnow
from storage.session import session_scope

log = logging.getLogger(__name__)
WECHAT_HOSTS = ("mp.weixin.qq.com",)
FACT_FAMILY = "accounts"


def portal_article_links(db_url: str, run_id: int, wechat_base: str | None) -> list[str]:
    """WeChat article URLs (…/s/…, …/s?__biz=…) that the crawled pages of the run link to."""
    hosts = {*WECHAT_HOSTS}
    if wechat_base:
        hosts.add(urlsplit(wechat_base).netloc.lower())
    # Only candidate rows leave the database (a large site has ~150,000 links); the exact test follows.
    # Targets are canonical (lower-case scheme and host), so the patterns need no case folding.
    like = or_(*(m.Link.target.like(f"%://{host}/s%") for host in sorted(hosts)))
    with session_scope(db_url) as session:
        targets = session.scalars(select(m.Link.target).where(m.Link.run_id == run_id, like).order_by(m.Link.id)).all()
    return list(dict.fromkeys(t for t in targets
                              if urlsplit(t).netloc.lower() in hosts and urlsplit(t).path.startswith("/s")))


def _read(entry: AccountEntry, ctx: GatherContext, platforms: dict[str, str]) -> tuple[AccountEntry, AccountData | AdapterFailure]:
    adapter = adapter_for(entry.platform, ctx, platforms.get(entry.platform))
    try:
        return entry, adapter.read(entry.handle, entry.name)
    except AdapterFailure as exc:
        return entry, exc
    except Exception as exc:  # noqa: BLE001 - a defect of ours: recorded, never a verdict about the account
        log.exception("adapter %s failed on %s", entry.platform, entry.handle)
        return entry, AdapterFailure(FailureKind.ERROR, f"{type(exc).__name__}: {exc}")


def gather_accounts(db_url: str, run_id: int, site: SiteEntry, platforms: dict[str, str],
                    ctx: GatherContext) -> dict[str, int]:
    """Read every account of the site and store what was seen; returns counts {ok, failed, posts}."""
    if any(a.platform == "wechat" for a in site.accounts):
        ctx = replace(ctx, portal_links=portal_article_links(db_url, run_id, platforms.get("wechat")))
    first: dict[tuple[str, str], AccountEntry] = {}
    for a in site.accounts:
        first.setdefault((a.platform, a.handle), a)  # a handle registered twice is read once, as first registered
    accounts = list(first.values())
    # one queue per platform host, read one account at a time (politeness); the queues run side by side
    queues: dict[str, list[AccountEntry]] = {}
    for a in accounts:
        host = urlsplit(a.handle).netloc if a.platform in ("rss", "atom") else a.platform
        queues.setdefault(host, []).append(a)
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = pool.map(lambda queue: [_read(a, ctx, platforms) for a in queue], queues.values())
        by_key = {(e.platform, e.handle): (e, got) for batch in done for e, got in batch}
    results = [by_key[(a.platform, a.handle)] for a in accounts]
    counts = {"ok": 0, "failed": 0, "posts": 0}
    with session_scope(db_url) as session:
        for entry, got in results:
            profile_url = adapter_for(entry.platform, ctx, platforms.get(entry.platform)).profile_url(entry.handle)
            row = m.Account(run_id=run_id, platform=entry.platform, handle=entry.handle, registered_name=entry.name,
                            url=profile_url, fetched_at=utcnow())
            if isinstance(got, AdapterFailure):
                row.status, row.failure, row.failure_detail = "failed", str(got.kind), got.detail[:2000]
                row.interaction = dict(entry.interaction or {})
                session.add(row)
                counts["failed"] += 1
                continue
            p = got.profile
            row.status = "ok"
            row.name, row.verified, row.verification = p.name, p.verified, p.verification
            row.followers, row.posts_total, row.posts_source = p.followers, p.posts_total, got.posts_source
            row.url = p.url or profile_url
            # a person's observation fills what the platform did not show; it never overrides what it showed
            row.interaction = {**{k: v for k, v in (entry.interaction or {}).items()},
                               **{k: v for k, v in p.interaction.items() if v is not None}}
            for k in p.interaction:
                row.interaction.setdefault(k, None)
            session.add(row)
            session.flush()
            session.add_all(m.Post(run_id=run_id, account_id=row.id, url=x.url, published_at=_china(x.published_at),
                                   title=x.title, text=x.text, pinned=x.pinned, comments=x.comments, likes=x.likes,
                                   reposts=x.reposts) for x in got.posts)
            counts["ok"] += 1
            counts["posts"] += len(got.posts)
        run = session.get(m.Run, run_id)
        stats = dict(run.stats or {})
        stats["facts"] = list(dict.fromkeys([*stats.get("facts", ["pages", "links"]), FACT_FAMILY]))
        stats["accounts"] = counts
        run.stats = stats
    return counts


def _china(when):  # noqa: ANN001, ANN202 - datetime | None
    """Store post times as China time: SQLite keeps only the wall clock, and rules read it as China time."""
    return when.astimezone(CHINA_TZ) if when is not None and when.tzinfo is not None else when
