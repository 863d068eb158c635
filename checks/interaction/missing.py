"""interaction.missing — 无有效咨询建言渠道.

检查内容 / What it checks: the site offers at least one working 咨询建言 channel: a link named
领导信箱/书记信箱/市长信箱, 留言板/在线留言, 网上咨询/政务咨询/建言, or 12345, found on the homepage or one
click away, or a list page configured in sites.yaml `interaction:`.

Why: web.veto.no_consult_channel — 国办秘函〔2019〕19号 V5(1): no effective online 咨询建言 channel
(网上信访 and 纪检举报 do not count) [V].

Fires when: no such channel was found, or every one found answers with an error; channels named
信访 or 纪检/举报/监察 are listed in the evidence but never count.

Does not fire when: one channel works (its page loads, or it was not fetched: a link that exists is
not called broken).

Not applicable when: never; `not_measured` when the homepage could not be loaded, or no channel
was found while the homepage was a script challenge or no other page could be read.

Also `not_measured` when the crawl did not finish (an interrupted or failed run): an absence is
only shown by a whole crawl (`whole_site`).

Evidence: `homepage`, `channels` (every channel found with kind and URL), `excluded`, `broken`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.disclosure.common import broken
from storage.snapshot import Snapshot

RULE = Rule(id="interaction.missing", name_zh="无有效咨询建言渠道", name_en="No consultation channel",
            indicator="web.veto.no_consult_channel", reads=("pages", "interaction"), whole_site=True)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report the homepage when no working 咨询建言 channel was found."""
    home = snap.homepage
    if home is None or not home.ok:
        return RuleResult.not_measured("首页未能加载，无法查找互动渠道 / homepage not loaded")
    channels = [c for c in snap.interaction_channels if not c.excluded]
    crawled = sum(1 for p in snap.pages.values() if p.crawled and p.ok)
    if not channels and ("js_challenge" in home.flags or crawled < 2):
        return RuleResult.not_measured(f"只读取了 {crawled} 个页面（或首页为脚本挑战页），无法判断是否有互动渠道 / "
                                       "too little of the site was read")
    failures = [b for c in channels if (b := broken(snap, c.url))]
    if channels and len(failures) < len(channels):
        return RuleResult.of([])
    listed = [{"url": c.url, "name": c.name, "kind": c.kind} for c in snap.interaction_channels]
    excluded = [c for c in listed if c["kind"] in ("petition", "report")]
    message = ("网站未提供有效的咨询建言渠道" + ("（仅有信访或纪检举报渠道，不计入）" if excluded and not channels else "")
               + ("（已发现的渠道均无法打开）" if channels else "") + "。")
    return RuleResult.of([Finding(rule=RULE.id, subject=snap.homepage_url, page=snap.homepage_url, message=message,
                                  evidence={"homepage": snap.homepage_url, "channels": listed, "excluded": excluded,
                                            "broken": failures})])
