"""A site's history as a document (`govaudit history`, findings.json `history`, the report's 变化趋势).

`site_history()` turns storage.history's run points into plain JSON: per run the score, grade, vetoes and
the problems open at that run grouped by indicator (the scheme the run was judged with maps rules to
indicators), and the change against the previous graded run and against the previous quarter's last graded
run (季度: calendar quarters of the 监测时间点). Only complete runs are graded; the others stay in the
timeline with `total: null`.
"""
from __future__ import annotations

import re
from datetime import date
from functools import cache
from typing import Any

from sqlalchemy.orm import Session

from storage import models as m
from storage.history import RunPoint, site_runs

SCHEMA_ID = "govaudit.history/1"


@cache
def _indicators(scheme_ref: str) -> dict[str, tuple[str, str]]:
    """rule → (indicator id, name) in a scheme (bundled name or file path); {} when it cannot be loaded."""
    from reports.scheme import load_scheme

    try:
        scheme = load_scheme(scheme_ref)
    except Exception:  # noqa: BLE001 - a scheme file moved away since: the rule's own indicator stands in
        return {}
    out: dict[str, tuple[str, str]] = {}
    for ind in scheme.indicators:
        for rule in ind.rules:
            out.setdefault(rule, (ind.id, ind.name))
    return out


def _by_indicator(open_problems: dict[str, int], scheme_ref: str | None) -> list[dict[str, Any]]:
    from checks.registry import get_rules

    mapping = _indicators(scheme_ref) if scheme_ref else {}
    rules = get_rules()
    groups: dict[str, dict[str, Any]] = {}
    for rule, count in open_problems.items():
        ind_id, name = mapping.get(rule) or ((rules[rule].rule.indicator, rules[rule].rule.indicator)
                                             if rule in rules else ("other", "其他"))
        g = groups.setdefault(ind_id, {"indicator": ind_id, "name": name, "open": 0, "rules": {}})
        g["open"] += count
        g["rules"][rule] = count
    return sorted(groups.values(), key=lambda g: (-g["open"], g["indicator"]))


def quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _previous_quarter(q: tuple[int, int]) -> tuple[int, int]:
    year, n = q
    return (year - 1, 4) if n == 1 else (year, n - 1)


def _point(p: RunPoint, scheme_ref: str | None) -> dict[str, Any]:
    return {"run": p.run_id, "as_of": p.as_of.isoformat(), "state": p.state, "kind": p.kind, "pages": p.pages,
            "reused_pages": p.reused_pages, "total": p.total, "grade": p.grade, "vetoes": list(p.vetoes),
            "open_problems": sum(p.open_problems.values()), "by_indicator": _by_indicator(p.open_problems, scheme_ref)}


def _delta(current: dict[str, Any], other: dict[str, Any] | None) -> dict[str, Any] | None:
    if other is None:
        return None
    delta = None
    if current["total"] is not None and other["total"] is not None:
        delta = round(current["total"] - other["total"], 2)
    return {"run": other["run"], "as_of": other["as_of"], "total": other["total"], "grade": other["grade"],
            "open_problems": other["open_problems"], "delta": delta,
            "open_delta": current["open_problems"] - other["open_problems"]}


def site_history(session: Session, site_id: str, *, upto_run: int | None = None) -> dict[str, Any]:
    """The site's timeline (oldest first) and, for its newest run, the changes against the previous graded
    run and the previous quarter's last graded run."""
    points = site_runs(session, site_id, upto_run=upto_run)
    judged = {j.run_id: j.scheme for j in session.query(m.Judgement).filter(
        m.Judgement.run_id.in_([p.run_id for p in points]))} if points else {}
    runs = [_point(p, judged.get(p.run_id)) for p in points]
    site = session.get(m.Site, site_id)
    doc: dict[str, Any] = {"schema": SCHEMA_ID, "site": {"id": site_id, "name": site.name if site else None},
                           "runs": runs, "previous": None, "previous_quarter": None}
    audits = [r for r in runs if r["kind"] == "audit"]
    if not audits:
        return doc
    current = audits[-1] if upto_run is None else next((r for r in runs if r["run"] == upto_run), audits[-1])
    graded = [r for r in audits if r["total"] is not None and r["run"] < current["run"]]
    doc["previous"] = _delta(current, graded[-1] if graded else None)
    pq = _previous_quarter(quarter(date.fromisoformat(current["as_of"])))
    in_pq = [r for r in graded if quarter(date.fromisoformat(r["as_of"])) == pq]
    doc["previous_quarter"] = _delta(current, in_pq[-1] if in_pq else None)
    return doc


def trend_svg(history: dict[str, Any], last: int = 30) -> str | None:
    """The score trend of the graded runs as an inline SVG drawn by pygal (server side, no script needed);
    None with fewer than two graded runs or without pygal (`pip install govaudit[trends]`)."""
    points = [r for r in history.get("runs") or [] if r["kind"] == "audit" and r["total"] is not None][-last:]
    if len(points) < 2:
        return None
    try:
        import pygal
        from pygal.style import Style
    except ImportError:
        return None
    style = Style(background="white", plot_background="white", foreground="#333", foreground_strong="#111",
                  foreground_subtle="#999", colors=("#1f5fa8", "#c0392b"), font_family="sans-serif")
    chart = pygal.Line(width=720, height=260, style=style, show_legend=True, legend_at_bottom=True,
                       x_label_rotation=30, range=(0, 100), disable_xml_declaration=True, js=[],
                       show_y_guides=True, dots_size=3, explicit_size=True, print_values=False)
    chart.title = "得分与未整改问题趋势"
    chart.x_labels = [r["as_of"] for r in points]
    chart.add("得分", [r["total"] for r in points])
    chart.add("未整改问题", [r["open_problems"] for r in points], secondary=True)
    svg = chart.render(is_unicode=True)
    # Deterministic and script-free: pygal's inline config script (tooltips only), its dated comments and
    # its random chart id go (the same run renders the same report twice).
    svg = re.sub(r"<script.*?</script>", "", svg, flags=re.S)
    svg = re.sub(r"<!--.*?-->", "", svg, flags=re.S)
    svg = re.sub(r"chart-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "trend-chart", svg)
    return svg


def history_block(session: Session, run_id: int, site_id: str, last: int = 30) -> dict[str, Any]:
    """findings.json `history`: the site's last runs up to this one (score, grade, open problems), this run's
    open problems by indicator, and its change against the previous graded run and the previous quarter."""
    doc = site_history(session, site_id, upto_run=run_id)
    runs = doc["runs"][-last:]
    current = next((r for r in runs if r["run"] == run_id), None)
    return {"runs": [{k: r[k] for k in ("run", "as_of", "state", "kind", "total", "grade", "vetoes", "open_problems",
                                         "reused_pages")} for r in runs],
            "open_by_indicator": current["by_indicator"] if current else [],
            "previous": doc["previous"], "previous_quarter": doc["previous_quarter"]}
