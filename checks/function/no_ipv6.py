"""function.no_ipv6 — 不支持IPv6.

检查内容 / What it checks: the homepage host has an AAAA record (dnspython), and the homepage
answers a real HTTP request sent to that IPv6 address (Host header and TLS name of the site).

Why: 功能设计: IPv6 support (indicators.md §4, web.ded.ipv6 [C]).

Fires when: DNS answers that the name has no AAAA record (`reason: no_aaaa`); or the auditing
machine has an IPv6 route, and the fetch over IPv6 fails to connect, times out, fails TLS or gets
a 5xx (`reason: ipv6_fetch_failed`).

Does not fire when: an AAAA record exists and the homepage answers over IPv6 (any status below
500: the server is there).

Not applicable when: never. `not_measured` when the host is an IPv4 address rather than a name,
DNS timed out or failed, the auditing machine has no route to the IPv6 address (AAAA present but
untestable from here), or the address is private and private fetching was not allowed.

Evidence: `host`, `reason`, `aaaa`, `cnames`, `dns_error`, `ipv6_address`, `ipv6_status`,
`ipv6_error`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from storage.snapshot import Snapshot

RULE = Rule(id="function.no_ipv6", name_zh="不支持IPv6", name_en="No IPv6", indicator="web.ded.ipv6", reads=("host",))


def check(snap: Snapshot, params: Params) -> RuleResult:
    """One finding on the host when it has no AAAA record or does not answer over IPv6."""
    if not snap.host_facts:
        return RuleResult.not_measured("没有主机检查记录 / no host facts")
    h = snap.host_facts[0]
    evidence = {"host": h.host, "aaaa": list(h.aaaa), "cnames": list(h.cnames), "dns_error": h.dns_error,
                "ipv6_address": h.ipv6_address, "ipv6_status": h.ipv6_status, "ipv6_error": h.ipv6_error}
    if not h.aaaa:
        if h.dns_error != "no_aaaa":
            return RuleResult.not_measured(f"无法判断 IPv6：DNS {h.dns_error} / DNS gave no answer to judge")
        return RuleResult.of([Finding(rule=RULE.id, subject=h.host, page=snap.homepage_url,
                                      message=f"域名 {h.host} 没有 AAAA（IPv6）解析记录。",
                                      evidence={"reason": "no_aaaa", **evidence})])
    if not h.ipv6_route:
        return RuleResult.not_measured("检查机器没有 IPv6 路由，无法实测 IPv6 访问 / no IPv6 route from the auditing machine")
    if h.ipv6_error == "refused_private":
        return RuleResult.not_measured("IPv6 地址属于内网，未访问 / private IPv6 address not fetched")
    if h.ipv6_error is None and h.ipv6_status is not None and h.ipv6_status < 500:
        return RuleResult.of([])
    what = h.ipv6_error or f"HTTP {h.ipv6_status}"
    return RuleResult.of([Finding(rule=RULE.id, subject=h.host, page=snap.homepage_url,
                                  message=f"通过 IPv6 地址 {h.ipv6_address} 访问首页失败（{what}）。",
                                  evidence={"reason": "ipv6_fetch_failed", **evidence})])
