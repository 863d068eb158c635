"""Problems across runs end to end on the demo portal, through the CLI (SQLite and PostgreSQL):

1. audited twice with one planted defect fixed (the soft-404 专题 page) and one added (the 通知公告 list
   left to go stale) → diff exactly fixed 1, new 1, the rest persisting;
2. 整改清单 exported, three rows filled in — the 404 link restored for real, the missing 公安备案 claimed
   but not fixed, the stale column "fixed" by re-posting an old notice with the re-check's date —
   imported, re-checked → rectified, recheck_failed, recheck_failed (重复发布旧信息), with at most 5% of a
   full audit's requests to the portal (counted by the fixture servers);
3. the fixed 专题 page broken again → recurring;
4. a false positive marked once: absent from the next run's findings and score, listed in its appendix,
   the earlier run's score unchanged until it is re-judged; new evidence reopens it as doubtful.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from demo.portal import sites_yaml, start_demo
from demo.server import Route
from reports.rectify import COLUMNS, SHEET
from storage import models as m
from storage.session import session_scope
from tests.problems import portal as change

AS_OF = date(2026, 11, 27)
SITE = "4213000001"


@pytest.fixture
def demo():
    with start_demo(AS_OF) as portal:
        yield portal


def _audit(cli, demo, db_url: str, tmp_path: Path, name: str, as_of: date = AS_OF) -> dict:
    sites = tmp_path / "sites.yaml"
    sites.write_text(sites_yaml(demo), encoding="utf-8")
    out = tmp_path / name
    res = cli("audit", "--sites", str(sites), "--db", db_url, "--out", str(out), "--as-of", as_of.isoformat(),
              "--no-browser")
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads((out / SITE / "findings.json").read_text(encoding="utf-8"))


def _states(db_url: str) -> dict[int, str]:
    with session_scope(db_url) as session:
        return {p.id: p.state for p in session.scalars(select(m.Problem))}


@pytest.mark.slow
def test_diff_rectification_recheck_and_recurrence(demo, db_url: str, tmp_path: Path, cli, govaudit) -> None:
    base = demo.portal.base_url
    before = demo.server.requests + demo.external.requests
    first = _audit(cli, demo, db_url, tmp_path, "run1")
    full_audit_requests = demo.server.requests + demo.external.requests - before

    soft404 = change.fix_soft_404(demo)
    stale = change.stale_notices(demo)
    second = _audit(cli, demo, db_url, tmp_path, "run2")
    diff = second["diff"]
    assert diff["previous_run"] == first["run"]["id"]
    assert [(x["rule"], x["subject"]) for x in diff["fixed"]] == [("link.broken", soft404)]
    assert diff["new"] == 1 and diff["recurring"] == 0 and diff["persisting"] == len(first["findings"]) - 1
    assert [(f["rule"], f["subject"]) for f in second["findings"] if f["problem"]["change"] == "new"] == \
        [("column.stale", base + "/tzgg/")]
    report = (tmp_path / "run2" / SITE / "report.html").read_text(encoding="utf-8")
    assert report.index("新发现（1 个）") < report.index("已整改（1 个）") < report.index('id="problems-h"')
    sheet = load_workbook(tmp_path / "run2" / "summary.xlsx")["问题变化"]
    assert sorted(r[3] for r in sheet.iter_rows(min_row=2, values_only=True)).count("仍存在") == diff["persisting"]

    # 整改清单: three rows filled in
    ids = {(f["rule"], f["subject"]): f["problem"]["id"] for f in second["findings"]}
    link, psb, column = (ids[("link.broken", base + "/xxgk/old-notice.html")], ids[("identity.missing", "psb")],
                         ids[("column.stale", base + "/tzgg/")])
    sheet_file = tmp_path / "整改清单.xlsx"
    assert govaudit("rectify", "export", "--site", SITE, "--out", str(sheet_file), "--db", db_url).returncode == 0
    wb = load_workbook(sheet_file)
    ws = wb[SHEET]
    answers = {link: base + "/xxgk/old-notice.html", psb: demo.url, column: base + "/tzgg/"}
    for row in range(2, ws.max_row + 1):
        pid = ws.cell(row, COLUMNS.index("问题编号") + 1).value
        if pid in answers:
            ws.cell(row, COLUMNS.index("整改情况") + 1).value = "已整改"
            ws.cell(row, COLUMNS.index("整改链接") + 1).value = answers[pid]
    wb.save(sheet_file)
    res = govaudit("rectify", "import", str(sheet_file), "--by", "示例县政府办公室", "--db", db_url)
    assert res.returncode == 0, res.output
    assert {pid: s for pid, s in _states(db_url).items() if s == "rectifying"} == dict.fromkeys(answers, "rectifying")

    # the unit restores the page for real, does nothing about 公安备案, re-posts an old notice dated today
    change.restore_old_notice(demo)
    recheck_day = AS_OF + timedelta(days=3)
    reposted = change.repost_old_notice(demo, stale, recheck_day)
    mark = len(demo.server.log), demo.external.requests
    res = cli("recheck", "--site", SITE, "--db", db_url, "--out", str(tmp_path / "recheck"),
              "--as-of", recheck_day.isoformat(), "--no-browser")
    assert res.returncode == 0, res.stderr[-3000:]
    fetched = demo.server.log[mark[0]:]
    recheck_requests = len(fetched) + demo.external.requests - mark[1]
    assert recheck_requests <= 0.05 * full_audit_requests, (recheck_requests, full_audit_requests, fetched)
    assert {path for _, path in fetched} == {"/", "/xxgk/old-notice.html", "/tzgg/",
                                             reposted.removeprefix(base)}
    doc = json.loads((tmp_path / "recheck" / SITE / "findings.json").read_text(encoding="utf-8"))
    assert doc["run"]["kind"] == "recheck" and doc["run"]["as_of"] == recheck_day.isoformat()
    outcome = {r["problem"]: r for r in doc["recheck"]}
    assert {pid: outcome[pid]["result"] for pid in answers} == {link: "rectified", psb: "recheck_failed",
                                                               column: "recheck_failed"}
    assert outcome[column]["reason"].startswith("重复发布旧信息")
    assert outcome[column]["detail"]["reposts"][0]["item"]["url"] == reposted
    assert {f["subject"] for f in doc["findings"]} == {"psb"}  # only the claimed problems were judged
    assert _states(db_url)[link] == "rectified" and _states(db_url)[psb] == _states(db_url)[column] == "recheck_failed"
    assert "复核结果" in (tmp_path / "recheck" / SITE / "report.html").read_text(encoding="utf-8")

    # the 专题 page breaks again: a closed problem found again is recurring
    change.break_soft_404_again(demo)
    third = _audit(cli, demo, db_url, tmp_path, "run3", as_of=AS_OF + timedelta(days=7))
    assert third["diff"]["previous_run"] == second["run"]["id"] and third["diff"]["recurring"] == 1
    again = next(f for f in third["findings"] if f["subject"] == soft404)
    assert again["problem"]["change"] == "recurring" and again["problem"]["state"] == "open"
    assert again["problem"]["runs_seen"] == 2 and again["problem"]["first_seen"] == AS_OF.isoformat()


@pytest.mark.slow
def test_a_false_positive_marked_once(demo, db_url: str, tmp_path: Path, cli, govaudit) -> None:
    first = _audit(cli, demo, db_url, tmp_path, "run1")
    code = next(f for f in first["findings"] if f["rule"] == "identity.mismatch")
    res = govaudit("review", str(code["problem"]["id"]), "--as", "false_positive", "--by", "李审核",
                   "--note", "标识码以上级平台为准", "--db", db_url)
    assert res.returncode == 0, res.output

    second = _audit(cli, demo, db_url, tmp_path, "run2")
    assert "identity.mismatch" not in {f["rule"] for f in second["findings"]}
    assert [(s["rule"], s["subject"], s["review"]["by"]) for s in second["suppressed"]] == \
        [("identity.mismatch", "site_code", "李审核")]
    assert second["score"]["total"] == pytest.approx(first["score"]["total"] + 1.0)  # identity.deduction
    assert "经复核认定的误报" in (tmp_path / "run2" / SITE / "report.html").read_text(encoding="utf-8")
    with session_scope(db_url) as session:
        assert session.get(m.Score, first["run"]["id"]).total == first["score"]["total"]  # never retroactive
    res = cli("check", "--run", str(first["run"]["id"]), "--db", db_url, "--out", str(tmp_path / "rejudged"))
    assert res.returncode == 0, res.stderr[-3000:]
    rejudged = json.loads((tmp_path / "rejudged" / SITE / "findings.json").read_text(encoding="utf-8"))
    assert rejudged["score"]["total"] == second["score"]["total"]  # an explicit re-judging respects the review
    assert [s["subject"] for s in rejudged["suppressed"]] == ["site_code"]
    assert _states(db_url)[code["problem"]["id"]] == "false_positive"

    # the footer shows another wrong code: new evidence reopens the false positive as doubtful
    home = demo.portal.routes["/"].body.replace(b"4213000099", b"4213000098")
    demo.server.add("/", Route(body=home))
    demo.server.add("/index.html", Route(body=home))
    third = _audit(cli, demo, db_url, tmp_path, "run3")
    back = next(f for f in third["findings"] if f["rule"] == "identity.mismatch")
    assert back["problem"]["id"] == code["problem"]["id"] and back["problem"]["state"] == "doubtful"
    assert third["suppressed"] == [] and third["score"]["total"] == pytest.approx(first["score"]["total"])
