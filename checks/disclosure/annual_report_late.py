"""disclosure.annual_report_late — 政府信息公开工作年度报告发布超期.

检查内容 / What it checks: each annual report found was published by its deadline: 31 January
(sites of kind `department`) or 31 March (`portal`, a local government's own report) of the year
after the one it covers.

Why: gk.report_deadline — 条例 第四十九条 (indicators.md §9.4) [C]; deadlines from the scheme
(`annual_report.department_deadline`, `annual_report.government_deadline`); reports on years before
`annual_report.late_from_year` (2019: the revised 条例, 国务院令第711号) are not judged.

Fires when: the report's publication date (its page's 发布日期/发布时间, else the date beside its
link in the 年报 list) is after the deadline; one finding per year, using the earliest copy.

Does not fire when: it was published on the deadline day or before; the report shows no date; its
title names another unit than the site's (a department's report listed on the portal).

Not applicable when: no report was found; `not_measured` when reports were found but none shows a date.

Evidence: `state` ("late"), `year`, `published`, `deadline`, `deadline_param`, `days_late`, `url`, `date_source` (page | list).
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.disclosure.common import deadline, own_reports
from storage.snapshot import Snapshot

RULE = Rule(id="disclosure.annual_report_late", name_zh="年度报告发布超期", name_en="Annual report published late",
            indicator="gk.report_deadline", reads=("pages", "disclosure"),
            params=("annual_report.department_deadline", "annual_report.government_deadline",
                    "annual_report.late_from_year"))


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each year whose annual report was published after its deadline."""
    reports = [r for r in own_reports(snap) if r.year is not None and r.year >= params["annual_report.late_from_year"]]
    if not reports:
        return RuleResult.not_applicable("未发现需检查时限的年度报告 / no annual report found")
    dated = sorted((r for r in reports if r.published_date is not None), key=lambda r: r.published_date)
    if not dated:
        return RuleResult.not_measured("发现的年度报告均无发布日期 / no report shows a publication date")
    earliest = {}
    for r in dated:
        earliest.setdefault(r.year, r)
    findings = []
    for year, r in sorted(earliest.items()):
        due, key = deadline(snap, params, year)
        if r.published_date > due:
            findings.append(Finding(
                rule=RULE.id, subject=str(year), page=r.url,
                message=f"{year}年政府信息公开工作年度报告于 {r.published_date} 发布，晚于 {due} 的期限。",
                evidence={"state": "late", "year": year, "published": r.published_date.isoformat(), "deadline": due.isoformat(),
                          "deadline_param": key, "days_late": (r.published_date - due).days, "url": r.url,
                          "date_source": r.date_source},
            ))
    result = RuleResult.of(findings)
    undated = sorted({r.year for r in reports} - set(earliest))
    if undated:
        result.reason = f"无发布日期、未判断的年度：{', '.join(map(str, undated))} / undated years not judged"
    return result
