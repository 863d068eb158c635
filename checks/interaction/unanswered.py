"""interaction.unanswered — 政务咨询留言超期未回复.

检查内容 / What it checks: within the lookback window before `as_of` (`interaction.lookback_days`),
every message of a consultation channel (领导信箱, 留言板, 网上咨询, 12345 …) older than
`interaction.max_unanswered_days` has been answered, and (when `interaction.count_late_replies`)
answered within that limit. Also computes the response-time statistics of the window.

Why: web.veto.consult_unanswered — 国办秘函〔2019〕19号 V5(2): within 1 year, a 政务咨询 message
unanswered for more than 3 months [V]; whether a reply after 3 months counts is an open question
(indicators.md §12 item 8), hence the parameter.

Fires when: a message in the window is shown unanswered (status 未回复/办理中, or an empty 回复时间)
and `as_of − 留言时间` is more than the limit; or it was answered more than the limit after it was left.

Does not fire when: the message is younger than the limit (2 months old), or older than the window;
its status is unknown (no status and no 回复时间 shown); it belongs to a 信访 or 纪检举报 channel.

Not applicable when: no dated message of a consultation channel was found in the window;
`not_measured` when consultation channels were found but no message could be read from any of them
(a submission form only, a list rendered by script, a system on another site).

Evidence: `asked_at`, `age_days` or `reply_days`, `late` (true for a late reply), `replied_at`,
`status`, `channel`, `list_url`, `limit_days`, `stats` ({answered, unanswered, unknown, median_days,
worst_days} over the window; also in the rule's reason).
"""
from __future__ import annotations

from datetime import timedelta
from statistics import median

from checks.base import Finding, Params, Rule, RuleResult
from storage.snapshot import Snapshot

RULE = Rule(id="interaction.unanswered", name_zh="留言超期未回复", name_en="Message unanswered",
            indicator="web.veto.consult_unanswered", reads=("pages", "interaction"),
            params=("interaction.max_unanswered_days", "interaction.lookback_days", "interaction.count_late_replies"))
EXCLUDED_KINDS = {"petition", "report"}


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each consultation message left unanswered (or answered) beyond the limit."""
    limit = int(params["interaction.max_unanswered_days"])
    start = snap.as_of - timedelta(days=int(params["interaction.lookback_days"]))
    window = [m for m in snap.messages if m.channel_kind not in EXCLUDED_KINDS and m.asked_at is not None
              and start <= m.asked_at <= snap.as_of]
    if not window:
        channels = [c for c in snap.interaction_channels if not c.excluded]
        if channels and not any(m.channel_kind not in EXCLUDED_KINDS for m in snap.messages):
            return RuleResult.not_measured(f"发现 {len(channels)} 个互动渠道，但未能读出任何留言（提交表单、脚本渲染的列表"
                                           "或其他站点上的系统）/ channels found, no message could be read")
        return RuleResult.not_applicable("回溯期内没有可判断的咨询留言 / no dated message in the window")
    days = [(m.replied_at - m.asked_at).days for m in window if m.replied_at is not None]
    stats = {"messages": len(window), "answered": sum(1 for m in window if m.answered),
             "unanswered": sum(1 for m in window if m.answered is False),
             "unknown": sum(1 for m in window if m.answered is None),
             "median_days": median(days) if days else None, "worst_days": max(days) if days else None}
    findings = []
    for m in window:
        base = {"asked_at": m.asked_at.isoformat(), "status": m.status, "channel": m.channel_name,
                "channel_kind": m.channel_kind, "list_url": m.list_url, "limit_days": limit, "stats": stats}
        age = (snap.as_of - m.asked_at).days
        if m.answered is False and age > limit:
            findings.append(Finding(rule=RULE.id, subject=m.url, page=m.list_url,
                                    message=f"留言“{m.title or m.url}”于 {m.asked_at} 提交，{age} 天未回复（限 {limit} 天）。",
                                    evidence={**base, "age_days": age, "late": False, "replied_at": None}))
        elif m.replied_at is not None and params["interaction.count_late_replies"] \
                and (m.replied_at - m.asked_at).days > limit:
            took = (m.replied_at - m.asked_at).days
            findings.append(Finding(rule=RULE.id, subject=m.url, page=m.list_url,
                                    message=f"留言“{m.title or m.url}”于 {m.asked_at} 提交，{m.replied_at} 才回复，"
                                            f"用时 {took} 天（限 {limit} 天）。",
                                    evidence={**base, "reply_days": took, "late": True,
                                              "replied_at": m.replied_at.isoformat()}))
    result = RuleResult.of(findings)
    result.reason = (f"回溯期内留言 {stats['messages']} 条，已回复 {stats['answered']}，未回复 {stats['unanswered']}，"
                     f"状态不明 {stats['unknown']}；回复用时中位数 {stats['median_days']} 天，最长 {stats['worst_days']} 天")
    return result
