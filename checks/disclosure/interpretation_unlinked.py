"""disclosure.interpretation_unlinked — 政策解读未关联政策文件.

检查内容 / What it checks: each 政策解读 page (a page whose title says 解读 and shows a publication
date) links the policy document it explains, from its content: a link named with the document's
《title》 or 原文/原件/相关文件/相关政策.

Why: web.ded.policy_interpretation — interpretation and document link each other (indicators.md §4,
§8.4, 金寨) [C].

Fires when: the interpretation's content has no such link, or every such link answers with an error.

Does not fire when: the link sits in the content (navigation, header and footer links such as the
"政策文件" column do not count, and neither do links to other 解读); the linked page was not fetched.

Not applicable when: no interpretation page was found.

Evidence: `title`, `related` (the candidate links found), `broken` (those that failed).
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.disclosure.common import broken
from storage.snapshot import Snapshot

RULE = Rule(id="disclosure.interpretation_unlinked", name_zh="政策解读未关联原文", name_en="Interpretation not linked",
            indicator="web.ded.policy_interpretation", reads=("pages", "disclosure"))


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each 政策解读 that links no working policy document."""
    interpretations = [d for d in snap.documents if d.kind == "interpretation"]
    if not interpretations:
        return RuleResult.not_applicable("未发现政策解读页面 / no interpretation page found")
    findings = []
    for d in interpretations:
        failures = [b for url, _ in d.related if (b := broken(snap, url))]
        if d.related and len(failures) < len(d.related):
            continue
        message = (f"政策解读《{d.title}》未链接所解读的政策文件原文。" if not d.related
                   else f"政策解读《{d.title}》链接的政策文件无法打开。")
        findings.append(Finding(rule=RULE.id, subject=d.url, page=d.url, message=message,
                                evidence={"title": d.title, "related": [list(r) for r in d.related],
                                          "broken": failures}))
    return RuleResult.of(findings)
