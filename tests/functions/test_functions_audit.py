"""The function rules end to end: five fixture sites audited through the CLI, with a browser and without.

Exact (rule, subject) findings of the function and 集约化 rules per site (tests/functions/sites.py),
none on the good twins; with `--no-browser` the rules that need the browser are `not_measured`.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.functions import sites as S

AS_OF = "2026-11-27"
RULES = ("function.", "intensive.")
BROWSER_RULES = {"function.not_mobile", "function.accessibility"}


@pytest.fixture(scope="module")
def fn_sites():
    sites = S.build_sites()
    S.start(sites)
    yield {s.site_id: s for s in sites}
    S.stop(sites)


def _audit(fn_sites: dict, tmp: Path, *extra: str) -> dict[str, dict]:
    from tests.conftest import run_cli

    (tmp / "sites.yaml").write_text(S.sites_yaml(list(fn_sites.values())), encoding="utf-8")
    res = run_cli("audit", "--sites", str(tmp / "sites.yaml"), "--db", f"sqlite:///{tmp / 'db.sqlite'}",
                  "--out", str(tmp / "out"), "--as-of", AS_OF, *extra)
    assert res.returncode == 0, res.stderr[-3000:]
    return {sid: json.loads((tmp / "out" / sid / "findings.json").read_text(encoding="utf-8")) for sid in fn_sites}


def _ours(doc: dict, skip: set[str] = frozenset()) -> set[tuple[str, str]]:
    return {(f["rule"], f["subject"]) for f in doc["findings"] if f["rule"].startswith(RULES) and f["rule"] not in skip}


def _status(doc: dict) -> dict[str, str]:
    return {r["rule"]: r["status"] for r in doc["rules"]}


@pytest.fixture(scope="module")
def with_browser(fn_sites, tmp_path_factory) -> tuple[dict, Path]:
    tmp = tmp_path_factory.mktemp("fn-browser")
    return _audit(fn_sites, tmp), tmp


@pytest.fixture(scope="module")
def without_browser(fn_sites, tmp_path_factory) -> dict:
    return _audit(fn_sites, tmp_path_factory.mktemp("fn-plain"), "--no-browser")


@pytest.mark.slow
@pytest.mark.browser
def test_exact_findings_with_browser(fn_sites, with_browser) -> None:
    docs, _ = with_browser
    for sid, site in fn_sites.items():
        assert _ours(docs[sid], skip={"function.accessibility"}) == site.expected_findings(), sid
    # axe: every sampled page of the violating site has a finding, the clean sites none
    bad = [f for f in docs["fn-empty"]["findings"] if f["rule"] == "function.accessibility"]
    assert fn_sites["fn-empty"].base + "/" in {f["subject"] for f in bad} and len(bad) >= 2
    for f in bad:
        rules = {v["rule"] for v in f["evidence"]["violations"]}
        assert {"image-alt", "label", "color-contrast"} <= rules
        assert all(v["impact"] in ("serious", "critical") for v in f["evidence"]["violations"])
    alt = next(v for v in bad[0]["evidence"]["violations"] if v["rule"] == "image-alt")
    assert alt["gbt37668"] and "5.1.1" in alt["gbt37668"][0]
    for sid in ("fn-good", "fn-error", "fn-nosearch", "fn-js"):
        assert _status(docs[sid])["function.accessibility"] == "pass", sid
        assert _status(docs[sid])["function.not_mobile"] == "pass", sid
    assert _status(docs["fn-js"])["function.search_broken"] == "pass"  # found once the script ran
    assert _status(docs["fn-good"])["intensive.platform"] == "pass"
    assert _status(docs["fn-good"])["function.guide_incomplete"] == "pass"
    assert _status(docs["fn-error"])["function.guide_incomplete"] == "not_applicable"
    for doc in docs.values():  # loopback fixtures: an IPv4 literal has no AAAA to look up
        assert _status(doc)["function.no_ipv6"] == "not_measured"


@pytest.mark.slow
@pytest.mark.browser
def test_evidence_and_screenshots(fn_sites, with_browser) -> None:
    docs, tmp = with_browser
    by = {(f["rule"], f["subject"]): f for doc in docs.values() for f in doc["findings"]}
    empty, error = fn_sites["fn-empty"], fn_sites["fn-error"]
    miss = by[("function.search_broken", empty.base + "/")]
    assert miss["evidence"]["reason"] == "not_found" and miss["evidence"]["query"] == S.NEWEST[1]
    assert miss["evidence"]["query_source"] == empty.base + S.NEWEST[0] and "/search?q=" in miss["evidence"]["results_url"]
    assert miss["screenshot"] == "evidence/search.png"
    assert (tmp / "out" / "fn-empty" / miss["screenshot"]).stat().st_size > 1000
    err = by[("function.search_broken", error.base + "/")]
    assert err["evidence"]["reason"] == "error" and err["evidence"]["status"] == 500
    none = by[("function.search_broken", fn_sites["fn-nosearch"].base + "/")]
    assert none["evidence"]["reason"] == "no_search"
    mobile = by[("function.not_mobile", empty.base + "/")]
    assert set(mobile["evidence"]["problems"]) == {"no_viewport", "overflow", "small_text"}
    assert mobile["evidence"]["scroll_width"] >= 1200 and mobile["screenshot"] == "evidence/mobile-home.png"
    assert (tmp / "out" / "fn-empty" / "evidence" / "mobile-home.png").exists()
    guide = by[("function.guide_incomplete", empty.base + "/bsfw/zn2.html")]
    assert guide["evidence"]["missing"] == ["办理机构", "收费标准", "办理时间", "联系电话", "办理流程"]
    plat = by[("intensive.platform", empty.base + "/")]
    assert plat["evidence"]["problems"] == ["not_on_platform"]


@pytest.mark.slow
def test_no_browser_reports_not_measured(fn_sites, without_browser) -> None:
    docs = without_browser
    for sid, site in fn_sites.items():
        st = _status(docs[sid])
        assert st["function.not_mobile"] == "not_measured" and st["function.accessibility"] == "not_measured", sid
        expected = {x for x in site.expected_findings() if x[0] not in BROWSER_RULES}
        assert _ours(docs[sid]) == expected, sid
    # results filled in by script cannot be judged over plain HTTP: neither a pass nor a finding
    js = _status(docs["fn-js"])["function.search_broken"]
    assert js == "not_measured"
    reason = next(r["reason"] for r in docs["fn-js"]["rules"] if r["rule"] == "function.search_broken")
    assert "needs_browser" in reason


@pytest.mark.slow
@pytest.mark.browser
def test_rejudging_offline_reads_the_stored_facts(fn_sites, with_browser) -> None:
    from tests.conftest import run_cli

    docs, tmp = with_browser
    doc = docs["fn-empty"]
    before = {s.site_id: s.server.requests for s in fn_sites.values()}
    res = run_cli("check", "--run", str(doc["run"]["id"]), "--db", f"sqlite:///{tmp / 'db.sqlite'}",
                  "--out", str(tmp / "again"))
    assert res.returncode == 0, res.stderr[-2000:]
    again = json.loads((tmp / "again" / "fn-empty" / "findings.json").read_text(encoding="utf-8"))
    assert _ours(again) == _ours(doc) and _status(again) == _status(doc)
    assert {s.site_id: s.server.requests for s in fn_sites.values()} == before  # nothing fetched


@pytest.mark.slow
def test_browser_that_cannot_start_leaves_browser_rules_not_measured(fn_sites, tmp_path: Path) -> None:
    from tests.conftest import run_cli

    good = {"fn-good": fn_sites["fn-good"]}
    (tmp_path / "sites.yaml").write_text(S.sites_yaml(list(good.values())), encoding="utf-8")
    res = run_cli("audit", "--sites", str(tmp_path / "sites.yaml"), "--db", f"sqlite:///{tmp_path / 'db.sqlite'}",
                  "--out", str(tmp_path / "out"), "--as-of", AS_OF, env={"GOVAUDIT_CHROMIUM": str(tmp_path / "none")})
    assert res.returncode == 0, res.stderr[-2000:]
    doc = json.loads((tmp_path / "out" / "fn-good" / "findings.json").read_text(encoding="utf-8"))
    rules = {r["rule"]: r for r in doc["rules"]}
    for rule in BROWSER_RULES:
        assert rules[rule]["status"] == "not_measured" and "GOVAUDIT_CHROMIUM" in rules[rule]["reason"], rules[rule]
    assert rules["function.search_broken"]["status"] == "pass"  # found over plain HTTP, no screenshot
    assert _ours(doc) == set()
