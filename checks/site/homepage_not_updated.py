"""site.homepage_not_updated — 首页不更新.

检查内容 / What it checks: the newest dated item shown anywhere on the homepage (every dated list
block), against the 监测时间点.

Why: 国办秘函〔2019〕19号 V3 (indicators.md §2, web.veto.homepage_stale [V]): "监测2周，首页无信息更新的"
vetoes. If the homepage is only a navigation entry, V3 applies to the second-level pages, so the
newest item of the 一级 columns is used. 2015 普查: items with no visible date count as not updated.

Fires when: `as_of − newest homepage item date` is strictly greater than `homepage.max_age_days`
(14: an item dated exactly as_of − 14 is fresh); or the homepage lists items, none of them dated,
and `homepage.undated_counts_as_stale` is true; or a navigation-entry homepage whose 一级 columns'
newest item is older than the limit.

Does not fire when: any homepage item is within the limit; a year in the footer (© 2005-2024) or a
date inside a title is not an item date.

Not applicable when: never; `not_measured` when the homepage could not be loaded (site.unreachable
reports that), its lists are filled by a script that was not rendered, its dates could not be
read, or a navigation-entry homepage has no dated 一级 column to read.

Evidence: `newest` (title, date, url, date_raw, date_source), `age_days`, `max_age_days`,
`days_over`, `undated`, `via` (homepage | columns), `items_seen`, `dated_items`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult, Status
from checks.derived.columns import item_evidence, unmeasured_reason
from storage.facts.columns import ColumnItemFact
from storage.snapshot import Snapshot

RULE = Rule(
    id="site.homepage_not_updated", name_zh="首页不更新", name_en="Homepage not updated",
    indicator="web.veto.homepage_stale", reads=("pages", "columns", "column_items"),
    params=("homepage.max_age_days", "homepage.undated_counts_as_stale"),
)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report the homepage when its newest dated item is older than the limit."""
    home = next((c for c in snap.columns if c.level == 0), None)
    if home is None:
        return RuleResult.not_measured("首页未被读取 / the homepage was not read")
    why = unmeasured_reason(home)
    if why:
        return RuleResult.not_measured(f"首页：{why}")
    items = snap.items_of.get(home.url, [])
    via = "homepage"
    if not items:
        # A navigation-entry homepage: V3 applies to the 一级 columns' pages.
        via = "columns"
        items = sorted((i for c in snap.columns if c.level == 1 and not unmeasured_reason(c)
                        for i in snap.items_of.get(c.url, []) if i.date is not None),
                       key=lambda i: i.date, reverse=True)
        if not items:
            return RuleResult.not_measured("首页和一级栏目都没有带日期的信息列表 / nothing dated to read")
    limit = int(params["homepage.max_age_days"])
    newest = next((i for i in items if i.date is not None), None)
    if newest is None:
        if any(i.date_source == "unparsed" for i in items):
            return RuleResult.not_measured("首页信息的日期格式未能识别 / dates shown but not read")
        if not params["homepage.undated_counts_as_stale"]:
            return RuleResult.not_measured("首页信息均无日期 / no homepage item is dated")
        return RuleResult.of([_finding(snap, items[0], None, limit, via, len(items), 0,
                                       f"首页的 {len(items)} 条信息均未标注发布日期，视为未更新。")])
    age = (snap.as_of - newest.date).days
    if age <= limit:
        return RuleResult(Status.PASS)
    where = "首页" if via == "homepage" else "首页（导航入口页）下的一级栏目"
    message = f"{where}最新信息发布于 {newest.date.isoformat()}，距监测时间点 {age} 天，超过 {limit} 天的要求 {age - limit} 天。"
    dated = sum(i.date is not None for i in items)
    return RuleResult.of([_finding(snap, newest, age, limit, via, len(items), dated, message)])


def _finding(snap: Snapshot, item: ColumnItemFact, age: int | None, limit: int, via: str, seen: int, dated: int,
             message: str) -> Finding:
    return Finding(
        rule=RULE.id, subject=snap.homepage_url, page=snap.homepage_url, message=message,
        evidence={"newest": item_evidence(item), "age_days": age, "max_age_days": limit,
                  "days_over": age - limit if age is not None else None, "undated": age is None, "via": via,
                  "items_seen": seen, "dated_items": dated},
    )
