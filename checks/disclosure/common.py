"""Helpers the 政府信息公开 rules share: part labels, report deadlines, broken-page test."""
from __future__ import annotations

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
