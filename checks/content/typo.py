"""content.typo — 错别字.

检查内容 / What it checks: the visible text and title of every crawled page for the common wrong
forms listed in checks/data/typos.yaml (再接再励 → 再接再厉, 按步就班 → 按部就班, 截止目前 → 截至目前 …).

Why: no national indicator (indicators.md §13: the national veto covers only serious misstatements;
错别字 is scored by some provincial schemes [U]). The scheme decides the weight
(`content.typo_deduction`, a project choice).

Fires when: a listed wrong form occurs in a page's text or title, outside the entry's `except`
strings (按装置 is not 按装).

Does not fire when: the wrong form is part of a title in 《…》 (a work's name is written as its
authors wrote it); it is quoted inside “…” or 「…」 on a page that discusses the error itself (纠错,
错别字, 误写, 应为, 写成 within 30 characters) — a proofreading notice; the right form is written.

Not applicable when: never; `not_measured` when no crawled page body was stored.

Evidence: `typos` (up to 20: `wrong`, `right`, `quote` the text around it, `path` the element),
`count`.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import yaml

from checks.base import Finding, Params, Rule, RuleResult
from checks.content.dom import element_path, text_blocks
from checks.content.lexicon import quote
from checks.content.pages import crawled_html, no_pages_reason, page_tree, prefilter_text
from storage.snapshot import Snapshot

RULE = Rule(id="content.typo", name_zh="错别字", name_en="Common misspelling", indicator="web.ded.typo",
            reads=("pages",))
_DISCUSSING = re.compile(r"纠错|错别字|误写|应为|写成|错写|勘误|更正|正确写法")
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fa5])\s+(?=[\u4e00-\u9fa5])")
_QUOTES = (("“", "”"), ("「", "」"), ("《", "》"), ('"', '"'))
MAX_ITEMS = 20


@cache
def _entries() -> tuple[re.Pattern, dict[str, tuple[str, tuple[str, ...]]]]:
    data = yaml.safe_load((Path(__file__).resolve().parent.parent / "data" / "typos.yaml").read_text("utf-8"))
    table = {e["wrong"]: (e["right"], tuple(e.get("except", ()))) for e in data["entries"]}
    rx = re.compile("|".join(re.escape(w) for w in sorted(table, key=len, reverse=True)))
    return rx, table


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each page with common wrong characters or words."""
    rx, table = _entries()
    findings: list[Finding] = []
    read = 0
    for url, html in crawled_html(snap):
        read += 1
        if not rx.search(_CJK_GAP.sub("", prefilter_text(snap, url, html))):
            continue
        tree = page_tree(html)
        title = tree.find(".//title")
        blocks = ([(title, title.text_content() or "")] if title is not None else []) + text_blocks(tree)
        items = []
        for block, text in blocks:
            text = " ".join(text.split())
            for m in rx.finditer(text):
                right, excepted = table[m.group(0)]
                if _excepted(text, m, excepted) or _discussed(text, m.start(), m.end()):
                    continue
                items.append({"wrong": m.group(0), "right": right, "quote": quote(text, m.start(), m.end()),
                              "path": element_path(block)})
        if items:
            findings.append(Finding(
                rule=RULE.id, subject=url, page=url,
                message=f"页面有错别字：“{items[0]['wrong']}”应为“{items[0]['right']}”"
                        + (f"等 {len(items)} 处。" if len(items) > 1 else "。"),
                evidence={"typos": items[:MAX_ITEMS], "count": len(items)}))
    if read == 0:
        return RuleResult.not_measured(no_pages_reason(snap))
    return RuleResult.of(findings)


def _excepted(text: str, m: re.Match, excepted: tuple[str, ...]) -> bool:
    for longer in excepted:
        offset = longer.find(m.group(0))
        if offset >= 0 and text.startswith(longer, m.start() - offset):
            return True
    return False


def _discussed(text: str, start: int, end: int) -> bool:
    """Inside 《…》 (the name of a work is written as its authors wrote it), or quoted (“…”) on a page that
    talks about the error itself (a proofreading note, not a typo)."""
    for left, right in _QUOTES:
        lo = text.rfind(left, max(0, start - 30), start + 1)
        if lo < 0 or text.find(right, end, end + 30) < 0 or text.rfind(right, lo + 1, start) >= 0:
            continue
        if left == "《" or _DISCUSSING.search(text, max(0, start - 30), end + 30):
            return True
    return False
