"""function.accessibility — 无障碍问题.

检查内容 / What it checks: axe-core (bundled, run in Chromium) on the homepage and a sample of
crawled pages; and whether the homepage offers a 无障碍/适老化 entry (a link or button such as
无障碍, 适老化, 长者模式, 关怀版, or an accessibility toolbar script).

Why: 无障碍与适老化 (web.std.accessibility): GB/T 37668-2019 and 国办公开办函〔2021〕28号
(indicators.md §10 [V titles, U details]). axe rules are mapped to the standard's clauses by their
WCAG tags (`checks/function/gbt37668.yaml`).

Fires when: a page has axe violations of impact `accessibility.min_impact` or worse (minor <
moderate < serious < critical) — one finding per page; and, when `accessibility.require_entry` is
true, on the homepage when it has no 无障碍/适老化 entry.

Does not fire when: a page has only violations below the impact line (e.g. moderate contrast
notes when the line is serious), or none.

Not applicable when: never. `not_measured` when the audit ran with `--no-browser`, or axe could not
run on any page (pages where it failed are listed in the reason).

Evidence: `violations` (rule, impact, help, nodes, targets, gbt37668 clauses), `min_impact`,
`accessibility_entry` (homepage only: found or not, and the text that shows it); a screenshot.
"""
from __future__ import annotations

import re

from checks.base import Finding, Params, Rule, RuleResult
from checks.derived.html import parse, visible_text
from checks.function.data import clauses, gbt37668
from storage.snapshot import Snapshot

RULE = Rule(id="function.accessibility", name_zh="无障碍问题", name_en="Accessibility violations",
            indicator="web.std.accessibility", reads=("axe",),
            params=("accessibility.min_impact", "accessibility.require_entry"))

IMPACTS = ("minor", "moderate", "serious", "critical")


def check(snap: Snapshot, params: Params) -> RuleResult:
    """One finding per sampled page with serious (or worse) violations; the homepage also for a missing entry."""
    ran = [r for r in snap.axe_results if not r.error]
    if not ran:
        failed = "; ".join(f"{r.url}: {r.error}" for r in snap.axe_results)
        return RuleResult.not_measured(f"axe-core 未能运行 / axe did not run: {failed or 'no pages'}")
    line = IMPACTS.index(params["accessibility.min_impact"])
    entry = _entry(snap)
    findings = []
    for r in ran:
        bad = [v for v in r.violations if v.get("impact") in IMPACTS and IMPACTS.index(v["impact"]) >= line]
        on_home = r.url == snap.homepage_url
        missing_entry = on_home and params["accessibility.require_entry"] and entry is not None and not entry["found"]
        if not bad and not missing_entry:
            continue
        parts = [f"{len(bad)} 项{params['accessibility.min_impact']}及以上的无障碍问题"] if bad else []
        if missing_entry:
            parts.append("首页无无障碍/适老化入口")
        evidence = {"violations": [{**v, "gbt37668": clauses(v.get("tags", []))} for v in bad],
                    "min_impact": params["accessibility.min_impact"], "axe_version": r.axe_version}
        if on_home:
            evidence["accessibility_entry"] = entry
        findings.append(Finding(rule=RULE.id, subject=r.url, page=r.url, message="页面存在" + "，".join(parts) + "。",
                                evidence=evidence, screenshot=r.screenshot))
    return RuleResult.of(findings)


def _entry(snap: Snapshot) -> dict | None:
    """Whether the stored homepage shows a 无障碍/适老化 entry, and what shows it."""
    html = snap.html(snap.homepage_url)
    if html is None:
        return None
    data = gbt37668()
    tree = parse(html)
    m = re.search(data["entry_text"], visible_text(tree) + " " + " ".join(
        (a.get("title") or "") + " " + (a.get("alt") or "") for a in tree.iter("a", "img", "button")))
    if m:
        return {"found": True, "text": m.group(0)}
    for script in tree.iter("script"):
        if script.get("src") and re.search(data["entry_script"], script.get("src"), re.IGNORECASE):
            return {"found": True, "script": script.get("src")}
    return {"found": False}
