"""The fixture HTTP server: routes, fallbacks, HEAD, redirects, delay, raw bytes, stop()."""
from __future__ import annotations

import http.client
import socket
import time

import pytest

from demo.server import FixtureServer, Route, redirect


def _request(server: FixtureServer, method: str, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
    try:
        conn.request(method, path)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.fixture
def server():
    routes = {
        "/index.html": Route(body=b"<h1>home</h1>"),
        "/a.html": Route(body=b"plain a"),
        "/a.html?x=1": Route(body=b"query a"),
        "/col/index.html": Route(body=b"column"),
        "/head405": Route(body=b"get works", head_status=405),
        "/moved": redirect("/a.html"),
        "/slow": Route(body=b"late", delay=0.4),
        "/teapot": Route(status=418, body=b"short and stout", headers={"X-Test": "yes"}),
    }
    with FixtureServer(routes) as srv:
        yield srv


def test_base_url_and_routes(server: FixtureServer) -> None:
    assert server.base_url == f"http://127.0.0.1:{server.port}"
    status, headers, body = _request(server, "GET", "/a.html")
    assert (status, body) == (200, b"plain a")
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert headers["content-length"] == "7"
    assert headers["linkchecker"] == "ok"


def test_query_then_path_then_index(server: FixtureServer) -> None:
    assert _request(server, "GET", "/a.html?x=1")[2] == b"query a"
    assert _request(server, "GET", "/a.html?x=2")[2] == b"plain a"
    assert _request(server, "GET", "/")[2] == b"<h1>home</h1>"
    assert _request(server, "GET", "/col/")[2] == b"column"
    assert _request(server, "GET", "/col/?page=2")[2] == b"column"


def test_unknown_path_is_404(server: FixtureServer) -> None:
    status, headers, body = _request(server, "GET", "/nope.html")
    assert status == 404
    assert b"404 Not Found" in body
    assert headers["linkchecker"] == "ok"


def test_head(server: FixtureServer) -> None:
    status, headers, body = _request(server, "HEAD", "/a.html")
    assert (status, body) == (200, b"")
    assert headers["content-length"] == "7"
    assert _request(server, "HEAD", "/head405")[0] == 405
    assert _request(server, "GET", "/head405")[:3:2] == (200, b"get works")


def test_redirect_and_extra_headers(server: FixtureServer) -> None:
    status, headers, _ = _request(server, "GET", "/moved")
    assert status == 301 and headers["location"] == "/a.html"
    status, headers, body = _request(server, "GET", "/teapot")
    assert status == 418 and headers["x-test"] == "yes" and body == b"short and stout"


def test_delay(server: FixtureServer) -> None:
    start = time.monotonic()
    assert _request(server, "GET", "/slow")[2] == b"late"
    assert time.monotonic() - start >= 0.4


def test_gbk_bytes_served_verbatim() -> None:
    body = '<meta charset="gbk"><title>通知公告</title>'.encode("gbk")
    with FixtureServer({"/g.html": Route(body=body, content_type="text/html")}) as srv:
        status, headers, got = _request(srv, "GET", "/g.html")
    assert got == body
    assert headers["content-type"] == "text/html"
    assert got.decode("gbk").endswith("通知公告</title>")


def test_keep_alive_counter_log_and_add() -> None:
    with FixtureServer({"/a": Route(body=b"a")}) as srv:
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
        for _ in range(3):  # one connection, three answers
            conn.request("GET", "/a")
            assert conn.getresponse().read() == b"a"
        srv.add("/b", Route(body=b"b"))
        conn.request("GET", "/b")
        assert conn.getresponse().read() == b"b"
        conn.close()
        assert srv.requests == 4
        assert srv.log == [("GET", "/a")] * 3 + [("GET", "/b")]


def test_stop_frees_the_port_and_is_idempotent() -> None:
    srv = FixtureServer({"/": Route(body=b"x")}).start()
    port = srv.port
    assert _request(srv, "GET", "/")[0] == 200
    srv.stop()
    srv.stop()
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))  # would raise if the listening socket were still open
        s.listen()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_stop_ends_keep_alive_connections() -> None:
    srv = FixtureServer({"/": Route(body=b"x")}).start()
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=5)
    conn.request("GET", "/")
    assert conn.getresponse().read() == b"x"
    srv.stop()
    with pytest.raises((OSError, http.client.HTTPException)):
        conn.request("GET", "/")
        conn.getresponse()
    conn.close()


def test_many_requests_quickly() -> None:
    with FixtureServer({"/p": Route(body=b"y" * 2000)}) as srv:
        conn = http.client.HTTPConnection(srv.host, srv.port, timeout=10)
        start = time.monotonic()
        for _ in range(500):
            conn.request("GET", "/p")
            conn.getresponse().read()
        elapsed = time.monotonic() - start
        conn.close()
    assert elapsed < 5, f"500 keep-alive requests took {elapsed:.2f}s"
