"""newmedia.unreachable — 政务新媒体账号无法访问.

检查内容 / What it checks: whether each registered account still exists on its platform.

Why: 未报备/未履行注销 (indicators.md §3 deduction problems, nm.ded.unfiled_change) [C]: an
account that vanished (closed, banned, renamed id) without the 报备 the 123号 意见 requires.

Fires when: the platform answered that the account does not exist (微博 `ok: 0` "这里还没有内容"/
"用户不存在" on the profile, HTTP 404/410 for a feed or profile page, "用户不存在" on a rendered page).

Does not fire when: the platform timed out, showed a login or captcha wall, rate-limited us,
answered markup we no longer recognise, or could not be reached — those accounts are not
measured (listed in the reason), never reported.

Not applicable when: the site has no registered accounts. `not_measured` when no account could be read.

Evidence: `platform`, `handle`, `name` (registered), `profile_url`, `failure`, `detail`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.newmedia.common import conclude, failure_text, no_accounts
from storage.snapshot import Snapshot

RULE = Rule(id="newmedia.unreachable", name_zh="政务新媒体账号无法访问", name_en="New-media account not found",
            indicator="nm.ded.unfiled_change", reads=("accounts",))


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each account its platform says does not exist."""
    if not snap.accounts:
        return no_accounts()
    findings: list[Finding] = []
    unmeasured: list[str] = []
    measured = 0
    for acc in snap.accounts:
        if acc.status == "ok":
            measured += 1
        elif acc.failure == "not_found":
            measured += 1
            findings.append(Finding(
                rule=RULE.id, subject=acc.key, page=acc.url,
                message=f"账号「{acc.registered_name or acc.handle}」在平台上不存在或已注销，无法访问。",
                evidence={"platform": acc.platform, "handle": acc.handle, "name": acc.registered_name,
                          "profile_url": acc.url, "failure": acc.failure, "detail": acc.failure_detail},
            ))
        else:
            unmeasured.append(failure_text(acc))
    return conclude(findings, unmeasured, measured)
