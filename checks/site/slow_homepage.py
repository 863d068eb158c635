"""site.slow_homepage — 首页加载慢.

检查内容 / What it checks: how long the homepage takes to load, from the availability samples of
the scheme's monitoring window (the same samples as `site.availability`).

Why: no national figure (indicators.md §13: "no national load-time limit; V2's 15 s is the only
figure"); provincial schemes that score speed set `homepage.max_load_s` [U].

Fires when: `homepage.max_load_s` is set and the median load time of the samples that loaded in
the `availability.window_days` days ending at as_of is above it.

Does not fire when: the median is at or below the limit, even if some samples were slower; failed
samples (those are `site.availability`'s) and anti-bot wall answers do not count as load times.

Not applicable when: the scheme leaves `homepage.max_load_s` unset (national-2019), or no sample in
the window loaded.

Evidence: `median_s`, `p90_s`, `max_load_s`, `samples`, `slow_samples` (above the limit), `window`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.derived.availability import by_day, measured, median, window_days
from storage.snapshot import Snapshot

RULE = Rule(
    id="site.slow_homepage", name_zh="首页加载慢", name_en="Slow homepage",
    indicator="web.ext.slow_homepage", reads=("probes",),
    params=("homepage.max_load_s", "availability.window_days", "availability.timeout_s"),
)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report the homepage when its median load time in the window is above the scheme's limit."""
    limit = params["homepage.max_load_s"]
    if limit is None:
        return RuleResult.not_applicable("方案未设定首页加载时限（homepage.max_load_s）/ the scheme sets no limit")
    limit = float(limit)
    timeout_s = float(params["availability.timeout_s"])
    days = window_days(snap.as_of, int(params["availability.window_days"]))
    wanted = set(days)
    samples = [p for p in snap.probes if p.local_time.date() in wanted and measured(p, timeout_s)]
    loads = sorted(ms for s in by_day(samples, timeout_s).values() for ms in s.loads_ms)
    if not loads:
        return RuleResult.not_applicable(f"{days[0]}—{days[-1]} 没有加载成功的首页探测 / no loaded samples")
    med = median(loads) / 1000
    if med <= limit:
        return RuleResult.of([])
    p90 = loads[min(len(loads) - 1, int(round(0.9 * (len(loads) - 1))))] / 1000
    return RuleResult.of([Finding(
        rule=RULE.id, subject=snap.homepage_url, page=snap.homepage_url,
        message=f"首页加载用时中位数 {med:.1f} 秒，超过 {limit:g} 秒（{len(loads)} 次探测）。",
        evidence={"median_s": round(med, 3), "p90_s": round(p90, 3), "max_load_s": limit, "samples": len(loads),
                  "slow_samples": sum(1 for ms in loads if ms > limit * 1000),
                  "window": [days[0].isoformat(), days[-1].isoformat()]},
    )])
