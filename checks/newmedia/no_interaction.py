"""newmedia.no_interaction — 政务新媒体未提供有效互动功能.

检查内容 / What it checks: the interaction channels of each account — comments/留言 (评论), private
messages (私信/消息) and the menu (菜单) — as the platform showed them, completed by what a person
recorded in sites.yaml (`accounts[].interaction`) for what the platform hides.

Why: 政务新媒体 veto M3 "未提供有效互动功能" (indicators.md §3, nm.veto.no_interaction) [C];
国办发〔2018〕123号 targets 不互动无服务 accounts [V].

Fires when: every channel known for the account is closed and none is unknown — e.g. a WeChat
account whose articles all have 留言 closed and whose messages and menu a person recorded as absent.

Does not fire when: any channel is open (a post with comments shows comments are open); any
channel is unknown (platforms hide most of them from anonymous readers: not measured, listed in
the reason).

Not applicable when: the site has no registered accounts. `not_measured` when no account's channels are all known.

Evidence: `platform`, `handle`, `name`, `profile_url`, `channels` (channel → false).
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.newmedia.common import conclude, no_accounts
from storage.snapshot import Snapshot

RULE = Rule(id="newmedia.no_interaction", name_zh="政务新媒体未提供有效互动功能", name_en="No working interaction",
            indicator="nm.veto.no_interaction", reads=("accounts",))
CHANNEL_ZH = {"comments": "评论/留言", "messages": "私信/消息", "menu": "菜单"}


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each account whose every interaction channel was observed closed."""
    if not snap.accounts:
        return no_accounts()
    findings: list[Finding] = []
    unmeasured: list[str] = []
    measured = 0
    for acc in snap.accounts:
        channels = acc.interaction or {}
        if any(v is True for v in channels.values()):
            measured += 1
            continue
        if not channels or any(v is None for v in channels.values()):
            unknown = [CHANNEL_ZH.get(k, k) for k, v in channels.items() if v is None] or ["全部"]
            unmeasured.append(f"{acc.key} 互动渠道未知：{'、'.join(unknown)}")
            continue
        measured += 1
        findings.append(Finding(
            rule=RULE.id, subject=acc.key, page=acc.url,
            message=f"账号「{acc.name or acc.registered_name or acc.handle}」未提供有效互动功能"
                    f"（{'、'.join(CHANNEL_ZH.get(k, k) for k in channels)}均未开通）。",
            evidence={"platform": acc.platform, "handle": acc.handle, "name": acc.name or acc.registered_name,
                      "profile_url": acc.url, "channels": dict(channels)},
        ))
    return conclude(findings, unmeasured, measured)
