"""Fact family `browser_tls`: the HTTPS hosts the browser reached during a crawl and whether their
certificates verified (README "Safety"; an input of security.no_https).

The browser's contexts accept invalid certificates so that a site with a broken certificate can still be
audited as people see it after clicking through — but never silently: the egress proxy
(crawler/egress/proxy.py) verifies each HTTPS host the browser tunnels to against the system's CAs
and the crawl stores what it found here.
"""
from __future__ import annotations

from storage.facts.table import fact_table


@fact_table("browser_tls", model="BrowserTls", family="browser_tls", snapshot="browser_tls", unique=("host", "port"))
class BrowserTlsFact:
    """One HTTPS host:port the browser connected to: verified or the verification error."""

    host: str
    port: int = 443
    verified: bool = False
    error: str | None = None  # the TLS verification error (untrusted chain, host mismatch, expired …)
