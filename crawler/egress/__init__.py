"""The egress policy: which addresses a fetch may reach (CONTRACT.md §3 "Safety", §6 `--deny`, README "Safety").

An auditor must not become an intranet scanner. One `EgressPolicy` decides for every fetch path, and
the decision is taken on the address actually connected to:

- Scrapy's downloader resolves through `crawler.egress.twisted.PinnedHostnameResolver` (the addresses
  checked are the addresses connected; one lookup per name per process, so a rebinding name cannot
  answer outside for the check and inside for the connection) and `crawler.middlewares` applies the
  site's policy to the same pinned answer;
- Chromium reaches the network only through `crawler.egress.proxy` (a filtering proxy govaudit runs);
- everything else (search probe, platform adapters, feeds, probes) fetches with
  `crawler.egress.fetch.safe_fetch` (redirects re-checked, size cap, total deadline).

The rules (`EgressPolicy.refusal`):
1. operator ranges (`--deny CIDR`, sites.yaml `deny:`, `GOVAUDIT_DENY`) and `ALWAYS_DENIED` (the metadata
   service range 169.254.0.0/16, unspecified, multicast, reserved) are never fetched, whatever the site;
2. a public address is allowed;
3. a non-public address (private, loopback, link-local, ULA, shared, documentation …) only when it lies in
   a network the policy unlocks: the audited site's own (its /24 or /128 for IPv6 loopback, /64 otherwise,
   or the range the registry declares with `network:`) — never all private ranges because the site is
   on one — or everything non-public with `--allow-private`.
IPv6 forms that carry an IPv4 address (`::ffff:a.b.c.d`, `::a.b.c.d`, NAT64 `64:ff9b::/96` and
`64:ff9b:1::/48`, 6to4 `2002::/16`, Teredo) are judged by the IPv4 address they carry as well; IPv4
literals in any form inet_aton accepts (decimal `2130706433`, octal `0177.0.0.1`, hex `0x7f.1`) are
parsed as the addresses they are.
"""
from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from storage.vocabulary import host_of, is_private_ip

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# Never fetched, whatever the site or --allow-private: the cloud metadata service (169.254.169.254 and the
# whole IPv4 link-local range), "this network", multicast, reserved/broadcast, unspecified.
ALWAYS_DENIED: tuple[IPNetwork, ...] = tuple(ipaddress.ip_network(n) for n in (
    "169.254.0.0/16", "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "ff00::/8",
))
DENY_ENV = "GOVAUDIT_DENY"
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_V4_COMPAT = ipaddress.ip_network("::/96")


class EgressRefused(OSError):
    """A target the egress policy does not allow (its `reason` says which address and why)."""

    def __init__(self, target: str, reason: str) -> None:
        super().__init__(f"{target}: {reason}")
        self.target = target
        self.reason = reason


class LookupFailed(OSError):
    """A name that did not resolve (a fetch reports it as a DNS failure; nothing is connected)."""


# --- addresses --------------------------------------------------------------------------------------
_V4_PART = re.compile(r"^(0x[0-9a-f]*|0[0-7]*|[1-9][0-9]*)$", re.I)


def parse_address(host: str) -> IPAddress | None:
    """The IP address a URL host denotes, in every form a resolver accepts: `[::1]`, `fe80::1%eth0`,
    dotted quads and the inet_aton forms (`127.1`, `2130706433`, `0177.0.0.1`, `0x7f.0.0.1`); None for a name."""
    bare = host.strip().strip("[]").rstrip(".").split("%", 1)[0]
    if not bare:
        return None
    try:
        return ipaddress.ip_address(bare)
    except ValueError:
        pass
    parts = bare.split(".")
    if not 1 <= len(parts) <= 4 or not all(_V4_PART.match(p) for p in parts):
        return None
    try:
        nums = [int(p, 16) if p.lower().startswith("0x") else int(p, 8) if p.startswith("0") and len(p) > 1
                else int(p) for p in (p if p.lower() != "0x" else "0x0" for p in parts)]
    except ValueError:
        return None
    *head, last = nums
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(nums)):
        return None
    value = 0
    for n in head:
        value = value * 256 + n
    value = value * 256 ** (5 - len(nums)) + last
    return ipaddress.IPv4Address(value)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 transition form carries (mapped, compatible, NAT64, 6to4, Teredo client)."""
    if ip.version == 4:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _NAT64):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _V4_COMPAT and int(ip) > 1:  # ::a.b.c.d (deprecated "IPv4-compatible"); not :: or ::1
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def kind_of(ip: IPAddress) -> str:
    """What an address is, in the words of a refusal: loopback, link-local, private, … or public."""
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified:
        return "unspecified"
    if ip.version == 6 and ip in ipaddress.ip_network("fc00::/7"):
        return "unique-local"
    if ip.version == 4 and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "shared (CGNAT)"
    if ip.is_private:
        return "private"
    if ip.is_reserved:
        return "reserved"
    if not ip.is_global:
        return "non-public"
    return "public"


def is_public(ip: IPAddress) -> bool:
    return kind_of(ip) == "public"


def parse_ranges(values: Iterable[str] | str | None, origin: str = "--deny") -> tuple[IPNetwork, ...]:
    """CIDR ranges (`10.0.0.0/8`, `192.168.1.7`, `fd00::/8`) from a list or a comma/space separated
    string; a bad one raises ValueError naming it and where it came from."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = re.split(r"[,\s]+", values)
    nets = []
    for value in values:
        value = str(value).strip()
        if not value:
            continue
        try:
            nets.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ValueError(f"{origin}: {value!r} is not an IP range (CIDR such as 10.0.0.0/8 or fd00::/8)") from None
    return tuple(nets)


def env_deny() -> tuple[IPNetwork, ...]:
    """The operator's ranges from the environment (`GOVAUDIT_DENY`; `--deny` and sites.yaml `deny:` are
    added there by the CLI, so every process and path of an audit sees them)."""
    return parse_ranges(os.environ.get(DENY_ENV, ""), DENY_ENV)


def add_env_deny(ranges: Iterable[str]) -> None:
    """Make operator ranges apply to this process and every process it starts (validated first)."""
    new = [str(n) for n in parse_ranges(list(ranges))]
    if new:
        current = [str(n) for n in env_deny()]
        os.environ[DENY_ENV] = ",".join(dict.fromkeys([*current, *new]))


def _own_network(ip: IPAddress) -> IPNetwork:
    if ip.version == 4:
        return ipaddress.ip_network(f"{ip}/24", strict=False)
    if ip.is_loopback:
        return ipaddress.ip_network(f"{ip}/128")
    return ipaddress.ip_network(f"{ip}/64", strict=False)


@dataclass(frozen=True)
class EgressPolicy:
    """Which addresses one site's fetches may reach. Plain data (picklable to crawl workers).

    `allow`: the non-public networks the site unlocks (its own); `deny`: operator ranges on top of the
    environment's; `allow_private`: every non-public address (still never `deny` or `ALWAYS_DENIED`)."""

    allow: tuple[str, ...] = ()
    deny: tuple[str, ...] = ()
    allow_private: bool = False
    _nets: tuple = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_nets", (parse_ranges(self.allow, "network"), parse_ranges(self.deny)))

    def __getstate__(self) -> dict:
        return {"allow": self.allow, "deny": self.deny, "allow_private": self.allow_private}

    def __setstate__(self, state: dict) -> None:
        for k, v in state.items():
            object.__setattr__(self, k, v)
        self.__post_init__()

    def denied_ranges(self) -> tuple[IPNetwork, ...]:
        return (*ALWAYS_DENIED, *env_deny(), *self._nets[1])

    def _refusal_one(self, ip: IPAddress, denied: tuple[IPNetwork, ...]) -> str | None:
        for net in denied:
            if ip.version == net.version and ip in net:
                return f"{ip} is in a denied range ({net})"
        kind = kind_of(ip)
        if kind == "public":
            return None
        if any(ip.version == net.version and ip in net for net in self._nets[0]):
            return None
        if self.allow_private and kind not in ("multicast", "unspecified"):
            return None
        return f"{ip} is a {kind} address outside the audited site's network"

    def refusal(self, address: str | IPAddress) -> str | None:
        """None when the address may be connected to, else why not."""
        ip = address if isinstance(address, (ipaddress.IPv4Address, ipaddress.IPv6Address)) else parse_address(address)
        if ip is None:
            return f"{address!r} is not an IP address"
        denied = self.denied_ranges()
        inner = embedded_ipv4(ip)
        if inner is None:
            return self._refusal_one(ip, denied)
        # A transition form is a way of reaching the IPv4 address it carries: judged as that address
        # (and by any operator range written in IPv6 that covers the form itself).
        for net in denied:
            if net.version == 6 and ip in net:
                return f"{ip} is in a denied range ({net})"
        inner_reason = self._refusal_one(inner, denied)
        return None if inner_reason is None else f"{ip} carries {inner_reason}"

    def allows(self, address: str | IPAddress) -> bool:
        return self.refusal(address) is None

    def check_addresses(self, host: str, addresses: Iterable[str]) -> list[str]:
        """The addresses (all of them allowed) or EgressRefused: a name with one inward answer is refused."""
        addresses = list(addresses)
        for address in addresses:
            reason = self.refusal(address)
            if reason is not None:
                raise EgressRefused(host, reason)
        return addresses

    def check_host(self, host: str) -> list[str]:
        """Resolve (pinned: `crawler.egress.resolve`) and check; LookupFailed when the name does not resolve."""
        from crawler.egress.resolve import resolve

        return self.check_addresses(host, resolve(host))

    def check_url(self, url: str) -> list[str]:
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https", "ws", "wss") or not parts.hostname:
            raise EgressRefused(url, f"{parts.scheme or 'no'} scheme: only http(s) is fetched")
        return self.check_host(parts.hostname)

    def as_options(self) -> dict:
        """What a run records of its policy (run options)."""
        return {"allow": list(self.allow), "deny": [str(n) for n in (*env_deny(), *self._nets[1])],
                "allow_private": self.allow_private}


STRICT = EgressPolicy()


def policy_for_site(url: str, network: Iterable[str] | str | None = None, allow_private: bool = False,
                    deny: Iterable[str] = ()) -> EgressPolicy:
    """The policy of a site's fetches: public addresses, plus the site's own network when the site itself
    lives on a non-public one (its /24, or the declared `network:`), plus everything non-public with
    --allow-private. A site whose name does not resolve unlocks nothing."""
    declared = [str(n) for n in parse_ranges(network, "network")] if network else []
    allow: list[str] = []
    host = host_of(url)
    literal = parse_address(host)
    try:
        if literal is not None:
            addresses = [str(literal)]
        else:
            from crawler.egress.resolve import resolve

            addresses = resolve(host)
    except (LookupFailed, OSError):
        addresses = []
    for address in addresses:
        ip = parse_address(address)
        if ip is None or is_public(ip) or any(ip in n for n in ALWAYS_DENIED):
            continue
        if declared:
            allow.extend(declared)
        else:
            allow.append(str(_own_network(ip)))
    return EgressPolicy(allow=tuple(dict.fromkeys(allow)), deny=tuple(deny), allow_private=allow_private)


# --- the earlier interface (kept: callers ask "is this host inward?") -----------------------------------
def resolves_private(host: str) -> bool:
    """True when the host is a non-public address literal or resolves to one (a failed lookup: False — the
    fetch then fails as a DNS failure, and the pinned resolver never connects it anyway)."""
    try:
        STRICT.check_host(host.strip("[]"))
    except EgressRefused:
        return True
    except (LookupFailed, OSError, UnicodeError):
        return False
    return False


async def resolves_private_async(host: str) -> bool:
    """`resolves_private` without blocking the event loop (Scrapy's reactor, the probes)."""
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(None, resolves_private, host)


def site_lives_private(url: str) -> bool:
    """True when the site's own host resolves into a non-public range (then it unlocks its own network)."""
    return bool(policy_for_site(url).allow)


def private_from_public(target_url: str, origin_url: str | None) -> bool:
    """A browser request to a loopback/private IP literal or localhost made by a page on a public host
    (no origin known: refused). Kept for callers of the earlier interface; the browser's traffic is
    filtered by `crawler.egress.proxy` now."""
    target = (urlsplit(target_url).hostname or "").lower()
    if not (target == "localhost" or is_private_ip(target) or (parse_address(target) and not is_public(parse_address(target)))):
        return False
    if origin_url is None:
        return True
    origin = (urlsplit(origin_url).hostname or "").lower()
    return not (origin == "localhost" or is_private_ip(origin))
