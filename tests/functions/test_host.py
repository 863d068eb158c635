"""IPv6 and DNS facts: AAAA lookups (dnspython against a local name server), a real fetch over [::1],
no route from the auditing machine, refusals, and how function.no_ipv6 judges each."""
from __future__ import annotations

import socket
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from checks.runner import run_rules
from crawler.gatherers.functions.host import dns_resolver, probe_ipv6
from reports.scheme import load_scheme
from storage.facts.functions import HostInfoFact
from storage.facts.pages import SiteFact
from storage.snapshot import snapshot_from

SITE = "www.example.gov.cn"


class _V6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True


class _Handler(BaseHTTPRequestHandler):
    hosts: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        _Handler.hosts.append(self.headers.get("Host", ""))
        body = b"<html><body>IPv6 ok</body></html>"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def v6_port():
    if not socket.has_ipv6:
        pytest.skip("no IPv6 in this Python")
    try:
        server = _V6Server(("::1", 0), _Handler)
    except OSError as exc:
        pytest.skip(f"cannot bind [::1]: {exc}")
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _free_v6_port() -> int:
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::1", 0))
        return s.getsockname()[1]  # closed again: nothing listens there


def _judge(facts) -> object:  # noqa: ANN001
    snap = snapshot_from(SiteFact(id="x", name="x", url=f"http://{SITE}/"), date(2026, 11, 27),
                         f"http://{SITE}/", facts=frozenset({"pages", "links", "host"}),
                         host_facts=[HostInfoFact(**{k: tuple(v) if isinstance(v, list) else v
                                                     for k, v in facts.__dict__.items()})])
    return run_rules(snap, ["function.no_ipv6"], load_scheme("national-2019").params)["function.no_ipv6"]


def test_fetch_over_ipv6_reaches_the_site_by_name(v6_port: int) -> None:
    _Handler.hosts.clear()
    facts = probe_ipv6(f"http://{SITE}:{v6_port}/", resolver=lambda h: (["::1"], [], None), allow_private=True)
    assert facts.aaaa == ["::1"] and facts.ipv6_route is True and facts.ipv6_address == "::1"
    assert facts.ipv6_status == 200 and facts.ipv6_error is None
    assert _Handler.hosts == [f"{SITE}:{v6_port}"]  # the site's name in Host, the IPv6 address on the wire
    assert _judge(facts).status == "pass"


def test_ipv6_literal_homepage_needs_no_dns(v6_port: int) -> None:
    facts = probe_ipv6(f"http://[::1]:{v6_port}/", resolver=lambda h: pytest.fail("no DNS for a literal"),
                       allow_private=True)
    assert facts.ipv6_status == 200


def test_aaaa_but_nothing_answers_is_a_finding() -> None:
    facts = probe_ipv6(f"http://{SITE}:{_free_v6_port()}/", resolver=lambda h: (["::1"], [], None), allow_private=True,
                       timeout=5)
    assert facts.ipv6_status is None and facts.ipv6_error == "connect"
    result = _judge(facts)
    assert result.status == "fail" and result.findings[0].evidence["reason"] == "ipv6_fetch_failed"


def test_no_route_from_the_auditing_machine_is_not_measured(v6_port: int) -> None:
    facts = probe_ipv6(f"http://{SITE}:{v6_port}/", resolver=lambda h: (["2001:db8::1"], [], None),
                       route=lambda address: False)
    assert facts.ipv6_route is False and facts.ipv6_status is None
    assert _judge(facts).status == "not_measured"


def test_private_address_is_not_fetched_unless_allowed(v6_port: int) -> None:
    _Handler.hosts.clear()
    facts = probe_ipv6(f"http://{SITE}:{v6_port}/", resolver=lambda h: (["::1"], [], None))
    assert facts.ipv6_error == "refused_private" and _Handler.hosts == []
    assert _judge(facts).status == "not_measured"


def test_ipv4_literal_is_not_measured() -> None:
    facts = probe_ipv6("http://127.0.0.1:8080/", resolver=lambda h: pytest.fail("no DNS for a literal"))
    assert facts.dns_error == "ipv4_literal" and _judge(facts).status == "not_measured"


# -- dnspython against a name server on 127.0.0.1 -------------------------------------------------
ZONE = {"www.example.gov.cn.": ("AAAA", ["2001:db8::80"]), "v4only.example.gov.cn.": ("A", ["192.0.2.1"]),
        "www.cdn.example.gov.cn.": ("CNAME", ["site.jyh.example.gov.cn."]),
        "site.jyh.example.gov.cn.": ("AAAA", ["2001:db8::81"])}


@pytest.fixture(scope="module")
def name_server():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                data, peer = sock.recvfrom(4096)
            except TimeoutError:
                continue
            query = dns.message.from_wire(data)
            reply = dns.message.make_response(query)
            name = str(query.question[0].name).lower()
            qtype = dns.rdatatype.to_text(query.question[0].rdtype)
            if name not in ZONE:
                reply.set_rcode(dns.rcode.NXDOMAIN)
            while name in ZONE:
                kind, values = ZONE[name]
                if kind == "CNAME":
                    reply.answer.append(dns.rrset.from_text(name, 300, "IN", "CNAME", *values))
                    name = values[0]
                    continue
                if kind == qtype:
                    reply.answer.append(dns.rrset.from_text(name, 300, "IN", kind, *values))
                break
            sock.sendto(reply.to_wire(), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield sock.getsockname()[1]
    stop.set()
    thread.join(timeout=2)
    sock.close()


def test_dns_aaaa_cname_and_missing(name_server: int) -> None:
    resolve = dns_resolver(lifetime=3, nameservers=["127.0.0.1"], port=name_server)
    assert resolve("www.example.gov.cn") == (["2001:db8::80"], [], None)
    aaaa, cnames, err = resolve("www.cdn.example.gov.cn")
    assert aaaa == ["2001:db8::81"] and cnames == ["site.jyh.example.gov.cn"] and err is None
    assert resolve("v4only.example.gov.cn")[::2] == ([], "no_aaaa")
    assert resolve("gone.example.gov.cn")[2] == "nxdomain"
    facts = probe_ipv6("http://v4only.example.gov.cn/", resolver=resolve)
    result = _judge(facts)
    assert result.status == "fail" and result.findings[0].subject == "v4only.example.gov.cn"
