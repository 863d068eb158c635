"""Evidence crops (crawler/gatherers/evidence.py): the crop geometry, the plan, and real crops in Chromium —
a broken link's anchor, a wrong word, the footer — each boxed in red, next to look-alikes that are not."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from crawler.gatherers.evidence import (
    CROP_MARGIN,
    CROP_MAX_HEIGHT,
    CROP_MIN,
    capture,
    crop_box,
    evidence_name,
    plan_captures,
)
from demo.server import FixtureServer, Route
from storage.facts.evidence import EvidenceShotFact


def test_crop_adds_a_margin_and_a_minimum_size_around_the_centre() -> None:
    x, y, w, h = crop_box((600, 1000, 100, 20), 1280, 3000)
    assert (w, h) == CROP_MIN
    assert x <= 600 - CROP_MARGIN and x + w >= 700 + CROP_MARGIN and y <= 1000 - CROP_MARGIN and y + h >= 1020 + CROP_MARGIN
    assert abs((x + w / 2) - 650) <= 1 and abs((y + h / 2) - 1010) <= 1


def test_crop_stays_inside_the_page_and_shows_a_tall_element_from_its_top() -> None:
    assert crop_box((0, 0, 30, 10), 1280, 900)[:2] == (0, 0)  # pushed in from the corner, still full size
    x, y, w, h = crop_box((1250, 880, 30, 10), 1280, 900)
    assert x + w == 1280 and y + h == 900 and (w, h) == CROP_MIN
    assert crop_box((0, 100, 1280, 2000), 1280, 4000) == (0, 100 - CROP_MARGIN, 1280, CROP_MAX_HEIGHT)
    assert crop_box((10, 10, 100, 50), 300, 120) == (0, 0, 300, 120)  # a page smaller than a crop: the page


def test_plan_marks_links_and_keeps_terms_per_page() -> None:
    fetched = {"http://a.gov.cn/", "http://a.gov.cn/x.html"}
    plan = plan_captures(1, Path("/tmp"), fetched, [
        ("http://a.gov.cn/gone.html", "http://a.gov.cn/", ["href:http://a.gov.cn/gone.html"]),
        ("psb", "http://a.gov.cn/", ["region:footer"]),
        ("zhaocuo", "http://a.gov.cn/", ["region:footer"]),
        ("http://a.gov.cn/x.html", "http://a.gov.cn/x.html", ["text:载止", "region:screen"]),
        ("http://b.gov.cn/", "http://b.gov.cn/", []),  # not fetched by the run: never loaded
    ])
    assert plan.marks == {"http://a.gov.cn/": {"http://a.gov.cn/gone.html"}, "http://a.gov.cn/x.html": set()}
    assert plan.terms == {"http://a.gov.cn/": ["href:http://a.gov.cn/gone.html", "region:footer"],
                          "http://a.gov.cn/x.html": ["text:载止"]}
    assert evidence_name("http://a.gov.cn/") != evidence_name("http://a.gov.cn/", "region:footer")


_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>示例</title>
<style>body{margin:0;font:16px sans-serif} .gap{height:900px} .footer{background:#eee;padding:20px;text-align:center}</style>
</head><body><h1>示例县人民政府</h1><p><a href="/ok.html">正常链接</a></p><div class="gap"></div>
<p>通知：报名载止时间为十二月一日。另一段正常文字。</p><p><a href="/gone.html">已失效的链接</a></p>
<p style="visibility:hidden">隐藏的载止</p><div class="gap"></div>
<div class="footer"><p>主办：示例县人民政府办公室</p><p>网站标识码：4213000099</p></div></body></html>"""


def _red(path: Path) -> int:
    with Image.open(path) as img:
        return sum(1 for r, g, b in img.convert("RGB").get_flattened_data() if r > 200 and g < 70 and b < 70)


@pytest.mark.browser
def test_capture_crops_each_located_term_and_boxes_only_its_own(tmp_path: Path) -> None:
    with FixtureServer({"/": Route(body=_PAGE.encode("utf-8")), "/ok.html": Route(body=b"ok")}) as site:
        home = site.base_url + "/"
        gone = site.base_url + "/gone.html"
        plan = plan_captures(7, tmp_path, {home}, [
            (gone, home, [f"href:{gone}"]),
            ("http://x/typo", home, ["text:载止"]),
            ("psb", home, ["region:footer"]),
            ("http://x/missing", home, ["text:并不存在的字", "region:footer"]),
        ])
        plan.terms[home].append(f"href:{site.base_url}/nowhere.html")  # a link the page does not have
        rows = capture([plan])
    facts = [r.fact for r in rows]
    assert all(isinstance(f, EvidenceShotFact) and r.run_id == 7 for r, f in zip(rows, facts, strict=True))
    kinds = {f.kind: f for f in facts if f.kind != "element"}
    assert set(kinds) == {"page", "screen"} and kinds["screen"].box == (0, 0, 1280, 800)
    crops = {f.marks[0]: f for f in facts if f.kind == "element"}
    assert set(crops) == {f"href:{gone}", "text:载止", "region:footer"}  # absent terms: no crop
    link, word, footer = crops[f"href:{gone}"], crops["text:载止"], crops["region:footer"]
    assert 900 < link.box[1] < 1100 and (link.box[2], link.box[3]) == CROP_MIN  # the anchor, below the first screen
    assert word.box[1] < link.box[1]  # the visible 载止, not the hidden one further down
    assert footer.box[1] > 1800
    for f in (link, word, footer, *kinds.values()):
        assert f.path.startswith("evidence/") and (tmp_path / f.path.removeprefix("evidence/")).is_file()
        with Image.open(tmp_path / f.path.removeprefix("evidence/")) as img:
            assert img.size == ((1280, 800) if f.kind == "screen" else tuple(f.box[2:])) or f.kind == "page"
    def shot(f: EvidenceShotFact) -> Path:
        return tmp_path / f.path.removeprefix("evidence/")

    assert _red(shot(link)) > 100 and _red(shot(word)) > 100  # the anchor outlined, the word boxed
    assert _red(shot(footer)) < 20  # the footer crop does not carry another finding's box
    assert _red(shot(kinds["page"])) > 200  # the full page shows every mark
