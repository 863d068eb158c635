"""The homepage host over DNS and IPv6: AAAA records (dnspython) and a real HTTP fetch over IPv6.

The resolver and the route check are injectable, so tests can point a name at [::1] without DNS.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit


# A resolver answers (AAAA addresses, CNAME chain, error class or None) for a host name.
Resolver = Callable[[str], tuple[list[str], list[str], str | None]]
RouteCheck = Callable[[str], bool]


@dataclass
class Ipv6Facts:
    host: str
    aaaa: list[str] = field(default_factory=list)
    cnames: list[str] = field(default_factory=list)
    dns_error: str | None = None
    ipv6_route: bool | None = None
    ipv6_address: str | None = None
    ipv6_status: int | None = None
    ipv6_error: str | None = None


def dns_resolver(lifetime: float = 8.0, nameservers: list[str] | None = None, port: int = 53) -> Resolver:
    """AAAA and CNAME lookups (dnspython) through the system's name servers, or the given ones."""
    import dns.exception
    import dns.resolver

    def resolve(host: str) -> tuple[list[str], list[str], str | None]:
        res = dns.resolver.Resolver(configure=nameservers is None)
        if nameservers is not None:
            res.nameservers, res.port = list(nameservers), port
        res.lifetime = lifetime
        try:
            answer = res.resolve(host, "AAAA")
        except dns.resolver.NXDOMAIN:
            return [], [], "nxdomain"
        except dns.resolver.NoAnswer as exc:
            return [], _cnames(exc.kwargs.get("response"), host), "no_aaaa"
        except dns.exception.Timeout:
            return [], [], "timeout"
        except (dns.resolver.NoNameservers, dns.resolver.NoResolverConfiguration):
            return [], [], "servfail"
        return [r.address for r in answer], _cnames(answer.response, host), None

    return resolve


def _cnames(response, host: str) -> list[str]:  # noqa: ANN001 - dns.message.Message
    import dns.rdatatype

    if response is None:
        return []
    return [str(r.target).rstrip(".") for rrset in response.answer if rrset.rdtype == dns.rdatatype.CNAME
            for r in rrset]


def has_route(address: str) -> bool:
    """Whether this machine has a route to the IPv6 address (a UDP connect picks a route, sends nothing)."""
    if ipaddress.ip_address(address.split("%")[0]).is_loopback:
        return socket.has_ipv6
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.connect((address, 53))
        return True
    except OSError:
        return False


class _PinnedConnection(http.client.HTTPConnection):
    """HTTP(S) to a fixed address while the Host header and TLS server name stay the site's."""

    def __init__(self, address: str, host: str, port: int, tls: bool, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address, self._tls = address, tls

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)
        if self._tls:
            self.sock = ssl.create_default_context().wrap_socket(self.sock, server_hostname=self.host)


def fetch_over_ipv6(url: str, address: str, timeout: float = 15.0, user_agent: str = "govaudit") -> tuple[int | None, str | None]:
    """GET the URL from the given IPv6 address: (status, None) or (None, error class)."""
    parts = urlsplit(url)
    tls = parts.scheme == "https"
    conn = _PinnedConnection(address, parts.hostname or "", parts.port or (443 if tls else 80), tls, timeout)
    try:
        conn.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                     headers={"User-Agent": user_agent, "Accept": "text/html,*/*"})
        status = conn.getresponse().status
        return status, None
    except TimeoutError:
        return None, "timeout"
    except ssl.SSLError:
        return None, "tls"
    except ConnectionRefusedError:
        return None, "connect"
    except OSError as exc:
        return None, f"connect: {exc.strerror or exc.__class__.__name__}"
    except http.client.HTTPException as exc:
        return None, f"http: {exc.__class__.__name__}"
    finally:
        conn.close()


def probe_ipv6(url: str, resolver: Resolver | None = None, route: RouteCheck = has_route, allow_private: bool = False,
               timeout: float = 15.0, user_agent: str = "govaudit", egress: Any = None) -> Ipv6Facts:
    """AAAA records of the homepage host and one fetch of the homepage over the first routable one."""
    host = (urlsplit(url).hostname or "").lower()
    facts = Ipv6Facts(host=host)
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and literal.version == 4:
        facts.dns_error = "ipv4_literal"  # an address, not a name: nothing to look up
        return facts
    if literal is not None:
        facts.aaaa = [str(literal)]
    else:
        facts.aaaa, facts.cnames, facts.dns_error = (resolver or dns_resolver())(host)
    if not facts.aaaa:
        return facts
    routable = [a for a in facts.aaaa if route(a)]
    facts.ipv6_route = bool(routable)
    if not routable:
        return facts
    address = routable[0]
    facts.ipv6_address = address
    from crawler.egress import EgressPolicy

    if (egress or EgressPolicy(allow_private=allow_private)).refusal(address) is not None:
        facts.ipv6_error = "refused_private"  # an auditor must not become an intranet scanner
        return facts
    facts.ipv6_status, facts.ipv6_error = fetch_over_ipv6(url, address, timeout, user_agent)
    return facts
