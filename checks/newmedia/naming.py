"""newmedia.naming — 政务新媒体名称与认证不规范.

检查内容 / What it checks: each account's name and 认证信息 against its unit, and the number of
accounts the unit runs on each platform (国办发〔2018〕123号).

Why: 123号 [V] (indicators.md §7, nm.naming, nm.one_per_platform): names tied to the sponsor's
duties, 公开认证信息 naming the 主办单位, one account per platform per unit in principle; an
account renamed without 报备 (nm.ded.unfiled_change) [C].

Fires when: (one finding per account, `evidence.problems` lists which)
- `verification_without_sponsor`: the platform shows 认证信息 that names neither the unit (sites.yaml
  `unit`), nor the site's name, nor its place names (the divisions the site's name starts with:
  湖北省随州市人民政府 → 湖北, 随州);
- `not_verified`: the platform says the account is not verified;
- `name_unrelated`: neither the shown nor the registered name contains one of those place names;
- `renamed`: the platform shows another name than the one registered;
- `duplicate_platform`: the unit registers more than one account on the same platform (weibo,
  wechat, douyin, toutiao); every account after the first is reported.

Does not fire when: the facts are unknown (account not readable, no 认证 shown); no place name
can be read from the start of the site's name (e.g. 国家税务总局…: the name checks are skipped); feeds and manual accounts
(they mirror another platform) for `duplicate_platform`.

Not applicable when: the site has no registered accounts.

Evidence: `platform`, `handle`, `name`, `registered_name`, `verification`, `problems`, `sponsor`
(the names looked for), `same_platform` (other handles on the platform).
"""
from __future__ import annotations

import re

from checks.base import Finding, Params, Rule, RuleResult
from checks.newmedia.common import no_accounts
from storage.snapshot import Snapshot

RULE = Rule(id="newmedia.naming", name_zh="政务新媒体名称与认证不规范", name_en="Account naming and verification",
            indicator="nm.naming", reads=("accounts",))
PLATFORMS_ONE_EACH = ("weibo", "wechat", "douyin", "toutiao")
PROBLEM_ZH = {"verification_without_sponsor": "认证信息未体现主办单位", "not_verified": "账号未认证",
              "name_unrelated": "名称与主办单位无关", "renamed": "平台显示名称与登记名称不一致",
              "duplicate_platform": "同一平台开设多个账号"}


_DIVISION = re.compile(r"([\u4e00-\u9fa5]{1,3}?)(?:省|市|县|区)")


def place_names(name: str) -> list[str]:
    """The leading place names of a site's name: 湖北省随州市人民政府 → [湖北, 随州]; 随县人民政府 → [随县].

    Only consecutive divisions at the start count, so 国家税务总局随州市税务局 gives none (then the
    name checks are skipped rather than guessed).
    """
    out, at = [], 0
    while (m := _DIVISION.match(name.strip(), at)) is not None:
        out.append(m.group(1) if len(m.group(1)) >= 2 else m.group(0))  # 随县 keeps its 县
        at = m.end()
    return out


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each account whose name, 认证 or platform count breaks the 123号 rules."""
    if not snap.accounts:
        return no_accounts()
    places = place_names(snap.site.name)
    sponsors = [s for s in dict.fromkeys([snap.site.unit, snap.site.name, *places]) if s]
    seen: dict[str, list[str]] = {}
    findings = []
    for acc in snap.accounts:
        problems = []
        if acc.status == "ok":
            if acc.verified is False:
                problems.append("not_verified")
            elif acc.verification and not any(s in acc.verification for s in sponsors):
                problems.append("verification_without_sponsor")
            if acc.name and acc.registered_name and _norm(acc.name) != _norm(acc.registered_name):
                problems.append("renamed")
        names = [n for n in (acc.name, acc.registered_name) if n]
        if places and names and not any(p in n for p in places for n in names):
            problems.append("name_unrelated")
        same = seen.setdefault(acc.platform, [])
        if acc.platform in PLATFORMS_ONE_EACH and same:
            problems.append("duplicate_platform")
        others = list(same)
        same.append(acc.handle)
        if not problems:
            continue
        findings.append(Finding(
            rule=RULE.id, subject=acc.key, page=acc.url,
            message=f"账号「{acc.name or acc.registered_name or acc.handle}」：{'；'.join(PROBLEM_ZH[p] for p in problems)}。",
            evidence={"platform": acc.platform, "handle": acc.handle, "name": acc.name,
                      "registered_name": acc.registered_name, "verification": acc.verification,
                      "problems": problems, "sponsor": sponsors, "same_platform": others},
        ))
    return RuleResult.of(findings)


def _norm(name: str) -> str:
    return re.sub(r"\s+", "", name)
