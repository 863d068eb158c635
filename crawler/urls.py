"""URL canonical form used everywhere: lower-case scheme and host, no default port, no fragment."""
from __future__ import annotations

import ipaddress
from urllib.parse import urljoin, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical(url: str, base: str | None = None) -> str | None:
    """The canonical absolute form of `url` (resolved against `base`), or None if not http(s)."""
    url = (url or "").strip()
    if base:
        try:
            url = urljoin(base, url)
        except ValueError:
            return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path.replace(" ", "%20"), parts.query, ""))


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def is_private_ip(address: str) -> bool:
    """Loopback, private, link-local or otherwise non-public addresses (an auditor must not scan intranets)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    return not ip.is_global or ip.is_loopback or ip.is_link_local or ip.is_private
