"""Which hosts are "other sites" for the content rules: not the audited site, not a trusted government or
state-media host (checks/data/trusted_hosts.yaml)."""
from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import yaml


@cache
def _trusted() -> tuple[str, ...]:
    data = yaml.safe_load((Path(__file__).resolve().parent.parent / "data" / "trusted_hosts.yaml").read_text("utf-8"))
    return tuple(str(s).lower() for s in data["suffixes"])


def _base(host: str) -> str:
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in ("gov", "com", "org", "net", "edu") and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:]) if not host.replace(".", "").isdigit() else host


def outside(href: str, site_hosts: set[str]) -> bool:
    """True when the link leaves the site for a host that is neither the site's nor trusted."""
    if "//" not in href[:12]:
        return False  # relative, javascript:, mailto:, tel:
    host = (urlsplit(href).hostname or "").lower()
    if not host or host in site_hosts:
        return False
    return _foreign(host, frozenset(site_hosts))


@lru_cache(maxsize=4096)
def _foreign(host: str, site_hosts: frozenset[str]) -> bool:
    if any(_base(host) == _base(h) for h in site_hosts):
        return False
    return not any(host == s or host.endswith("." + s) for s in _trusted())
