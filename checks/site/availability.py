"""site.availability — 站点无法访问（一周监测）.

检查内容 / What it checks: the homepage's availability over the scheme's monitoring window, from
the samples `govaudit probe` takes every few minutes (cron or `--every 5m --for 7d`).

Why: 国办秘函〔2019〕19号 单项否决 V2 站点无法访问 [V] (indicators.md §0.2, §2; web.veto.unreachable):
"监测1周，每天间隔性访问20次以上，超过（含）15秒网站仍打不开的次数累计占比超过（含）5%".

Fires when: over the `availability.window_days` Beijing calendar days ending at as_of, each day
holds at least `availability.min_probes_per_day` samples and the share of samples not open within
`availability.timeout_s` — a DNS, connect, TLS, reset or protocol error, an HTTP error status, or a
load of the limit or longer — reaches `availability.max_failure_ratio` (≥, "超过（含）").

Does not fire when: the share stays below the limit (7 of 168 samples = 4.2%); a slow load that
still ends inside the limit; a redirect that ends on a loaded page; an anti-bot wall that answered
(the server is up and a person's browser passes it: counted as open, shown as `walled`).

Not applicable when: a day of the window has fewer than `availability.min_probes_per_day` measured
samples (the history is too short; the reason names those days). A sample whose own time limit
was shorter than the scheme's and that timed out is not counted (it cannot show "not open after
15 s"), nor are the samples of a probe round in which every site failed at the network level
(flag `all_sites_failed`: the monitor's own network was down), nor one taken while every canary of
its round failed too (flag `monitor_offline`, `govaudit probe --canary`).

Evidence: `probes`, `failures`, `ratio`, `max_failure_ratio`, `timeout_s`, `window` ([first day,
last day]), `days` ([{day, probes, failures}]), `errors` ({class: count}), `worst_hours`
([{hour (Beijing), probes, failures}], up to 5), `walled`.
"""
from __future__ import annotations

from collections import Counter

from checks.base import Finding, Params, Rule, RuleResult
from checks.derived.availability import by_day, failure, measured, window_days
from storage.snapshot import Snapshot

RULE = Rule(
    id="site.availability", name_zh="站点无法访问（监测）", name_en="Homepage unavailable over the monitoring window",
    indicator="web.veto.unreachable", reads=("probes",),
    params=("availability.window_days", "availability.min_probes_per_day", "availability.timeout_s",
            "availability.max_failure_ratio"),
)
WORST_HOURS = 5


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report the homepage when the share of failed samples in the window reaches the limit."""
    timeout_s = float(params["availability.timeout_s"])
    need = int(params["availability.min_probes_per_day"])
    limit = float(params["availability.max_failure_ratio"])
    days = window_days(snap.as_of, int(params["availability.window_days"]))
    wanted = set(days)
    samples = [p for p in snap.probes if p.local_time.date() in wanted and measured(p, timeout_s)]
    summary = by_day(samples, timeout_s)
    short = [f"{d}: {summary[d].probes if d in summary else 0}" for d in days
             if (summary[d].probes if d in summary else 0) < need]
    if short:
        return RuleResult.not_applicable(
            f"监测记录不足：{len(samples)} 次探测，需每天至少 {need} 次、共 {len(days)} 天；不足的日期 "
            f"{'; '.join(short[:7])}{' …' if len(short) > 7 else ''} / history too short")
    probes = sum(s.probes for s in summary.values())
    failures = sum(s.failures for s in summary.values())
    ratio = failures / probes
    if failures < limit * probes - 1e-9:
        return RuleResult.of([])
    errors: Counter[str] = Counter()
    hours: dict[str, list[int]] = {}
    for p in samples:
        why = failure(p, timeout_s)
        slot = hours.setdefault(p.local_time.strftime("%Y-%m-%d %H:00"), [0, 0])
        slot[0] += 1
        if why:
            errors[why] += 1
            slot[1] += 1
    worst = sorted(((h, n, f) for h, (n, f) in hours.items() if f), key=lambda x: (-x[2], x[0]))[:WORST_HOURS]
    return RuleResult.of([Finding(
        rule=RULE.id, subject=snap.homepage_url, page=snap.homepage_url,
        message=(f"监测 {len(days)} 天共访问首页 {probes} 次，{failures} 次超过 {timeout_s:g} 秒仍打不开，"
                 f"占 {ratio:.1%}，达到 {limit:.0%} 的否决线。"),
        evidence={
            "probes": probes, "failures": failures, "ratio": round(ratio, 4), "max_failure_ratio": limit,
            "timeout_s": timeout_s, "window": [days[0].isoformat(), days[-1].isoformat()],
            "days": [{"day": d.isoformat(), "probes": summary[d].probes, "failures": summary[d].failures}
                     for d in days],
            "errors": dict(errors.most_common()),
            "worst_hours": [{"hour": h, "probes": n, "failures": f} for h, n, f in worst],
            "walled": sum(s.walled for s in summary.values()),
        },
    )])
