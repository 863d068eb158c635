"""Problems across runs in the reports, from the findings document alone (docs/problems.md):
report.html's sections 新发现 / 仍存在 / 已整改 / 反复出现 on top and the appendix of reviewed false
positives (templates `_problems.html.j2`, `_problems_appendix.html.j2`), and summary.xlsx's sheet 问题变化.
"""
from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CHANGE_ZH = {"new": "新发现", "persisting": "仍存在", "fixed": "已整改", "recurring": "反复出现"}
STATE_ZH = {"open": "待处理", "confirmed": "已确认", "false_positive": "误报", "doubtful": "存疑",
            "rectifying": "整改中（待复核）", "rectified": "已整改（复核通过）", "recheck_failed": "复核未通过",
            "closed": "已消失（未申报整改）"}
RESULT_ZH = {"rectified": "复核通过", "recheck_failed": "复核未通过", "not_measured": "未能复核"}
SECTION_ORDER = ("new", "persisting", "fixed", "recurring")  # the order the unit reads them in

SHEET = "问题变化"
COLUMNS = [("网站标识码", 14), ("网站名称", 24), ("问题编号", 10), ("变化", 10), ("规则", 28), ("规则名称", 18),
           ("对象", 50), ("状态", 16), ("首次发现", 12), ("出现次数", 10), ("整改时限", 12), ("是否逾期", 10),
           ("说明", 60)]


def _href(value: Any) -> str | None:
    if isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https"):
        return value.strip()
    return None


def _names(doc: dict[str, Any]) -> dict[str, str]:
    names = {r["rule"]: r.get("name_zh") or "" for r in doc.get("rules", [])}
    names.update({f["rule"]: f.get("name_zh") or names.get(f["rule"], "") for f in doc.get("findings", [])})
    return names


def _item(problem: dict[str, Any], rule: str, subject: str, message: str | None, names: dict[str, str]) -> dict:
    return {"id": problem.get("id"), "rule": rule, "rule_name": names.get(rule, ""), "subject": subject,
            "subject_href": _href(subject), "state": problem.get("state"),
            "state_zh": STATE_ZH.get(problem.get("state") or "", problem.get("state") or ""),
            "due": problem.get("due"), "overdue": bool(problem.get("overdue")), "message": message or "",
            "runs_seen": problem.get("runs_seen")}


def report_view(doc: dict[str, Any]) -> dict[str, Any] | None:
    """The report's view of the document's problem keys, or None when its run was not linked to problems."""
    diff = doc.get("diff")
    if diff is None:
        return None
    names = _names(doc)
    sections = {key: [] for key in SECTION_ORDER}
    for f in doc["findings"]:
        p = f.get("problem")
        if p and p.get("change") in sections:
            sections[p["change"]].append(_item(p, f["rule"], f["subject"], f["message"], names))
    for x in diff["fixed"]:
        sections["fixed"].append(_item({"id": x["problem"], "state": x.get("state")}, x["rule"], x["subject"],
                                       None, names))
    suppressed = [{**_item(s["problem"], s["rule"], s["subject"], s.get("message"), names), "page": s.get("page"),
                   "page_href": _href(s.get("page")), "review": _review(s.get("review"))}
                  for s in doc.get("suppressed") or []]
    recheck = [{**_item({"id": r["problem"], "state": r.get("state")}, r["rule"], r["subject"], r.get("reason"), names),
                "result": r["result"], "result_zh": RESULT_ZH.get(r["result"], r["result"]),
                "evidence_url": r.get("evidence_url"), "evidence_href": _href(r.get("evidence_url"))}
               for r in doc.get("recheck") or []]
    overdue = [i for key in ("new", "persisting", "recurring") for i in sections[key] if i["overdue"]]
    return {"kind": doc["run"].get("kind") or "audit", "previous_run": diff["previous_run"],
            "sections": [{"key": k, "title": CHANGE_ZH[k], "items": sections[k]} for k in SECTION_ORDER],
            "overdue": len(overdue), "suppressed": suppressed, "recheck": recheck}


def _review(review: dict[str, Any] | None) -> dict[str, str]:
    review = review or {}
    return {"by": review.get("by") or "", "at": review.get("at") or "", "note": review.get("note") or ""}


def problems_sheet(wb: Workbook, docs: list[dict[str, Any]]) -> None:
    """summary.xlsx's sheet 问题变化: every site's findings by change, the fixed ones, the false positives."""
    if not any(d.get("diff") is not None for d in docs):
        return
    from reports.outputs.xlsx import cell_text  # xlsx.py calls this function: imported when it runs

    ws = wb.create_sheet(SHEET)
    ws.append([name for name, _ in COLUMNS])
    for index, (_, width) in enumerate(COLUMNS, start=1):
        ws.cell(row=1, column=index).font = Font(bold=True)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = "A2"
    for doc in docs:
        view = report_view(doc)
        if view is None:
            continue
        site = doc["site"]
        rows = [(CHANGE_ZH[s["key"]], i) for s in view["sections"] for i in s["items"]]
        rows += [("误报（已复核）", i) for i in view["suppressed"]]
        for change, i in rows:
            values = [site["id"], site["name"], i["id"], change, i["rule"], i["rule_name"], i["subject"], i["state_zh"],
                      _first_seen(doc, i["id"]), i["runs_seen"], i["due"] or "", "逾期" if i["overdue"] else "",
                      i["message"]]
            ws.append([cell_text(v) if isinstance(v, str) else v for v in values])
            for cell in ws[ws.max_row]:
                if cell.data_type == "f":  # page text must never run as a formula
                    cell.data_type = "s"
    ws.auto_filter.ref = ws.dimensions


def _first_seen(doc: dict[str, Any], problem_id: int | None) -> str:
    for f in [*doc["findings"], *(doc.get("suppressed") or [])]:
        p = f.get("problem") or {}
        if p.get("id") == problem_id:
            return p.get("first_seen") or ""
    return ""
