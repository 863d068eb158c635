"""Availability probes (`govaudit probe`) and the HTTPS check of a homepage host — plain asyncio, no browser.

One probe is one timed GET of a homepage, redirects followed: DNS, TCP connect, TLS handshake,
first byte and the full document, or the class of the error that stopped it (dns, connect, tls,
timeout, reset, protocol). Probes record facts only; whether a sample "failed" is the scheme's
call (availability.timeout_s) when the history is judged. Every site is probed concurrently, and
the samples of one round are written in one short transaction, so overlapping cron runs only add
rows (each sample is a real measurement) and never leave half a round behind.
"""
from __future__ import annotations

import asyncio
import re
import socket
import ssl
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit, urlunsplit

from crawler.egress import STRICT, EgressPolicy, policy_for_site
from crawler.page import _CHALLENGE as CHALLENGE  # the wall markers the spider flags, read the same way
from storage.vocabulary import canonical

REDIRECTS = {301, 302, 303, 307, 308}
MAX_REDIRECTS = 10
READ_CAP = 8 * 1024 * 1024  # a homepage larger than this is loaded enough to count as open
DEFAULT_TIMEOUT_S = 30.0  # wait longer than the scheme's 15 s, so the rule sees how slow a slow site is
USER_AGENT = "govaudit-probe/0.1 (+https://github.com/govaudit/govaudit; availability monitor)"


class ProbeError(Exception):
    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail)
        self.error = error


@dataclass
class ProbeRecord:
    """One availability sample (stored as storage.models.Probe)."""

    site_id: str
    url: str
    started_at: datetime
    timeout_s: float
    final_url: str | None = None
    status: int | None = None
    error: str | None = None
    error_detail: str | None = None
    dns_ms: float | None = None
    connect_ms: float | None = None
    tls_ms: float | None = None
    first_byte_ms: float | None = None
    total_ms: float | None = None
    size: int | None = None
    redirects: int = 0
    flags: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # of the last answer, not stored

    def row(self) -> dict:
        out = asdict(self)
        out.pop("headers")
        return out


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 1)


def _context(verify: bool, cafile: str | None = None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=cafile)  # cafile: a private CA instead of the system's (tests)
    if not verify:  # availability asks "does it open", not "is the certificate right" (security.no_https does)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


async def _connect(host: str, port: int, tls: ssl.SSLContext | None, rec: ProbeRecord | None,
                   policy: EgressPolicy | None = None) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, ssl.SSLObject | None]:
    """Resolve, check every answer against the egress policy (the addresses connected are the addresses
    checked; default: the host's own policy, i.e. operator ranges and the metadata range refused), connect
    and (for https) handshake, timing each stage into `rec` when given."""
    loop = asyncio.get_running_loop()
    t = time.perf_counter()
    try:
        infos = await loop.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ProbeError("dns", f"{type(exc).__name__}: {exc}") from None
    if policy is None:
        policy = await loop.run_in_executor(None, policy_for_site, f"http://{host}/")
    for info in infos:
        reason = policy.refusal(info[4][0])
        if reason is not None:
            raise ProbeError("refused_private", f"{host}: {reason}")
    if rec is not None and rec.dns_ms is None:
        rec.dns_ms = _ms(t)
    t = time.perf_counter()
    sock = None
    last: OSError | None = None
    for family, type_, proto, _, addr in infos:
        s = socket.socket(family, type_, proto)
        s.setblocking(False)
        try:
            await loop.sock_connect(s, addr)
            sock = s
            break
        except OSError as exc:
            s.close()
            last = exc
    if sock is None:
        raise ProbeError("connect", f"{type(last).__name__}: {last}")
    if rec is not None and rec.connect_ms is None:
        rec.connect_ms = _ms(t)
    t = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(sock=sock, ssl=tls,
                                                       server_hostname=host.strip("[]") if tls else None)
    except ssl.SSLError as exc:
        sock.close()
        raise ProbeError("tls", f"{type(exc).__name__}: {exc}") from exc
    except (ConnectionError, OSError) as exc:
        sock.close()
        raise ProbeError("tls" if tls else "reset", f"{type(exc).__name__}: {exc}") from None
    if tls is not None and rec is not None and rec.tls_ms is None:
        rec.tls_ms = _ms(t)
    return reader, writer, writer.get_extra_info("ssl_object") if tls else None


async def _get(url: str, rec: ProbeRecord, started: float, verify: bool, user_agent: str,
               policy: EgressPolicy | None = None) -> bytes:
    """One GET (no redirect following); fills status, headers, first byte; returns the body (capped)."""
    parts = urlsplit(url)
    https = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if https else 80)
    reader, writer, _ = await _connect(host, port, _context(verify) if https else None, rec, policy)
    try:
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        host_header = parts.netloc.rsplit("@", 1)[-1]
        writer.write((f"GET {target} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: {user_agent}\r\n"
                      "Accept: text/html,application/xhtml+xml,*/*;q=0.8\r\nAccept-Encoding: identity\r\n"
                      "Connection: close\r\n\r\n").encode("latin-1"))
        await writer.drain()
        try:
            first = await reader.read(1)
            if not first:
                raise ProbeError("reset", "the server closed the connection without answering")
            if rec.first_byte_ms is None:
                rec.first_byte_ms = _ms(started)
            head = first + await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError:
            raise ProbeError("reset", "the connection closed inside the response headers") from None
        except asyncio.LimitOverrunError:
            raise ProbeError("protocol", "response headers too long") from None
        lines = head.decode("latin-1").split("\r\n")
        match = re.match(r"HTTP/\d(?:\.\d)?\s+(\d{3})", lines[0])
        if not match:
            raise ProbeError("protocol", f"not an HTTP answer: {lines[0][:80]!r}")
        rec.status = int(match.group(1))
        rec.headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                rec.headers[k.strip().lower()] = v.strip()
        length = rec.headers.get("content-length")
        body = b""
        if rec.status in REDIRECTS and rec.headers.get("location"):
            return body
        try:
            if length and length.isdigit() and "chunked" not in rec.headers.get("transfer-encoding", ""):
                body = await reader.readexactly(min(int(length), READ_CAP))
            else:
                while len(body) < READ_CAP:
                    chunk = await reader.read(65536)
                    if not chunk:
                        break
                    body += chunk
        except asyncio.IncompleteReadError:
            raise ProbeError("reset", "the connection closed inside the body") from None
        except (ConnectionError, ssl.SSLError) as exc:
            raise ProbeError("reset", f"{type(exc).__name__}: {exc}") from None
        return body
    except (ConnectionError, BrokenPipeError) as exc:
        raise ProbeError("reset", f"{type(exc).__name__}: {exc}") from None
    finally:
        writer.close()


async def fetch(url: str, site_id: str = "", timeout_s: float = DEFAULT_TIMEOUT_S, verify: bool = False,
                user_agent: str = USER_AGENT, allow_private: bool | None = None) -> ProbeRecord:
    """Load `url` (redirects followed) within `timeout_s`; never raises, the error class is in the record.

    Redirects into private, loopback or link-local addresses are refused (`refused_private`) unless
    `allow_private`, which defaults to whether `url` itself lives in such a range (CONTRACT.md §3).
    """
    rec = ProbeRecord(site_id=site_id, url=url, started_at=datetime.now(timezone.utc), timeout_s=timeout_s)
    started = time.perf_counter()

    async def load() -> None:
        current, seen = url, {url}
        # The homepage itself on its own policy (its own network, never an operator range); its redirects on
        # the same, or on the strict policy when the caller says the site is public (allow_private=False).
        own = (EgressPolicy(allow_private=True) if allow_private else
               await asyncio.get_running_loop().run_in_executor(None, policy_for_site, url))
        onward = STRICT if allow_private is False else own
        while True:
            body = await _get(current, rec, started, verify, user_agent, own if current == url else onward)
            location = rec.headers.get("location")
            if rec.status in REDIRECTS and location:
                nxt = canonical(urljoin(current, location))
                if nxt is None:
                    raise ProbeError("protocol", f"redirect to a non-http(s) location {location!r}")
                rec.redirects += 1
                if nxt in seen:
                    raise ProbeError("redirect_loop", f"{current} → {nxt} was already visited")
                if rec.redirects > MAX_REDIRECTS:
                    raise ProbeError("too_many_redirects", f"more than {MAX_REDIRECTS} redirects")
                seen.add(nxt)
                current = nxt
                continue
            rec.final_url = current
            rec.size = len(body)
            if CHALLENGE.search(body[:20000].decode("utf-8", "ignore")):
                rec.flags.append("js_challenge")
            return

    try:
        await asyncio.wait_for(load(), timeout_s)
    except TimeoutError:
        rec.error, rec.error_detail = "timeout", f"not loaded after {timeout_s:g} s"
        rec.status = None
    except ProbeError as exc:
        rec.error, rec.error_detail = exc.error, str(exc)[:500]
    except (OSError, ssl.SSLError, ValueError) as exc:  # anything else the network threw: kept, classed "other"
        rec.error, rec.error_detail = "other", f"{type(exc).__name__}: {exc}"[:500]
    rec.total_ms = _ms(started)
    return rec


async def probe_all(targets: list[tuple[str, str]], timeout_s: float = DEFAULT_TIMEOUT_S,
                    concurrency: int = 64, user_agent: str = USER_AGENT,
                    canaries: list[str] = ()) -> list[ProbeRecord]:
    """One sample of each (site id, homepage URL), concurrently; with `canaries` (URLs of sites that
    are always up, fetched in the same round and not stored), a round in which every canary failed
    at the network level is the monitor's own outage (`mark_offline`)."""
    gate = asyncio.Semaphore(concurrency)

    async def one(site_id: str, url: str) -> ProbeRecord:
        async with gate:
            return await fetch(url, site_id, timeout_s, user_agent=user_agent)

    checks = await asyncio.gather(*(one(s, u) for s, u in targets), *(one("", u) for u in canaries))
    records, canary_records = list(checks[:len(targets)]), list(checks[len(targets):])
    mark_round(records)
    mark_offline(records, canary_records)
    return records


# A round in which every one of at least this many sites failed at the network level says more about
# the monitoring machine's own network than about the sites.
ROUND_MIN_SITES = 3
NETWORK_ERRORS = {"dns", "connect", "timeout"}


def mark_round(records: list[ProbeRecord]) -> None:
    """Flag every sample of a round whose sites all failed at the network level (`all_sites_failed`)."""
    if len(records) >= ROUND_MIN_SITES and all(r.error in NETWORK_ERRORS for r in records):
        for r in records:
            r.flags.append("all_sites_failed")


def mark_offline(records: list[ProbeRecord], canaries: list[ProbeRecord]) -> None:
    """When every canary of the round failed at the network level, flag the round's failed samples
    `monitor_offline` (not counted: the monitoring machine could not reach anything); samples that
    loaded still count. Without canaries nothing is flagged."""
    if canaries and all(c.error in NETWORK_ERRORS for c in canaries):
        detail = "; ".join(f"{c.url}: {c.error}" for c in canaries)[:300]
        for r in records:
            if r.error is not None:
                r.flags.append("monitor_offline")
                r.error_detail = f"{r.error_detail or ''} [canaries failed too: {detail}]"[:500]


# --- HTTPS of the homepage host (security.no_https) -----------------------------------------------

def https_targets(homepage: str, https_url: str | None = None) -> tuple[str, str | None]:
    """The HTTPS address to check and the plain-HTTP address whose redirect to HTTPS is checked.

    The HTTP address is only known when the HTTPS one uses the default port (else None: not measured).
    """
    parts = urlsplit(homepage)
    path = parts.path or "/"
    if https_url is None:
        https_url = homepage if parts.scheme == "https" else urlunsplit(("https", parts.hostname or "", path,
                                                                         parts.query, ""))
    hs = urlsplit(https_url)
    if parts.scheme == "http" and (hs.port in (None, 443) or parts.port not in (None, 80)):
        http_url = homepage
    elif hs.port in (None, 443):
        http_url = urlunsplit(("http", hs.hostname or "", hs.path or "/", hs.query, ""))
    else:
        http_url = None
    return https_url, http_url


async def check_tls(homepage: str, https_url: str | None = None, timeout_s: float = 15.0,
                    user_agent: str = USER_AGENT, cafile: str | None = None) -> dict:
    """Facts for a TlsCheck row: handshake, certificate (validity, names, dates), HTTP→HTTPS redirect."""
    https_url, http_url = https_targets(homepage, https_url)
    parts = urlsplit(https_url)
    host = parts.hostname or ""
    out: dict = {"host": host, "https_url": https_url, "http_url": http_url, "handshake_ok": False,
                 "cert_names": []}
    port = parts.port or 443
    try:
        reader, writer, _ = await asyncio.wait_for(_connect(host, port, _context(True, cafile), None), timeout_s)
        writer.close()
        out["cert_verified"] = True
    except ProbeError as exc:
        if isinstance(exc.__cause__, ssl.SSLCertVerificationError):
            cause = exc.__cause__
            out["cert_verified"] = False
            out["verify_error"] = f"{cause.verify_code}: {cause.verify_message}"
        elif exc.error != "tls":
            out["error"], out["error_detail"] = exc.error, str(exc)[:500]
    except TimeoutError:
        out["error"], out["error_detail"] = "timeout", f"no TLS handshake within {timeout_s:g} s"
    if out.get("error") is None:
        try:
            reader, writer, sslobj = await asyncio.wait_for(_connect(host, port, _context(False), None), timeout_s)
            der = sslobj.getpeercert(binary_form=True) if sslobj else None
            writer.close()
            out["handshake_ok"] = True
            if der:
                out.update(_certificate(der, host))
        except ProbeError as exc:
            out["error"], out["error_detail"] = exc.error, str(exc)[:500]
            out.pop("cert_verified", None)
            out.pop("verify_error", None)
        except TimeoutError:
            out["error"], out["error_detail"] = "timeout", f"no TLS handshake within {timeout_s:g} s"
    if out["handshake_ok"]:
        page = await fetch(https_url, timeout_s=timeout_s, user_agent=user_agent)
        out["https_status"] = page.status
        if page.error and not out.get("error"):
            out["error_detail"] = f"HTTPS answered with an error: {page.error}: {page.error_detail}"
    if http_url:
        plain = await fetch(http_url, timeout_s=timeout_s, user_agent=user_agent)
        out["http_status"], out["http_final_url"], out["http_error"] = plain.status, plain.final_url, plain.error
    return out


def _certificate(der: bytes, host: str) -> dict:
    from cryptography import x509
    from cryptography.x509.oid import ExtensionOID, NameOID

    cert = x509.load_der_x509_certificate(der)
    names: list[str] = []
    try:
        san = cert.extensions.get_extension_for_oid(ExtensionOID.SUBJECT_ALTERNATIVE_NAME).value
        names = [*san.get_values_for_type(x509.DNSName), *(str(ip) for ip in san.get_values_for_type(x509.IPAddress))]
    except x509.ExtensionNotFound:
        cns = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        names = [str(cns[0].value)] if cns else []
    return {
        "cert_subject": cert.subject.rfc4514_string()[:500], "cert_issuer": cert.issuer.rfc4514_string()[:500],
        "cert_names": names[:50], "not_before": cert.not_valid_before_utc.date(),
        "not_after": cert.not_valid_after_utc.date(), "self_signed": cert.issuer == cert.subject,
        "host_match": host_matches(host, names),
    }


def host_matches(host: str, names: list[str]) -> bool:
    """RFC 6125 matching: exact, or one left-most wildcard label (*.example.gov.cn)."""
    host = host.lower().strip("[]").rstrip(".")
    for name in names:
        name = name.lower().rstrip(".")
        if name == host:
            return True
        if name.startswith("*.") and "." in host and host.split(".", 1)[1] == name[2:]:
            return True
    return False
