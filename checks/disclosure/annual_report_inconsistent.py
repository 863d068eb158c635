"""disclosure.annual_report_inconsistent — 年度报告表格数据勾稽关系错误.

检查内容 / What it checks: the numbers of tables 2–4 of each parsed annual report satisfy the
template's relations (indicators.md §9.3): AR1 一+二 = 三(七)+四 in every column of table 3; AR2
三(七)总计 = the sum of the handling rows; AR3 each row's 总计 = the six applicant columns; AR4 each
group of table 4: 总计 = 维持+纠正+其他+尚未审结; AR7 counts are non-negative integers (收费金额 may
be decimal; 2019's 本年增/减 may be negative); across years, AR5 上年结转 = last year's 结转下年度 and
AR6 现行有效件数 carried forward (2021 template). The scheme's `annual_report.relations` lists the
relations judged.

Why: gk.report_arithmetic (AR1 [V]; AR2, AR3, AR5, AR7 [C]; AR4, AR6 [U] — AR6 is off in
national-2019) and 国办公开办函〔2021〕30号, which pursues inaccurate reports.

Fires when: a parsed report breaks a relation; one finding per report listing every failing
equation with both sides and the numbers that make them.

Does not fire when: the tables add up; a report could not be parsed completely (blank cells, an
unknown template, a scan OCR could not read, OCR'd numbers that look misread) or was only seen in a
list (`listed`, its page not reached) — it is listed in the reason, never guessed.

Not applicable when: no annual report was found; `not_measured` when none could be parsed.

Evidence: `year`, `template`, `url`, `attachment`, `source_kind` (html, pdf, docx, doc, wps, ofd,
image), `reading` (how an attachment was read, e.g. "pdf 经 ocr 读取，4/4 页，其中 4 页 OCR（tesseract
chi_sim，平均置信度 88.9）"; the message then asks to check the numbers against the scan), `sections`
(the headings 一…六 found), `failures` ([{relation, where, equation, left, right, terms}]),
`relations` (those judged), `previous_year_report` (for AR5/AR6).
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.disclosure.arithmetic import check_across_years, check_report
from storage.snapshot import Snapshot

RULE = Rule(id="disclosure.annual_report_inconsistent", name_zh="年度报告数据不一致",
            name_en="Annual report tables inconsistent", indicator="gk.report_arithmetic",
            reads=("pages", "disclosure"), params=("annual_report.relations",))


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each parsed annual report whose tables break the template's arithmetic."""
    if not snap.annual_reports:
        return RuleResult.not_applicable("未发现年度报告 / no annual report found")
    relations = set(params["annual_report.relations"])
    # The crawl stores reports in the order its concurrent requests finished; judge them in a fixed one.
    reports = sorted(snap.annual_reports, key=lambda r: (r.year or 0, r.url, r.attachment_url or ""))
    read = {r.url for r in reports if r.parse_status != "listed"}
    parsed, skipped = {}, []
    for r in reports:
        if r.parse_status == "ok":
            parsed.setdefault(r.url, r)
        elif r.parse_status != "listed" or r.url not in read:  # listed only: its page was never reached
            skipped.append(f"{r.year or '?'}年 {r.attachment_url or r.url}（{r.parse_status}：{r.parse_detail}）")
    if not parsed:
        return RuleResult.not_measured("年度报告均无法解析 / no report could be parsed: " + "；".join(skipped))
    by_year = {}
    for r in parsed.values():
        if r.year is not None:
            by_year.setdefault(r.year, r)
    findings = []
    for r in parsed.values():
        failures = check_report(r.tables, relations)
        previous = by_year.get(r.year - 1) if r.year is not None else None
        if previous is not None:
            failures += check_across_years(r.tables, previous.tables, relations)
        if failures:
            names = "、".join(dict.fromkeys(f["relation"] for f in failures))
            ocr = "（扫描件经 OCR 识别，请对照原件核对）" if "OCR" in (r.parse_detail or "") else ""
            findings.append(Finding(
                rule=RULE.id, subject=r.url, page=r.url,
                message=f"{r.year or ''}年度报告表格有 {len(failures)} 处勾稽关系错误（{names}），"
                        f"例如 {failures[0]['where']}：{failures[0]['equation']}，{failures[0]['left']} ≠ {failures[0]['right']}。"
                        + ocr,
                evidence={"year": r.year, "template": r.template, "url": r.url, "attachment": r.attachment_url,
                          "source_kind": r.source_kind, "reading": r.parse_detail, "sections": list(r.sections),
                          "failures": failures, "relations": sorted(relations),
                          "previous_year_report": previous.url if previous is not None else None},
            ))
    result = RuleResult.of(findings)
    if skipped:
        result.reason = "未能解析、未判断：" + "；".join(skipped)
    return result
