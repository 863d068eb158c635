"""The private-address guard (CONTRACT.md §3): an auditor must not become an intranet scanner."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from scrapy import Request

from crawler.middlewares import PrivateAddressGuard, PrivateAddressRefused


def _guard(allow: bool) -> PrivateAddressGuard:
    return PrivateAddressGuard(SimpleNamespace(spider=SimpleNamespace(allow_private=allow)))


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/admin", "http://10.0.0.5/", "http://[::1]/",
                                 "http://169.254.169.254/latest/meta-data/", "http://localhost/"])
def test_private_targets_refused(url: str) -> None:
    with pytest.raises(PrivateAddressRefused):
        asyncio.run(_guard(False).process_request(Request(url)))


def test_allowed_when_the_site_lives_there_or_flag_given() -> None:
    assert asyncio.run(_guard(True).process_request(Request("http://127.0.0.1/"))) is None


def test_unresolvable_host_is_left_to_the_download() -> None:
    # No DNS here: the guard must not turn a DNS failure into a refusal (the fetch reports `dns`).
    assert asyncio.run(_guard(False).process_request(Request("http://no-such-host.invalid/"))) is None
