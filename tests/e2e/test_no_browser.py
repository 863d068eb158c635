"""`--no-browser`: nothing goes to Chromium, and what only a browser could judge is `not_measured`."""
from __future__ import annotations

import json

import pytest

from tests.e2e.jsaudit import MAIN_ID, WALLED_ID, Audit, audit_js_sites

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Audit:
    return audit_js_sites(tmp_path_factory.mktemp("nobrowser"), "--no-browser")


def test_no_page_rendered_and_no_browser_started(audit: Audit) -> None:
    assert audit.q("SELECT count(*) FROM page WHERE rendered") == [(0,)]
    for (stats,) in audit.q("SELECT stats FROM run"):
        browser = json.loads(stats)["browser"]
        assert not browser["enabled"] and browser["requests"] == 0
    assert not list(audit.out.glob("*/evidence/*"))


def test_script_lists_and_walls_marked_needs_render(audit: Audit) -> None:
    for path in ("/json-list/", "/xml-list/", "/dialog/", "/always/"):
        assert "needs_render" in audit.page(audit.main + path)["flags"], path
    for path in ("/static-list/", "/article-fetch.html"):
        assert "needs_render" not in audit.page(audit.main + path)["flags"], path
    gated = audit.page(audit.main + "/gated/")
    assert gated["status"] == 521 and {"js_challenge", "needs_render"} <= set(gated["flags"])
    # what only the wall's page links to was never seen
    assert audit.q("SELECT count(*) FROM page WHERE url = ?", audit.main + "/ua-gated/form.doc") == [(0,)]


def test_walls_are_not_reported_as_broken_links(audit: Audit) -> None:
    doc = audit.findings(MAIN_ID)
    broken = {f["subject"] for f in doc["findings"] if f["rule"] == "link.broken"}
    assert broken == {audit.main + "/gone.html"}  # the real 404 is still found
    for path in ("/browser-only.html", "/dropped.html"):  # resets: a browser would have to decide
        page = audit.page(audit.main + path)
        assert page["error"] == "reset" and "needs_render" in page["flags"], path
    rule = next(r for r in doc["rules"] if r["rule"] == "link.broken")
    assert "反爬虫" in rule["reason"]
    assert not any(f.get("screenshot") for f in doc["findings"])


def test_walled_homepage_is_not_measured(audit: Audit) -> None:
    doc = audit.findings(WALLED_ID)
    status = {r["rule"]: r["status"] for r in doc["rules"]}
    assert status["site.unreachable"] == "not_measured"
    assert status["link.broken"] == "not_measured"
    # Nothing about what the wall hid; only the host itself (loopback: no .gov.cn, no HTTPS) is judged.
    assert {f["rule"] for f in doc["findings"]} <= {"identity.domain", "security.no_https"}
