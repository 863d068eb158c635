"""disclosure.annual_report_missing — 未发布上一年度政府信息公开工作年度报告.

检查内容 / What it checks: once the deadline for the year before `as_of` has passed, a
政府信息公开工作年度报告 of that year is on the site (a title "YYYY年…政府信息公开工作年度报告", as a
page or an attachment, whatever its format).

Why: gk.report_deadline — 条例 第四十九条: departments publish by 1月31日, a local government's
own report by 3月31日 (indicators.md §9.4) [C]; the deadline comes from the scheme
(`annual_report.department_deadline` for sites of kind `department`, `annual_report.government_deadline`
for `portal`).

Fires when: `as_of` is after the deadline and no report of the year was found, while the site's
年报 column (or another year's report) was found, so the place where it belongs was read.

Does not fire when: the deadline has not passed yet (on the deadline day itself the report is
still on time), or a report of the year exists, even one that could not be parsed or was only seen
as a link in the 年报 list. Reports whose
title names another unit (a portal's column listing its departments' reports) are not the site's own.

Not applicable when: the deadline of the year before `as_of` has not passed; `not_measured` when
neither a 年报 column nor any report was found.

Also `not_measured` when the crawl did not finish (an interrupted or failed run): an absence is
only shown by a whole crawl (`whole_site`).

Evidence: `state` ("missing"), `year`, `deadline`, `deadline_param`, `kind`, `years_found`, `column`.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.disclosure.common import deadline, own_reports
from storage.snapshot import Snapshot

RULE = Rule(id="disclosure.annual_report_missing", name_zh="年度报告未发布", name_en="Annual report missing",
            indicator="gk.report_deadline", reads=("pages", "disclosure"),
            params=("annual_report.department_deadline", "annual_report.government_deadline"), whole_site=True)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report the previous year's annual report when its deadline passed and it is not on the site."""
    year = snap.as_of.year - 1
    due, key = deadline(snap, params, year)
    if snap.as_of <= due:
        return RuleResult.not_applicable(f"{year}年度报告的发布期限 {due} 尚未到 / deadline not passed")
    years = sorted({r.year for r in own_reports(snap) if r.year is not None})
    column = next((p.url for p in snap.disclosure_parts if p.part == "annual_report"), None)
    if year in years:
        return RuleResult.of([])
    if not years and column is None:
        return RuleResult.not_measured("未找到年报栏目或任何年度报告 / no annual-report column found")
    return RuleResult.of([Finding(
        rule=RULE.id, subject=str(year), page=column,
        message=f"截至 {snap.as_of}，未发现{year}年政府信息公开工作年度报告（应于 {due} 前发布）。",
        evidence={"state": "missing", "year": year, "deadline": due.isoformat(), "deadline_param": key, "kind": snap.site.kind,
                  "years_found": years, "column": column},
    )])
