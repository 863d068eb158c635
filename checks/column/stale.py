"""column.stale — 栏目不更新.

检查内容 / What it checks: every column (栏目) of a type that should be updated (scheme parameter
`column.should_update_types`: news, notice, policy, personnel, plan): the date of its newest item
against the limit for its type and level.

Why: 国办秘函〔2019〕19号 V4 (indicators.md §2, web.veto.columns_stale [V]): 动态、要闻 columns with no
update in the 2 weeks before the monitoring point and 通知公告、政策文件类 一级 columns with no update
in 6 months, ≥ 5 in total, veto; ≥ 10 columns that should update but have not for a long time veto;
web.ded.news_update and web.ded.policy_column_update (−5, [C]) deduct. Undated items count as not
updated (2015 普查 note, CONTRACT.md §5).

Fires when: `as_of − newest item date` is strictly greater than the limit (indicators.md §14): news
`column.news_max_age_days` (14: an item dated exactly as_of − 14 is still fresh, as_of − 15 is
stale); notice/policy `column.notice_policy_max_age_days` (183) for 一级 columns (for 二级 ones too
when `column.notice_policy_top_level_only` is false; otherwise they take the next limit); every other
should-update column `column.other_max_age_days` (365). Also when the list shows items but none has
a visible date and `column.undated_counts_as_stale` is true.

Does not fire when: the newest item is within the limit (a notice column 5 months old is fresh); the
column has no items (that is `column.blank`); its type need not be updated (interaction, service,
other); a date in a title, a 成文日期 or a footer copyright year is never read as the item date.

Not applicable when: no should-update column was found. `not_measured` when no finding was made and
some columns could not be read: a list filled by a script and not rendered, a list page that failed
or lay beyond the crawl's limits, dates shown in a form the reader does not know (`22-11-15`).

Evidence: `name`, `type`, `type_reason`, `level`, `parent`, `source`, `limit_group` (news |
notice_policy | other), `max_age_days`, `age_days`, `days_over`, `undated`, `long_stale` (older than
`column.other_max_age_days` or undated: the V4(2) "长期未更新" count), `newest` (title, date, url,
date_raw, date_source), `items_seen`, `dated_items`, `pages`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult, Status
from checks.derived.columns import column_evidence, item_evidence, label, limit_for, unmeasured_reason
from storage.snapshot import Snapshot

RULE = Rule(
    id="column.stale", name_zh="栏目不更新", name_en="Stale column",
    indicator="web.veto.columns_stale", reads=("columns", "column_items"),
    params=("column.news_max_age_days", "column.notice_policy_max_age_days", "column.notice_policy_top_level_only",
            "column.other_max_age_days", "column.should_update_types", "column.undated_counts_as_stale"),
)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each should-update column whose newest item is older than its type's limit."""
    should = set(params["column.should_update_types"])
    columns = [c for c in snap.columns if c.level >= 1 and c.type in should]
    if not columns:
        return RuleResult.not_applicable("未发现需要定期更新的栏目 / no column that should be updated")
    findings: list[Finding] = []
    unmeasured: list[str] = []
    judged = 0
    long_limit = int(params["column.other_max_age_days"])
    for col in columns:
        why = unmeasured_reason(col)
        if why:
            unmeasured.append(f"{col.name or col.url}：{why}")
            continue
        items = snap.items_of.get(col.url, [])
        if not items:
            continue  # no items at all: column.blank decides
        newest = next((i for i in items if i.date is not None), None)
        if newest is None and any(i.date_source == "unparsed" for i in items):
            unmeasured.append(f"{col.name or col.url}：日期格式未能识别 / dates shown but not read")
            continue
        if newest is None and not params["column.undated_counts_as_stale"]:
            unmeasured.append(f"{col.name or col.url}：信息均无日期 / no item is dated")
            continue
        judged += 1
        group, limit = limit_for(col, params)
        age = (snap.as_of - newest.date).days if newest else None
        if age is not None and age <= limit:
            continue
        evidence = {**column_evidence(col), "limit_group": group, "max_age_days": limit, "age_days": age,
                    "days_over": age - limit if age is not None else None, "undated": newest is None,
                    "long_stale": newest is None or age > long_limit, "newest": item_evidence(newest or items[0])}
        if newest is None:
            message = f"栏目{label(col)}的 {len(items)} 条信息均未标注发布日期，视为未更新。"
        else:
            message = (f"栏目{label(col)}最新信息发布于 {newest.date.isoformat()}，距监测时间点 {age} 天，"
                       f"超过 {limit} 天的要求 {age - limit} 天。")
        findings.append(Finding(rule=RULE.id, subject=col.url, page=col.url, message=message, evidence=evidence))
    if findings:
        result = RuleResult.of(findings)
        if unmeasured:
            result.reason = f"{len(unmeasured)} 个栏目未能检测：" + "；".join(unmeasured[:5])
        return result
    if unmeasured:
        return RuleResult.not_measured(f"{len(unmeasured)} 个栏目未能检测：" + "；".join(unmeasured[:5]))
    if not judged:
        return RuleResult.not_applicable("需要更新的栏目均无信息列表 / no list to date")
    return RuleResult(Status.PASS)
