"""intensive.platform — 未使用集约化平台.

检查内容 / What it checks: for a site whose registry entry names its 集约化 platform (`platform:`
in sites.yaml with host/CNAME globs, shared search endpoints and template markers), whether the
site shows any of the platform's fingerprints, and whether its search box sends queries to the
platform's shared search. The CMS fingerprints of every site (TRS, 大汉 Hanweb, 开普云, …) are
recorded in the reason, so the report shows them for every site.

Why: 集约化建设 — sites on the province's shared platform with unified search (indicators.md §5:
+5 for a region whose sites have all moved onto the 集约化平台; §6 其他 指引 requirements [U]).

Fires when: the site declares a platform and shows none of its fingerprints (`not_on_platform`);
or it runs on it, the platform declares shared search endpoints, the site has a search box, and
that box does not send to them (`own_search`).

Does not fire when: the host, CNAME or template markers match and the search goes to the shared
endpoint (or the platform declares none).

Not applicable when: the registry entry names no platform (the CMS fingerprints are still given).

Evidence: `platform`, `matched`, `markers`, `on_platform`, `shared_search`, `search_action`,
`declared`, `cms`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult, Status
from storage.snapshot import Snapshot

RULE = Rule(id="intensive.platform", name_zh="未使用集约化平台", name_en="Not on the shared platform",
            indicator="web.std.intensive", reads=("host",))


def check(snap: Snapshot, params: Params) -> RuleResult:
    """A finding on the homepage when the site is off its declared platform or bypasses its shared search."""
    if not snap.host_facts:
        return RuleResult.not_measured("没有主机检查记录 / no host facts")
    h = snap.host_facts[0]
    cms = list(h.cms)
    cms_text = "、".join(f"{c['name']}（{c['vendor']}）" for c in cms) or "未识别"
    p = h.platform
    if not p:
        return RuleResult.not_applicable(f"未声明集约化平台；CMS 指纹：{cms_text}")
    problems = []
    if not p.get("on_platform"):
        problems.append("not_on_platform")
    elif p["declared"].get("search") and p.get("search_action") and not p.get("shared_search"):
        problems.append("own_search")
    if not problems:
        return RuleResult(Status.PASS, reason=f"运行在 {p['name']}（{'、'.join(p['matched'])}）；CMS 指纹：{cms_text}")
    text = {"not_on_platform": f"未发现运行在集约化平台“{p['name']}”上的特征",
            "own_search": f"站内搜索未使用“{p['name']}”的统一搜索"}
    return RuleResult.of([Finding(
        rule=RULE.id, subject=snap.homepage_url, page=snap.homepage_url,
        message="；".join(text[x] for x in problems) + f"（CMS 指纹：{cms_text}）。",
        evidence={"problems": problems, "platform": p["name"], "matched": p.get("matched", []),
                  "markers": p.get("markers", []), "on_platform": p.get("on_platform"),
                  "shared_search": p.get("shared_search"), "search_action": p.get("search_action"),
                  "declared": p.get("declared", {}), "cms": cms},
    )])
