"""The revalidation pass of incremental re-audits (crawler/reuse.py) under the one egress policy: it connects
to the address the policy checked (the pinned answer, crawler/egress/aio.py), never to a later answer of
the name, and a name with an inward answer is refused before any request is made."""
from __future__ import annotations

import hashlib
import json

import pytest

from crawler.egress import EgressPolicy, policy_for_site
from crawler.egress import resolve as res
from crawler.reuse import KnownPage, revalidate
from demo.server import FixtureServer, Route

BODY = "<html><head><meta charset='utf-8'><title>首页</title></head><body>首页</body></html>".encode()


@pytest.fixture(autouse=True)
def _clean(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(res.TEST_HOSTS_ENV, raising=False)
    res.forget()
    yield
    res.forget()


@pytest.fixture
def server():  # noqa: ANN201
    s = FixtureServer({"/": Route(body=BODY)}, host="127.0.0.1", validators=True).start()
    yield s
    s.stop()


def _known(url: str) -> KnownPage:
    etag = '"' + hashlib.sha1(BODY).hexdigest()[:16] + '"'
    return KnownPage(url, url, 0, hashlib.sha1(BODY).hexdigest(), etag, "Mon, 30 Nov 2026 00:00:00 GMT", 200)


def test_the_pass_connects_to_the_pinned_checked_address(server, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    # The name answers the site's loopback address first, then an address the policy refuses (rebinding).
    monkeypatch.setenv(res.TEST_HOSTS_ENV, json.dumps({"www.site.test": {"answers": [["127.0.0.1"], ["10.9.9.9"]]}}))
    url = f"http://www.site.test:{server.port}/"
    policy = policy_for_site(url)  # pins 127.0.0.1 and unlocks the site's own /24
    assert policy.allow
    report = revalidate([_known(url), _known(url)], allow_private=False, user_agent="govaudit-test",
                        timeout_s=10, egress=policy)
    assert [r.reason for r in report.results] == [None, None]
    assert report.unchanged and report.not_modified == 2  # both answered 304 by the server on 127.0.0.1
    kinds = [k for k, _ in server.log]  # (the fixture logs a 304 as "GET" and "GET 304")
    assert kinds.count("GET") == 2 and kinds.count("GET 304") == 2


def test_a_name_with_an_inward_answer_is_refused_before_any_request(server, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    monkeypatch.setenv(res.TEST_HOSTS_ENV, json.dumps({"inward.site.test": "127.0.0.1"}))
    url = f"http://inward.site.test:{server.port}/"
    report = revalidate([_known(url)], allow_private=False, user_agent="govaudit-test", timeout_s=10,
                        egress=EgressPolicy())  # a public site's policy: loopback is refused
    assert [r.reason for r in report.results] == ["refused_private"] and not report.unchanged
    assert server.log == []
