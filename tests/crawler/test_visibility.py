"""The rendered-DOM link collector in real Chromium: computed style sees what static reading cannot
(an external stylesheet), and its facts drive content.hidden_link like the static ones."""
from __future__ import annotations

from datetime import date

import pytest

from checks.runner import run_rules
from crawler.browser.launch import LAUNCH_ARGS, find_chromium
from crawler.browser.visibility import LINK_VISIBILITY_JS, visibility_records
from demo.server import FixtureServer, Route
from reports.scheme import load_scheme
from storage.facts.pages import LinkFact, PageFact, SiteFact
from storage.snapshot import snapshot_from

CSS = ".ad{display:none}.off{position:absolute;left:-5000px}.tabs .pane{display:none}"
PAGE = """<html><head><link rel="stylesheet" href="/s.css"></head><body style="background:#fff">
<p>示例县人民政府</p>
<div class="ad"><a href="{ext}/casino.html">澳门新葡京娱乐城</a></div>
<div class="off"><a href="{ext}/shop.html">精品商城</a></div>
<div class="tabs"><div class="pane"><a href="{ext}/partner.html">合作单位</a></div></div>
<a href="{ext}/visible.html">看得见的外链</a>
<a href="/internal.html" style="display:none">内部链接</a>
</body></html>"""


@pytest.mark.browser
def test_collector_reads_computed_style() -> None:
    from playwright.sync_api import sync_playwright

    with FixtureServer({"/s.css": Route(body=CSS.encode(), content_type="text/css")}) as site:
        ext = "http://127.0.0.2:9"  # never fetched: only the link's host matters
        html = PAGE.format(ext=ext)
        site.add("/", Route(body=html.encode()))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=find_chromium(), args=list(LAUNCH_ARGS))
            try:
                page = browser.new_page()
                page.goto(site.base_url + "/")
                raw = page.evaluate(LINK_VISIBILITY_JS)
            finally:
                browser.close()
        home = site.base_url + "/"
    by_href = {r["href"].rsplit("/", 1)[1]: r for r in raw}
    assert set(by_href) == {"casino.html", "shop.html", "partner.html", "visible.html"}  # outside links only
    assert by_href["casino.html"]["hidden"] == "display:none"
    assert "移出屏幕" in by_href["shop.html"]["hidden"]
    assert by_href["visible.html"]["hidden"] == ""
    records = list(visibility_records(7, home, raw))
    assert {r.run_id for r in records} == {7}
    facts = [r.fact for r in records]  # what the crawl stores is what the rule reads
    snap = snapshot_from(SiteFact("4213000001", "示例", home), date(2026, 11, 27), home, [PageFact(url=home)],
                         links=[LinkFact(home, f"{ext}/casino.html")], bodies={home: html},
                         facts=frozenset({"pages", "links", "link_visibility"}), link_visibility=facts)
    result = run_rules(snap, ["content.hidden_link"], load_scheme("national-2019").params)["content.hidden_link"]
    # the spam link (display:none via the external sheet) and the off-screen one; the tab pane is not a 暗链
    assert sorted(ln["href"].rsplit("/", 1)[1] for ln in result.findings[0].evidence["links"]) == \
        ["casino.html", "shop.html"]
    assert {ln["source"] for ln in result.findings[0].evidence["links"]} == {"rendered"}
