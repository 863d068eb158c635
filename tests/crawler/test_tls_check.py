"""The HTTPS check against local TLS servers (certificates made in the test) and the rule judging it."""
from __future__ import annotations

import asyncio
from datetime import date
from pathlib import Path

import pytest

from checks.base import Status
from checks.runner import run_rules
from crawler.gatherers.probe import check_tls, host_matches, https_targets
from demo.server import FixtureServer, Route, redirect
from reports.scheme import load_scheme
from storage.facts.tls import TlsFact
from tests.checks.snapshots import build
from tests.crawler.tlsfixture import TlsServer, make_cert


def judge(facts: dict, homepage: str) -> tuple[Status, list[str]]:
    snap = build({"homepage": homepage, "tls": [], "as_of": date.today().isoformat()})
    snap.tls = [TlsFact(**{**facts, "cert_names": tuple(facts.get("cert_names", ()))})]
    result = run_rules(snap, ["security.no_https"], load_scheme("national-2019").params)["security.no_https"]
    return result.status, (result.findings[0].evidence["problems"] if result.findings else [])


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    d = tmp_path_factory.mktemp("certs")
    ca_crt, _, ca_cert, ca_key = make_cert(d, "ca", [], days=(-1, 365), is_ca=True)
    return {
        "ca": ca_crt,
        "good": make_cert(d, "good", ["127.0.0.1"], ca=(ca_cert, ca_key))[:2],
        "self": make_cert(d, "self", ["127.0.0.1"])[:2],
        "wrong_host": make_cert(d, "wrong", ["www.example.gov.cn"], ca=(ca_cert, ca_key))[:2],
        "expired": make_cert(d, "expired", ["127.0.0.1"], days=(-60, -2), ca=(ca_cert, ca_key))[:2],
    }


@pytest.fixture(scope="module")
def plain() -> FixtureServer:
    with FixtureServer({"/": Route(body=b"<html><title>x</title></html>")}) as server:
        yield server


def tls_facts(cert_pair: tuple[Path, Path], ca: Path, http_home: str | None = None, redirect_to_https: bool = False
              ) -> tuple[dict, str]:
    with TlsServer(*cert_pair) as server:
        if http_home is None:
            home = server.url
        else:
            home = http_home
        if redirect_to_https:
            with FixtureServer({"/": redirect(server.url, 302)}) as http:
                facts = asyncio.run(check_tls(http.base_url + "/", server.url, timeout_s=5, cafile=str(ca)))
                return facts, http.base_url + "/"
        return asyncio.run(check_tls(home, server.url, timeout_s=5, cafile=str(ca))), home


def test_valid_certificate_and_redirect_pass(certs: dict) -> None:  # the negative twin of every problem
    facts, home = tls_facts(certs["good"], certs["ca"], http_home="", redirect_to_https=True)
    assert facts["handshake_ok"] and facts["cert_verified"] and facts["host_match"]
    assert facts["http_final_url"].startswith("https://")
    assert judge(facts, home) == (Status.PASS, [])


def test_self_signed(certs: dict) -> None:
    facts, home = tls_facts(certs["self"], certs["ca"])
    assert facts["self_signed"] is True and facts["cert_verified"] is False
    assert facts["verify_error"].startswith("18:")
    assert judge(facts, home) == (Status.FAIL, ["cert_untrusted"])


def test_wrong_host_name(certs: dict) -> None:
    facts, home = tls_facts(certs["wrong_host"], certs["ca"])
    assert facts["host_match"] is False and facts["cert_names"] == ["www.example.gov.cn"]
    assert judge(facts, home) == (Status.FAIL, ["host_mismatch"])


def test_expired(certs: dict) -> None:
    facts, home = tls_facts(certs["expired"], certs["ca"])
    assert facts["not_after"] < date.today()
    assert judge(facts, home) == (Status.FAIL, ["cert_expired"])


def test_no_https_and_http_not_redirected(plain: FixtureServer) -> None:
    # HTTPS "port" is the plain HTTP server: the handshake fails; HTTP answers without redirecting.
    home = plain.base_url + "/"
    facts = asyncio.run(check_tls(home, f"https://127.0.0.1:{plain.port}/", timeout_s=5))
    assert facts["handshake_ok"] is False and facts["error"] == "tls"
    assert facts["http_status"] == 200
    assert judge(facts, home) == (Status.FAIL, ["no_https", "http_not_redirected"])


def test_nothing_listening_is_not_measured() -> None:
    facts = asyncio.run(check_tls("http://127.0.0.1:9/", "https://127.0.0.1:9/", timeout_s=2))
    assert facts["error"] == "connect"
    assert judge(facts, "http://127.0.0.1:9/")[0] == Status.NOT_MEASURED


def test_targets_and_host_matching() -> None:
    assert https_targets("http://www.a.gov.cn/") == ("https://www.a.gov.cn/", "http://www.a.gov.cn/")
    assert https_targets("https://www.a.gov.cn/x/") == ("https://www.a.gov.cn/x/", "http://www.a.gov.cn/x/")
    assert https_targets("https://www.a.gov.cn:8443/") == ("https://www.a.gov.cn:8443/", None)
    assert host_matches("www.a.gov.cn", ["*.a.gov.cn"]) and not host_matches("a.gov.cn", ["*.a.gov.cn"])
    assert not host_matches("x.www.a.gov.cn", ["*.a.gov.cn"]) and host_matches("127.0.0.1", ["127.0.0.1"])
