"""Renderers of the canonical findings document: schema, findings/summary JSON, HTML report, XLSX."""
from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from reports.outputs.html import render_report, write_report
from reports.outputs.json import validate, write_findings, write_summary
from reports.outputs.summary import rank
from reports.outputs.xlsx import EXCEL_CELL_LIMIT, write_summary_xlsx

Doc = dict[str, Any]


# --- schema -------------------------------------------------------------------------------------

def test_samples_are_valid(suizhou: Doc, guangshui: Doc) -> None:
    validate(suizhou)
    validate(guangshui)


def _missing_reason(d: Doc) -> None:
    del d["rules"][5]["reason"]  # column.stale, not_measured


def _bad_status(d: Doc) -> None:
    d["rules"][0]["status"] = "passed"


def _unknown_top_key(d: Doc) -> None:
    d["extra"] = 1


def _bad_severity(d: Doc) -> None:
    d["findings"][0]["severity"] = "critical"


def _unknown_finding_key(d: Doc) -> None:
    d["findings"][0]["url"] = "https://x/"


def _bad_as_of(d: Doc) -> None:
    d["run"]["as_of"] = "2022-13-40"


def _site_id_escapes(d: Doc) -> None:
    d["site"]["id"] = "../etc"


def _wrong_schema(d: Doc) -> None:
    d["schema"] = "govaudit.findings/2"


@pytest.mark.parametrize("breakage, where", [
    (_missing_reason, "/rules/5"), (_bad_status, "/rules/0/status"), (_unknown_top_key, "at /:"),
    (_bad_severity, "/findings/0/severity"), (_unknown_finding_key, "/findings/0"),
    (_bad_as_of, "/run/as_of"), (_site_id_escapes, "/site/id"), (_wrong_schema, "/schema"),
])
def test_broken_documents_are_rejected(suizhou: Doc, breakage: Any, where: str) -> None:
    breakage(suizhou)
    with pytest.raises(ValueError, match="govaudit.findings/1") as err:
        validate(suizhou)
    assert where in str(err.value)


def test_reason_is_optional_for_pass_and_fail(guangshui: Doc) -> None:
    assert "reason" not in guangshui["rules"][0]
    guangshui["rules"][1]["reason"] = "checked 12 columns"
    validate(guangshui)


def test_evidence_keys_are_free_and_screenshot_optional(guangshui: Doc) -> None:
    guangshui["findings"][0]["evidence"] = {"anything": {"nested": [1, 2]}}
    guangshui["findings"][0]["screenshot"] = None
    validate(guangshui)


# --- findings.json / summary.json ---------------------------------------------------------------

def test_findings_json_round_trips_in_contract_order(suizhou: Doc, tmp_path: Path) -> None:
    path = write_findings(suizhou, tmp_path)
    assert path == tmp_path / "4213000001" / "findings.json"
    raw = path.read_text(encoding="utf-8")
    assert "随州市人民政府" in raw  # ensure_ascii=False
    loaded = json.loads(raw)
    assert loaded == suizhou
    assert list(loaded) == ["schema", "site", "run", "score", "rules", "findings", "generator"]
    assert list(loaded["findings"][0])[:3] == ["rule", "name_zh", "indicator"]
    assert list(loaded["run"]) == ["id", "as_of", "started_at", "finished_at", "pages"]
    assert [p.name for p in path.parent.iterdir()] == ["findings.json"]  # no temporary file left


def test_invalid_document_writes_nothing(suizhou: Doc, tmp_path: Path) -> None:
    suizhou["findings"][0]["severity"] = "fatal"
    with pytest.raises(ValueError):
        write_findings(suizhou, tmp_path)
    assert not (tmp_path / "4213000001" / "findings.json").exists()


def test_ranking_puts_vetoed_sites_last_and_breaks_ties_by_id(make_doc: Any) -> None:
    docs = [make_doc("C", 95.0, vetoed=True), make_doc("B", 80.0), make_doc("A", 80.0), make_doc("D", 60.0)]
    rows = rank(docs)
    assert [r["id"] for r in rows] == ["A", "B", "D", "C"]
    assert [r["rank"] for r in rows] == [1, 2, 3, 4]
    assert rows[-1]["grade"] == "不合格" and rows[-1]["vetoes"] == ["site.unreachable"]


def test_summary_json(suizhou: Doc, guangshui: Doc, tmp_path: Path) -> None:
    path = write_summary([suizhou, guangshui], tmp_path)
    assert path == tmp_path / "summary.json"
    summary = json.loads(path.read_text(encoding="utf-8"))
    assert summary["schema"] == "govaudit.summary/1"
    assert summary["generated_from"] == [7, 8]
    first, second = summary["sites"]
    # 广水 scores lower (70.5) but is not vetoed, so it ranks above 随州 (82, vetoed).
    assert (first["id"], first["rank"], first["total"], first["vetoed"]) == ("4213810001", 1, 70.5, False)
    assert first["grade"] is None  # no grade from the scheme and no veto: not guessed
    assert (second["id"], second["rank"], second["grade"]) == ("4213000001", 2, "不合格")
    assert second["findings"] == 4 and second["vetoes"] == ["interaction.unanswered"]
    assert second["rules_not_judged"] == 2  # not_measured + error; not_applicable is judged
    assert set(first) == {"rank", "id", "name", "url", "run", "as_of", "total", "vetoed", "grade", "vetoes",
                          "findings", "rules_not_judged", "state"}


# --- report.html --------------------------------------------------------------------------------

@pytest.fixture
def report(suizhou: Doc, tmp_path: Path) -> str:
    path = write_report(suizhou, tmp_path)
    assert path == tmp_path / "4213000001" / "report.html"
    return path.read_text(encoding="utf-8")


def test_report_shows_site_score_and_findings(report: str, suizhou: Doc) -> None:
    assert "随州市人民政府" in report and "4213000001" in report and "2022-12-20" in report
    assert '<div class="total" data-total="82.0">82</div>' in report
    assert "不合格" in report and "互动回应差" in report  # veto indicator by its Chinese name
    assert "留言超期未回复（interaction.unanswered）" in report
    for finding in suizhou["findings"]:
        assert finding["subject"] in report
        assert finding["name_zh"] in report
    assert "否决" in report and "扣分" in report
    assert '<a href="https://www.suizhou.gov.cn/missing.html"' in report


def test_report_escapes_page_text(report: str) -> None:
    assert "<script" not in report
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in report
    assert 'href="javascript:' not in report  # a non-http subject stays plain text


def test_report_shows_screenshot_and_caps_lists(report: str) -> None:
    assert '<img src="evidence/link-broken-1.png"' in report
    assert "https://www.suizhou.gov.cn/p/19.html" in report
    assert "https://www.suizhou.gov.cn/p/20.html" not in report
    assert "另有 5 项" in report


def test_report_marks_unjudged_rules(report: str) -> None:
    assert "未能检测" in report and "list pages answered 412 to the browser too" in report
    assert "检查出错" in report and "不适用" in report
    assert "未能判定的否决项" in report and "栏目不更新（web.veto.columns_stale）" in report


def test_report_is_self_contained(report: str) -> None:
    assert "<link" not in report and "<script" not in report
    assert 'src="http' not in report


def test_report_refuses_unsafe_screenshot_paths(suizhou: Doc) -> None:
    suizhou["findings"][0]["screenshot"] = "javascript:alert(1)"
    html = render_report(suizhou)
    assert 'src="javascript:' not in html and "截图：javascript:alert(1)" in html


def test_report_without_optional_keys(guangshui: Doc) -> None:
    html = render_report(guangshui)
    assert "广水市人民政府" in html and "70.5" in html and "未定" in html
    assert "未能判定的否决项" not in html


# --- summary.xlsx -------------------------------------------------------------------------------

def test_xlsx_sheets_and_rows(suizhou: Doc, guangshui: Doc, tmp_path: Path) -> None:
    path = write_summary_xlsx([suizhou, guangshui], tmp_path)
    assert path == tmp_path / "summary.xlsx"
    wb = load_workbook(path)
    assert wb.sheetnames == ["站点排名", "全部问题", "自查表"]

    ranking = [list(r) for r in wb["站点排名"].iter_rows(values_only=True)]
    assert ranking[0] == ["排名", "网站标识码", "网站名称", "网址", "得分", "结论", "单项否决", "问题数",
                          "运行编号", "监测时间点", "运行状态"]
    assert ranking[1][:6] == [1, "4213810001", "广水市人民政府", "https://www.zggsw.gov.cn/", 70.5, None]
    assert ranking[2][:8] == [2, "4213000001", "随州市人民政府", "https://www.suizhou.gov.cn/", 82, "不合格",
                              "留言超期未回复（interaction.unanswered）", 4]
    assert ranking[2][8:] == [7, "2022-12-20", "完成"]

    sheet = wb["全部问题"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:9] == ["网站标识码", "网站名称", "规则", "规则名称", "严重程度", "对象", "页面", "说明", "证据"]
    assert len(rows) == 1 + 1 + 4
    assert rows[1][0] == "4213810001" and rows[1][7].startswith("=HYPERLINK")
    assert sheet.cell(row=2, column=8).data_type == "s"  # page text never becomes a formula
    assert rows[2][2] == "interaction.unanswered"  # in report order: the veto first, as in report.html
    broken = rows[3]
    assert broken[:6] == ["4213000001", "随州市人民政府", "link.broken", "链接不可用", "扣分",
                          "https://www.suizhou.gov.cn/missing.html"]
    assert json.loads(broken[8])["status"] == 404
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2" and ws.auto_filter.ref
        assert all(c.font.bold for c in ws[1])
        assert ws.column_dimensions["C"].width > 5


def test_xlsx_truncates_huge_evidence_and_drops_control_chars(guangshui: Doc, tmp_path: Path) -> None:
    big = copy.deepcopy(guangshui)
    big["findings"][0]["evidence"] = {"pages": ["https://www.zggsw.gov.cn/" + "x" * 100] * 1000}
    big["findings"][0]["message"] = "bell\x07char"
    wb = load_workbook(write_summary_xlsx([big], tmp_path))
    evidence = wb["全部问题"].cell(row=2, column=9).value
    assert len(evidence) == EXCEL_CELL_LIMIT and evidence.endswith("（已截断）")
    assert wb["全部问题"].cell(row=2, column=8).value == "bellchar"  # control characters dropped, not a crash
