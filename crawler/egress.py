"""The egress policy: which addresses a fetch may reach (CONTRACT.md §3 "Safety", README "Safety").

An auditor must not become an intranet scanner: targets that are (or resolve to) private, loopback or
link-local addresses are refused unless the audited site itself lives in such a range or
`--allow-private` is given. Every fetch path asks here — Scrapy's downloader (crawler.middlewares),
the availability probes, the site-search probe, the browser's sub-requests (crawler.browser.launch) —
so the rule is written once; the address test itself is `storage.vocabulary.is_private_ip`.
"""
from __future__ import annotations

import asyncio
import socket
from urllib.parse import urlsplit

from storage.vocabulary import host_of, is_private_ip


def resolves_private(host: str) -> bool:
    """True when the host is a non-public address literal or resolves to one (a failed lookup is left to
    the fetch, which reports it as a DNS failure)."""
    bare = host.strip("[]")
    if is_private_ip(bare):
        return True
    try:
        return any(is_private_ip(i[4][0]) for i in socket.getaddrinfo(bare, None, type=socket.SOCK_STREAM))
    except (OSError, UnicodeError):
        return False


async def resolves_private_async(host: str) -> bool:
    """`resolves_private` without blocking the event loop (Scrapy's reactor, the probes)."""
    bare = host.strip("[]")
    if is_private_ip(bare):
        return True
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(bare, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    return any(is_private_ip(info[4][0]) for info in infos)


def site_lives_private(url: str) -> bool:
    """True when the site's own host resolves into a private/loopback range (then it may link there)."""
    return resolves_private(host_of(url))


def private_from_public(target_url: str, origin_url: str | None) -> bool:
    """A browser request to a loopback/private IP literal or localhost made by a page on a public host
    (no origin known: refused). Host names are not resolved here: the plain downloader's guard does
    that for every URL the crawl fetches."""
    target = (urlsplit(target_url).hostname or "").lower()
    if not (target == "localhost" or is_private_ip(target)):
        return False
    if origin_url is None:
        return True
    origin = (urlsplit(origin_url).hostname or "").lower()
    return not (origin == "localhost" or is_private_ip(origin))
