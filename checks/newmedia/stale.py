"""newmedia.stale — 政务新媒体内容不更新（僵尸/睡眠号）.

检查内容 / What it checks: the newest post of every registered account that its platform
adapter could read, against the 监测时间点.

Why: 政务新媒体 veto M2 "监测时间点前2周内无更新" (indicators.md §3, nm.veto.stale) [C];
国办发〔2018〕123号 targets 僵尸/睡眠 accounts [V].

Fires when: the newest post (pinned posts included, posts after the 监测时间点 ignored) is more
than `newmedia.max_age_days` days before the 监测时间点 (China calendar days), or the platform's
own timeline shows the account never posted (post count 0).

Does not fire when: a post is exactly `newmedia.max_age_days` old or newer; the account could not
be read (timeout, login wall, rate limit, changed markup, not found: `newmedia.unreachable`
judges that) — those accounts are listed in the reason as not measured; a WeChat account known
only from the articles its portal links to (`posts_source: portal`) whose newest linked article is
old — it may well have newer ones, so it is not measured.

Not applicable when: the site has no registered accounts. `not_measured` when no account could be read.

Evidence: `platform`, `handle`, `name`, `profile_url`, `newest` (ISO time or null), `newest_url`,
`newest_title`, `age_days`, `limit_days`, `posts_seen`, `posts_source`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.newmedia.common import conclude, failure_text, local_day, no_accounts, posts_by_account
from storage.snapshot import Snapshot

RULE = Rule(id="newmedia.stale", name_zh="政务新媒体内容不更新", name_en="Stale new-media account",
            indicator="nm.veto.stale", reads=("accounts",), params=("newmedia.max_age_days",))


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each readable account whose newest post is older than the limit."""
    if not snap.accounts:
        return no_accounts()
    limit = int(params["newmedia.max_age_days"])
    posts = posts_by_account(snap)
    findings: list[Finding] = []
    unmeasured: list[str] = []
    measured = 0
    for acc in snap.accounts:
        if acc.status != "ok":
            unmeasured.append(failure_text(acc))
            continue
        dated = [(d, p) for p in posts.get(acc.key, []) if (d := local_day(p)) is not None and d <= snap.as_of]
        newest = max(dated, key=lambda x: (x[0], x[1].published_at), default=None)
        never = not posts.get(acc.key) and acc.posts_source == "timeline" and acc.posts_total == 0
        age = (snap.as_of - newest[0]).days if newest else None
        if not never and (age is None or (age > limit and acc.posts_source == "portal")):
            why = "门户网站链接的文章均较旧，无法确认最新发布" if newest else "未读到带日期的发布"
            unmeasured.append(f"{acc.key} {why}（{acc.posts_source}）")
            continue
        measured += 1
        if not never and age <= limit:
            continue
        post = newest[1] if newest else None
        findings.append(Finding(
            rule=RULE.id, subject=acc.key, page=acc.url,
            message=(f"账号「{acc.name or acc.registered_name or acc.handle}」从未发布内容。" if never else
                     f"账号「{acc.name or acc.registered_name or acc.handle}」最新发布于 {newest[0].isoformat()}，"
                     f"距监测时间点 {age} 天，超过 {limit} 天未更新。"),
            evidence={"platform": acc.platform, "handle": acc.handle, "name": acc.name or acc.registered_name,
                      "profile_url": acc.url, "newest": post.published_at.isoformat() if post else None,
                      "newest_url": post.url if post else None, "newest_title": post.title if post else None,
                      "age_days": age, "limit_days": limit, "posts_seen": len(posts.get(acc.key, [])),
                      "posts_source": acc.posts_source},
        ))
    return conclude(findings, unmeasured, measured)
