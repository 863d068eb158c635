"""Shared by the newmedia rules: accounts that were measured, their posts, and honest reasons."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from checks.base import Finding, RuleResult
from storage.facts.newmedia import FAILURE_ZH, AccountFact, PostFact
from storage.snapshot import Snapshot
from storage.vocabulary import china_time


def failure_text(acc: AccountFact) -> str:
    """`weibo:123 平台要求登录（detail）` — why an account could not be measured."""
    why = FAILURE_ZH.get(acc.failure or "", acc.failure or "未知原因")
    return f"{acc.key} {why}（{acc.failure}: {(acc.failure_detail or '')[:160]}）"


def posts_by_account(snap: Snapshot) -> dict[str, list[PostFact]]:
    out: dict[str, list[PostFact]] = defaultdict(list)
    for p in snap.posts:
        out[p.account].append(p)
    return out


def local_day(post: PostFact) -> date | None:
    """The post's calendar day in China time (the 监测时间点 is a China date)."""
    when = china_time(post.published_at)
    return when.date() if when else None


def conclude(findings: list[Finding], unmeasured: list[str], measured: int) -> RuleResult:
    """fail/pass with the unmeasured accounts as reason; `not_measured` when nothing could be judged."""
    if not findings and measured == 0 and unmeasured:
        return RuleResult.not_measured("；".join(unmeasured))
    result = RuleResult.of(findings)
    if unmeasured:
        result.reason = f"{len(unmeasured)} 个账号未能检测 / not measured: " + "；".join(unmeasured)
    return result


def no_accounts() -> RuleResult:
    return RuleResult.not_applicable("sites.yaml 未登记政务新媒体账号 / no accounts registered for this site")
