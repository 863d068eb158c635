"""`safe_fetch`: the one plain HTTP client of everything that is not the crawl or the browser (site search
probe, platform adapters, RSS feeds, the 在线申请 check, probes).

Every hop — the first request and each redirect — is resolved through the pinned resolver
(`crawler.egress.resolve`), checked against the caller's `EgressPolicy` and connected to the address
that was checked; the body is capped (`max_bytes`), the whole exchange has one deadline (`deadline_s`,
default `timeout_s`: total time, redirects included, never idle time) besides the per-read timeout. The
deadline is enforced by a watchdog that shuts the socket down when it passes, so a server trickling a byte
at a time (connect, TLS handshake, headers or body) cannot hold a fetch past it. Headers given as a
callable are computed per hop, so a session cookie meant for one host never follows a redirect to another (`cookie_header`).
"""
from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from crawler.egress import STRICT, EgressPolicy, EgressRefused, LookupFailed, parse_address

REDIRECTS = {301, 302, 303, 307, 308}


class FetchError(OSError):
    """A fetch that gave no HTTP answer: `kind` is refused | dns | timeout | connect | tls | too_large |
    redirects | bad_url; `url` the hop it happened on."""

    def __init__(self, kind: str, url: str, detail: str) -> None:
        super().__init__(f"{url}: {detail}")
        self.kind = kind
        self.url = url
        self.detail = detail


@dataclass
class Fetched:
    url: str  # the final URL (after redirects)
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    truncated: bool = False  # the body was longer than max_bytes (and allowed to be cut)
    redirects: list[str] = field(default_factory=list)  # the URLs redirected from, in order
    address: str = ""  # the address the final answer came from


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address
        self.raw_sock: socket.socket | None = None

    def connect(self) -> None:
        self.sock = self.raw_sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float, context: ssl.SSLContext) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._ctx = context
        self.raw_sock: socket.socket | None = None

    def connect(self) -> None:
        sock = self.raw_sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._ctx.wrap_socket(sock, server_hostname=self.host.strip("[]"))


def _tls_context(verify: bool) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


def safe_fetch(url: str, policy: EgressPolicy | None = None, *, method: str = "GET", body: bytes | None = None,
               headers: dict[str, str] | Callable[[str], dict[str, str]] | None = None, timeout_s: float = 15.0,
               deadline_s: float | None = None, max_bytes: int = 2_000_000, truncate: bool = True,
               max_redirects: int = 5, follow: bool = True, verify_tls: bool = True) -> Fetched:
    """One HTTP exchange under the egress policy (STRICT when none is given: public addresses only).
    HTTP error statuses are answers (returned); no answer raises FetchError."""
    policy = policy or STRICT
    deadline = time.monotonic() + (deadline_s if deadline_s is not None else timeout_s)
    redirects: list[str] = []
    current, verb, data = url, method.upper(), body
    while True:
        parts = urlsplit(current)
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https") or not parts.hostname:
            raise FetchError("bad_url" if not redirects else "refused", current,
                             f"{scheme or 'no'} scheme: only http(s) is fetched")
        try:
            port = parts.port or (443 if scheme == "https" else 80)
        except ValueError:
            raise FetchError("bad_url", current, "bad port") from None
        try:
            addresses = policy.check_host(parts.hostname)
        except EgressRefused as exc:
            raise FetchError("refused", current, exc.reason) from None
        except LookupFailed as exc:
            raise FetchError("dns", current, str(exc)) from None
        hop_headers = headers(current) if callable(headers) else dict(headers or {})
        status, resp_headers, content, truncated, address = _exchange(
            scheme, parts, port, addresses, verb, data, hop_headers, timeout_s, deadline, max_bytes, truncate,
            verify_tls, current)
        location = resp_headers.get("location")
        if follow and status in REDIRECTS and location:
            if len(redirects) >= max_redirects:
                raise FetchError("redirects", current, f"more than {max_redirects} redirects")
            redirects.append(current)
            current = urljoin(current, location.strip())
            if status == 303 or (status in (301, 302) and verb == "POST"):
                verb, data = "GET", None
            continue
        return Fetched(url=current, status=status, headers=resp_headers, body=content, truncated=truncated,
                       redirects=redirects, address=address)


def _exchange(scheme, parts, port, addresses, verb, data, hop_headers, timeout_s, deadline, max_bytes,  # noqa: ANN001, PLR0913
              truncate, verify_tls, url):  # noqa: ANN202
    host = parts.hostname
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    host_header = f"[{host}]" if ":" in host else host
    if parts.port:
        host_header += f":{parts.port}"
    last: Exception | None = None
    for address in addresses:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("timeout", url, "the fetch's deadline passed")
        timeout = min(timeout_s, remaining)
        conn = (_PinnedHTTPS(host, address, port, timeout, _tls_context(verify_tls)) if scheme == "https"
                else _PinnedHTTP(host, address, port, timeout))
        cut = threading.Event()
        watchdog = threading.Timer(remaining, _cut, args=(conn, cut))
        watchdog.daemon = True
        watchdog.start()
        try:
            conn.putrequest(verb, path, skip_host=True, skip_accept_encoding=True)
            conn.putheader("Host", host_header)
            for k, v in hop_headers.items():
                conn.putheader(k, v)
            if data is not None:
                conn.putheader("Content-Length", str(len(data)))
            conn.endheaders(data)
            resp = conn.getresponse()
            chunks, size, truncated = [], 0, False
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise FetchError("timeout", url, "the fetch's deadline passed while reading the body")
                if conn.sock is not None:
                    conn.sock.settimeout(min(timeout_s, left))
                chunk = resp.read1(min(65536, max_bytes + 1 - size))  # one recv: the deadline is looked at again
                if not chunk:
                    if cut.is_set():
                        raise FetchError("timeout", url, "the fetch's deadline passed while reading the body")
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    if not truncate:
                        raise FetchError("too_large", url, f"the body is larger than {max_bytes} bytes")
                    truncated = True
                    break
            content = b"".join(chunks)[:max_bytes]
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, content, truncated, address
        except FetchError:
            raise
        except Exception as exc:
            if cut.is_set() or time.monotonic() >= deadline:
                raise FetchError("timeout", url, "the fetch's deadline passed") from None
            if isinstance(exc, ssl.SSLError):
                raise FetchError("tls", url, f"TLS: {exc.reason or exc}") from None
            if isinstance(exc, (TimeoutError, socket.timeout)):
                raise FetchError("timeout", url, f"no answer within {timeout:g} s") from None
            if not isinstance(exc, (OSError, http.client.HTTPException)):
                raise
            last = exc
        finally:
            watchdog.cancel()
            conn.close()
    raise FetchError("connect", url, f"connect: {last}")


def _cut(conn: http.client.HTTPConnection, cut: threading.Event) -> None:
    """The deadline passed: shut the connection's socket down so a blocked recv returns at once."""
    cut.set()
    sock = getattr(conn, "raw_sock", None) or conn.sock
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


# --- session cookies (platform logins) -----------------------------------------------------------------
def domain_matches(host: str, domain: str) -> bool:
    """RFC 6265 §5.1.3: the host is the domain or a subdomain of it (a label boundary, never a bare suffix:
    `evilqq.com` does not match `qq.com`); an IP address matches only itself."""
    host, domain = host.lower().rstrip("."), domain.lower().lstrip(".").rstrip(".")
    if not domain:
        return False
    if host == domain:
        return True
    return parse_address(host) is None and host.endswith("." + domain)


def cookie_header(cookies: list[dict], url: str, real_hosts: tuple[str, ...]) -> str:
    """The `Cookie` header a stored session (Playwright storage-state cookies) may send to `url`: only over
    HTTPS, only to one of the platform's real hosts (`real_hosts`, never a mirror's), with domain and path
    matching as a browser does."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme.lower() != "https" or not any(domain_matches(host, real) for real in real_hosts):
        return ""
    path = parts.path or "/"
    pairs = []
    for c in cookies:
        domain = str(c.get("domain") or "")
        if not domain or not domain_matches(host, domain):
            continue
        cpath = str(c.get("path") or "/")
        if not (path == cpath or path.startswith(cpath.rstrip("/") + "/") or cpath == "/"):
            continue
        pairs.append(f"{c['name']}={c['value']}")
    return "; ".join(pairs)
