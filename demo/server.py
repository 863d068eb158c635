"""A small threaded fixture HTTP server (stdlib only) for the demo portal, the tests and the bench.

Routes are looked up by full path with query, then without the query, then ``path + "index.html"``
for paths ending in ``/``. Every response carries ``LinkChecker: ok`` so the LinkChecker baseline
runs unthrottled (see STACK.md).
"""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

__all__ = ["Route", "FixtureServer", "redirect"]


@dataclass
class Route:
    """One canned answer: status, body, content type, extra headers, an optional delay."""

    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    head_status: int | None = None
    # (request header, substring, other answer): serve another route when the header contains the
    # substring, e.g. ("User-Agent", "Baiduspider", spam_route) for a cloaking fixture
    vary: tuple[tuple[str, str, Route], ...] = ()
    # Computed per request from (method, path, headers): cookie walls and other stateful answers;
    # None drops the connection without a response.
    answer: Callable[[str, str, Mapping[str, str]], Route | None] | None = None
    # Seconds between bytes of the body (0: all at once): a server that trickles its answer, each byte
    # inside any idle timeout, the whole far past a total one (tests/faults).
    trickle: float = 0.0


def redirect(location: str, status: int = 301) -> Route:
    """A redirect route to ``location`` (absolute or root-relative)."""
    return Route(status=status, body=b"", headers={"Location": location})


_NOT_FOUND = Route(
    status=404,
    body=b"<!DOCTYPE html><html><head><title>404 Not Found</title></head>"
    b"<body><h1>404 Not Found</h1></body></html>",
)
_REASONS = {int(code): reason for code, (reason, _) in BaseHTTPRequestHandler.responses.items()}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "FixtureServer"
    disable_nagle_algorithm = True
    timeout = 60  # idle keep-alive connections end instead of holding a thread forever
    server: _HTTPServer

    def setup(self) -> None:
        super().setup()
        self.server.fixture._track(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fixture._track(self.connection, False)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        pass  # quiet: thousands of requests per second in the bench

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)  # drain, so keep-alive stays in sync
        self._answer(head=False)

    def _answer(self, head: bool) -> None:
        fixture = self.server.fixture
        route = fixture._lookup(self.path)
        for header, needle, other in route.vary:
            if needle.lower() in (self.headers.get(header) or "").lower():
                route = other
                break
        fixture._count(self.command, self.path)
        if route.answer is not None:
            route = route.answer(self.command, self.path, self.headers)
            if route is None:
                self.close_connection = True
                return
        if route.delay:
            time.sleep(route.delay)
        status = route.status
        body = route.body
        extra: dict[str, str] = {}
        if fixture.validators and status == 200 and not route.headers.get("ETag"):
            import hashlib

            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            extra = {"ETag": etag, "Last-Modified": "Mon, 30 Nov 2026 00:00:00 GMT"}
            if not head and (self.headers.get("If-None-Match") == etag
                             or (self.headers.get("If-Modified-Since") == extra["Last-Modified"]
                                 and not self.headers.get("If-None-Match"))):
                with fixture._lock:
                    fixture.log.append(("GET 304", self.path))
                status, body = 304, b""
        if head:
            if route.head_status is not None:
                status, body = route.head_status, b""
        # One write per response: header and body together, built by hand because the stdlib's
        # send_header path is several times slower than this at bench rates.
        lines = [
            f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}",
            f"Content-Type: {route.content_type}",
            f"Content-Length: {len(body)}",
            "LinkChecker: ok",
            "Connection: close" if self.close_connection else "Connection: keep-alive",
        ]
        lines.extend(f"{k}: {v}" for k, v in {**route.headers, **extra}.items())
        head_bytes = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")
        if route.trickle and not head:
            self.wfile.write(head_bytes)
            for i in range(len(body)):
                time.sleep(route.trickle)
                try:
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                except OSError:
                    return  # the client gave up (its deadline passed)
            return
        self.wfile.write(head_bytes if head else head_bytes + body)


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connections under bench concurrency
    fixture: FixtureServer

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return  # the client went away first (a browser closed a page still loading): not an error
        super().handle_error(request, client_address)

    def server_bind(self) -> None:
        # Skip HTTPServer.server_bind's getfqdn(): a reverse DNS lookup we do not need.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class FixtureServer:
    """Serve canned routes on ``host:port`` (port 0 = a free one) from a background thread."""

    def __init__(self, routes: Mapping[str, Route], host: str = "127.0.0.1", port: int = 0,
                 validators: bool = False) -> None:
        # validators: 200 answers carry an ETag (a hash of the body) and a Last-Modified, and a GET whose
        # If-None-Match or If-Modified-Since still holds is answered 304 without a body (counted in `log`
        # as method "GET 304"), as the servers incremental re-audits revalidate against do.
        self.validators = validators
        self._routes = routes
        self._added: dict[str, Route] = {}
        self._host, self._port = host, port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._requests = 0
        self._conns: set[socket.socket] = set()
        self.log: list[tuple[str, str]] = []

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> FixtureServer:
        """Bind and serve in a daemon thread; a second call does nothing."""
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((self._host, self._port), _Handler)
        httpd.fixture = self
        self._httpd = httpd
        self._port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"fixture-{self._host}:{self._port}", daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the listening socket and open connections, join the thread."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._lock:
            conns = list(self._conns)
        for conn in conns:  # end keep-alive connections so no handler answers after stop()
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> FixtureServer:
        return self.start()

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    # -- public state --------------------------------------------------------------------------
    @property
    def host(self) -> str:
        return self._host

    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        """``http://host:port`` without a trailing slash."""
        return f"http://{self._host}:{self._port}"

    @property
    def requests(self) -> int:
        """How many requests were answered so far."""
        with self._lock:
            return self._requests

    def add(self, path: str, route: Route) -> None:
        """Add or replace a route, also while serving."""
        self._added[path] = route

    # -- used by the handler -------------------------------------------------------------------
    def _lookup(self, target: str) -> Route:
        for key in _candidates(target):
            route = self._added.get(key) or self._routes.get(key)
            if route is not None:
                return route
        return _NOT_FOUND

    def _count(self, method: str, path: str) -> None:
        with self._lock:
            self._requests += 1
            self.log.append((method, path))

    def _track(self, conn: socket.socket, alive: bool) -> None:
        with self._lock:
            if alive:
                self._conns.add(conn)
            else:
                self._conns.discard(conn)


def _candidates(target: str) -> list[str]:
    path = target.split("#", 1)[0]
    bare = path.split("?", 1)[0]
    keys = [path] if bare == path else [path, bare]
    if bare.endswith("/"):
        keys.append(bare + "index.html")
    return keys
