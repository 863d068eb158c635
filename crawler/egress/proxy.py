"""The filtering proxy every Chromium of govaudit goes through (README "Safety", docs/browser.md).

Chromium is started with `--proxy-server` pointing here (and Playwright's `<-loopback>` bypass rule, so
loopback is proxied too); each browser context of a site gets the proxy of that site's `EgressPolicy`.
So every connection of the browser — navigations, frames, workers, WebSockets (CONNECT), redirects,
popups, prefetches — is a request to this proxy, which resolves the name through the pinned resolver,
checks the answer against the policy and connects to the address it checked. A refused target gets a
403 (plain requests and CONNECT alike) and nothing is connected.

One proxy per policy, each on its own port of 127.0.0.1, all served by one asyncio loop in a daemon
thread of the process (it serves the crawl's reactor and the synchronous browser sessions alike).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from urllib.parse import urlsplit

from crawler.egress import STRICT, EgressPolicy, EgressRefused, LookupFailed

log = logging.getLogger(__name__)

MAX_HEAD = 64 * 1024
IDLE_S = 60.0
_HOP = {"proxy-connection", "proxy-authorization", "connection", "keep-alive", "upgrade", "te", "trailer"}


class _Loop:
    lock = threading.Lock()
    loop: asyncio.AbstractEventLoop | None = None
    servers: dict[EgressPolicy, tuple[asyncio.AbstractServer, int]] = {}
    refused: list[tuple[str, str]] = []  # (target, reason), the last few hundred (stats, tests)
    tls: dict[tuple[str, int], str | None] = {}  # (host, port) tunnelled to → None (verified) or the error


def _ensure_loop() -> asyncio.AbstractEventLoop:
    with _Loop.lock:
        if _Loop.loop is None:
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="egress-proxy", daemon=True).start()
            ready.wait(10)
            _Loop.loop = loop
        return _Loop.loop


def proxy_url(policy: EgressPolicy | None = None) -> str:
    """`http://127.0.0.1:PORT` of the proxy enforcing `policy` (started on first use; STRICT by default)."""
    policy = policy or STRICT
    loop = _ensure_loop()
    with _Loop.lock:
        known = _Loop.servers.get(policy)
    if known is None:
        fut = asyncio.run_coroutine_threadsafe(_start(policy), loop)
        server = fut.result(10)
        port = server.sockets[0].getsockname()[1]
        with _Loop.lock:
            _Loop.servers.setdefault(policy, (server, port))
            known = _Loop.servers[policy]
    return f"http://127.0.0.1:{known[1]}"


def tls_seen(hosts: set[str] | None = None) -> list[tuple[str, int, str | None]]:
    """The HTTPS hosts the browser tunnelled to and their certificate verification (None: verified; else
    the error): what the browser's `ignore_https_errors` would otherwise hide (fact family browser_tls)."""
    return sorted((h, p, e) for (h, p), e in list(_Loop.tls.items()) if hosts is None or h in hosts)


def _verify_tls(host: str, address: str, port: int) -> str | None:
    """One verifying TLS handshake to the address the tunnel uses: None, or why the certificate failed."""
    import socket
    import ssl

    ctx = ssl.create_default_context()
    try:
        with socket.create_connection((address, port), 10) as sock, ctx.wrap_socket(sock, server_hostname=host):
            return None
    except ssl.SSLCertVerificationError as exc:
        return f"{exc.verify_code}: {exc.verify_message}"[:200]
    except ssl.SSLError as exc:
        return f"tls: {exc.reason or exc}"[:200]
    except OSError as exc:
        return f"connect: {exc}"[:200]


def refused() -> list[tuple[str, str]]:
    """What the proxies of this process refused (target, reason), most recent last."""
    return list(_Loop.refused)


async def _start(policy: EgressPolicy) -> asyncio.AbstractServer:
    return await asyncio.start_server(lambda r, w: _serve(policy, r, w), "127.0.0.1", 0, limit=MAX_HEAD)


def _note_refused(target: str, reason: str) -> None:
    _Loop.refused.append((target, reason))
    del _Loop.refused[:-500]
    log.info("browser egress refused %s: %s", target, reason)


async def _read_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        return await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_S)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ConnectionError):
        return None


async def _connect(policy: EgressPolicy, host: str, port: int, tunnel: bool = False
                   ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    loop = asyncio.get_running_loop()
    addresses = await loop.run_in_executor(None, policy.check_host, host)
    last: Exception | None = None
    for address in addresses:
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(address, port), 15)
            writer.govaudit_address = address  # type: ignore[attr-defined] - where the tunnel went
            return reader, writer
        except (OSError, asyncio.TimeoutError) as exc:
            last = exc
    raise OSError(f"connect {host}:{port}: {last}")


async def _refuse(writer: asyncio.StreamWriter, status: str, reason: str) -> None:
    body = f"govaudit egress: {reason}\n".encode()
    with contextlib.suppress(Exception):
        writer.write(f"HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                     f"Connection: close\r\n\r\n".encode() + body)
        await writer.drain()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            chunk = await asyncio.wait_for(reader.read(65536), IDLE_S)
            if not chunk:
                break
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.TimeoutError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _serve(policy: EgressPolicy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    upstream_writer = None
    try:
        head = await _read_head(reader)
        if not head:
            return
        lines = head.decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            await _refuse(writer, "400 Bad Request", "not an HTTP request")
            return
        if method.upper() == "CONNECT":
            host, _, port_text = target.rpartition(":")
            host = host.strip("[]")
            try:
                port = int(port_text)
            except ValueError:
                await _refuse(writer, "400 Bad Request", f"bad CONNECT target {target!r}")
                return
            shown = target
        else:
            parts = urlsplit(target)
            if parts.scheme.lower() not in ("http", "ws") or not parts.hostname:
                await _refuse(writer, "400 Bad Request", f"not an absolute http URL: {target[:200]!r}")
                return
            host = parts.hostname
            try:
                port = parts.port or 80
            except ValueError:
                await _refuse(writer, "400 Bad Request", "bad port")
                return
            shown = target
        try:
            up_reader, upstream_writer = await _connect(policy, host, port, tunnel=method.upper() == "CONNECT")
        except EgressRefused as exc:
            _note_refused(shown, exc.reason)
            await _refuse(writer, "403 Forbidden", exc.reason)
            return
        except LookupFailed as exc:
            await _refuse(writer, "502 Bad Gateway", f"DNS: {exc}")
            return
        except OSError as exc:
            await _refuse(writer, "502 Bad Gateway", str(exc))
            return
        if method.upper() == "CONNECT":
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await writer.drain()
            first = await asyncio.wait_for(reader.read(65536), IDLE_S)
            if first[:1] == b"\x16" and (host, port) not in _Loop.tls:  # a TLS ClientHello: verify this host once
                _Loop.tls[(host, port)] = "checking"
                address = getattr(upstream_writer, "govaudit_address", host)
                fut = asyncio.get_running_loop().run_in_executor(None, _verify_tls, host, address, port)
                fut.add_done_callback(lambda f, key=(host, port): _Loop.tls.__setitem__(
                    key, f.result() if not f.exception() else f"check failed: {f.exception()}"))
            if first:
                upstream_writer.write(first)
                await upstream_writer.drain()
        else:
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            kept = [line for line in lines[1:] if line and line.split(":", 1)[0].strip().lower() not in _HOP]
            request = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close", "", ""])
            upstream_writer.write(request.encode("latin-1"))
            await upstream_writer.drain()
        await asyncio.gather(_pipe(reader, upstream_writer), _pipe(up_reader, writer))
    except Exception:  # noqa: BLE001 - one broken connection never stops the proxy
        log.debug("proxy connection failed", exc_info=True)
    finally:
        for w in (writer, upstream_writer):
            if w is not None:
                with contextlib.suppress(Exception):
                    w.close()
