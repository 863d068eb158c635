"""column.blank — 空白栏目.

检查内容 / What it checks: every column (栏目, 一级 and 二级) whose list page was read: does it show
any item or sub-column at all?

Why: 国办秘函〔2019〕19号 V4(3) (indicators.md §2, web.veto.columns_stale [V]): "空白栏目数量超过（含）5个"
vetoes; "暂无信息" counts as blank (indicators.md §11).

Fires when: the column's list page shows no item and links no sub-column, and says so: an
empty-list phrase (暂无信息, 暂无数据, 没有相关信息, 栏目建设中, 共0条 …) or an empty list element.

Does not fire when: the list has items (dated or not); a 专题 landing page links its sub-columns; a
page without items that says nothing about a list (a single content page such as 机构职能); a list
that a script fills and that was not rendered (not measured, never blank).

Not applicable when: no column was found. `not_measured` when no finding was made and some columns
could not be read (script-filled lists not rendered, failed list pages, pages beyond the crawl).

Evidence: `name`, `type`, `type_reason`, `level`, `parent`, `source`, `empty_marker` (the phrase or
element seen), `items_seen` (0), `subcolumns` (0), `pages`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult, Status
from checks.derived.columns import column_evidence, label, unmeasured_reason
from storage.snapshot import Snapshot

RULE = Rule(
    id="column.blank", name_zh="空白栏目", name_en="Blank column",
    indicator="web.veto.columns_stale", reads=("columns", "column_items"),
)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each column whose list page shows nothing and says it is empty."""
    columns = [c for c in snap.columns if c.level >= 1]
    if not columns:
        return RuleResult.not_applicable("未发现栏目 / no column was found")
    findings: list[Finding] = []
    unmeasured: list[str] = []
    for col in columns:
        if col.items_seen > 0 or col.subcolumns > 0 or snap.items_of.get(col.url):
            continue
        why = unmeasured_reason(col)
        if why:
            unmeasured.append(f"{col.name or col.url}：{why}")
            continue
        if not col.empty_marker:
            continue  # a content page, not an empty list
        findings.append(Finding(
            rule=RULE.id, subject=col.url, page=col.url,
            message=f"栏目{label(col)}没有任何信息（页面显示“{col.empty_marker}”），为空白栏目。",
            evidence={**column_evidence(col), "empty_marker": col.empty_marker, "subcolumns": col.subcolumns},
        ))
    if findings:
        result = RuleResult.of(findings)
        if unmeasured:
            result.reason = f"{len(unmeasured)} 个栏目未能检测：" + "；".join(unmeasured[:5])
        return result
    if unmeasured:
        return RuleResult.not_measured(f"{len(unmeasured)} 个栏目未能检测：" + "；".join(unmeasured[:5]))
    return RuleResult(Status.PASS)
