"""identity.domain — 域名不规范.

检查内容 / What it checks: the homepage host is under the scheme's government suffix (.gov.cn) and
follows the 发展指引's pattern for its kind: a portal (`kind: portal`) is `www.<地区>.gov.cn`; a
department site (`kind: department`) is a sub-domain of its government's or superior department's
portal, `<部门>.<地区>.gov.cn` (or deeper), never `www.<部门>.gov.cn` of its own.

Why: 政府网站发展指引 (国办发〔2017〕47号) 域名 requirements (indicators.md §6 [V], web.std.domain).

Fires when: the host is not under `identity.domain_suffix` (an IP address is not either); a portal
host is not `www.` + one label + the suffix; a department host has fewer than two labels before
the suffix or starts with `www.`.

Does not fire when: `www.suizhou.gov.cn` (or 中国政府网's `www.gov.cn`) for a portal, `fgw.suizhou.gov.cn` or
`xxzx.fgw.suizhou.gov.cn` for a department.

Not applicable when: never.

Evidence: `host`, `kind`, `problems` (`suffix`, `portal_pattern`, `department_pattern`),
`expected`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from storage.snapshot import Snapshot

RULE = Rule(id="identity.domain", name_zh="域名不规范", name_en="Domain not compliant", indicator="web.std.domain",
            reads=("pages",), params=("identity.domain_suffix",))


def check(snap: Snapshot, params: Params) -> RuleResult:
    """One finding on the homepage host when its suffix or its shape breaks the 指引."""
    from urllib.parse import urlsplit

    host = (urlsplit(snap.homepage_url).hostname or "").lower().rstrip(".")
    suffixes = params["identity.domain_suffix"]
    suffixes = [suffixes] if isinstance(suffixes, str) else list(suffixes)
    suffix = next((s for s in suffixes if host.endswith(s.lower())), None)
    kind = snap.site.kind
    problems, expected = [], ""
    if suffix is None:
        problems.append("suffix")
        expected = f"以 {' 或 '.join(suffixes)} 结尾"
    else:
        labels = host[: -len(suffix)].strip(".").split(".") if host[: -len(suffix)].strip(".") else []
        if kind == "portal" and not (labels[:1] == ["www"] and len(labels) in (1, 2)):  # www.gov.cn: 中国政府网
            problems.append("portal_pattern")
            expected = f"www.<地区>{suffix}"
        elif kind == "department" and (len(labels) < 2 or labels[0] == "www"):
            problems.append("department_pattern")
            expected = f"<部门>.<地区>{suffix}"
    if not problems:
        return RuleResult.of([])
    return RuleResult.of([Finding(
        rule=RULE.id, subject=host, page=snap.homepage_url,
        message=f"网站域名 {host} 不符合政府网站域名规范（应为 {expected}）。",
        evidence={"host": host, "kind": kind, "problems": problems, "expected": expected},
    )])
