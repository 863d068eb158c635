"""`govaudit bulletin`: the period's 通报 — 通报.xlsx and 通报.docx (reports/bulletin; docs/supervision.md)."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from reports.bulletin.data import Bulletin, build_bulletin
from reports.bulletin.render import write_docx, write_xlsx
from storage.session import session_scope


def write_bulletin(db_url: str, start: date, end: date, out: Path, sites: list[str] | None = None) -> Bulletin:
    """Build the 通报 of [start, end] and write `out/通报.xlsx` and `out/通报.docx`; returns what they say."""
    with session_scope(db_url) as session:
        bulletin = build_bulletin(session, start, end, sites)
    write_xlsx(bulletin, out / "通报.xlsx")
    write_docx(bulletin, out / "通报.docx")
    return bulletin
