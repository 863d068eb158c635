"""`govaudit history` and the 变化趋势 of findings.json, report.html and summary.xlsx, on stored runs
(SQLite and PostgreSQL): scores only for complete runs, open problems replayed as they were at each run
(a later review does not rewrite the past), grouped by indicator, and the deltas against the previous graded
run and the previous quarter."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from reports.outputs import write_outputs
from reports.outputs.html import render_report
from reports.outputs.json import validate
from storage import problems as repo
from storage.session import session_scope
from tests.problems.builders import HOME, SITE, audit, broken, document, missing, score_of

A, B, C = (HOME + p for p in ("a.html", "b.html", "c.html"))


def _timeline(db_url: str) -> dict[str, int]:
    r1 = audit(db_url, [broken(A), broken(B), missing("psb")], as_of=date(2026, 9, 25))  # 2026 Q3
    r2 = audit(db_url, [broken(A)], pages=[A, B], as_of=date(2026, 11, 20))  # Q4: B and psb gone
    r3 = audit(db_url, [broken(A)], pages=[A], as_of=date(2026, 11, 27), state="interrupted")
    with session_scope(db_url) as session:
        pid = next(p.id for p in repo.list_problems(session).items if p.subject == A)
        repo.review(session, pid, "false_positive", actor="张三", note="链接实为外网可达")
    r4 = audit(db_url, [broken(A), broken(C)], pages=[A, C], as_of=date(2026, 12, 4))  # A suppressed: C open
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4}


def test_history_json_scores_open_problems_and_deltas(db_url: str, govaudit) -> None:  # noqa: ANN001
    runs = _timeline(db_url)
    res = govaudit("history", "--site", SITE["id"], "--format", "json", "--db", db_url)
    assert res.returncode == 0, res.output
    doc = json.loads(res.stdout)
    by_run = {r["run"]: r for r in doc["runs"]}
    assert list(by_run) == [runs["r1"], runs["r2"], runs["r3"], runs["r4"]]
    assert [by_run[runs[k]]["open_problems"] for k in ("r1", "r2", "r3", "r4")] == [3, 1, 1, 1]
    # Only complete runs are graded; the interrupted one keeps its place without a score.
    assert by_run[runs["r3"]]["state"] == "interrupted"
    assert by_run[runs["r3"]]["total"] is None and by_run[runs["r3"]]["grade"] is None
    for key in ("r1", "r2", "r4"):
        assert by_run[runs[key]]["total"] == score_of(db_url, runs[key])
        assert by_run[runs[key]]["grade"] in ("合格", "不合格")
    groups = {g["indicator"]: g for g in by_run[runs["r1"]]["by_indicator"]}
    assert groups["web.ded.broken_links"]["open"] == 2 and groups["web.ded.broken_links"]["rules"] == {"link.broken": 2}
    assert sum(g["open"] for g in groups.values()) == 3
    # Against the previous graded run (r2: the interrupted r3 is skipped) and the previous quarter (r1).
    prev, quarter = doc["previous"], doc["previous_quarter"]
    assert prev["run"] == runs["r2"] and quarter["run"] == runs["r1"]
    r4 = score_of(db_url, runs["r4"])
    assert prev["delta"] == round(r4 - score_of(db_url, runs["r2"]), 2)
    assert quarter["delta"] == round(r4 - score_of(db_url, runs["r1"]), 2)
    assert quarter["open_delta"] == 1 - 3


def test_history_table_and_bad_site(db_url: str, govaudit) -> None:  # noqa: ANN001
    runs = _timeline(db_url)
    res = govaudit("history", "--site", SITE["id"], "--db", db_url)
    assert res.returncode == 0, res.output
    assert "变化趋势" in res.output and "中断" in res.output and "较上季度" in res.output
    assert str(runs["r4"]) in res.output
    bad = govaudit("history", "--site", "0000000000", "--db", db_url)
    assert bad.returncode == 2 and "no such site" in bad.output
    assert govaudit("history", "--site", SITE["id"], "--format", "csv", "--db", db_url).returncode == 2


def test_findings_report_and_workbook_carry_the_trend(db_url: str, tmp_path: Path) -> None:
    runs = _timeline(db_url)
    first = document(db_url, runs["r1"])
    validate(first)
    assert [r["run"] for r in first["history"]["runs"]] == [runs["r1"]]  # a past run's document stays as it was
    assert first["history"]["previous"] is None
    assert "变化趋势" not in render_report(first)  # nothing to compare on the first run
    doc = document(db_url, runs["r4"])
    validate(doc)
    assert [r["run"] for r in doc["history"]["runs"]] == list(runs.values())
    html = render_report(doc)
    assert "变化趋势" in html and "<svg" in html and "<script" not in html
    assert "得分与未整改问题趋势" in html  # the pygal chart's title
    write_outputs([doc], tmp_path)
    ws = load_workbook(tmp_path / "summary.xlsx")["变化趋势"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[2] for r in rows] == list(runs.values())
    newest = rows[-1]
    assert newest[9] == doc["history"]["previous"]["delta"] and newest[11] == doc["history"]["previous_quarter"]["delta"]
    assert rows[2][5] is None and rows[2][6] == "未评定"  # the interrupted run
