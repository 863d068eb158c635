"""disclosure.metadata_incomplete — 公开信息元数据不完整或不规范.

检查内容 / What it checks: the metadata block of each disclosure document (a table, definition list or
labelled spans with 索引号, 主题分类, 发布机构, 成文日期, 发文字号, 发布日期, 有效性 …) shows the fields the
scheme requires (`disclosure.required_metadata`: `all` for every document, `normative` for
规范性文件 in addition), in the right form.

Why: gk.metadata (indicators.md §8.3) [V] — 文号 in the shape `〔YYYY〕N号` (`disclosure.doc_number_pattern`),
成文日期 not after 发布日期, 有效性 on 规范性文件.

Fires when: a required field is absent or shown empty; 发文字号 does not match the pattern (e.g.
[2024]3号 or (2024)3号 instead of 〔2024〕3号); a date field holds no valid date; 成文日期 is after 发布日期.

Does not fire when: a field that is not required is empty (主题词); 发文字号 says 无 (a document
without a number); the dates are equal. Pages with no metadata block and 解读 pages are not judged here.

Not applicable when: no page with a metadata block was found.

Evidence: `kind` (document | normative), `layout`, `missing`, `malformed` (field → value),
`date_order` ({成文日期, 发布日期} when reversed), `fields` (the block as shown).
"""
from __future__ import annotations

import re

from checks.base import Finding, Params, Rule, RuleResult
from storage.snapshot import Snapshot

RULE = Rule(id="disclosure.metadata_incomplete", name_zh="公开信息元数据不完整", name_en="Document metadata incomplete",
            indicator="gk.metadata", reads=("pages", "disclosure"),
            params=("disclosure.required_metadata", "disclosure.doc_number_pattern"))
NO_NUMBER = {"无", "—", "-", "－", "/", "暂无"}
DATE_FIELDS = (("成文日期", "written_date"), ("发布日期", "published_date"))


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each document whose metadata block lacks a required field or shows one malformed."""
    docs = [d for d in snap.documents if d.kind != "interpretation" and d.layout not in (None, "none")]
    if not docs:
        return RuleResult.not_applicable("未发现带元数据的公开信息 / no document with a metadata block")
    required = params["disclosure.required_metadata"]
    pattern = re.compile(params["disclosure.doc_number_pattern"])
    findings = []
    for d in docs:
        need = list(required.get("all", [])) + (list(required.get("normative", [])) if d.kind == "normative" else [])
        missing = [f for f in dict.fromkeys(need) if not str(d.fields.get(f) or "").strip()]
        malformed = {}
        number = str(d.fields.get("发文字号") or "").strip()
        if number and number not in NO_NUMBER and not pattern.search(number):
            malformed["发文字号"] = number
        for label, attr in DATE_FIELDS:
            if str(d.fields.get(label) or "").strip() and getattr(d, attr) is None:
                malformed[label] = d.fields[label]
        order = None
        if d.written_date and d.published_date and d.written_date > d.published_date:
            order = {"成文日期": d.written_date.isoformat(), "发布日期": d.published_date.isoformat()}
        if not (missing or malformed or order):
            continue
        problems = ([f"缺少{'、'.join(missing)}"] if missing else []) + \
                   [f"{k}“{v}”格式不规范" for k, v in malformed.items()] + \
                   ([f"成文日期 {order['成文日期']} 晚于发布日期 {order['发布日期']}"] if order else [])
        findings.append(Finding(
            rule=RULE.id, subject=d.url, page=d.url,
            message=f"《{d.title or d.url}》元数据不规范：{'；'.join(problems)}。",
            evidence={"kind": d.kind, "layout": d.layout, "missing": missing, "malformed": malformed,
                      "date_order": order, "fields": d.fields},
        ))
    return RuleResult.of(findings)
