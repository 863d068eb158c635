"""The egress policy for asyncio clients (aiohttp): the revalidation pass of incremental re-audits.

aiohttp resolves names itself when it connects; `PolicyResolver` makes it connect to the pinned answer
(`crawler.egress.resolve`) once the policy has checked it, as the crawl's downloader does — the address
checked is the address connected, and a name with an inward answer is refused (`EgressRefused`, which
aiohttp reports as a connection error) before any connection is made.
"""
from __future__ import annotations

import asyncio
import socket

from aiohttp.abc import AbstractResolver, ResolveResult

from crawler.egress import EgressPolicy, parse_address


class PolicyResolver(AbstractResolver):
    def __init__(self, policy: EgressPolicy) -> None:
        self._policy = policy

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        addresses = await asyncio.to_thread(self._policy.check_host, host)
        out: list[ResolveResult] = []
        for address in addresses:
            ip = parse_address(address)
            fam = socket.AF_INET6 if ip is not None and ip.version == 6 else socket.AF_INET
            if family not in (socket.AF_UNSPEC, fam):
                continue
            out.append(ResolveResult(hostname=host, host=str(ip or address), port=port, family=fam, proto=0,
                                     flags=socket.AI_NUMERICHOST))
        if not out:
            raise OSError(f"{host}: no address of the requested family")
        return out

    async def close(self) -> None:
        return None
