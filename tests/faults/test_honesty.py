"""Incomplete runs never ranked 合格 (issue 21): grade 未定, ranked apart, a banner and a state column."""
from __future__ import annotations

from pathlib import Path

import openpyxl

from govaudit.pipeline import rejudge
from reports.outputs.summary import rank
from storage.runs import start_run
from storage.session import upgrade
from tests.problems.builders import AS_OF, SITE, audit, broken, document


def test_interrupted_run_is_undecided_and_ranked_after_the_complete_one(db_url: str) -> None:
    complete = audit(db_url, [broken(f"http://www.example.gov.cn/missing{i}.html") for i in range(6)])
    interrupted = audit(db_url, [], state="interrupted")
    docs = [document(db_url, interrupted), document(db_url, complete)]
    assert docs[0]["score"]["total"] > docs[1]["score"]["total"]  # fewer pages, fewer findings, more points …
    assert docs[0]["score"]["grade"] == "未定"  # … but never 合格
    assert docs[1]["score"]["grade"] in ("合格", "不合格")
    rows = rank(docs)
    assert [r["run"] for r in rows] == [complete, interrupted]  # the complete run first
    assert rows[0]["rank"] == 1 and rows[1]["rank"] is None  # the interrupted one ranked apart
    assert rows[1]["state"] == "interrupted"


def test_complete_run_with_undecided_veto_is_undecided(db_url: str) -> None:
    run = audit(db_url, [], not_measured=("content.spam_injection",))
    doc = document(db_url, run)
    assert doc["score"]["undecided_vetoes"]
    assert doc["score"]["grade"] == "未定"
    negative = document(db_url, audit(db_url, []))  # the twin: everything judged → 合格
    assert negative["score"]["grade"] == "合格"


def test_killed_zero_page_run_rejudged_is_not_passed(db_url: str, tmp_path: Path, cli) -> None:  # noqa: ANN001
    upgrade(db_url)
    killed = start_run(db_url, SITE, AS_OF, {"scheme": "national-2019"})  # left `running`, no pages
    doc = rejudge(db_url, killed, None, None, tmp_path / "out")
    assert doc["run"]["pages"] == 0
    assert doc["score"]["grade"] != "合格"
    assert doc["score"]["grade"] == "未定"
    html = (tmp_path / "out" / SITE["id"] / "report.html").read_text(encoding="utf-8")
    assert 'data-run-state="running"' in html and "未完成" in html
    wb = openpyxl.load_workbook(tmp_path / "out" / "summary.xlsx")
    ws = wb["站点排名"]
    header = [c.value for c in ws[1]]
    assert "运行状态" in header
    assert ws.cell(row=2, column=header.index("运行状态") + 1).value.startswith("未完成")
    assert ws.cell(row=2, column=1).value == "—"
    result = cli("check", "--run", str(killed), "--db", db_url)
    assert result.returncode == 0, result.stderr
    assert "没有抓取到任何页面" in result.stderr and "has no pages" in result.stderr


def test_complete_report_has_no_banner(db_url: str, tmp_path: Path) -> None:
    run = audit(db_url, [])
    rejudge(db_url, run, None, None, tmp_path / "out")
    html = (tmp_path / "out" / SITE["id"] / "report.html").read_text(encoding="utf-8")
    assert "data-run-state" not in html
    ws = openpyxl.load_workbook(tmp_path / "out" / "summary.xlsx")["站点排名"]
    header = [c.value for c in ws[1]]
    assert ws.cell(row=2, column=header.index("运行状态") + 1).value == "完成"
