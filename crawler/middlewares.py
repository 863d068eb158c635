"""Downloader middlewares: refuse intranet targets (CONTRACT.md §3) and time each download."""
from __future__ import annotations

import time

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawler.egress import resolves_private_async
from storage.vocabulary import host_of


class PrivateAddressRefused(IgnoreRequest):
    """The target resolves to a private, loopback or link-local address the audited site does not live in."""


class PrivateAddressGuard:
    """Refuse requests into private ranges unless the site itself lives there or --allow-private is set."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._cache: dict[str, bool] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        return cls(crawler)

    async def process_request(self, request: Request) -> None:
        if getattr(self.crawler.spider, "allow_private", False):
            return None
        host = host_of(request.url)
        if host not in self._cache:
            self._cache[host] = await resolves_private_async(host)
        if self._cache[host]:
            raise PrivateAddressRefused(f"{host} resolves to a private/loopback/link-local address")
        return None


class Timing:
    """Record when a request left, so the spider can store the download time of each fetch."""

    def process_request(self, request: Request) -> None:
        request.meta.setdefault("ga_started", time.perf_counter())
        return None
