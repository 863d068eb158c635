"""The unit's self-inspection report (自查报告): OUT/<site-id>/report.html from a findings document."""
from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from reports.outputs.json import atomic_write, site_dir, validate
from reports.outputs.problems import report_view
from reports.outputs.summary import (
    INDICATOR_KIND_ZH,
    INDICATOR_STATUS_ZH,
    RULE_STATUS_ZH,
    SEVERITY_ZH,
    grade,
    label,
    rule_names,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
MAX_LIST_ITEMS = 20  # a link broken on 300 pages needs a few examples, not a wall of URLs
_SEVERITY_ORDER = {"veto": 0, "deduction": 1, "info": 2}
# Chinese names of evidence keys rules commonly use; other keys are shown as they are.
_EVIDENCE_ZH = {"status": "HTTP 状态", "pages": "出现页面", "on_homepage": "首页链接", "error": "错误",
                "expected": "应为", "observed": "实际", "newest": "最新日期", "age_days": "间隔天数",
                "limit_days": "限期天数", "url": "网址", "text": "文字", "date": "日期",
                "error_detail": "错误详情", "soft_404": "错误页特征", "final_url": "最终网址", "redirects": "跳转",
                "pages_count": "页面数", "tag": "标签", "anchor": "链接文字", "element": "标识项", "label": "名称",
                "homepage": "首页", "found": "已发现", "registry_id": "登记标识码", "footer": "页面底部",
                "meta": "SiteIDCode 标签", "elapsed_ms": "用时（毫秒）", "timeout_s": "时限（秒）"}
# Column rules (docs/columns.md).
_EVIDENCE_ZH.update({"name": "栏目名称", "type": "栏目类型", "type_reason": "类型依据", "level": "栏目级别",
                     "parent": "上级栏目", "max_age_days": "限期天数", "days_over": "超期天数",
                     "empty_marker": "页面提示", "items_seen": "信息条数", "undated": "无日期"})


@cache
def _env() -> Environment:
    # autoescape on for everything: messages and evidence are text taken from audited pages.
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = fmt_number
    return env


def fmt_number(value: float | int | None) -> str:
    """82.0 → "82", 1.25 → "1.25", None → "—"."""
    if value is None:
        return "—"
    return f"{float(value):.2f}".rstrip("0").rstrip(".")


def web_href(value: Any) -> str | None:
    """value itself when it is an http(s) URL, else None (subjects like site_code or weibo:123 stay text)."""
    if isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https"):
        return value.strip()
    return None


def screenshot_src(path: str | None) -> str | None:
    """A screenshot path usable as <img src>: relative paths and http(s) only (no javascript:/data: URLs)."""
    if not path:
        return None
    parts = urlsplit(path)
    if parts.scheme == "" and not parts.netloc:
        return path
    return web_href(path)


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return str(value)


def _evidence_rows(evidence: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for key, value in evidence.items():
        if value is None or value == [] or value == "":
            continue  # an empty observation says nothing to the reader
        row: dict[str, Any] = {"key": key, "label": _EVIDENCE_ZH.get(key, ""), "items": None, "more": 0,
                               "text": _text(value), "href": web_href(value)}
        if isinstance(value, list):
            row["items"] = [{"text": _text(v), "href": web_href(v)} for v in value[:MAX_LIST_ITEMS]]
            row["more"] = max(0, len(value) - MAX_LIST_ITEMS)
        rows.append(row)
    return rows


def _finding_view(f: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {
        "rule": f["rule"],
        "rule_name": f.get("name_zh") or names.get(f["rule"], ""),
        "severity": f["severity"],
        "severity_zh": SEVERITY_ZH[f["severity"]],
        "subject": f["subject"],
        "subject_href": web_href(f["subject"]),
        "page": f["page"],
        "page_href": web_href(f["page"]),
        "message": f["message"],
        "evidence": _evidence_rows(f["evidence"]),
        "screenshot": f.get("screenshot"),
        "screenshot_src": screenshot_src(f.get("screenshot")),
    }


def _groups(doc: dict[str, Any], names: dict[str, str]) -> list[dict[str, Any]]:
    """Findings grouped by indicator, in the scheme's indicator order; unassigned ones last."""
    by_indicator: dict[str | None, list[dict[str, Any]]] = {}
    for f in sorted(doc["findings"], key=lambda f: (_SEVERITY_ORDER[f["severity"]], f["rule"], f["subject"])):
        by_indicator.setdefault(f.get("indicator"), []).append(_finding_view(f, names))
    groups = []
    for ind in doc["score"]["indicators"]:
        if ind["id"] in by_indicator:
            # A veto indicator takes no points, so "扣 0 分" would only mislead.
            deducted = None if ind.get("kind") == "veto" else ind["deducted"]
            groups.append({"id": ind["id"], "name": ind["name"], "deducted": deducted,
                           "status_zh": INDICATOR_STATUS_ZH.get(ind.get("status") or "", ""),
                           "findings": by_indicator.pop(ind["id"])})
    for ind_id, findings in by_indicator.items():  # indicator ids the score does not list, or none
        groups.append({"id": ind_id or "", "name": ind_id or "未归入指标", "deducted": None, "status_zh": "",
                       "findings": findings})
    return groups


def context(doc: dict[str, Any]) -> dict[str, Any]:
    """The template's view of doc: labels resolved, links checked, evidence flattened."""
    score = doc["score"]
    names = rule_names(doc)
    return {
        "site": doc["site"],
        "site_href": web_href(doc["site"]["url"]),
        "run": doc["run"],
        "generator": doc.get("generator"),
        "score": {
            "scheme": score["scheme"],
            "total": score["total"],
            "vetoed": score["vetoed"],
            "grade": grade(doc),
            "vetoes": [label(v, doc) for v in score["vetoes"]],
            "veto_indicators": [label(v, doc) for v in score.get("veto_indicators", [])],
            "undecided_vetoes": [label(v, doc) for v in score.get("undecided_vetoes", [])],
        },
        "indicators": [{**{"kind": None, "status": None, "cap": None}, **ind,
                        "kind_zh": INDICATOR_KIND_ZH.get(ind.get("kind") or "", ""),
                        "status_zh": INDICATOR_STATUS_ZH.get(ind.get("status") or "", "")}
                       for ind in score["indicators"]],
        "status_counts": [(RULE_STATUS_ZH[s], s, n) for s, n in
                          sorted(Counter(r["status"] for r in doc["rules"]).items(),
                                 key=lambda kv: list(RULE_STATUS_ZH).index(kv[0]))],
        "rules": [{"rule": r["rule"], "name": names.get(r["rule"], ""), "status": r["status"],
                   "status_zh": RULE_STATUS_ZH[r["status"]], "findings": r["findings"],
                   "reason": r.get("reason") or ""} for r in doc["rules"]],
        "groups": _groups(doc, names),
        "findings_total": len(doc["findings"]),
        "accounts": [{**a, "href": web_href(a.get("url")), "newest_href": web_href(a.get("newest_post_url")),
                      "rule_names": [names.get(r, r) for r in a.get("rules") or []]}
                     for a in doc.get("accounts") or []],
        "problems": report_view(doc),  # problems across runs (_problems.html.j2, docs/problems.md)
    }


def render_report(doc: dict[str, Any]) -> str:
    """The report's HTML text (validates doc first)."""
    validate(doc)
    return _env().get_template("report.html.j2").render(**context(doc))


def write_report(doc: dict[str, Any], out_dir: Path) -> Path:
    """Validate doc and write OUT/<site-id>/report.html, self-contained (inline CSS, no scripts)."""
    html = render_report(doc)
    return atomic_write(site_dir(doc, out_dir) / "report.html", html.encode("utf-8"))
