"""function.guide_incomplete — 办事指南要素缺失.

检查内容 / What it checks: every crawled 办事指南 page (title or <h1> says 办事指南/服务指南/办理指南,
and at least three of the ten element categories are labelled on it — fewer means a list of guides
or an article about them) shows the ten element categories: 事项名称, 设定依据, 申请条件, 办理材料,
办理地点, 办理机构, 收费标准, 办理时间, 联系电话, 办理流程 (each by its label or a synonym from
`checks/function/services.yaml`).

Why: 单项否决 V6(2) 服务不实用 — 办事指南 key elements missing (indicators.md §2, §13; first four
categories [V], the other six and the count [U]). The scheme deducts per finding until the count
that vetoes (`veto.incomplete_guides`) is confirmed.

Fires when: a guide lacks `service.guide_missing_categories` or more categories (4, [U]: "缺失4类及以上").

Does not fire when: a guide lacks fewer (e.g. only 收费标准 because it is free of charge and says
so under another heading), or the labels appear under synonyms (受理条件, 申请材料, 实施机关 …).

Not applicable when: no 办事指南 page was crawled (the guides may live on the 政务服务网).

Evidence: `missing`, `present`, `missing_count`, `threshold`, `title`.
"""
from __future__ import annotations

import re

from checks.base import Finding, Params, Rule, RuleResult
from checks.derived.html import parse, visible_text
from checks.function.data import services
from storage.snapshot import Snapshot

RULE = Rule(id="function.guide_incomplete", name_zh="办事指南要素缺失", name_en="Service guide incomplete",
            indicator="web.veto.guide_elements", reads=("pages",), params=("service.guide_missing_categories",))

MIN_LABELLED = 3  # fewer labelled categories: a list of guides or an article, not a guide


def categories(text: str) -> list[str]:
    """The element categories whose label (or a synonym) the text shows."""
    return [e["category"] for e in services()["guide_elements"] if any(label in text for label in e["labels"])]


def check(snap: Snapshot, params: Params) -> RuleResult:
    """One finding per 办事指南 page that lacks the threshold number of element categories or more."""
    title_rx = re.compile(services()["guide_title"])
    every = [e["category"] for e in services()["guide_elements"]]
    guides = 0
    findings = []
    for page in snap.pages.values():
        if not (page.crawled and page.ok and page.is_html):
            continue
        if page.complete_text is not None and not title_rx.search(f"{page.title or ''} {page.complete_text}"):
            continue  # its <h1> is in the visible text: no guide title anywhere, no need to parse the HTML
        html = snap.html(page.url)
        if html is None:
            continue
        tree = parse(html)
        heading = " ".join(" ".join(h.itertext()) for h in tree.iter("h1")) + " " + (page.title or "")
        if not title_rx.search(heading):
            continue
        present = categories(visible_text(tree))
        if len(present) < MIN_LABELLED:
            continue
        guides += 1
        missing = [c for c in every if c not in present]
        if len(missing) >= params["service.guide_missing_categories"]:
            findings.append(Finding(
                rule=RULE.id, subject=page.url, page=page.url,
                message=f"办事指南缺少 {len(missing)} 类要素：{'、'.join(missing)}。",
                evidence={"missing": missing, "present": present, "missing_count": len(missing),
                          "threshold": params["service.guide_missing_categories"], "title": (page.title or "").strip()},
            ))
    if guides == 0:
        return RuleResult.not_applicable("未抓取到办事指南页面 / no service guide crawled")
    return RuleResult.of(findings)
