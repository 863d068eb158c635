"""Optional checks against ../shared/realdata (skipped when absent; the files are never copied into the project)."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from crawler.extractors.columns.kinds import column_type
from crawler.extractors.columns.listing import is_column_url, read_list
from crawler.page import parse_html

_ROOT = Path(__file__).resolve().parents[2]
# ../shared beside the main checkout; a worktree under /work/wt/<name> finds it one level further up
REALDATA = next((p / "shared" / "realdata" for p in (_ROOT.parent, _ROOT.parent.parent)
                 if (p / "shared" / "realdata").exists()), _ROOT.parent / "shared" / "realdata")
WATCH = REALDATA / "registry" / "govsitewatcher_column_freshness.json"
ARTICLES = {
    "gne_shanxi_gov_article.html": "http://www.shanxi.gov.cn/yw/sxyw/202001/t20200101_1.shtml",
    "gne_govcn_gongbao_article.html": "http://www.gov.cn/gongbao/content/2019/content_5.htm",
}


@pytest.mark.skipif(not WATCH.exists(), reason="../shared/realdata not beside the checkout")
def test_a_practitioners_watch_list_types_match_its_limits() -> None:
    # the practitioner gives 14 days to 动态 columns and 180 to policy/notice columns, as V4 does
    for entry in json.loads(WATCH.read_text(encoding="utf-8")):
        kind, _why = column_type(entry["name"], entry["url"])
        if entry["limit"] == 14:
            assert kind == "news", entry["name"]
        elif entry["limit"] == 180:
            assert kind in ("notice", "policy"), entry["name"]


@pytest.mark.parametrize("name", sorted(ARTICLES))
def test_real_article_pages_are_not_lists(name: str) -> None:
    path = REALDATA / "gov_pages" / name
    if not path.exists():
        pytest.skip("../shared/realdata not beside the checkout")
    url = ARTICLES[name]
    assert not is_column_url(url, url.split("/", 3)[0] + "//" + url.split("/")[2] + "/")
    page = parse_html(path.read_text(encoding="utf-8", errors="replace"), url)
    reading = read_list(page.tree, url, date(2020, 6, 1), "http://" + url.split("/")[2] + "/")
    assert len([r for r in reading.items if r.found]) < 2  # an article shows no dated list of its own
