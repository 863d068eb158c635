"""disclosure.missing — 政府信息公开专栏缺少栏目.

检查内容 / What it checks: the 政府信息公开 platform (the `disclosure:` root of sites.yaml, or the
homepage link named 政府信息公开/信息公开/政务公开) has each part the scheme requires
(`disclosure.required_parts`): 公开指南 (`guide`), 公开制度 (`rules`), 法定主动公开内容/目录
(`catalog`), 年度报告 (`annual_report`) and 依申请公开 (`apply`).

Why: gk.channels — the five parts of the 公开专栏 (indicators.md §8.2) [V names; U criteria].

Fires when: the platform was found but no link of the platform (its root page, pages under its
path, or the homepage) names the part, or the part's link answers with an error.

Does not fire when: the part is linked under another usual name (信息公开指南, 主动公开目录,
政府信息公开年报, 依申请公开平台 …), or its page was not fetched (a link that exists is not called broken).

Not applicable when: never; `not_measured` when no platform root and no part link was found at all
(the platform may live on another site, e.g. a department's on its government's portal), or when the
root page could not be read (another host, not crawled, an error) and parts are still unseen.

Also `not_measured` when the crawl did not finish (an interrupted or failed run): an absence is
only shown by a whole crawl (`whole_site`).

Evidence: `part`, `label`, `root`, `found` (part → URL of what was found), `broken` (when the link fails).
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.disclosure.common import PART_LABELS, broken
from storage.snapshot import Snapshot

RULE = Rule(id="disclosure.missing", name_zh="政府信息公开栏目缺失", name_en="Disclosure platform part missing",
            indicator="gk.channels", reads=("pages", "disclosure"), params=("disclosure.required_parts",), whole_site=True)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each required part of the 政府信息公开 platform that is absent or broken."""
    root = next((p.url for p in snap.disclosure_parts if p.part == "root"), None)
    found = {}
    for p in snap.disclosure_parts:
        if p.part != "root":
            found.setdefault(p.part, p.url)
    if root is None and not found:
        return RuleResult.not_measured("未找到政府信息公开平台入口（可在 sites.yaml 用 disclosure: 指定）/ no platform found")
    root_page = snap.pages.get(root) if root else None
    unread = root is not None and (root_page is None or not root_page.crawled or not root_page.ok)
    if unread and any(p not in found for p in params["disclosure.required_parts"]):
        shown = "未抓取" if root_page is None else (root_page.status or root_page.error)
        return RuleResult.not_measured(f"政府信息公开平台首页 {root} 未能读取（{shown}），可能位于其他站点 / "
                                       "platform root not read")
    findings = []
    for part in params["disclosure.required_parts"]:
        label = PART_LABELS.get(part, part)
        url = found.get(part)
        failure = broken(snap, url) if url else None
        if url is not None and failure is None:
            continue
        message = (f"政府信息公开专栏未发现“{label}”栏目。" if url is None
                   else f"政府信息公开专栏的“{label}”链接无法打开（{failure['status'] or failure['error']}）。")
        findings.append(Finding(rule=RULE.id, subject=part, page=root, message=message,
                                evidence={"part": part, "label": label, "root": root, "found": found,
                                          **({"broken": failure} if failure else {})}))
    return RuleResult.of(findings)
