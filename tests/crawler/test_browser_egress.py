"""The browser's side of the egress policy (crawler/egress/proxy.py, crawler/browser/harden.py): the
filtering proxy refuses what the policy refuses (plain requests and CONNECT tunnels alike), records the
certificates the browser would silently accept, and Chromium runs as another user when we are root."""
from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from crawler.egress import EgressPolicy
from crawler.egress.proxy import proxy_url, tls_seen
from demo.server import FixtureServer, Route
from tests.crawler.tlsfixture import TlsServer, make_cert


def _raw(proxy: str, request: bytes) -> bytes:
    host, port = proxy.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), 5) as s:
        s.sendall(request)
        s.settimeout(5)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data and request.startswith(b"CONNECT"):
                break
    return data


def test_proxy_refuses_plain_and_tunnel_requests() -> None:
    with FixtureServer({"/": Route(body=b"secret")}, host="127.0.0.3") as intranet:
        target = intranet.base_url
        hostport = target.removeprefix("http://")
        strict = proxy_url(EgressPolicy())
        assert _raw(strict, f"GET {target}/ HTTP/1.1\r\nHost: {hostport}\r\n\r\n".encode()).startswith(b"HTTP/1.1 403")
        assert _raw(strict, f"CONNECT {hostport} HTTP/1.1\r\nHost: {hostport}\r\n\r\n".encode()).startswith(b"HTTP/1.1 403")
        assert _raw(strict, b"GET file:///etc/passwd HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 400")
        assert intranet.log == []
        # the negative control: a policy that unlocks it is served through the same machinery
        opened = proxy_url(EgressPolicy(allow=("127.0.0.3/32",)))
        got = _raw(opened, f"GET {target}/ HTTP/1.1\r\nHost: {hostport}\r\n\r\n".encode())
        assert got.startswith(b"HTTP/1.0 200") or got.startswith(b"HTTP/1.1 200")
        assert got.endswith(b"secret") and intranet.log == [("GET", "/")]


@pytest.mark.browser
def test_browser_runs_hardened_through_the_proxy_and_records_tls(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    from crawler.browser.harden import context_proxy, launch_kwargs, sandbox_state
    from crawler.browser.launch import CONTEXT_KWARGS

    cert, key, _, _ = make_cert(tmp_path, "self", ["127.0.0.1"])  # self-signed: no CA trusts it
    state = sandbox_state()
    with TlsServer(cert, key) as tls, FixtureServer({"/": Route(body=b"inner")}, host="127.0.0.3") as intranet, \
            sync_playwright() as pw:
        browser = pw.chromium.launch(**launch_kwargs())
        try:
            context = browser.new_context(**CONTEXT_KWARGS, proxy=context_proxy(EgressPolicy(allow=("127.0.0.1/32",))))
            page = context.new_page()
            response = page.goto(tls.url)
            assert response.status == 200 and "HTTPS 首页" in page.content()  # the site is still audited …
            page.goto(intranet.base_url + "/")  # … and a page outside the policy is not reached
            assert intranet.log == []
            pids = [p for p in os.listdir("/proc") if p.isdigit() and b"playwright_chromiumdev_profile" in
                    Path(f"/proc/{p}/cmdline").read_bytes()]
            uids = {int(next(li for li in Path(f"/proc/{p}/status").read_text().splitlines()
                             if li.startswith("Uid:")).split()[1]) for p in pids}
        finally:
            browser.close()
    seen = {(h, p): e for h, p, e in tls_seen({"127.0.0.1"})}
    assert seen.get(("127.0.0.1", tls.port)) not in (None, "checking"), seen  # … but never silently
    if os.geteuid() == 0:
        assert uids and 0 not in uids, uids
        assert state["user"] != "root"
    assert isinstance(state["sandbox"], bool) and state["reason"]


@pytest.mark.browser
def test_search_field_never_becomes_a_selector(tmp_path: Path) -> None:
    from crawler.browser.session import BrowserSession

    hostile = 'q"],body,input[name="x'
    page = (f'<html><body><form action="/r"><input name="other"><input name=\'{hostile}\'><button>搜索</button></form></body></html>').encode()
    with FixtureServer({"/": Route(body=page), "/r": Route(body=b"<html><body>results</body></html>")}) as site, \
            BrowserSession(timeout_s=10) as session:
        session.egress = EgressPolicy(allow=("127.0.0.1/32",))
        seen = session.search(site.base_url + "/", hostile, "测试", None, "get", None)
        assert "error" not in seen, seen
        # the query went into the hostile-named field, not into "other" (left empty)
        assert any(path.startswith("/r?other=&") and path.endswith("=%E6%B5%8B%E8%AF%95") for _, path in site.log), site.log
        wrong = session.search(site.base_url + "/", 'nope"]', "测试", None, "get", None)
        assert "error" in wrong  # a name that is not there is not "found" by a widened selector
