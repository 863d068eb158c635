"""Scrapy's resolver (`TWISTED_DNS_RESOLVER`): the pinned lookup of `crawler.egress.resolve`, filtered by
the policy every site shares (operator ranges, the metadata range), so the plain downloader connects only
to addresses that were checked — the site's own policy is applied to the same pinned answer by
`crawler.middlewares.EgressGuard` before the request is sent. A failed lookup yields no address: the
download fails as a DNS failure (fail closed)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from twisted.internet import threads
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver, IHostResolution, IResolutionReceiver
from zope.interface import implementer

from crawler.egress import STRICT, LookupFailed, embedded_ipv4, parse_address
from crawler.egress.resolve import resolve


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str) -> None:
        self.name = name

    def cancel(self) -> None:
        return None


def allowed_for_connection(host: str) -> list[str]:
    """The pinned addresses of `host` outside every denied range (empty when none or the lookup failed)."""
    try:
        addresses = resolve(host)
    except LookupFailed:
        return []
    denied = STRICT.denied_ranges()
    keep = []
    for address in addresses:
        ip = parse_address(address)
        if ip is None or any(ip.version == n.version and ip in n for n in denied):
            continue
        inner = embedded_ipv4(ip)
        if inner is not None and any(n.version == 4 and inner in n for n in denied):
            continue
        keep.append(address)
    return keep


@implementer(IHostnameResolver)
class PinnedHostnameResolver:
    """An IHostnameResolver over the pinned lookup (installed on the reactor by Scrapy)."""

    def __init__(self, reactor: Any) -> None:
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> PinnedHostnameResolver:
        return cls(reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(self, resolutionReceiver: IResolutionReceiver, hostName: str, portNumber: int = 0,  # noqa: N802, N803
                        addressTypes: Sequence[type] | None = None, transportSemantics: str = "TCP") -> IHostResolution:  # noqa: N803
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)
        d = threads.deferToThreadPool(self.reactor, self.reactor.getThreadPool(), allowed_for_connection, hostName)

        def done(addresses: list[str]) -> None:
            for address in addresses:
                ip = parse_address(address)
                if ip is None:
                    continue
                if ip.version == 4 and (addressTypes is None or IPv4Address in addressTypes):
                    resolutionReceiver.addressResolved(IPv4Address("TCP", str(ip), portNumber))
                elif ip.version == 6 and (addressTypes is None or IPv6Address in addressTypes):
                    resolutionReceiver.addressResolved(IPv6Address("TCP", str(ip), portNumber))
            resolutionReceiver.resolutionComplete()

        def failed(_failure: Any) -> None:
            resolutionReceiver.resolutionComplete()

        d.addCallbacks(done, failed)
        return resolution
