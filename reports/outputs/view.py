"""The report's view of one findings document — the one result object every output renders.

report.html, the 自查表 of report.docx/report.pdf and the rows of summary.xlsx all take their problems,
numbers, scores and advice from `report_view(doc)`, so they cannot disagree: problems ordered by what a
unit does next (vetoes first, grouped by indicator), numbered once (问题 1 … N), each with its 整改建议
and the evidence image to show (the crop, else the rule's own screenshot; the full page on demand).
"""
from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from reports.advice import advice_for
from reports.outputs.summary import (
    INDICATOR_KIND_ZH,
    INDICATOR_STATUS_ZH,
    NOT_JUDGED,
    RULE_STATUS_ZH,
    SEVERITY_ZH,
    grade,
    label,
    rule_names,
)

MAX_LIST_ITEMS = 20  # a link broken on 300 pages needs a few examples, not a wall of URLs
TOP_PROBLEMS = 5  # the problems named on the first screen
SEVERITY_ORDER = {"veto": 0, "deduction": 1, "info": 2}
# The rule table reads from what needs doing to what is fine; unjudged rules also get their own section.
RULE_STATUS_ORDER = {"fail": 0, "not_measured": 1, "error": 2, "not_applicable": 3, "pass": 4}
# 一级指标 of the 自查表: the indicator families of ../shared/indicators.md §11 (web.* 政府网站, nm.* 政务新媒体,
# gk.* 政务公开) and the parts of 国办秘函〔2019〕19号 (单项否决指标, 扣分指标, 加分指标).
FAMILY_ZH = {"web": "政府网站", "nm": "政务新媒体", "gk": "政务公开"}
PART_ZH = {"veto": "单项否决指标", "deduction": "扣分指标", "bonus": "加分指标"}
TAG_ZH = {"V": "原文已核实", "C": "有旁证", "U": "待核实"}
# Chinese names of evidence keys rules commonly use; other keys are shown as they are.
EVIDENCE_ZH = {"status": "HTTP 状态", "pages": "出现页面", "on_homepage": "首页链接", "error": "错误",
               "expected": "应为", "observed": "实际", "newest": "最新日期", "age_days": "间隔天数",
               "limit_days": "限期天数", "url": "网址", "text": "文字", "date": "日期",
               "error_detail": "错误详情", "soft_404": "错误页特征", "final_url": "最终网址", "redirects": "跳转",
               "pages_count": "页面数", "tag": "标签", "anchor": "链接文字", "element": "标识项", "label": "名称",
               "homepage": "首页", "found": "已发现", "registry_id": "登记标识码", "footer": "页面底部",
               "meta": "SiteIDCode 标签", "elapsed_ms": "用时（毫秒）", "timeout_s": "时限（秒）",
               # column rules (docs/columns.md)
               "name": "栏目名称", "type": "栏目类型", "type_reason": "类型依据", "level": "栏目级别",
               "parent": "上级栏目", "max_age_days": "限期天数", "days_over": "超期天数",
               "empty_marker": "页面提示", "items_seen": "信息条数", "undated": "无日期",
               "problems": "问题", "reason": "原因", "query": "检索词", "results_url": "检索结果页",
               "violations": "违规项", "host": "主机名", "count": "数量"}


def web_href(value: Any) -> str | None:
    """value itself when it is an http(s) URL, else None (subjects like site_code or weibo:123 stay text)."""
    if isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https"):
        return value.strip()
    return None


def image_src(path: str | None) -> str | None:
    """An evidence path usable as <img src>: relative paths and http(s) only (no javascript:/data: URLs)."""
    if not path:
        return None
    parts = urlsplit(path)
    if parts.scheme == "" and not parts.netloc and not path.startswith(("/", "\\")) and ".." not in path.split("/"):
        return path
    return web_href(path)


def fmt_number(value: float | None) -> str:
    """82.0 → "82", 1.25 → "1.25", None → "—"."""
    if value is None:
        return "—"
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def text_of(value: Any) -> str:
    """A value as one line of text (lists and objects as compact JSON)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def evidence_rows(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    """The evidence as labelled rows (empty observations left out, lists capped at MAX_LIST_ITEMS)."""
    rows = []
    for key, value in evidence.items():
        if value is None or value == [] or value == "" or value == {}:
            continue  # an empty observation says nothing to the reader
        row: dict[str, Any] = {"key": key, "label": EVIDENCE_ZH.get(key, ""), "items": None, "more": 0,
                               "text": text_of(value), "href": web_href(value)}
        if isinstance(value, list):
            row["items"] = [{"text": text_of(v), "href": web_href(v)} for v in value[:MAX_LIST_ITEMS]]
            row["more"] = max(0, len(value) - MAX_LIST_ITEMS)
        rows.append(row)
    return rows


def first_level(indicator_id: str | None, kind: str | None) -> str:
    """The 自查表's 一级指标 of an indicator: its family and its part of the scheme."""
    family = FAMILY_ZH.get((indicator_id or "").split(".")[0], "其他")
    return f"{family}{PART_ZH.get(kind or '', '指标')}"


def _problem(number: int, f: dict[str, Any], names: dict[str, str], indicators: dict[str, dict]) -> dict[str, Any]:
    ind = indicators.get(f.get("indicator") or "", {})
    crop = f.get("crop") or {}
    shot = f.get("screenshot")
    image = image_src(crop.get("path")) if crop else image_src(shot)
    # the image shown inline: the crop, else the rule's own screenshot; the page's full shot is a link
    full = image_src(shot) if crop and shot and shot != crop.get("path") else None
    name = f.get("name_zh") or names.get(f["rule"], "")
    return {
        "number": number,
        "anchor": f"p{number}",
        "rule": f["rule"],
        "rule_name": name,
        "severity": f["severity"],
        "severity_zh": SEVERITY_ZH[f["severity"]],
        "indicator": f.get("indicator") or "",
        "indicator_name": ind.get("name") or f.get("indicator") or "未归入指标",
        "subject": f["subject"],
        "subject_href": web_href(f["subject"]),
        "page": f["page"],
        "page_href": web_href(f["page"]),
        "message": f["message"],
        "evidence": evidence_rows(f["evidence"]),
        "advice": f.get("advice") or advice_for(f["rule"], f["subject"], name),
        "image": image,
        "image_kind": crop.get("kind") or ("own" if image else None),
        "box": crop["box"] if len(crop.get("box") or ()) == 4 and image else None,
        "image_unsafe": None if image or not (crop.get("path") or shot) else (crop.get("path") or shot),
        "full": full,
        "same_image_as": None,  # filled below: the earlier problem showing the same image
        "same_basis_as": None,  # … and the earlier problem citing the same requirement
        "finding": f,
    }


def _groups(problems: list[dict[str, Any]], doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Problems grouped by indicator; groups with a veto problem first, then deductions, then hints,
    each in the scheme's order."""
    position = {ind["id"]: i for i, ind in enumerate(doc["score"]["indicators"])}
    indicators = {ind["id"]: ind for ind in doc["score"]["indicators"]}
    by: dict[str, list[dict[str, Any]]] = {}
    for p in problems:
        by.setdefault(p["indicator"], []).append(p)
    groups = []
    for ind_id, items in by.items():
        ind = indicators.get(ind_id, {})
        kind = ind.get("kind")
        vetoed = ind.get("status") == "vetoed"
        groups.append({
            "id": ind_id, "name": ind.get("name") or ind_id or "未归入指标", "kind": kind,
            "kind_zh": INDICATOR_KIND_ZH.get(kind or "", ""), "first_level": first_level(ind_id, kind),
            "status": ind.get("status"), "status_zh": INDICATOR_STATUS_ZH.get(ind.get("status") or "", ""),
            # a veto indicator takes no points, so "扣 0 分" would only mislead
            "deducted": None if kind == "veto" or not ind else ind.get("deducted"),
            "vetoed": vetoed,
            "severity": min((p["severity"] for p in items), key=SEVERITY_ORDER.__getitem__),
            "problems": items,
        })
    groups.sort(key=lambda g: (not g["vetoed"], SEVERITY_ORDER[g["severity"]], position.get(g["id"], 10**6)))
    return groups


def _vetoes(doc: dict[str, Any], groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each vetoed indicator with what triggered it: its veto problems (numbers, rules) and the requirement."""
    score = doc["score"]
    problems = [p for g in groups for p in g["problems"] if p["severity"] == "veto"]
    # by indicator when the score names them; a document without them names the vetoing rules
    keys = [("indicator", i) for i in score.get("veto_indicators") or []] or [("rule", r) for r in score["vetoes"]]
    out = []
    for field, key in keys:
        mine = [p for p in problems if p[field] == key]
        out.append({"id": key, "label": label(key, doc), "problems": [p["number"] for p in mine],
                    "rules": sorted({p["rule_name"] or p["rule"] for p in mine}),
                    "requirement": mine[0]["advice"]["requirement"] if mine else ""})
    return out


def _duration(run: dict[str, Any]) -> str | None:
    try:
        start = datetime.fromisoformat(run["started_at"])
        end = datetime.fromisoformat(run["finished_at"])
    except (TypeError, ValueError, KeyError):
        return None
    seconds = max(0, int((end - start).total_seconds()))
    return f"{seconds // 60} 分 {seconds % 60} 秒" if seconds >= 60 else f"{seconds} 秒"


def _selfcheck_rows(doc: dict[str, Any], groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The 自查表: one row per problem (its indicator's cells repeated for merging), then one row per
    indicator without problems. Columns 一级指标 · 二级指标 · 检查情况 · 扣分 · 问题 · 整改对策."""
    rows = []
    for g in groups:
        n = len(g["problems"])
        situation = f"发现 {n} 个问题" + ("，触发单项否决" if g["vetoed"] else "")
        points = "否决" if g["vetoed"] else ("—" if g["deducted"] is None else fmt_number(g["deducted"]))
        for i, p in enumerate(g["problems"]):
            rows.append({"first_level": g["first_level"], "second_level": g["name"], "indicator": g["id"],
                         "situation": situation, "points": points, "problem": p, "span": n if i == 0 else 0})
    shown = {g["id"] for g in groups}
    rest = [ind for ind in doc["score"]["indicators"] if ind["id"] not in shown]
    rest.sort(key=lambda ind: ind.get("status") != "not_judged")  # what is still open before what is fine
    for ind in rest:
        status = ind.get("status")
        situation = {"not_judged": "未能判定（部分检查项未能检测，见“未能检测的项目”）",
                     "vetoed": "触发单项否决"}.get(status or "", "未发现问题")
        points = "—" if ind.get("kind") == "veto" else fmt_number(ind.get("deducted"))
        rows.append({"first_level": first_level(ind["id"], ind.get("kind")), "second_level": ind["name"],
                     "indicator": ind["id"], "situation": situation, "points": points, "problem": None, "span": 1})
    return rows


def report_view(doc: dict[str, Any]) -> dict[str, Any]:
    """Everything an output shows of doc, resolved once: labels, numbers, advice, images, order."""
    score = doc["score"]
    names = rule_names(doc)
    indicators = {ind["id"]: ind for ind in score["indicators"]}
    ordered = sorted(doc["findings"], key=lambda f: SEVERITY_ORDER[f["severity"]])  # stable: keeps doc order
    provisional = [_problem(0, f, names, indicators) for f in ordered]
    groups = _groups(provisional, doc)
    problems = [p for g in groups for p in g["problems"]]
    first_use: dict[str, int] = {}
    first_basis: dict[tuple[str, str], int] = {}
    for number, p in enumerate(problems, start=1):
        p["number"], p["anchor"] = number, f"p{number}"
        if p["image"]:
            p["same_image_as"] = first_use.get(p["image"])
            first_use.setdefault(p["image"], number)
        basis = (p["advice"]["requirement"], p["advice"]["source"])
        p["same_basis_as"] = first_basis.get(basis)
        first_basis.setdefault(basis, number)
    severity_counts = Counter(p["severity"] for p in problems)
    rules = sorted(doc["rules"], key=lambda r: RULE_STATUS_ORDER.get(r["status"], 9))
    rule_rows = [{"rule": r["rule"], "name": r.get("name_zh") or names.get(r["rule"], ""), "status": r["status"],
                  "status_zh": RULE_STATUS_ZH[r["status"]], "findings": r["findings"], "reason": r.get("reason") or ""}
                 for r in rules]
    run = doc["run"]
    return {
        "doc": doc,
        "site": doc["site"],
        "site_href": web_href(doc["site"]["url"]),
        "run": run,
        "generator": doc.get("generator"),
        "score": {
            "scheme": score["scheme"], "total": score["total"], "total_text": fmt_number(score["total"]),
            "vetoed": score["vetoed"], "grade": grade(doc),
            "vetoes": _vetoes(doc, groups),
            "veto_rules": [label(v, doc) for v in score["vetoes"]],
            "undecided_vetoes": [label(v, doc) for v in score.get("undecided_vetoes", [])],
        },
        "counts": {"total": len(problems), **{s: severity_counts.get(s, 0) for s in SEVERITY_ORDER}},
        "top_problems": problems[:TOP_PROBLEMS],
        "problems": problems,
        "groups": groups,
        "indicators": [{"kind": None, "status": None, "cap": None, **ind,
                        "kind_zh": INDICATOR_KIND_ZH.get(ind.get("kind") or "", ""),
                        "status_zh": INDICATOR_STATUS_ZH.get(ind.get("status") or "", "")}
                       for ind in score["indicators"]],
        "deducted_indicators": [ind for ind in score["indicators"] if ind.get("status") in ("deducted", "vetoed")],
        "rules": rule_rows,
        "status_counts": [(RULE_STATUS_ZH[s], s, n) for s, n in
                          sorted(Counter(r["status"] for r in doc["rules"]).items(),
                                 key=lambda kv: list(RULE_STATUS_ZH).index(kv[0]))],
        "not_judged": [r for r in rule_rows if r["status"] in NOT_JUDGED],
        "not_applicable": [r for r in rule_rows if r["status"] == "not_applicable"],
        "method": {"pages": run["pages"], "started_at": run.get("started_at"), "finished_at": run.get("finished_at"),
                   "duration": _duration(run), "state": run.get("state"), "browser": run.get("browser"),
                   "scheme": score["scheme"], "rules": len(doc["rules"])},
        "selfcheck": _selfcheck_rows(doc, groups),
        "tag_zh": TAG_ZH,
        "accounts": [{**a, "href": web_href(a.get("url")), "newest_href": web_href(a.get("newest_post_url")),
                      "rule_names": [names.get(r, r) for r in a.get("rules") or []]}
                     for a in doc.get("accounts") or []],
    }
