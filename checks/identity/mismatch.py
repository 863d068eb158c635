"""identity.mismatch — 网站标识码不一致.

检查内容 / What it checks: the 网站标识码 shown in the homepage footer and in its `SiteIDCode`
meta tag equal the site's id in the registry.

Why: 政府网站发展指引 (国办发〔2017〕47号) 政府网站标识码; web.std.footer and web.std.meta_tags,
indicators.md §6 [C practice, U official format].

Fires when: the footer's or the meta tag's code differs from the registry id.

Does not fire when: the meta tag is present but empty (a common template default); no code is
shown at all (that is `identity.missing`).

Not applicable when: the registry id is not a 网站标识码 (`identity.site_code_pattern`), or the
homepage shows no code. `not_measured` when the homepage could not be loaded.

Evidence: `registry_id`, `footer`, `meta` (the codes seen, where seen).
"""
from __future__ import annotations

import re

from checks.base import Finding, Params, Rule, RuleResult
from checks.identity.footer import read_identity
from storage.snapshot import Snapshot

RULE = Rule(
    id="identity.mismatch", name_zh="网站标识码不一致", name_en="Site code mismatch",
    indicator="web.std.footer", reads=("pages",), params=("identity.site_code_pattern",),
)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report the site code when the homepage shows a different one than the registry."""
    if not re.fullmatch(params["identity.site_code_pattern"], snap.site.id):
        return RuleResult.not_applicable(f"登记的站点编号 {snap.site.id} 不是网站标识码格式")
    html = snap.html(snap.homepage_url)
    home = snap.homepage
    if html is None or home is None or not home.ok:
        return RuleResult.not_measured("首页未能加载，无法核对网站标识码 / homepage not loaded")
    codes = read_identity(html).site_codes
    if not codes:
        return RuleResult.not_applicable("首页未显示网站标识码（见 identity.missing）")
    wrong = {where: code for where, code in codes.items() if code.lower() != snap.site.id.lower()}
    if not wrong:
        return RuleResult.of([])
    shown = "、".join(f"{'页面底部' if w == 'footer' else 'SiteIDCode 标签'}为 {c}" for w, c in wrong.items())
    return RuleResult.of([Finding(
        rule=RULE.id, subject="site_code", page=snap.homepage_url,
        message=f"网站标识码不一致：登记为 {snap.site.id}，{shown}。",
        evidence={"registry_id": snap.site.id, **codes},
    )])
