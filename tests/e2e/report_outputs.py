"""Read back what each output of a site says — score, problem count, problems — to compare them.

Each reader parses its file the way a person's tool would (lxml for report.html, openpyxl for
summary.xlsx, python-docx for report.docx, poppler's pdftotext/pdfimages for report.pdf) and returns
`Said(total, problems)` with problems as sorted (rule or rule name, subject) pairs.
"""
from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from docx import Document
from lxml import html as lxml_html
from openpyxl import load_workbook


@dataclass(frozen=True)
class Said:
    total: float
    problems: tuple[tuple[str, str], ...]  # (rule id, subject), sorted
    names: tuple[tuple[str, str], ...] = ()  # (rule's Chinese name, subject), sorted


def from_json(out: Path, site_id: str) -> Said:
    doc = json.loads((out / site_id / "findings.json").read_text(encoding="utf-8"))
    return Said(doc["score"]["total"], tuple(sorted((f["rule"], f["subject"]) for f in doc["findings"])),
                tuple(sorted((f["name_zh"], f["subject"]) for f in doc["findings"])))


def from_html(out: Path, site_id: str) -> Said:
    tree = lxml_html.fromstring((out / site_id / "report.html").read_text(encoding="utf-8"))
    total = float(tree.cssselect(".total")[0].get("data-total"))
    return Said(total, tuple(sorted((a.get("data-rule"), a.get("data-subject"))
                                    for a in tree.cssselect("article.problem"))))


def from_xlsx(out: Path, site_id: str) -> Said:
    wb = load_workbook(out / "summary.xlsx")
    total = next(r[4] for r in wb["站点排名"].iter_rows(min_row=2, values_only=True) if r[1] == site_id)
    rows = [r for r in wb["全部问题"].iter_rows(min_row=2, values_only=True) if r[0] == site_id]
    return Said(float(total), tuple(sorted((r[2], r[5]) for r in rows)), tuple(sorted((r[3], r[5]) for r in rows)))


def docx_problem_cells(path: Path) -> list[tuple[str, str]]:
    """(问题 cell, 整改对策 cell) of each problem row of the 自查表."""
    table = Document(path).tables[1]
    return [(row.cells[4].text, row.cells[5].text) for row in table.rows[1:] if row.cells[4].text.startswith("问题 ")]


def from_docx(out: Path, site_id: str) -> Said:
    path = out / site_id / "report.docx"
    info = {r.cells[0].text: r.cells[1].text for r in Document(path).tables[0].rows}
    names = []
    for problem, _ in docx_problem_cells(path):
        lines = problem.split("\n")
        name = re.sub(r"^问题 \d+［[^］]+］", "", lines[0])
        subject = next(line.removeprefix("对象：") for line in lines if line.startswith("对象："))
        names.append((name, subject))
    return Said(float(info["得分"]), (), tuple(sorted(names)))


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def pdf_images(path: Path) -> int:
    """How many images the PDF places (pdfimages -list: one line per placement)."""
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    return sum(1 for line in listing.splitlines()[2:] if line.split()[2:3] == ["image"])


def pdf_fonts(path: Path) -> list[tuple[str, str]]:
    """(font name, embedded yes/no) of every font the PDF uses (pdffonts)."""
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in listing.splitlines()[2:]:
        parts = line.split()
        emb = next(p for p in parts if p in ("yes", "no"))
        rows.append((parts[0], emb))
    return rows
