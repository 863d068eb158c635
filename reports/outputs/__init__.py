"""Outputs rendered from the canonical findings document (govaudit.findings/1), registered in lists.

`SITE_OUTPUTS` write one site's files into OUT/<site-id>/ (findings.json, report.html); `SUMMARY_OUTPUTS`
write the files over all sites of a command into OUT/ (summary.json, summary.xlsx). Together they are
the `html` format, what every audit writes. The printable 自查报告 is asked for by format
(`govaudit report --format docx|pdf`): `PRINTABLE_OUTPUTS` per site (report.docx), and report.pdf, which
needs a browser the caller passes in. A new output format is one module with a `write_…(doc(s), out_dir)
-> Path` function, added to its list here.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from reports.outputs.html import write_report
from reports.outputs.json import write_findings, write_summary
from reports.outputs.pdf import write_pdfs
from reports.outputs.xlsx import write_summary_xlsx

SiteOutput = Callable[[dict[str, Any], Path], Path]
SummaryOutput = Callable[[list[dict[str, Any]], Path], Path]


def write_docx(doc: dict[str, Any], out: Path) -> Path:
    """reports/outputs/docx.py, imported when a report.docx is asked for: python-docx took ~0.1 s of every
    command's start, and an audit writes no docx."""
    from reports.outputs.docx import write_docx as write

    return write(doc, out)


SITE_OUTPUTS: list[SiteOutput] = [write_findings, write_report]
SUMMARY_OUTPUTS: list[SummaryOutput] = [write_summary, write_summary_xlsx]
PRINTABLE_OUTPUTS: dict[str, SiteOutput] = {"docx": write_docx}
FORMATS = ("html", "docx", "pdf")


def write_outputs(docs: list[dict[str, Any]], out: Path, formats: Iterable[str] = ("html",),
                  browser: tuple[str, Sequence[str]] | None = None) -> list[Path]:
    """The outputs of these findings documents in the given formats (html: every registered output;
    docx, pdf: the printable report; pdf needs `browser` = (Chromium executable, launch arguments));
    returns the files written."""
    formats = list(dict.fromkeys(formats))
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown report format {unknown[0]!r} (one of {', '.join(FORMATS)})")
    if "pdf" in formats and browser is None:
        raise ValueError("the pdf format needs a browser (Chromium) to print with")
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if "html" in formats:
        written += [write(doc, out) for doc in docs for write in SITE_OUTPUTS]
        written += [write(docs, out) for write in SUMMARY_OUTPUTS]
    written += [PRINTABLE_OUTPUTS[f](doc, out) for f in formats if f in PRINTABLE_OUTPUTS for doc in docs]
    if "pdf" in formats and browser is not None:
        written += write_pdfs(docs, out, *browser)
    return written
