"""site.unreachable — 站点无法访问（检查时）.

检查内容 / What it checks: whether the homepage could be loaded when the audit ran.

Why: 国办秘函〔2019〕19号 V2 (站点无法访问) [V]: a visit fails when the site is not open after 15 s.
The veto itself is judged over a week of probes (`site.availability`); one failure at audit time
is a deduction in `national-2019` (indicators.md §13).

Fires when: the homepage answered 4xx/5xx, or failed with a DNS, connect, TLS, reset or timeout
error after the crawler's retries, or loaded slower than `availability.timeout_s`.

Does not fire when: the homepage redirects to a page that loads; an anti-bot wall answered, or
the homepage timed out or was reset and no browser retried it (the browser path decides those;
without it the rule is `not_measured`).

Not applicable when: never; `not_measured` when the homepage was not fetched at all.

Evidence: `status`, `error`, `error_detail`, `elapsed_ms`, `timeout_s`, `final_url`, `redirects`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.derived.fetch import UNMEASURED_ERRORS, behind_wall, unconfirmed_failure
from storage.snapshot import Snapshot

RULE = Rule(
    id="site.unreachable", name_zh="站点无法访问", name_en="Homepage unreachable at audit time",
    indicator="web.veto.unreachable", reads=("pages",), params=("availability.timeout_s",),
)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report the homepage when it could not be loaded within the time limit."""
    home = snap.homepage
    if home is None:
        return RuleResult.not_measured("首页未被请求（检查被中断）/ homepage was not fetched")
    if home.error in UNMEASURED_ERRORS:
        return RuleResult.not_measured(f"首页未能检测：{home.error} {home.error_detail or ''}".strip())
    if behind_wall(home):
        return RuleResult.not_measured(f"首页返回反爬虫验证页（HTTP {home.status}），需浏览器复核")
    if unconfirmed_failure(home):
        return RuleResult.not_measured(f"首页请求失败（{home.error}），未经浏览器复核 / not retried in a browser")
    timeout_s = float(params["availability.timeout_s"])
    slow = home.elapsed_ms is not None and home.elapsed_ms >= timeout_s * 1000
    if home.ok and not slow:
        return RuleResult.of([])
    if home.error:
        why = f"请求失败（{home.error}）"
    elif home.status is not None and home.status >= 400:
        why = f"返回 HTTP {home.status}"
    else:
        why = f"加载用时 {home.elapsed_ms / 1000:.1f} 秒，超过 {timeout_s:g} 秒"
    return RuleResult.of([Finding(
        rule=RULE.id, subject=snap.homepage_url, page=snap.homepage_url,
        message=f"首页无法访问：{why}。",
        evidence={"status": home.status, "error": home.error, "error_detail": home.error_detail,
                  "elapsed_ms": home.elapsed_ms, "timeout_s": timeout_s, "final_url": home.final_url,
                  "redirects": [list(r) for r in home.redirects]},
    )])
