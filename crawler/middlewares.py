"""Downloader middlewares: refuse intranet targets (CONTRACT.md §3) and time each download."""
from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawler.egress import EgressPolicy, EgressRefused, LookupFailed
from crawler.egress.resolve import resolve
from storage.vocabulary import host_of


class PrivateAddressRefused(IgnoreRequest):
    """The target resolves to an address the site's egress policy does not allow (crawler.egress)."""


class PrivateAddressGuard:
    """Refuse requests the site's egress policy does not allow. The check is made on the pinned answer
    of `crawler.egress.resolve` — the same answer `crawler.egress.twisted.PinnedHostnameResolver` gives
    the connection — so a rebinding name cannot pass the check with one address and connect to another.
    A name that does not resolve is left to the download, which cannot connect it (a DNS failure)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        return cls(crawler)

    def _policy(self) -> EgressPolicy:
        spider = self.crawler.spider
        policy = getattr(spider, "egress", None)
        if policy is None:
            policy = EgressPolicy(allow_private=bool(getattr(spider, "allow_private", False)))
        return policy

    async def process_request(self, request: Request) -> None:
        policy = self._policy()
        scheme = urlsplit(request.url).scheme.lower()
        if scheme not in ("http", "https"):
            raise PrivateAddressRefused(f"{scheme}: only http(s) is fetched")
        host = host_of(request.url)
        try:
            addresses = await asyncio.get_running_loop().run_in_executor(None, resolve, host)
        except LookupFailed:
            return None
        try:
            policy.check_addresses(host, addresses)
        except EgressRefused as exc:
            raise PrivateAddressRefused(f"{host}: {exc.reason}") from None
        return None


class Timing:
    """Record when a request left, so the spider can store the download time of each fetch."""

    def process_request(self, request: Request) -> None:
        request.meta.setdefault("ga_started", time.perf_counter())
        return None
