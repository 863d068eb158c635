"""`govaudit report --run ID --format html|docx|pdf` on a stored, judged run (no crawl): what each format
writes, and bad formats or a missing browser exiting 2 with nothing written."""
from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document

from tests.conftest import run_cli
from tests.reports.test_canonical_evidence import _judged_run

SITE = "4213000001"


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    _judged_run(url)
    return url


def test_default_format_is_what_an_audit_writes(db: str, tmp_path: Path) -> None:
    proc = run_cli("report", "--run", "1", "--db", db, "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert sorted(p.name for p in (tmp_path / "out" / SITE).iterdir()) == ["findings.json", "report.html"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.is_file()) == ["summary.json", "summary.xlsx"]


def test_docx_format_writes_the_printable_report_only(db: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli("report", "--run", "1", "--db", db, "--out", str(out), "--format", "docx")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert [p.name for p in out.rglob("*") if p.is_file()] == ["report.docx"]
    rows = Document(out / SITE / "report.docx").tables[1].rows
    assert sum(1 for r in rows if r.cells[4].text.startswith("问题 ")) == 6


@pytest.mark.parametrize("args, env, needle", [
    (["--format", "rtf"], {}, "'rtf' is not one of"),
    (["--format", "pdf"], {"GOVAUDIT_CHROMIUM": "/nonexistent/chromium"}, "--format pdf prints with Chromium"),
    (["--format", "html", "--format", "pdf"], {"GOVAUDIT_CHROMIUM": "/nonexistent/chromium"}, "or use --format docx"),
])
def test_bad_format_or_no_browser_exits_2_and_writes_nothing(db: str, tmp_path: Path, args: list[str], env: dict,
                                                             needle: str) -> None:
    out = tmp_path / "out"
    proc = run_cli("report", "--run", "1", "--db", db, "--out", str(out), *args, env=env)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert needle in " ".join((proc.stdout + proc.stderr).split())
    assert not out.exists()


@pytest.mark.browser
def test_pdf_format_prints_with_chromium(db: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = run_cli("report", "--run", "1", "--db", db, "--out", str(out), "--format", "pdf")
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert (out / SITE / "report.pdf").read_bytes().startswith(b"%PDF-")
