"""The unit's self-inspection report (自查报告): OUT/<site-id>/report.html from a findings document.

The page renders `report_view(doc)` (reports/outputs/view.py) with `reports/templates/report.html.j2`.
Another area adds a section with one `{% include "_<area>.html.j2" %}` line at one of the template's
扩展位置 and, when its partial needs data the document does not hold as is, one function appended to
`CONTEXT_HOOKS` (doc → extra template variables) — docs/report.md.
"""
from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from reports.outputs.json import atomic_write, site_dir, validate
from reports.outputs.view import fmt_number, report_view
from reports.outputs.problems import report_view as problems_view
from reports.outputs.trends import trend_view

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CONTEXT_HOOKS: list[Callable[[dict[str, Any]], dict[str, Any]]] = [
    lambda doc: {"problems": problems_view(doc)},  # problems across runs (_problems.html.j2, docs/problems.md)
    lambda doc: {"trend": trend_view(doc)},  # 变化趋势 (_trends.html.j2, docs/history.md)
]


@cache
def environment() -> Environment:
    """The reports' Jinja environment (autoescape on: messages and evidence are text from audited pages)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = fmt_number
    return env


def context(doc: dict[str, Any]) -> dict[str, Any]:
    """The template's variables: the report view of doc, plus what each registered hook adds."""
    ctx = report_view(doc)
    for hook in CONTEXT_HOOKS:
        ctx.update(hook(doc))
    return ctx


def render_report(doc: dict[str, Any]) -> str:
    """The report's HTML text (validates doc first)."""
    validate(doc)
    return environment().get_template("report.html.j2").render(**context(doc))


def write_report(doc: dict[str, Any], out_dir: Path) -> Path:
    """Validate doc and write OUT/<site-id>/report.html, self-contained (inline CSS, no scripts)."""
    html = render_report(doc)
    return atomic_write(site_dir(doc, out_dir) / "report.html", html.encode("utf-8"))
