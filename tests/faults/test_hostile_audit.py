"""Hostile sites in a browser and in one whole audit (issue 21, helper hostile): a page that blocks its main
thread after `load`, a walled page rendered by the functions browser (the `@cache`), a trickled feed, 1 MB of
CSS, deep nesting, link-check caps and a run deadline — the audit ends within its deadline, each run's state
is right and every other site of the same audit completes with its reports. Each case beside its twin."""
from __future__ import annotations

import contextlib
import json
import time
from pathlib import Path

import pytest
import yaml

from crawler.egress import policy_for_site
from demo.server import FixtureServer
from storage.session import session_scope
from tests.conftest import pg_database, run_cli
from tests.faults import server as faults

pytestmark = pytest.mark.slow

CALL_S = 3.0  # GOVAUDIT_BROWSER_CALL_S in these tests
RENDER_S = 12.0  # GOVAUDIT_RENDER_DEADLINE


@pytest.fixture(scope="module")
def site():  # noqa: ANN201
    with FixtureServer(faults.routes()) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(site: FixtureServer):  # noqa: ANN201
    import os

    from crawler.browser.session import BrowserSession

    os.environ["GOVAUDIT_BROWSER_CALL_S"] = str(CALL_S)
    try:
        with BrowserSession(timeout_s=5) as session:
            session.egress = policy_for_site(site.base_url + "/")
            yield session
    finally:
        os.environ.pop("GOVAUDIT_BROWSER_CALL_S", None)


def test_blocked_main_thread_render_ends_within_its_deadline(browser, site: FixtureServer) -> None:  # noqa: ANN001
    started = time.monotonic()
    got = browser.mobile(f"{site.base_url}/blocked/", None)
    took = time.monotonic() - started
    assert "error" in got and "no answer within" in got["error"], got
    assert took < 5 + 4 * CALL_S, f"{took:.1f} s"


def test_twin_page_with_a_harmless_timer_renders(browser, site: FixtureServer) -> None:  # noqa: ANN001
    got = browser.mobile(f"{site.base_url}/twin/", None)
    assert "error" not in got and got["viewport_width"] == 375, got


def test_walled_page_renders_once_the_wall_lets_the_browser_through(browser, site: FixtureServer) -> None:  # noqa: ANN001
    # before the fix, `@cache` kept the challenge HTML of the first look: every walled site failed here
    got = browser.mobile(f"{site.base_url}/walled/", None)
    assert "error" not in got, got


# --- one audit of every hostile site ------------------------------------------------------------------
SITES = {  # id → (path, extra registry keys)
    "blocked": ("/blocked/", {}),
    "twin": ("/twin/", {}),
    "deep": ("/deep/", {}),
    "deeper": ("/deeper/", {}),
    "css": ("/css/", {}),
    "links": ("/links/", {}),
    "fewlinks": ("/few-links/", {}),
    "slow": ("/slow/", {"run_deadline_s": 6, "render": "never"}),
}
CAP = 40  # links.max_checks_per_page in the test scheme


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def audited(request: pytest.FixtureRequest, site: FixtureServer, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    tmp = tmp_path_factory.mktemp("hostile")
    with contextlib.ExitStack() as stack:
        db = f"sqlite:///{tmp / 'a.db'}" if request.param == "sqlite" else stack.enter_context(pg_database())
        yield _audit(site, tmp, db)


def _audit(site: FixtureServer, tmp: Path, db: str) -> dict:
    with FixtureServer(faults.ext_routes(), host="127.0.0.2") as ext:
        for path, route in faults.routes(ext.base_url).items():  # the link pages point at the outside host
            site.add(path, route)
        entries = []
        for sid, (path, extra) in SITES.items():
            entry = {"id": sid, "name": f"{sid}测试站", "url": site.base_url + path, **extra}
            if sid == "twin":
                entry["accounts"] = [{"platform": "rss", "handle": f"{site.base_url}/feed/trickle.xml", "name": "慢源"},
                                     {"platform": "rss", "handle": f"{site.base_url}/feed/ok.xml", "name": "快源"}]
            entries.append(entry)
        (tmp / "sites.yaml").write_text(yaml.safe_dump({"sites": entries}, allow_unicode=True), encoding="utf-8")
        (tmp / "scheme.yaml").write_text(yaml.safe_dump({
            "id": "hostile", "name": "test", "extends": "national-2019",
            "params": {"availability.timeout_s": 3, "links.max_checks_per_page": CAP}}), encoding="utf-8")
        started = time.monotonic()
        proc = run_cli("audit", "--sites", str(tmp / "sites.yaml"), "--db", db, "--out", str(tmp / "out"),
                       "--scheme", str(tmp / "scheme.yaml"), "--allow-private",
                       env={"GOVAUDIT_BROWSER_CALL_S": str(CALL_S), "GOVAUDIT_RENDER_DEADLINE": str(RENDER_S),
                            "GOVAUDIT_CRAWL_WORKERS": "1"}, timeout=600)
        took = time.monotonic() - started
        ext_log = list(ext.log)
    return {"proc": proc, "took": took, "out": tmp / "out", "db": db, "ext_log": ext_log}


def _runs(db: str) -> dict[str, dict]:
    from storage.models.run import Run

    with session_scope(db) as s:
        return {run.site_id: {"state": run.state, "pages": run.pages, "stats": run.stats or {}}
                for run in s.query(Run).all()}


def test_the_audit_finishes_within_its_deadline(audited: dict) -> None:
    assert audited["proc"].returncode in (0, 130), audited["proc"].stderr[-3000:]
    assert audited["took"] < 420, f"{audited['took']:.0f} s"


def test_every_site_has_its_reports(audited: dict) -> None:
    for sid in SITES:
        assert (audited["out"] / sid / "findings.json").is_file(), sid
        assert (audited["out"] / sid / "report.html").is_file(), sid


def test_run_states(audited: dict) -> None:
    runs = _runs(audited["db"])
    # the blocked page's render hit its deadline: the plain download is kept, the run completes
    assert "the render did not finish" in json.dumps(runs["blocked"]["stats"]["browser"]["homepage"])
    assert runs["slow"]["state"] == "interrupted" and runs["slow"]["stats"]["close_reason"] == "run_deadline"
    assert 0 < runs["slow"]["pages"] < faults.SLOW_PAGES
    for sid in SITES:
        if sid != "slow":
            assert runs[sid]["state"] == "complete", (sid, runs[sid])


def _doc(audited: dict, sid: str) -> dict:
    return json.loads((audited["out"] / sid / "findings.json").read_text(encoding="utf-8"))


def _rule(doc: dict, rule: str) -> dict:
    return next(r for r in doc["rules"] if r["rule"] == rule)


def test_spam_after_deep_nesting_found_and_cut_page_not_measured(audited: dict) -> None:
    assert _rule(_doc(audited, "deep"), "content.spam_injection")["status"] == "fail"
    # Chromium's parser flattens past 512 levels, so the rendered DOM keeps the spam: found, or — where the
    # stored body is cut by libxml2 — not measured; never a pass (test_hostile_input has the cut case)
    assert _rule(_doc(audited, "deeper"), "content.spam_injection")["status"] in ("fail", "not_measured")
    for twin in ("twin", "css"):
        assert _rule(_doc(audited, twin), "content.spam_injection")["status"] == "pass"


def test_link_checks_capped_per_page_with_the_cut_counted(audited: dict) -> None:
    checked = {path for _, path in audited["ext_log"] if path.startswith("/t")}
    assert len(checked) == CAP, len(checked)
    assert {f"/f{i}.html" for i in range(5)} <= {path for _, path in audited["ext_log"]}  # the twin: all checked
    runs = _runs(audited["db"])
    assert runs["links"]["stats"]["checks_capped"]["page"] == faults.LINKS - CAP
    assert runs["fewlinks"]["stats"]["checks_capped"] == {"page": 0, "host": 0, "run": 0}
    rule = _rule(_doc(audited, "links"), "link.broken")
    assert f"{faults.LINKS - CAP} 个链接目标未检测" in (rule["reason"] or "")


def test_trickled_feed_is_a_timeout_and_its_twin_is_read(audited: dict) -> None:
    doc = _doc(audited, "twin")
    by_name = {a["registered_name"]: a for a in doc["accounts"]}
    assert "timeout" in json.dumps(by_name["慢源"], ensure_ascii=False)
    assert "timeout" not in json.dumps(by_name["快源"], ensure_ascii=False)
