"""Helpers the 政府信息公开 rules share: part labels, report deadlines, broken-page test."""
from __future__ import annotations

import re
from datetime import date

from storage.snapshot import Snapshot

PART_LABELS = {"guide": "政府信息公开指南", "rules": "政府信息公开制度", "catalog": "法定主动公开内容（目录）",
               "annual_report": "政府信息公开工作年度报告", "apply": "依申请公开"}


def deadline(snap: Snapshot, params, year: int) -> tuple[date, str]:  # noqa: ANN001 - Params
    """The publication deadline of the report on `year` for this site's kind, and the parameter used."""
    key = "annual_report.department_deadline" if snap.site.kind == "department" else \
        "annual_report.government_deadline"
    month, day = (int(x) for x in str(params[key]).split("-"))
    return date(year + 1, month, day), key


def broken(snap: Snapshot, url: str) -> dict | None:
    """What a fetch of `url` showed when it failed (status or error), None when fine or not fetched."""
    page = snap.pages.get(url)
    if page is None or page.ok:
        return None
    return {"url": url, "status": page.status, "error": page.error}


_PREFIX = re.compile(r"^\s*[《“\"]?\s*(.*?)\s*(?:19|20)\d{2}\s*年")


def own_reports(snap: Snapshot) -> list:
    """The annual reports of this site's own unit: a portal's 年报 column often lists its departments'
    reports too, whose deadlines differ. A title naming no unit, or naming ours, counts as ours."""
    names = [n for n in (snap.site.name, snap.site.unit) if n]
    out = []
    for r in snap.annual_reports:
        m = _PREFIX.match(r.title or "")
        prefix = m.group(1) if m else ""
        if not prefix or any(prefix in n or n in prefix for n in names):
            out.append(r)
    return out
