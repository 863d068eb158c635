"""The 整改清单 round-trip (SQLite and PostgreSQL): export → the unit fills in → import, and every kind of
bad file refused with the sheet, row and column named and the database unchanged."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from reports.rectify import COLUMNS, META_SHEET, SHEET
from storage import models as m
from storage.session import session_scope
from tests.problems.builders import HOME, audit, broken, missing

A, B = HOME + "a.html", HOME + "b.html"


def _col(name: str) -> int:
    return COLUMNS.index(name) + 1


@pytest.fixture
def exported(db_url: str, tmp_path: Path, govaudit) -> tuple[str, Path]:
    audit(db_url, [broken(A), broken(B), missing("psb"), missing("zhaocuo")])
    out = tmp_path / "整改清单.xlsx"
    res = govaudit("rectify", "export", "--out", str(out), "--db", db_url)
    assert res.returncode == 0, res.output
    return db_url, out


def _rows(path: Path) -> dict[str, int]:
    """Subject-ish text of each data row → its row number."""
    ws = load_workbook(path)[SHEET]
    return {f"{ws.cell(r, _col('问题描述')).value}|{ws.cell(r, _col('问题页面')).value}": r
            for r in range(2, ws.max_row + 1)}


def _snapshot(db_url: str) -> tuple:
    with session_scope(db_url) as session:
        return (session.scalar(select(func.count()).select_from(m.ProblemEvent)),
                tuple(session.scalars(select(m.Problem.state).order_by(m.Problem.id))))


def _fill(src: Path, dst: Path, edits: dict[tuple[int, str], object], rename: str | None = None) -> Path:
    wb = load_workbook(src)
    ws = wb[SHEET]
    for (row, column), value in edits.items():
        ws.cell(row, _col(column)).value = value
    if rename:
        ws.title = rename
    wb.save(dst)
    return dst


def test_the_export_has_the_columns_validation_and_protection(exported) -> None:
    _db, path = exported
    wb = load_workbook(path)
    ws = wb[SHEET]
    assert [c.value for c in ws[1]] == COLUMNS == [
        "序号", "问题编号", "网站标识码", "网站名称", "指标", "问题描述", "问题页面", "证据截图", "发现时间", "整改时限",
        "整改情况", "整改链接", "备注"]
    assert ws.max_row == 5 and wb[META_SHEET].sheet_state == "veryHidden"
    assert ws.protection.sheet is True
    assert ws.cell(2, _col("问题描述")).protection.locked is True
    assert all(ws.cell(2, _col(c)).protection.locked is False for c in ("整改情况", "整改链接", "备注"))
    ranges = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert ranges["K2:K5"].type == "list" and "已整改" in ranges["K2:K5"].formula1
    assert ranges["L2:L5"].type == "custom" and "http://" in ranges["L2:L5"].formula1
    assert ranges["M2:M5"].type == "textLength"
    assert ws.cell(2, _col("整改时限")).value == "2026-12-04" and ws.cell(2, _col("发现时间")).value == "2026-11-27"
    assert ws.cell(2, _col("网站标识码")).value == "4213000001"


def test_a_filled_in_list_moves_claimed_fixes_to_rectifying(exported, tmp_path: Path, govaudit) -> None:
    db_url, path = exported
    rows = _rows(path)
    ra = next(r for k, r in rows.items() if A in k)
    rpsb = next(r for k, r in rows.items() if "psb" in k)
    rz = next(r for k, r in rows.items() if "zhaocuo" in k)
    filled = _fill(path, tmp_path / "filled.xlsx", {
        (ra, "整改情况"): "已整改", (ra, "整改链接"): A, (ra, "备注"): "已恢复页面",
        (rpsb, "整改情况"): "有异议", (rpsb, "备注"): "公安备案号以图片形式展示",
        (rz, "整改情况"): "整改中",
    })
    res = govaudit("rectify", "import", str(filled), "--by", "示例县政府办", "--db", db_url)
    assert res.returncode == 0, res.output
    with session_scope(db_url) as session:
        states = {p.subject: p.state for p in session.scalars(select(m.Problem))}
        claim = session.scalars(select(m.ProblemEvent).where(m.ProblemEvent.to_state == "rectifying")).one()
    assert states == {A: "rectifying", B: "open", "psb": "doubtful", "zhaocuo": "open"}
    assert (claim.actor, claim.kind, claim.evidence_url, claim.note) == ("示例县政府办", "rectify", A, "已恢复页面")
    assert claim.detail["row"] == ra
    # the same file again changes nothing
    before = _snapshot(db_url)
    assert govaudit("rectify", "import", str(filled), "--by", "示例县政府办", "--db", db_url).returncode == 0
    assert _snapshot(db_url)[1] == before[1]


@pytest.mark.parametrize("case", ["unknown_id", "edited_description", "not_a_url", "sheet_renamed",
                                  "missing_status", "fixed_without_link"])
def test_bad_files_are_refused_naming_row_and_column(exported, tmp_path: Path, govaudit, case: str) -> None:
    db_url, path = exported
    row = 3
    good = {(2, "整改情况"): "已整改", (2, "整改链接"): A}  # a valid row beside the bad one: not imported either
    edits, rename, expect = {
        "unknown_id": ({(row, "问题编号"): 9999, (row, "整改情况"): "已整改", (row, "整改链接"): B}, None,
                       ["row 3", "column 问题编号 (B)", "unknown problem id"]),
        "edited_description": ({(row, "问题描述"): "改过的描述", (row, "整改情况"): "整改中"}, None,
                               ["row 3", "column 问题描述 (F)", "read-only"]),
        "not_a_url": ({(row, "整改情况"): "已整改", (row, "整改链接"): "见附件"}, None,
                      ["row 3", "column 整改链接 (L)", "not a URL"]),
        "sheet_renamed": ({}, "Sheet1", ["sheet '整改清单' not found", "Sheet1"]),
        "missing_status": ({(row, "整改链接"): B}, None, ["row 3", "column 整改情况 (K)", "missing"]),
        "fixed_without_link": ({(row, "整改情况"): "已整改"}, None, ["row 3", "column 整改链接 (L)", "missing"]),
    }[case]
    bad = _fill(path, tmp_path / f"{case}.xlsx", {**good, **edits}, rename=rename)
    before = _snapshot(db_url)
    res = govaudit("rectify", "import", str(bad), "--by", "示例县政府办", "--db", db_url)
    assert res.returncode == 2, res.output
    for text in expect:
        assert text in res.output, res.output
    if case != "sheet_renamed":
        assert f"sheet {SHEET}" in res.output
    assert _snapshot(db_url) == before  # nothing written, not even the valid row


def test_not_an_excel_file(tmp_path: Path, db_url: str, govaudit) -> None:
    junk = tmp_path / "整改清单.xlsx"
    junk.write_text("序号,问题编号\n1,2\n", encoding="utf-8")
    res = govaudit("rectify", "import", str(junk), "--by", "x", "--db", db_url)
    assert res.returncode == 2 and "not an Excel .xlsx file" in res.output
    assert govaudit("rectify", "import", str(tmp_path / "none.xlsx"), "--by", "x", "--db", db_url).returncode == 2
