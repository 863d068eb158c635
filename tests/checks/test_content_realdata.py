"""Precision on real government pages (../shared/realdata, read in place, never copied): the content
rules report nothing on 18 real pages — three articles (TRS, Hanweb with its hidden credit link and
纠错 entry, 山西) and 15 gov.cn policy documents with their 信息公开 metadata tables."""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from checks.runner import run_rules
from crawler.page import parse_html
from reports.scheme import load_scheme
from storage.facts.pages import LinkFact, PageFact, SiteFact
from storage.snapshot import snapshot_from

_ROOT = Path(__file__).resolve().parents[2]
# beside the checkout (/work/main → /work/shared) or beside a worktree's parent (/work/wt/issue-6)
REAL = next((p / "shared" / "realdata" / "gov_pages" for p in (_ROOT.parent, _ROOT.parent.parent)
             if (p / "shared" / "realdata" / "gov_pages").exists()), _ROOT.parent / "shared" / "realdata" / "gov_pages")
RULES = ["content.spam_injection", "content.hidden_link", "content.serious_error", "content.typo", "privacy.leak"]


def _documents() -> list[str]:
    docs = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(REAL.glob("*.html"))]
    sql = REAL / "platform1_ge_policy_raw_govcn_zhengce.sql"
    if sql.exists():  # the dump's html column: one page per row
        raw = sql.read_text(encoding="utf-8", errors="replace")
        docs += [d.replace("\\n", "\n").replace("\\'", "'").replace('\\"', '"')
                 for d in re.findall(r"'(<div class=\"wrap\".*?)', ", raw, re.S)]
    return docs


@pytest.mark.skipif(not REAL.exists(), reason="../shared/realdata not beside the checkout")
def test_no_content_findings_on_real_pages() -> None:
    docs = _documents()
    assert len(docs) >= 3
    bodies, pages, links = {}, [], []
    for i, html in enumerate(docs):
        url = f"http://www.example.gov.cn/real/{i}.html"
        parsed = parse_html(html, url)
        bodies[url] = html
        pages.append(PageFact(url=url, title=parsed.title, text=parsed.text))
        links += [LinkFact(source=url, target=ln.target, tag=ln.tag, text=ln.text) for ln in parsed.links]
    snap = snapshot_from(SiteFact("4213000001", "示例", "http://www.example.gov.cn/"), date(2026, 11, 27),
                         pages[0].url, pages, links=links, bodies=bodies)
    results = run_rules(snap, RULES, load_scheme("national-2019").params)
    assert {r: (res.status, [f.evidence for f in res.findings]) for r, res in results.items()} == \
        {r: ("pass", []) for r in RULES}


SYNTHETIC = REAL.parent / "darklink_keywords" / "yuanzhao_test_dark_link_synthetic.html"


@pytest.mark.skipif(not SYNTHETIC.exists(), reason="../shared/realdata not beside the checkout")
def test_recall_on_a_third_party_dark_link_test_page() -> None:
    """A dark-link scanner's own synthetic test page (display:none, visibility, opacity, text-indent …):
    the spam is found in the meta keywords and hidden blocks, and the hidden outside links."""
    html = SYNTHETIC.read_text(encoding="utf-8")
    url = "http://www.example.gov.cn/"
    parsed = parse_html(html, url)
    snap = snapshot_from(SiteFact("4213000001", "示例", url), date(2026, 11, 27), url,
                         [PageFact(url=url, title=parsed.title, text=parsed.text)],
                         links=[LinkFact(url, ln.target, ln.tag, ln.text) for ln in parsed.links], bodies={url: html})
    results = run_rules(snap, ["content.spam_injection", "content.hidden_link"], load_scheme("national-2019").params)
    spam = results["content.spam_injection"].findings[0].evidence
    assert {h["field"] for h in spam["hits"]} >= {"meta:keywords", "text"}
    assert any(h.get("hidden") == "opacity:0" for h in spam["hits"])
    hidden = results["content.hidden_link"].findings[0].evidence
    assert {ln["href"] for ln in hidden["links"]} == {"http://illegal-gambling.tf", "http://porn-site.ga",
                                                      "http://multi-level-hidden.ml"}
