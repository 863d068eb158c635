"""End to end in Debian's Chromium: JS lists, anti-bot walls, a hanging page, a dialog, screenshots.

One audit of two fixture sites (tests/crawler/jssite.py) in one process — which also proves the
two crawlers share one browser — then the stored facts and the reports are checked.
"""
from __future__ import annotations

import json

import pytest

from tests.crawler import jssite
from tests.e2e.jsaudit import MAIN_ID, WALLED_ID, Audit, assert_not_blank, audit_js_sites

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> Audit:
    return audit_js_sites(tmp_path_factory.mktemp("browser"))


def test_both_runs_complete_with_one_browser(audit: Audit) -> None:
    runs = audit.q("SELECT site_id, state, stats FROM run ORDER BY id")
    assert [(s, st) for s, st, _ in runs] == [(MAIN_ID, "complete"), (WALLED_ID, "complete")]
    for _, _, stats in runs:
        browser = json.loads(stats)["browser"]
        assert browser["enabled"] and browser["rendered"] >= 1


def test_fetch_json_list_items_reach_storage(audit: Audit) -> None:
    page = audit.page(audit.main + "/json-list/")
    assert page["rendered"] and page["reason"] == "js_list"
    for title in jssite.JSON_TITLES:
        assert title in page["html"]
    for i in (1, 2, 3):  # the items' links were followed from the rendered DOM
        assert audit.page(f"{audit.main}/json-list/a{i}.html")["status"] == 200


def test_xml_data_proxy_list_items_reach_storage(audit: Audit) -> None:
    page = audit.page(audit.main + "/xml-list/")
    assert page["rendered"] and page["reason"] == "js_list"
    for title in jssite.XML_TITLES:
        assert title in page["html"]
    assert audit.page(audit.main + "/xml-list/b3.html")["status"] == 200


def test_configured_column_is_rendered(audit: Audit) -> None:
    page = audit.page(audit.main + "/always/")
    assert page["rendered"] and page["reason"] == "column_render_always"
    assert all(t in page["html"] for t in jssite.ALWAYS_TITLES)


def test_look_alikes_stay_plain(audit: Audit) -> None:
    for path in ("/static-list/", "/article-fetch.html", "/news/n1.html", "/json-list/a1.html"):
        assert not audit.page(audit.main + path)["rendered"], path


def test_homepage_rendered_once_with_timings_and_screenshot(audit: Audit) -> None:
    page = audit.page(audit.main + "/")
    assert page["rendered"] and page["reason"] == "homepage"
    assert 'data-ga-rendered="1"' in page["html"]
    (stats,) = audit.q("SELECT stats FROM run WHERE site_id = ?", MAIN_ID)[0]
    home = json.loads(stats)["browser"]["homepage"]
    assert home["timings"]["load_ms"] > 0 and home["hidden_links"] == 0
    assert home["screenshot"] == "evidence/homepage-run1.jpg"
    assert_not_blank(audit.out / MAIN_ID / home["screenshot"])


def test_entry_wall_412_passed_and_cookie_reused(audit: Audit) -> None:
    page = audit.page(audit.main + "/walled/")
    assert page["rendered"] and page["reason"] == "antibot_wall" and page["status"] == 200
    assert "wall_passed" in page["flags"] and "js_challenge" not in page["flags"]
    assert "公开目录一" in page["html"]


def test_cookie_on_every_request_wall(audit: Audit) -> None:
    gated = audit.page(audit.main + "/gated/")
    assert gated["rendered"] and gated["status"] == 200 and "wall_passed" in gated["flags"]
    for i in (1, 2, 3):  # found behind the wall, fetched plainly with the browser's cookie
        item = audit.page(f"{audit.main}/gated/g{i}.html")
        assert item["status"] == 200 and not item["rendered"]


def test_wall_that_refuses_cookie_reuse_costs_a_render_per_page(audit: Audit) -> None:
    for path in ("/ua-gated/", "/ua-gated/u1.html", "/ua-gated/u2.html"):
        page = audit.page(audit.main + path)
        assert page["rendered"] and page["status"] == 200 and page["reason"] == "antibot_wall", path
    (stats,) = audit.q("SELECT stats FROM run WHERE site_id = ?", MAIN_ID)[0]
    assert json.loads(stats)["browser"]["walls_after_cookies"] >= 1
    form = audit.page(audit.main + "/ua-gated/form.doc")  # a checked attachment: HEAD 202 → GET wall → browser
    assert not form["crawled"] and form["rendered"] and form["status"] == 200 and "wall_passed" in form["flags"]


def test_links_behind_walls_not_broken_but_missing_page_is(audit: Audit) -> None:
    doc = audit.findings(MAIN_ID)
    broken = {f["subject"] for f in doc["findings"] if f["rule"] == "link.broken"}
    assert broken == {audit.main + "/gone.html", audit.main + "/gated/missing.html", audit.main + "/dropped.html"}
    assert audit.page(audit.main + "/gated/missing.html")["status"] == 404
    walled = audit.findings(WALLED_ID)
    assert {f["subject"] for f in walled["findings"] if f["rule"] == "link.broken"} == {audit.walled + "/missing.html"}
    status = {r["rule"]: r["status"] for r in walled["rules"]}
    assert status["site.unreachable"] == "pass"


def test_reset_retried_in_the_browser(audit: Audit) -> None:
    survey = audit.page(audit.main + "/browser-only.html")  # drops plain clients, serves browsers
    assert survey["rendered"] and survey["reason"] == "plain_error" and survey["status"] == 200
    assert "plain_reset" in survey["flags"] and "网上调查" in survey["html"]
    dropped = audit.page(audit.main + "/dropped.html")  # drops everyone: failed in the browser too
    assert dropped["error"] == "reset" and "render_failed" in dropped["flags"] and not dropped["rendered"]


def test_hanging_page_costs_one_page(audit: Audit) -> None:
    page = audit.page(audit.main + "/hang/")
    assert not page["rendered"] and page["status"] == 200
    assert {"render_failed", "needs_render"} <= set(page["flags"])
    (stats,) = audit.q("SELECT stats FROM run WHERE site_id = ?", MAIN_ID)[0]
    assert json.loads(stats)["browser"]["failed"] == 2  # the hanging page and /dropped.html


def test_dialog_page_is_rendered(audit: Audit) -> None:
    page = audit.page(audit.main + "/dialog/")
    assert page["rendered"] and all(t in page["html"] for t in jssite.DIALOG_TITLES)
    assert audit.page(audit.main + "/dialog/d1.html")["status"] == 200


def test_every_finding_page_has_a_screenshot(audit: Audit) -> None:
    import jsonschema

    from tests.conftest import ROOT

    schema = json.loads((ROOT / "reports" / "schema" / "findings.schema.json").read_text(encoding="utf-8"))
    for site_id in (MAIN_ID, WALLED_ID):
        doc = audit.findings(site_id)
        jsonschema.validate(doc, schema)
        assert doc["findings"]
        for f in doc["findings"]:
            assert f.get("screenshot", "").startswith("evidence/"), f
            assert_not_blank(audit.out / site_id / f["screenshot"])
        html = (audit.out / site_id / "report.html").read_text(encoding="utf-8")
        assert '<img src="evidence/' in html
    gated = next(f for f in audit.findings(MAIN_ID)["findings"] if f["subject"].endswith("/gated/missing.html"))
    home = next(f for f in audit.findings(MAIN_ID)["findings"] if f["subject"].endswith("/gone.html"))
    assert gated["screenshot"] != home["screenshot"]  # one file per page, not per run


def test_rejudged_run_keeps_its_screenshots_and_reports_elsewhere_take_them(audit: Audit, tmp_path) -> None:
    from tests.conftest import run_cli

    proc = run_cli("check", "--run", "1", "--db", f"sqlite:///{audit.db}", "--out", str(tmp_path),
                   "--scheme", str(audit.db.parent / "scheme.yaml"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads((tmp_path / MAIN_ID / "findings.json").read_text(encoding="utf-8"))
    assert doc["findings"] and all(f.get("screenshot") for f in doc["findings"])
    for f in doc["findings"]:
        assert_not_blank(tmp_path / MAIN_ID / f["screenshot"])


def test_broken_link_outlined_in_its_screenshot(audit: Audit) -> None:
    from PIL import Image

    def outline_pixels(path) -> int:  # the #e00 outline; the pages' own red (#a00 headings) is darker
        with Image.open(path) as img:
            return sum(1 for r, g, b in img.convert("RGB").get_flattened_data() if r > 210 and g < 60 and b < 60)

    home = next(f for f in audit.findings(MAIN_ID)["findings"] if f["subject"].endswith("/gone.html"))
    assert outline_pixels(audit.out / MAIN_ID / home["screenshot"]) > 100
    assert outline_pixels(audit.out / MAIN_ID / "evidence" / "homepage-run1.jpg") < 20  # same page, unmarked
