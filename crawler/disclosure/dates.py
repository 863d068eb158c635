"""Dates as government pages write them (2024-01-05, 2024年1月5日, 2024/1/5, 2024.01.05, with or without a time).

A small parser of our own for metadata and message dates. The columns work (issue 4) has its own
item dating; the two are meant to merge once both have landed.
"""
from __future__ import annotations

import re
from datetime import date

_DATE = re.compile(r"((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?(?!\d)")


def find_date(text: str | None) -> date | None:
    """The first valid calendar date in `text`, or None."""
    if not text:
        return None
    for m in _DATE.finditer(text):
        try:
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            continue
    return None


def all_dates(text: str | None) -> list[date]:
    """Every valid calendar date in `text`, in order."""
    out = []
    for m in _DATE.finditer(text or ""):
        try:
            out.append(date(int(m.group(1)), int(m.group(2)), int(m.group(3))))
        except ValueError:
            continue
    return out
