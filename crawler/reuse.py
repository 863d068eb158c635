"""Revalidating what the last complete run crawled, without the crawl machinery (docs/incremental.md).

A nightly audit first asks for every page the previous run crawled, conditionally (`If-None-Match` /
`If-Modified-Since` from the validators that run stored), in one lightweight asyncio pass: a 304 or a 200
whose body hashes as before means the page is unchanged. The pass follows the same rules as the crawl:
the egress policy (`crawler.egress`: no private, loopback or link-local address unless the site lives
there or `--allow-private`; connections go to the pinned address the policy checked,
`crawler.egress.aio`), the crawl's User-Agent, timeout and per-host concurrency. It goes on past a
changed page and reports every change (body changed, status or redirects changed, gone), keeping the new
body of each changed page for the planning of a partial re-crawl (govaudit/incremental.py); it stops once
more than `max_changes` pages changed (then the audit crawls fully), so an unchanged site costs one small
request per page and nothing else.
"""
from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.page import ATTACHMENT_EXT
from storage.vocabulary import canonical, host_of

TARGET_CLASSES = ("internal", "external", "attachment")


@dataclass(frozen=True)
class KnownPage:
    """A page the previous run crawled, as stored."""

    url: str
    final_url: str | None
    redirects: int  # hops before final_url
    content_hash: str | None
    etag: str | None
    last_modified: str | None
    status: int | None = 200  # what it answered then (an error page is revalidated by status and body)


@dataclass(frozen=True)
class Revalidation:
    url: str
    unchanged: bool
    not_modified: bool = False  # answered 304
    status: int | None = None
    reason: str | None = None  # why it counts as changed
    elapsed_ms: float | None = None
    # a changed page as it answers now (kept for the partial re-crawl's planning)
    body: bytes | None = field(default=None, repr=False, compare=False)
    content_type: str | None = field(default=None, compare=False)
    final_url: str | None = field(default=None, compare=False)
    hops: int = field(default=0, compare=False)


@dataclass
class RevalidationReport:
    results: list[Revalidation]
    complete: bool  # every known page was asked (False: stopped after more than `max_changes` changes)

    @property
    def unchanged(self) -> bool:
        return self.complete and all(r.unchanged for r in self.results)

    @property
    def not_modified(self) -> int:
        return sum(r.not_modified for r in self.results)

    @property
    def bodies(self) -> int:
        """Answers that came with a body (a 200 hashed against the stored one, or a changed page)."""
        return sum(1 for r in self.results if r.status is not None and not r.not_modified)

    @property
    def first_change(self) -> Revalidation | None:
        return next((r for r in self.results if not r.unchanged), None)

    @property
    def changes(self) -> list[Revalidation]:
        """Every page found changed (body, status, redirects, gone, failed), in the order asked."""
        return [r for r in self.results if not r.unchanged]


def target_class(url: str, site_hosts: Iterable[str]) -> str:
    """internal (a page of the site) | attachment (a file of the site, by extension) | external."""
    path = (urlsplit(url).path or "").lower()
    if host_of(url) not in set(site_hosts):
        return "external"
    return "attachment" if path.endswith(ATTACHMENT_EXT) else "internal"


def revalidate(known: list[KnownPage], *, allow_private: bool, user_agent: str, timeout_s: float,
               per_host: int = 4, egress=None, max_changes: int = 0) -> RevalidationReport:  # noqa: ANN001
    """Ask for every known page conditionally; goes on past changed pages and stops once more than
    `max_changes` changed (0: at the first change). With `egress` (the site's policy, as the crawl uses it)
    every host is checked against it; otherwise against `allow_private`. A page with `status=None` is one
    never fetched: it is reported as it answers now (status, hops, body)."""
    return asyncio.run(_revalidate(known, allow_private, user_agent, timeout_s, per_host, egress, max_changes))


async def _revalidate(known: list[KnownPage], allow_private: bool, user_agent: str, timeout_s: float,
                      per_host: int, egress=None, max_changes: int = 0) -> RevalidationReport:  # noqa: ANN001
    import aiohttp
    import yarl

    from crawler.egress import EgressPolicy, resolves_private_async
    from crawler.egress.aio import PolicyResolver

    private: dict[str, bool] = {}
    results: list[Revalidation] = []
    changed = asyncio.Event()  # set once more than max_changes pages changed: the pass stops
    changes = 0
    queue: asyncio.Queue[KnownPage] = asyncio.Queue()
    for page in known:
        queue.put_nowait(page)

    async def refused(url: str) -> bool:
        host = urlsplit(url).hostname or ""
        if egress is not None:
            if host not in private:
                from crawler.egress import EgressRefused, LookupFailed

                try:
                    await asyncio.to_thread(egress.check_host, host)
                    private[host] = False
                except EgressRefused:
                    private[host] = True
                except (LookupFailed, OSError):
                    private[host] = False  # the request itself then fails: counted as changed
            return private[host]
        if allow_private:
            return False
        if host not in private:
            private[host] = await resolves_private_async(host)
        return private[host]

    async def one(session: aiohttp.ClientSession, page: KnownPage) -> Revalidation:
        headers = {}
        if page.etag:
            headers["If-None-Match"] = page.etag
        if page.last_modified:
            headers["If-Modified-Since"] = page.last_modified
        started = time.perf_counter()
        url, hops = page.url, 0
        try:
            while True:  # redirects followed by hand: every hop passes the egress policy
                if await refused(url):
                    return Revalidation(page.url, False, reason="refused_private")
                async with session.get(url, headers=headers, allow_redirects=False) as resp:
                    location = resp.headers.get("Location")
                    if resp.status in (301, 302, 303, 307, 308) and location and hops < 10:
                        url, hops = str(resp.url.join(yarl.URL(location))), hops + 1
                        continue
                    body = await resp.read()
                    status = resp.status
                    ctype = resp.headers.get("Content-Type")
                break
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError) as exc:
            return Revalidation(page.url, False, reason=f"fetch_failed: {type(exc).__name__}")
        elapsed = round((time.perf_counter() - started) * 1000, 1)
        final = canonical(url) or url
        now = {"body": body or None, "content_type": ctype, "final_url": final, "hops": hops}
        if hops != page.redirects or final != (canonical(page.final_url or page.url) or page.final_url):
            return Revalidation(page.url, False, status=status, reason="redirects_changed", elapsed_ms=elapsed, **now)
        if status == 304 and page.status == 200:
            return Revalidation(page.url, True, True, 304, elapsed_ms=elapsed)
        if status != page.status:
            return Revalidation(page.url, False, status=status, reason=f"status_{status}", elapsed_ms=elapsed, **now)
        same = (hashlib.sha1(body).hexdigest() if body else None) == page.content_hash
        if same:
            return Revalidation(page.url, True, False, status, None, elapsed)
        return Revalidation(page.url, False, False, status, "body_changed", elapsed, **now)

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal changes
        while not changed.is_set():
            try:
                page = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            result = await one(session, page)
            results.append(result)
            if not result.unchanged:
                changes += 1
                if changes > max_changes:
                    changed.set()

    hosts = {urlsplit(p.url).hostname for p in known} or {None}
    # Connections go to the address the policy checked: the pinned answer (crawler/egress/aio.py)
    policy = egress if egress is not None else EgressPolicy(allow_private=allow_private)
    connector = aiohttp.TCPConnector(limit=per_host * len(hosts), limit_per_host=per_host, ssl=False,
                                     resolver=PolicyResolver(policy))
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    # The crawl's own politeness: at most `per_host` requests in flight per host, one User-Agent, no cookies.
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, headers={"User-Agent": user_agent},
                                     cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=True) as session:
        await asyncio.gather(*(worker(session) for _ in range(per_host * len(hosts))))
    return RevalidationReport(results, complete=len(results) == len(known) and changes <= max_changes)
