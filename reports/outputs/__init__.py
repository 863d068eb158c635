"""Outputs rendered from the canonical findings document (govaudit.findings/1), registered in two lists.

`SITE_OUTPUTS` write one site's files into OUT/<site-id>/ (findings.json, report.html); `SUMMARY_OUTPUTS`
write the files over all sites of a command into OUT/ (summary.json, summary.xlsx). A new output
format is one module with a `write_…(doc(s), out_dir) -> Path` function, added to its list here.
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reports.outputs.html import write_report
from reports.outputs.json import write_findings, write_summary
from reports.outputs.xlsx import write_summary_xlsx

SiteOutput = Callable[[dict[str, Any], Path], Path]
SummaryOutput = Callable[[list[dict[str, Any]], Path], Path]

SITE_OUTPUTS: list[SiteOutput] = [write_findings, write_report]
SUMMARY_OUTPUTS: list[SummaryOutput] = [write_summary, write_summary_xlsx]


def write_outputs(docs: list[dict[str, Any]], out: Path) -> list[Path]:
    """Every registered output of these findings documents; returns the files written."""
    out.mkdir(parents=True, exist_ok=True)
    written = [write(doc, out) for doc in docs for write in SITE_OUTPUTS]
    return written + [write(docs, out) for write in SUMMARY_OUTPUTS]
