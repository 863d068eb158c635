"""identity.missing — 页面底部标识缺失.

检查内容 / What it checks: the homepage shows each identity element the scheme requires:
网站标识码 (`site_code`), ICP备案编号 (`icp`), 公安机关备案标识 (`psb`), 党政机关网站标识 (`conac`),
网站主办单位 (`sponsor`), 联系方式 (`contact`) and the 我为政府网站找错 entry (`zhaocuo`).

Why: 政府网站发展指引 (国办发〔2017〕47号) 页面底部 elements, indicators.md §6 and web.std.footer
[U wording, C practice]; the 找错 entry is web.ded.zhaocuo_entry [C].

Fires when: an element of `identity.required` is nowhere on the homepage — not in its text, nor as
a link or image (the 党政机关 logo is usually an image from dcs.conac.cn).

Does not fire when: the element is written in another valid form (主办 instead of 主办单位, a
"联系我们" link instead of a phone number, an ICP number with a suffix such as -1).

Not applicable when: never; `not_measured` when the homepage could not be loaded.

Evidence: `element`, `label`, `homepage`, `found` (the elements that were found, with the text
that shows each).
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.identity.footer import patterns, read_identity
from storage.snapshot import Snapshot

RULE = Rule(
    id="identity.missing", name_zh="网站标识缺失", name_en="Identity element missing",
    indicator="web.std.footer", reads=("pages",), params=("identity.required",),
)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each required identity element the homepage does not show."""
    html = snap.html(snap.homepage_url)
    home = snap.homepage
    if html is None or home is None or not home.ok:
        return RuleResult.not_measured("首页未能加载，无法检查页面底部标识 / homepage not loaded")
    ident = read_identity(html)
    labels = patterns()["labels"]
    findings = [
        Finding(
            rule=RULE.id, subject=element, page=snap.homepage_url,
            message=f"首页未发现“{labels.get(element, element)}”。",
            evidence={"element": element, "label": labels.get(element, element), "homepage": snap.homepage_url,
                      "found": ident.found},
        )
        for element in params["identity.required"]
        if element not in ident.found
    ]
    return RuleResult.of(findings)
