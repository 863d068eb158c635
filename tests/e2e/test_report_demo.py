"""The 自查报告 of the demo in Chromium (issue 22's acceptance): the first screen shows score, grade and
the first problems; the whole page with every screenshot loaded is at most a third of the old report's
height; every problem shows its 整改建议; axe-core finds nothing serious or critical; the page works
from the keyboard and prints its collapsed evidence; `report --format docx|pdf` writes the 自查表 with one
row per problem and its 整改对策, the PDF with selectable Chinese text, embedded fonts and every image;
findings.json, report.html, summary.xlsx, report.docx and report.pdf say the same.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli
from tests.e2e.report_outputs import (
    docx_problem_cells,
    from_docx,
    from_html,
    from_json,
    from_xlsx,
    pdf_fonts,
    pdf_images,
    pdf_text,
)

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SITE = "4213000001"
AS_OF = "2026-11-27"
# report.html of the demo on main at issue 22's branch point (0c9e072), measured as below with
# `bench/report_height.py out/4213000001/report.html` (1280×800, every image loaded): 22,593 px.
OLD_HEIGHT_PX = 22593
VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report-demo")
    out, db = tmp / "out", f"sqlite:///{tmp / 'demo.db'}"
    proc = run_cli("demo", "--db", db, "--out", str(out), "--as-of", AS_OF)
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc = run_cli("report", "--run", "1", "--db", db, "--out", str(out), "--format", "docx", "--format", "pdf")
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (out / SITE / "report.docx").is_file() and (out / SITE / "report.pdf").is_file()
    return out


@pytest.fixture(scope="module")
def doc(demo: Path) -> dict:
    return json.loads((demo / SITE / "findings.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from crawler.browser.launch import LAUNCH_ARGS, find_chromium

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=find_chromium(), headless=True, args=list(LAUNCH_ARGS))
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, demo: Path):
    page = browser.new_page(viewport=VIEWPORT)
    page.goto((demo / SITE / "report.html").as_uri(), wait_until="load")
    yield page
    page.close()


def _height(page, open_details: bool) -> int:
    sys.path.insert(0, str(ROOT / "bench"))
    from report_height import _LOAD_ALL_JS

    page.evaluate(_LOAD_ALL_JS)
    if open_details:
        page.evaluate("() => { for (const d of document.querySelectorAll('details')) d.open = true; }")
    return page.evaluate("() => Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)")


def test_first_screen_shows_score_grade_and_the_first_problems(page, doc: dict) -> None:
    def top(selector: str) -> list[float]:
        return page.eval_on_selector_all(selector, "els => els.map(e => e.getBoundingClientRect().bottom)")

    assert page.inner_text(".total") == "88.3" and doc["score"]["total"] == 88.3
    assert page.inner_text(".grade") == "合格"
    assert max(top(".total") + top(".grade")) < VIEWPORT["height"]
    visible = [b for b in top(".first-problems li") if b < VIEWPORT["height"]]
    assert len(visible) >= 3, visible  # the first problems, each linked to its card
    first = page.inner_text(".first-problems li:first-child")
    problem1 = page.inner_text("#p1 h4")
    assert "问题 1" in problem1 and first.split("：")[0].split(" ")[-1] in problem1


def test_whole_report_is_at_most_a_third_of_the_old_one(page) -> None:
    height = _height(page, open_details=False)
    opened = _height(page, open_details=True)
    print(f"\nreport.html of the demo: {height} px with every screenshot loaded, {opened} px with every "
          f"evidence table opened; before: {OLD_HEIGHT_PX} px; limit {OLD_HEIGHT_PX // 3} px")
    assert page.evaluate("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
    assert height <= OLD_HEIGHT_PX / 3
    assert opened <= OLD_HEIGHT_PX / 3


def test_every_problem_shows_its_advice_and_its_evidence(page, doc: dict) -> None:
    cards = page.eval_on_selector_all("article.problem", """els => els.map(e => ({
        rule: e.dataset.rule, subject: e.dataset.subject, advice: e.querySelector('.advice').innerText,
        img: e.querySelector('img') ? e.querySelector('img').getAttribute('src') : null,
        same: !!e.querySelector('figcaption a[href^="#p"]')}))""")
    assert len(cards) == len(doc["findings"]) == 12
    by = {(f["rule"], f["subject"]): f for f in doc["findings"]}
    for card in cards:
        f = by[(card["rule"], card["subject"])]
        assert f["advice"]["text"] in card["advice"] and "依据" in card["advice"]
        shown = (f.get("crop") or {}).get("path") or f.get("screenshot")
        assert card["img"] == shown or card["same"], card  # its own image, or "截图同 问题 N"
    # crops, not full pages: every element crop is small, and the full page is one link away
    crops = [f for f in doc["findings"] if f.get("crop", {}).get("kind") == "element"]
    assert len(crops) >= 7  # four broken links, the footer (×2), the wrong 网站标识码
    for f in crops:
        assert f["crop"]["box"][3] <= 640 and f["crop"]["path"] != f["screenshot"]
    assert page.locator("text=整页截图").count() >= 5
    assert page.eval_on_selector_all("article img", "els => els.every(i => i.loading === 'lazy')")


def test_axe_finds_nothing_serious_or_critical(page) -> None:
    from crawler.browser.session import axe_source

    page.add_script_tag(content=axe_source())
    violations = page.evaluate("""async () => (await axe.run(document)).violations
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length}))""")
    assert [v for v in violations if v["impact"] in ("serious", "critical")] == [], violations


def test_keyboard_reaches_the_problems_and_every_control(page) -> None:
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip"
    assert page.evaluate("() => document.activeElement.getBoundingClientRect().left >= 0")  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("() => location.hash") == "#problems"
    controls = page.evaluate("() => document.querySelectorAll('summary, a[href]:not(details:not([open]) a)').length")
    reached = set()
    for _ in range(controls + 5):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.tagName + ':' + (document.activeElement.closest('article') || {}).id"))
    summaries = page.eval_on_selector_all("article summary", "els => els.map(e => 'SUMMARY:' + e.closest('article').id)")
    assert set(summaries) <= reached  # each evidence table opens from the keyboard
    page.focus("#p1 summary")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.querySelector('#p1 details').open")


def test_print_shows_the_evidence_and_hides_the_navigation(page) -> None:
    closed = "() => document.querySelector('article details:not([open]) dl').checkVisibility()"
    assert not page.evaluate(closed)
    page.emulate_media(media="print")
    assert page.evaluate(closed)  # collapsed evidence is printed
    assert page.evaluate("() => getComputedStyle(document.querySelector('nav.toc')).display") == "none"


def test_docx_has_one_row_per_problem_with_its_measures(demo: Path, doc: dict) -> None:
    cells = docx_problem_cells(demo / SITE / "report.docx")
    assert len(cells) == len(doc["findings"])
    advice = sorted(f["advice"]["text"] for f in doc["findings"])
    assert sorted(measure.split("\n")[0] for _, measure in cells) == advice


def test_pdf_has_selectable_chinese_embedded_fonts_and_every_image(demo: Path, doc: dict) -> None:
    pdf = demo / SITE / "report.pdf"
    text = pdf_text(pdf)
    assert "网站标识码" in text and "整改对策" in text and "自查情况及问题整改对策" in text
    assert "88.3" in text and SITE in text
    numbers = sorted(int(n) for n in re.findall(r"问题 (\d+)［", text))
    assert numbers == list(range(1, len(doc["findings"]) + 1))
    fonts = pdf_fonts(pdf)
    assert fonts and all(emb == "yes" for _, emb in fonts) and any("WenQuanYi" in n for n, _ in fonts)
    with_image = sum(1 for f in doc["findings"] if (f.get("crop") or {}).get("path") or f.get("screenshot"))
    assert with_image == len(doc["findings"])
    assert pdf_images(pdf) == with_image  # every problem's thumbnail placed


def test_every_output_says_the_same(demo: Path) -> None:
    said = from_json(demo, SITE)
    assert from_html(demo, SITE).problems == said.problems and from_html(demo, SITE).total == said.total
    xlsx = from_xlsx(demo, SITE)
    assert (xlsx.total, xlsx.problems, xlsx.names) == (said.total, said.problems, said.names)
    docx = from_docx(demo, SITE)
    assert (docx.total, docx.names) == (said.total, said.names)
