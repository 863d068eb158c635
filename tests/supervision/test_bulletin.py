"""`govaudit bulletin` (issue 16's acceptance): the 通报 of two quarters over a generated region of 12 sites —
counts, 合格率 and deltas equal the hand-computed table below; only complete runs are graded (an
interrupted run with a score is never counted); the previous quarter's 问题清单 with its 复查 status and
the fake fix named; the DOCX read back with python-docx holds the tables.

Hand-computed (county = 县市区 sites 01–06, departments = 市直部门 07–12):

| quarter | graded | 合格 | 合格率 | 县市区 | 市直部门 |
|---|---|---|---|---|---|
| Q1 2026 | 12 | 9 (03 score 50, 05 veto, 10 veto fail) | 75.00 | 4/6 = 66.67 | 5/6 = 83.33 |
| Q2 2026 | 11 (12: interrupted only) | 10 (04 score 56 fails) | 90.91 (+15.91) | 5/6 = 83.33 | 5/5 = 100.00 |
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from storage import models as m
from storage.facts import table_of
from storage.facts.newmedia import AccountFact
from storage.session import session_scope, upgrade

Q1 = (date(2026, 1, 1), date(2026, 3, 31))
Q2 = (date(2026, 4, 1), date(2026, 6, 30))
SITE = "42130000{:02d}".format

# site number → [(as_of, state, total, vetoes)] : graded 合格 when total >= 60 and no veto
RUNS = {
    1: [(date(2026, 2, 1), "complete", 90, []), (date(2026, 5, 1), "complete", 91, [])],
    2: [(date(2026, 2, 1), "complete", 85, []), (date(2026, 5, 1), "complete", 86, [])],
    3: [(date(2026, 2, 1), "complete", 50, []), (date(2026, 5, 1), "complete", 75, [])],
    4: [(date(2026, 2, 1), "complete", 70, []), (date(2026, 5, 1), "complete", 56, [])],
    5: [(date(2026, 2, 1), "complete", 80, ["site.homepage_not_updated"]), (date(2026, 5, 1), "complete", 82, [])],
    6: [(date(2026, 2, 1), "complete", 88, []), (date(2026, 4, 5), "complete", 40, []),
        (date(2026, 6, 20), "complete", 89, [])],  # the newest complete run of the quarter counts
    7: [(date(2026, 2, 1), "complete", 95, []), (date(2026, 5, 1), "complete", 95, [])],
    8: [(date(2026, 2, 1), "complete", 93, []), (date(2026, 5, 1), "complete", 93, [])],
    9: [(date(2026, 2, 1), "complete", 92, []), (date(2026, 5, 1), "complete", 92, [])],
    10: [(date(2026, 2, 1), "complete", 81, ["interaction.unanswered"]), (date(2026, 5, 1), "complete", 84, [])],
    11: [(date(2026, 2, 1), "complete", 90, []), (date(2026, 5, 1), "complete", 90, [])],
    12: [(date(2026, 2, 1), "complete", 90, []), (date(2026, 5, 1), "interrupted", 99, [])],  # never graded
}


def _region(db_url: str) -> dict[str, int]:
    upgrade(db_url)
    runs: dict[tuple[int, date], int] = {}
    with session_scope(db_url) as s:
        for n in range(1, 13):
            county = n <= 6
            s.add(m.Site(id=SITE(n), name=f"{'示例县' if county else '示例局'}{n}", url=f"http://www.s{n}.gov.cn/",
                         kind="portal" if county else "department", unit=f"单位{n}",
                         config={"group": "县市区" if county else "市直部门"}))
        s.flush()
        for n, plan in RUNS.items():
            for day, state, total, vetoes in plan:
                run = m.Run(site_id=SITE(n), as_of=day, homepage_url=f"http://www.s{n}.gov.cn/", state=state, kind="audit")
                s.add(run)
                s.flush()
                runs[(n, day)] = run.id
                grade = "合格" if total >= 60 and not vetoes else "不合格"
                s.add(m.Score(run_id=run.id, scheme="national-2019", total=0.0 if vetoes else total, vetoed=bool(vetoes),
                              vetoes=vetoes, undecided_vetoes=[], grade=grade))
                for rule in vetoes:
                    s.add(m.Finding(run_id=run.id, rule=rule, subject=f"http://www.s{n}.gov.cn/", severity="veto",
                                    message=f"{rule} 的问题说明", evidence={}))
        # new media of site 07's Q2 run: a stale weibo account, a fine wechat account
        q2 = runs[(7, date(2026, 5, 1))]
        for fact in (AccountFact(platform="weibo", handle="123", registered_name="示例局发布"),
                     AccountFact(platform="wechat", handle="biz7", registered_name="示例局公众号")):
            s.add(table_of(fact).model(**table_of(fact).row(q2, fact)))
        s.add(m.Finding(run_id=q2, rule="newmedia.stale", subject="weibo:123", severity="veto", message="账号不更新",
                        evidence={"newest": "2026-03-01T10:00:00+08:00"}))
        # the Q1 问题清单 and where it stands
        problems = {}
        for key, n, rule, state in (("rectified", 3, "column.stale", "rectified"),
                                    ("faked", 5, "site.homepage_not_updated", "recheck_failed"),
                                    ("open", 10, "interaction.unanswered", "open"),
                                    ("closed", 1, "link.broken", "closed"),
                                    ("false", 7, "identity.missing", "false_positive")):
            p = m.Problem(site_id=SITE(n), rule=rule, subject_key=f"k{n}", subject=f"http://www.s{n}.gov.cn/x", state=state,
                          first_run_id=runs[(n, date(2026, 2, 1))], last_run_id=runs[(n, date(2026, 2, 1))],
                          opened_on=date(2026, 2, 1))
            s.add(p)
            s.flush()
            problems[key] = p.id
        recheck = m.Run(site_id=SITE(5), as_of=date(2026, 4, 10), homepage_url="http://www.s5.gov.cn/", state="complete",
                        kind="recheck")
        s.add(recheck)
        s.flush()
        s.add(m.ProblemEvent(problem_id=problems["faked"], actor="recheck", kind="recheck", from_state="rectifying",
                             to_state="recheck_failed", note="重复发布旧信息：首页更新的信息为旧信息改换日期", run_id=recheck.id,
                             detail={"reason": "重复发布旧信息"}))
        p = m.Problem(site_id=SITE(4), rule="column.stale", subject_key="k4", subject="http://www.s4.gov.cn/x", state="open",
                      first_run_id=runs[(4, date(2026, 5, 1))], last_run_id=runs[(4, date(2026, 5, 1))],
                      opened_on=date(2026, 5, 1))
        s.add(p)
    return problems


@pytest.fixture
def region(db_url: str) -> tuple[str, dict[str, int]]:
    return db_url, _region(db_url)


def test_two_quarters_match_the_hand_computed_table(region, tmp_path: Path, govaudit) -> None:
    from govaudit.bulletin import write_bulletin

    db_url, problems = region
    q1 = write_bulletin(db_url, *Q1, tmp_path / "q1")
    assert (q1.pass_rate, q1.prev_pass_rate) == (75.0, None)
    res = govaudit("bulletin", "--from", "2026-04-01", "--to", "2026-06-30", "--out", str(tmp_path / "q2"), "--db", db_url)
    assert res.returncode == 0, res.output
    assert "合格率 90.91% (+15.91)" in res.output
    q2 = write_bulletin(db_url, *Q2, tmp_path / "q2b")
    assert (q2.pass_rate, q2.prev_pass_rate, q2.delta) == (90.91, 75.0, 15.91)
    assert (q2.prev_start, q2.prev_end) == Q1
    levels = {r["level"]: r for r in q2.levels()}
    assert {k: (r["sites"], r["graded"], r["passed"], r["failed"], r["incomplete"], r["rate"], r["prev_rate"])
            for k, r in levels.items()} == {"县市区": (6, 6, 5, 1, 0, 83.33, 66.67), "市直部门": (6, 5, 5, 0, 1, 100.0, 83.33)}
    assert [u.site_id for u in q2.problem_sites] == [SITE(4)]
    twelve = next(u for u in q2.units if u.site_id == SITE(12))
    assert (twelve.runs, twelve.complete_runs, twelve.grade, twelve.total) == (1, 0, None, None)
    six = next(u for u in q2.units if u.site_id == SITE(6))
    assert (six.runs, six.grade, six.total) == (2, "合格", 89)
    assert {r.problem_id: r.status for r in q2.rechecks} == {
        problems["rectified"]: "已整改", problems["faked"]: "复核未通过", problems["open"]: "仍未整改",
        problems["closed"]: "复查未再发现"}  # the false positive is not on the list
    assert [f["site_id"] for f in q2.fakes] == [SITE(5)]
    assert q2.accounts == {"weibo": {"checked": 1, "problem": 1}, "wechat": {"checked": 1, "problem": 0}}

    doc = Document(str(tmp_path / "q2" / "通报.docx"))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "总体合格率 90.91%" in text and "上升 15.91 个百分点" in text
    assert "示例县5（4213000005）" in text and "弄虚作假" in text
    assert "示例局12" in text and "未完成" in text  # named, not graded
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in doc.tables]
    level_table = next(t for t in tables if t[0][0] == "级别/分组")
    assert level_table[1:] == [["县市区", "6", "6", "5", "1", "0", "0", "83.33", "66.67"],
                               ["市直部门", "6", "5", "5", "0", "1", "0", "100.0", "83.33"]]
    problem_table = next(t for t in tables if t[0][:3] == ["序号", "地区/单位", "网站标识码"])
    assert [row[2] for row in problem_table[1:]] == [SITE(4)]
    newmedia = next(t for t in tables if t[0][1:] == ["类型", "名称", "责任单位", "问题类别", "检查时更新日期"])
    assert newmedia[1:] == [["1", "政务微博", "示例局发布", "单位7", "政务新媒体内容不更新", "2026-03-01"]]
    recheck = next(t for t in tables if t[0][-2:] == ["复查情况", "弄虚作假"])
    assert sorted(row[7] for row in recheck[1:]) == sorted(["已整改", "复核未通过", "仍未整改", "复查未再发现"])
    assert [row[2] for row in recheck[1:] if row[8]] == ["示例县5"]
    units = next(t for t in tables if "期内检查次数" in t[0])
    assert units[-1][1] == SITE(12) and units[-1][8] == "未完成检查（未评定）"  # never ranked among the graded

    wb = load_workbook(tmp_path / "q2" / "通报.xlsx")
    assert wb.sheetnames == ["总体情况", "问题网站名单", "政务新媒体问题名单", "上期问题复查情况", "各单位检查情况"]
    assert [c.value for c in wb["问题网站名单"][2]][2] == SITE(4)


def test_bad_period_is_refused(tmp_path: Path, sqlite_url: str, govaudit) -> None:
    res = govaudit("bulletin", "--from", "2026-06-30", "--to", "2026-04-01", "--out", str(tmp_path / "o"), "--db", sqlite_url)
    assert res.returncode == 2 and "before" in res.output and not (tmp_path / "o").exists()
    res = govaudit("bulletin", "--from", "2026-13-01", "--to", "2026-04-01", "--out", str(tmp_path / "o"), "--db", sqlite_url)
    assert res.returncode == 2 and "--from" in res.output
