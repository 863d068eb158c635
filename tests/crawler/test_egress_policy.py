"""The egress policy (crawler/egress, README "Safety"): every address form, operator ranges, a private
site's own network, the pinned resolver (rebinding, fail closed), safe_fetch and session cookies."""
from __future__ import annotations

import http.server
import json
import threading

import pytest

from crawler.egress import (
    EgressPolicy,
    EgressRefused,
    LookupFailed,
    add_env_deny,
    embedded_ipv4,
    parse_address,
    parse_ranges,
    policy_for_site,
)
from crawler.egress import resolve as res
from crawler.egress.fetch import FetchError, cookie_header, domain_matches, safe_fetch

STRICT = EgressPolicy()


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GOVAUDIT_DENY", raising=False)
    monkeypatch.delenv(res.TEST_HOSTS_ENV, raising=False)
    res.forget()
    yield
    res.forget()


# --- address forms --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("literal", "address"), [
    ("127.0.0.1", "127.0.0.1"), ("2130706433", "127.0.0.1"), ("0177.0.0.1", "127.0.0.1"),
    ("0x7f.0.0.1", "127.0.0.1"), ("0x7f000001", "127.0.0.1"), ("127.1", "127.0.0.1"), ("0x7f.1", "127.0.0.1"),
    ("017700000001", "127.0.0.1"), ("10.0x1.0.07", "10.1.0.7"), ("[::1]", "::1"), ("fe80::1%eth0", "fe80::1"),
    ("169.254.169.254.", "169.254.169.254"),
])
def test_literals_in_every_form(literal: str, address: str) -> None:
    assert str(parse_address(literal)) == address


@pytest.mark.parametrize("name", ["example.gov.cn", "0x7g.1", "1.2.3.4.5", "256.1.1.1", "09.1.1.1", ""])
def test_names_are_not_addresses(name: str) -> None:
    assert parse_address(name) is None


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.255.0.9", "2130706433", "0177.0.0.1", "0x7f.1",  # loopback in v4 forms
    "10.0.0.5", "172.16.3.4", "192.168.1.1", "100.64.0.1", "192.0.2.1", "198.18.0.1",  # private, shared, test nets
    "::1", "fc00::1", "fd12:3456::1", "fd00:ec2::254", "fe80::1",  # v6 loopback, ULA (AWS metadata), link-local
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "::10.0.0.1",  # mapped, compatible
    "64:ff9b::7f00:1", "64:ff9b::a00:1", "64:ff9b:1::a00:1",  # NAT64 of loopback / private
    "2002:7f00:1::1", "2002:a00:1::",  # 6to4 of loopback / private
    "169.254.169.254", "::ffff:169.254.169.254", "0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255",
])
def test_inward_addresses_refused(address: str) -> None:
    assert STRICT.refusal(address) is not None
    assert not STRICT.allows(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "202.96.134.133", "2001:4860:4860::8888", "::ffff:8.8.8.8",
                                     "64:ff9b::808:808", "2002:808:808::1"])
def test_public_addresses_allowed(address: str) -> None:
    assert STRICT.refusal(address) is None


def test_transition_forms_carry_their_ipv4() -> None:
    assert str(embedded_ipv4(parse_address("64:ff9b::7f00:1"))) == "127.0.0.1"
    assert str(embedded_ipv4(parse_address("2002:a00:1::"))) == "10.0.0.1"
    assert str(embedded_ipv4(parse_address("::a.b.c.d".replace("a.b.c.d", "10.9.8.7")))) == "10.9.8.7"
    assert embedded_ipv4(parse_address("::1")) is None and embedded_ipv4(parse_address("2001:db8::1")) is None
    assert "carries 127.0.0.1" in STRICT.refusal("::ffff:127.0.0.1")


# --- operator ranges and the site's own network -------------------------------------------------------
def test_operator_ranges_win_over_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVAUDIT_DENY", "203.0.113.0/24")
    assert "denied range" in STRICT.refusal("203.0.113.9")
    assert "denied range" in EgressPolicy(allow_private=True, allow=("203.0.113.0/24",)).refusal("203.0.113.9")
    assert "denied range" in STRICT.refusal("::ffff:203.0.113.9")  # and in its IPv6 forms
    assert EgressPolicy(deny=("8.8.8.0/24",)).refusal("8.8.8.8") is not None
    assert STRICT.refusal("8.8.8.8") is None  # a planted-defect control: the public address itself passes


def test_metadata_range_always_denied() -> None:
    assert EgressPolicy(allow_private=True).refusal("169.254.169.254") is not None
    assert EgressPolicy(allow=("169.254.0.0/16",)).refusal("169.254.169.254") is not None
    assert EgressPolicy(allow_private=True).refusal("10.1.2.3") is None  # --allow-private still works


def test_add_env_deny_validates_and_merges(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOVAUDIT_DENY", "10.0.0.0/8")
    add_env_deny(["192.168.0.0/16", "10.0.0.0/8"])
    import os

    assert os.environ["GOVAUDIT_DENY"] == "10.0.0.0/8,192.168.0.0/16"
    with pytest.raises(ValueError, match="not-a-range"):
        add_env_deny(["not-a-range"])
    assert parse_ranges("10.0.0.1, fd00::/8") == parse_ranges(["10.0.0.1/32", "fd00::/8"])


def test_private_site_unlocks_only_its_own_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(res.TEST_HOSTS_ENV, json.dumps({"intra.gov.test": "10.20.30.40"}))
    policy = policy_for_site("http://intra.gov.test/")
    assert policy.allow == ("10.20.30.0/24",)
    assert policy.allows("10.20.30.99")
    for other in ("10.20.31.1", "192.168.0.1", "127.0.0.1", "::1", "169.254.169.254", "fe80::1"):
        assert not policy.allows(other), other
    declared = policy_for_site("http://intra.gov.test/", network=["10.20.0.0/16"])
    assert declared.allows("10.20.99.1") and not declared.allows("10.21.0.1")


def test_loopback_site_unlocks_loopback_only_for_itself() -> None:
    policy = policy_for_site("http://127.0.0.2:8080/")
    assert policy.allows("127.0.0.3") and not policy.allows("10.0.0.1") and not policy.allows("169.254.169.254")
    assert policy_for_site("http://8.8.8.8/").allow == ()  # a public site unlocks nothing


# --- the pinned resolver ---------------------------------------------------------------------------------
def test_rebinding_name_is_pinned_to_its_first_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(res.TEST_HOSTS_ENV, json.dumps({"rebind.test": {"answers": [["93.184.215.14"], ["127.0.0.9"]]}}))
    assert res.lookup_unpinned("rebind.test") == ("93.184.215.14",)
    assert res.lookup_unpinned("rebind.test") == ("127.0.0.9",)  # the name rebinds …
    res.forget()
    assert res.resolve("rebind.test") == ["93.184.215.14"]
    assert res.resolve("rebind.test") == ["93.184.215.14"]  # … but a process keeps its first answer
    assert STRICT.check_host("rebind.test") == ["93.184.215.14"]


def test_name_resolving_inward_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(res.TEST_HOSTS_ENV, json.dumps({"inward.test": "127.0.0.9",
                                                      "mixed.test": ["93.184.215.14", "10.0.0.1"]}))
    with pytest.raises(EgressRefused, match="loopback"):
        STRICT.check_host("inward.test")
    with pytest.raises(EgressRefused, match="private"):
        STRICT.check_host("mixed.test")  # one inward answer is enough


def test_failed_lookup_fails_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(res.TEST_HOSTS_ENV, json.dumps({"gone.test": []}))
    with pytest.raises(LookupFailed):
        STRICT.check_host("gone.test")
    from crawler.egress.twisted import allowed_for_connection

    assert allowed_for_connection("gone.test") == []  # the downloader gets no address to connect


def test_downloader_resolver_drops_denied_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.egress.twisted import allowed_for_connection

    monkeypatch.setenv("GOVAUDIT_DENY", "127.0.0.9/32")
    monkeypatch.setenv(res.TEST_HOSTS_ENV, json.dumps({"a.test": ["127.0.0.9", "127.0.0.8"], "m.test": "169.254.169.254"}))
    assert allowed_for_connection("a.test") == ["127.0.0.8"]
    assert allowed_for_connection("m.test") == []


# --- safe_fetch --------------------------------------------------------------------------------------------
class _Handler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802
        type(self).hits.append(f"{self.server.server_address[0]} {self.path} {self.headers.get('Cookie')}")
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", self.path.split("to=", 1)[1])
            self.end_headers()
            return
        body = b"x" * (100_000 if self.path == "/big" else 10)
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def servers():  # noqa: ANN201
    _Handler.hits = []
    made = [http.server.ThreadingHTTPServer((host, 0), _Handler) for host in ("127.0.0.2", "127.0.0.3")]
    for s in made:
        threading.Thread(target=s.serve_forever, daemon=True).start()
    yield made
    for s in made:
        s.shutdown()
        s.server_close()


def test_safe_fetch_rechecks_redirects(servers) -> None:  # noqa: ANN001
    site, intranet = servers
    site_url = f"http://127.0.0.2:{site.server_port}"
    intra = f"http://127.0.0.3:{intranet.server_port}/secret"
    policy = EgressPolicy(allow=("127.0.0.2/32",))
    assert safe_fetch(f"{site_url}/ok", policy).status == 200
    with pytest.raises(FetchError) as err:
        safe_fetch(f"{site_url}/redirect?to={intra}", policy)
    assert err.value.kind == "refused"
    assert not any(h.startswith("127.0.0.3") for h in _Handler.hits)
    # the negative control: with a policy that allows it, the same redirect is followed
    got = safe_fetch(f"{site_url}/redirect?to={intra}", EgressPolicy(allow=("127.0.0.0/24",)))
    assert got.status == 200 and got.redirects and got.url == intra


def test_safe_fetch_caps_size_and_schemes(servers) -> None:  # noqa: ANN001
    site, _ = servers
    url = f"http://127.0.0.2:{site.server_port}"
    policy = EgressPolicy(allow=("127.0.0.2/32",))
    got = safe_fetch(f"{url}/big", policy, max_bytes=1000)
    assert got.truncated and len(got.body) == 1000
    with pytest.raises(FetchError, match="larger"):
        safe_fetch(f"{url}/big", policy, max_bytes=1000, truncate=False)
    with pytest.raises(FetchError) as err:
        safe_fetch(f"{url}/redirect?to=file:///etc/passwd", policy)
    assert err.value.kind == "refused"
    with pytest.raises(FetchError) as err:
        safe_fetch(f"{url}/ok")  # STRICT by default: loopback refused
    assert err.value.kind == "refused"


def test_headers_computed_per_hop(servers) -> None:  # noqa: ANN001
    site, other = servers
    policy = EgressPolicy(allow=("127.0.0.0/24",))
    target = f"http://127.0.0.3:{other.server_port}/landing"

    def headers(url: str) -> dict:
        return {"Cookie": "sid=1"} if url.startswith("http://127.0.0.2") else {}

    safe_fetch(f"http://127.0.0.2:{site.server_port}/redirect?to={target}", policy, headers=headers)
    assert any(h.endswith("sid=1") for h in _Handler.hits if h.startswith("127.0.0.2"))
    assert all(h.endswith("None") for h in _Handler.hits if h.startswith("127.0.0.3"))


# --- session cookies ----------------------------------------------------------------------------------------
def test_cookie_domain_matching() -> None:
    assert domain_matches("mp.weixin.qq.com", ".qq.com") and domain_matches("qq.com", "qq.com")
    assert not domain_matches("evilqq.com", "qq.com") and not domain_matches("qq.com.evil.cn", "qq.com")
    assert not domain_matches("1.2.3.4", "2.3.4")
    jar = [{"name": "wap_sid2", "value": "s", "domain": ".qq.com", "path": "/"},
           {"name": "other", "value": "o", "domain": "example.com", "path": "/"},
           {"name": "deep", "value": "d", "domain": ".qq.com", "path": "/mp"}]
    real = ("mp.weixin.qq.com",)
    assert cookie_header(jar, "https://mp.weixin.qq.com/mp/profile_ext", real) == "wap_sid2=s; deep=d"
    assert cookie_header(jar, "https://mp.weixin.qq.com/s", real) == "wap_sid2=s"
    assert cookie_header(jar, "http://mp.weixin.qq.com/mp/x", real) == ""  # never in clear
    assert cookie_header(jar, "https://mirror.example.cn/mp/x", real) == ""  # never to a mirror
    assert cookie_header(jar, "https://mp.weixin.qq.com.evil.cn/mp/x", real) == ""


# --- the operator's interface: --deny, sites.yaml deny:/network:, GOVAUDIT_DENY ---------------------------
def test_registry_deny_and_network_validated(tmp_path) -> None:  # noqa: ANN001
    from govaudit.registry import RegistryError, load_registry

    good = tmp_path / "good.yaml"
    good.write_text('deny: [10.0.0.0/8, "fd00::/8"]\nsites:\n  - {id: "1", name: x, url: "http://10.1.2.3/", '
                    'network: 10.1.0.0/16}\n', encoding="utf-8")
    reg = load_registry(good)
    assert reg.deny == ["10.0.0.0/8", "fd00::/8"] and reg.sites[0].network == ["10.1.0.0/16"]
    bad = tmp_path / "bad.yaml"
    bad.write_text('sites:\n  - {id: "1", name: x, url: "http://10.1.2.3/"}\ndeny: [10.0.0.0/33]\n', encoding="utf-8")
    with pytest.raises(RegistryError, match=r"bad.yaml:3.*10\.0\.0\.0/33"):
        load_registry(bad)


def test_bad_deny_exits_2(cli, tmp_path) -> None:  # noqa: ANN001
    sites = tmp_path / "sites.yaml"
    sites.write_text('sites:\n  - {id: "1", name: x, url: "http://127.0.0.2/"}\n', encoding="utf-8")
    res = cli("audit", "--sites", str(sites), "--db", f"sqlite:///{tmp_path / 'g.db'}", "--deny", "300.1.1.1/8",
              "--no-browser")
    assert res.returncode == 2 and "300.1.1.1/8" in res.stderr
    assert not (tmp_path / "g.db").exists()  # nothing written
    res = cli("audit", "--sites", str(sites), "--db", f"sqlite:///{tmp_path / 'g.db'}", "--no-browser",
              env={"GOVAUDIT_DENY": "nonsense"})
    assert res.returncode == 2 and "GOVAUDIT_DENY" in res.stderr
