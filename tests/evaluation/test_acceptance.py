"""The seed's evaluation end to end (issue 15): 36 generated units audited in one `govaudit audit`, the
2022 随州 政务公开考评 scheme, manual scores and 依申请公开 cases from an imported 评分表, two external
deductions, an objection that changes a score — the final ranking equals the table below, computed by hand
from tests/evaluation/units.py and the scores entered here:

    platform (70 %) = 公开渠道 10 − 2/missing part + 元数据 10 − 0.2/bad document + 政策解读 10 − 0.5 if unlinked
                      + 年报 10 (0 when missing) + 重点工作 (15 − k mod 4) + 标准化 (10 − k mod 3)
                      + 渠道畅通 10 − 5 form gone − 0.5 no 申请表 − 0.5 no 流程图 − 2.5/failed channel
                      + 回复及时 15 − 5/late − 15/unanswered + 答复规范 10 − 1/missing element − 3 wrong type
                      (0 when nothing was answered)
    daily (30 %)    = 组织推进 (30 − k mod 5) + 工作落实 (40 − k mod 7) + 监督保障 (30 − k mod 2)
    total           = 0.7 × platform + 0.3 × daily − external deductions

where k is the unit's position (counties 0–4, departments 5–35). Planted 依申请公开 cases: 4213000101 and
4213000211 answer late (the second on 11-03, one day after the 2022-11-02 deadline that the National Day
holiday and its 调休 Saturday/Sunday put 20 working days after 09-30), 4213000210 answers on the deadline
itself (not late), 4213000104's extension and 4213000201's 补正 move their deadlines (not late),
4213000203 never answers, 4213000206's answer lacks 救济途径 and has the wrong type, 4213000208's letter is
returned (its online request is answered). External: 4213000102 −1.5 (评分表), 4213000202 −0.8 (CLI).
Objection: 4213000205's 工作落实 38 → 40 (accepted; 94.40 → 95.00); 4213000204's is rejected.
"""
from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from demo.server import FixtureServer
from tests.evaluation.units import AS_OF, profiles, site

# (site id, rank in its group, final total, grade)
EXPECTED_COUNTIES = [
    ("4213000101", 1, 96.5, "优秀"),   # platform 95 (late answer), daily 100
    ("4213000102", 2, 95.92, "优秀"),  # platform 97.6, daily 97, external −1.5
    ("4213000104", 3, 95.8, "优秀"),   # platform 97 (extension: on time), daily 93
    ("4213000103", 4, 94.25, "优秀"),  # platform 93.5 (no 制度 part, unlinked 解读), daily 96
    ("4213000105", 5, 93.4, "优秀"),   # platform 94 (online form gone), daily 92
]
EXPECTED_DEPARTMENTS = [
    ("4213000217", 1, 98.7, "优秀"), ("4213000224", 2, 98.4, "优秀"), ("4213000226", 3, 98.0, "优秀"),
    ("4213000220", 4, 97.9, "优秀"), ("4213000221", 5, 97.1, "优秀"), ("4213000218", 6, 97.0, "优秀"),
    ("4213000216", 7, 96.8, "优秀"), ("4213000228", 7, 96.8, "优秀"), ("4213000229", 9, 96.6, "优秀"),
    ("4213000214", 10, 96.5, "优秀"), ("4213000231", 11, 96.2, "优秀"),
    ("4213000208", 12, 96.15, "优秀"),  # letter returned −2.5
    ("4213000201", 13, 96.1, "优秀"),  # 补正: deadline 11-10, answered 11-08 (on time)
    ("4213000213", 13, 96.1, "优秀"), ("4213000225", 13, 96.1, "优秀"),
    ("4213000210", 16, 96.0, "优秀"),  # answered on the deadline
    ("4213000227", 17, 95.7, "优秀"),
    ("4213000202", 18, 95.56, "优秀"),  # one bad document, external −0.8
    ("4213000222", 19, 95.4, "优秀"),
    ("4213000209", 20, 95.25, "优秀"),  # unlinked 解读
    ("4213000223", 21, 95.2, "优秀"),
    ("4213000205", 22, 95.0, "优秀"),  # no 指南/制度 parts; objection accepted (provisional 94.4)
    ("4213000230", 23, 94.9, "优秀"), ("4213000219", 24, 94.7, "优秀"),
    ("4213000212", 25, 94.48, "优秀"),  # form gone, three bad documents
    ("4213000206", 26, 94.2, "优秀"),  # answer lacks 救济途径, wrong type
    ("4213000215", 26, 94.2, "优秀"),
    ("4213000207", 28, 94.0, "优秀"),  # no 申请表, no 流程图
    ("4213000211", 29, 93.8, "优秀"),  # answered one day late
    ("4213000204", 30, 90.4, "优秀"),  # no 2021 annual report
    ("4213000203", 31, 78.8, "合格"),  # never answered
]


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory):
    """The 36 units' sites served on loopback and audited in one `govaudit audit` call."""
    from tests.conftest import run_cli

    tmp = tmp_path_factory.mktemp("evaluation")
    units = profiles()
    servers = [FixtureServer(site(p)).start() for p in units]
    try:
        lines = ["scheme: national-2019", "sites:"]
        for p, s in zip(units, servers, strict=True):
            lines += [f'  - id: "{p.site_id}"', f"    name: {p.name}网站", f"    url: {s.base_url}/", f"    kind: {p.kind}",
                      f"    unit: {p.name}"] + (["    group: 县市区"] if p.kind == "portal" else [])
        sites = tmp / "sites.yaml"
        sites.write_text("\n".join(lines) + "\n", encoding="utf-8")
        db = f"sqlite:///{tmp / 'eval.db'}"
        res = run_cli("audit", "--sites", str(sites), "--db", db, "--out", str(tmp / "out"), "--as-of", AS_OF,
                      "--no-browser", "--max-pages", "60", timeout=600)
        assert res.returncode == 0, res.stderr[-3000:]
        yield {"tmp": tmp, "sites": sites, "db": db, "servers": dict(zip((p.site_id for p in units), servers)),
               "units": units}
    finally:
        for s in servers:
            s.stop()


def _cli(*args: str) -> tuple[int, str, str]:
    """(exit code, stdout, stderr without whitespace: the console wraps long messages)."""
    from tests.conftest import run_cli

    res = run_cli(*args)
    return res.returncode, res.stdout, "".join(res.stderr.split())


def _words(text: str) -> str:
    return "".join(text.split())


def _ok(*args: str) -> str:
    code, out, err = _cli(*args)
    assert code == 0, f"{args}: {err[-2000:]}"
    return out


def _count(db: str, table: str) -> int:
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - test tables


def _fill(template: Path, out: Path, units: list) -> None:
    """The evaluators' work: manual scores, one external deduction and the 依申请公开 cases."""
    wb = load_workbook(template)
    position = {p.site_id: k for k, p in enumerate(units)}
    ws = wb["人工评分"]
    head = {c.value: c.column for c in ws[1]}
    values = {"zwgk.key_work": lambda k: 15 - k % 4, "zwgk.standardisation": lambda k: 10 - k % 3,
              "zwgk.daily.organisation": lambda k: 30 - k % 5, "zwgk.daily.implementation": lambda k: 40 - k % 7,
              "zwgk.daily.supervision": lambda k: 30 - k % 2}
    filled = 0
    for row in range(2, ws.max_row + 1):
        site_id, item = ws.cell(row, head["网站标识码"]).value, ws.cell(row, head["指标编号"]).value
        if item not in values:  # a test item offered for review by hand (no cases yet): left to the test
            continue
        k = position[site_id]
        daily = item.startswith("zwgk.daily.")
        ws.cell(row, head["得分"]).value = values[item](k)
        ws.cell(row, head["评分人"]).value = "李公开" if daily else "张评估"
        ws.cell(row, head["角色"]).value = "政务公开办" if daily else "评估人员"
        ws.cell(row, head["佐证材料"]).value = f"佐证/{site_id}/{item}.pdf"
        filled += 1
    assert filled == 36 * 5, "the template has a row per unit and manual item"
    ws = wb["外部扣分"]
    head = {c.value: c.column for c in ws[1]}
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, head["网站标识码"]).value == "4213000102":
            ws.cell(row, head["扣分"]).value = 1.5
            ws.cell(row, head["依据文件"]).value = "国务院办公厅政府信息与政务公开办公室2022年政务公开第三方评估通报"
    ws = wb["依申请公开"]
    head = {c.value: c.column for c in ws[1]}
    rows = {ws.cell(row, head["网站标识码"]).value: row for row in range(2, ws.max_row + 1)}
    assert len(rows) == 36

    def case(row: int, **v) -> None:  # noqa: ANN003
        base = {"案例编号": "YSQ-1", "渠道": "在线", "发送日期": date(2022, 9, 30), "受理日期": date(2022, 9, 30),
                "受理编号": "SL20220930", "答复日期": date(2022, 11, 1), "答复类型": "予以公开", "应有答复类型": "予以公开",
                "法律依据": "是", "救济途径": "是", "答复机关与日期": "是", "印章": "是"}
        for col, value in {**base, **v}.items():
            ws.cell(row, head[col]).value = value

    for site_id, row in rows.items():
        extra = {
            "4213000101": {"答复日期": date(2022, 11, 3)},
            "4213000211": {"答复日期": date(2022, 11, 3)},
            "4213000210": {"答复日期": date(2022, 11, 2)},
            "4213000104": {"延期告知日期": date(2022, 10, 20), "答复日期": date(2022, 11, 25)},
            "4213000201": {"补正告知日期": date(2022, 10, 11), "补正收到日期": date(2022, 10, 13),
                           "答复日期": date(2022, 11, 8)},
            "4213000203": {"答复日期": None, "答复类型": None},
            "4213000206": {"救济途径": "否", "答复类型": "不予公开（说明理由）"},
        }.get(site_id, {})
        case(row, **extra)
    letter = ws.max_row + 1
    ws.cell(letter, head["网站标识码"]).value = "4213000208"
    case(letter, 案例编号="YSQ-2", 渠道="信函", 渠道受理="否", 受理日期=None, 受理编号=None, 答复日期=None, 答复类型=None,
         应有答复类型=None, 法律依据=None, 救济途径=None, 答复机关与日期=None, 印章=None)
    wb.save(out)


def _broken(good: Path, tmp: Path, name: str, sheet: str, column: str, value, site_id: str | None = None,  # noqa: ANN001
            item: str | None = None) -> Path:
    path = tmp / f"bad-{name}.xlsx"
    shutil.copy(good, path)
    wb = load_workbook(path)
    ws = wb[sheet]
    head = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1)
               if (site_id is None or ws.cell(r, head["网站标识码"]).value == site_id)
               and (item is None or ws.cell(r, head["指标编号"]).value == item))
    ws.cell(row, head[column]).value = value
    wb.save(path)
    return path


def _table(groups: dict) -> tuple[list, list]:
    def rows(g: str) -> list:
        return [(r["site_id"], r["rank"], r["total"], r["grade"]) for r in groups[g]]
    return rows("县市区"), rows("市直部门")


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_seed_evaluation_end_to_end(audited) -> None:  # noqa: ANN001, PLR0915
    tmp, db, sites = audited["tmp"], audited["db"], audited["sites"]
    # the 在线申请 check opened each form page and never submitted one
    for site_id, server in audited["servers"].items():
        assert not [x for x in server.log if x[0] == "POST"], site_id
        assert ("GET", "/zwgk/ysq/form.html") in server.log, site_id

    ev = _ok("evaluate", "create", "--scheme", "suizhou-2022-zwgk", "--name", "2022年全市政务公开工作考评",
             "--sites", str(sites), "--as-of", AS_OF, "--by", "市政府门户网站编辑部", "--db", db).strip().splitlines()[-1]
    _ok("evaluate", "attach", ev, "--latest", "--by", "市政府门户网站编辑部", "--db", db)
    template = tmp / "评分表.xlsx"
    _ok("evaluate", "template", ev, "--out", str(template), "--db", db)
    filled = tmp / "评分表-已填.xlsx"
    _fill(template, filled, audited["units"])

    # bad 评分表 files: exit 2 naming sheet, row and column; nothing written
    bad = {
        "above-max": (_broken(filled, tmp, "max", "人工评分", "得分", 16), "人工评分", "column I (得分)", "outside 0–15"),
        "unknown-unit": (_broken(filled, tmp, "unit", "人工评分", "网站标识码", "9999999999"), "人工评分",
                         "column A (网站标识码)", "unknown unit"),
        "no-right": (_broken(filled, tmp, "role", "人工评分", "角色", "评估人员", site_id="4213000101",
                             item="zwgk.daily.organisation"), "人工评分", "column K (角色)",
                     "role 'evaluator' may not score zwgk.daily.organisation"),
        "text-number": (_broken(filled, tmp, "text", "外部扣分", "扣分", "一点五", site_id="4213000102"), "外部扣分",
                        "column E (扣分)", "text in a number cell"),
    }
    for name, (path, sheet, column, words) in bad.items():
        code, _, err = _cli("evaluate", "import", ev, str(path), "--by", "张评估", "--db", db)
        assert code == 2, (name, err)
        assert _words(f"sheet {sheet}, row") in err and _words(column) in err, (name, err)
        if words:
            assert _words(words) in err, (name, err)
        for table in ("manual_score", "external_deduction", "request_case"):
            assert _count(db, table) == 0, (name, table)

    _ok("evaluate", "import", ev, str(filled), "--by", "张评估", "--db", db)
    assert _count(db, "manual_score") == 180 and _count(db, "request_case") == 37
    _ok("evaluate", "deduct", ev, "--site", "4213000202", "--item", "zwgk.external", "--points", "0.8",
        "--document", "湖北省人民政府办公厅2022年度政务公开第三方评估结果反馈", "--by", "市政务公开办", "--db", db)
    code, _, err = _cli("evaluate", "deduct", ev, "--site", "4213000202", "--item", "zwgk.external", "--points", "1",
                        "--document", "", "--by", "x", "--db", db)
    assert code == 2 and "document" in err  # an external deduction without its document is refused

    # the provisional result, published; the objection window is 5 working days
    current = json.loads(_ok("evaluate", "result", ev, "--out", str(tmp / "current"), "--format", "json", "--db", db))
    counties, departments = _table(current["groups"])
    assert counties == EXPECTED_COUNTIES
    provisional_d5 = next(r for r in departments if r[0] == "4213000205")
    assert provisional_d5[2] == 94.4
    out = _cli("evaluate", "publish", ev, "--by", "市政府门户网站编辑部", "--on", "2022-12-21", "--db", db)
    assert out[0] == 0 and "2022-12-28" in out[2], out
    code, _, err = _cli("evaluate", "import", ev, str(filled), "--by", "张评估", "--db", db)
    assert code == 2 and "objection" in err  # after publication scores change only through objections

    obj = _ok("evaluate", "object", ev, "--site", "4213000205", "--item", "zwgk.daily.implementation",
              "--text", "本单位已按要求报送全部佐证材料，工作落实项应得满分", "--by", "市民政局办公室", "--on", "2022-12-23",
              "--db", db).strip()
    rejected = _ok("evaluate", "object", ev, "--site", "4213000204", "--item", "zwgk.annual_report",
                   "--text", "年报已在纸质文件中公开", "--by", "市公安局办公室", "--on", "2022-12-28", "--db", db).strip()
    code, _, err = _cli("evaluate", "object", ev, "--site", "4213000203", "--text", "答复已邮寄", "--by", "市财政局",
                        "--on", "2022-12-29", "--db", db)
    assert code == 2 and _words("window closed on 2022-12-28") in err
    code, _, err = _cli("evaluate", "finalize", ev, "--by", "市政府办公室", "--on", "2022-12-29", "--db", db)
    assert code == 2 and _words("not answered") in err
    code, _, err = _cli("evaluate", "answer", obj, "--decision", "accepted", "--text", "佐证材料齐全，予以更正",
                        "--points", "40", "--role", "evaluator", "--by", "王主任", "--db", db)
    assert code == 2 and _words("may not score") in err  # the 工作落实 item is the office's to score
    _ok("evaluate", "answer", obj, "--decision", "accepted", "--text", "佐证材料齐全，予以更正", "--points", "40",
        "--role", "office", "--by", "王主任", "--on", "2022-12-27", "--db", db)
    _ok("evaluate", "answer", rejected, "--decision", "rejected", "--text", "网站未公开2021年度报告，维持原评分",
        "--by", "王主任", "--on", "2022-12-28", "--db", db)
    code, _, err = _cli("evaluate", "finalize", ev, "--by", "市政府办公室", "--on", "2022-12-28", "--db", db)
    assert code == 2 and _words("open until 2022-12-28") in err
    _ok("evaluate", "finalize", ev, "--by", "市政府办公室", "--on", "2022-12-29", "--db", db)

    final = json.loads(_ok("evaluate", "result", ev, "--out", str(tmp / "final"), "--final", "--format", "json",
                           "--db", db))
    counties, departments = _table(final["groups"])
    assert counties == EXPECTED_COUNTIES
    assert departments == EXPECTED_DEPARTMENTS
    provisional = json.loads(_ok("evaluate", "result", ev, "--out", str(tmp / "prov"), "--provisional", "--format",
                                 "json", "--db", db))
    assert next(r["total"] for r in provisional["groups"]["市直部门"] if r["site_id"] == "4213000205") == 94.4

    # every point traces to a finding of the attached run or to a named scorer / document / case
    with sqlite3.connect(db.removeprefix("sqlite:///")) as conn:
        findings = {fid: (run, rule, subject) for fid, run, rule, subject in
                    conn.execute("SELECT id, run_id, rule, subject FROM finding")}
        problems = {pid: (site, rule) for pid, site, rule in conn.execute("SELECT id, site_id, rule FROM problem")}
    by_site = {r["site_id"]: r for g in final["groups"].values() for r in g}
    d12 = by_site["4213000212"]["trace"]
    meta = [t for t in d12 if t["item"] == "zwgk.metadata"]
    assert len(meta) == 3 and all(t["points"] == -0.2 and t["basis"] == "finding" for t in meta)
    assert all(findings[t["finding"]] == (t["run"], "disclosure.metadata_incomplete", t["subject"]) for t in meta)
    # … and names the problem (one per site, rule and subject across runs) the unit answers in its 整改清单
    assert all(problems[t["problem"]] == ("4213000212", "disclosure.metadata_incomplete") for t in meta)
    assert len({t["problem"] for t in meta}) == 3
    channel = [t for t in d12 if t["item"] == "zwgk.request.channel"]
    assert [(t["basis"], t["points"]) for t in channel] == [("channel_check", -5.0)]
    d5 = [t for t in by_site["4213000205"]["trace"] if t["item"] == "zwgk.daily.implementation"]
    assert d5 == [{**d5[0], "points": 40.0, "basis": "scorer", "scorer": "王主任", "role": "office", "objection": int(obj)}]
    ext = [t for t in by_site["4213000102"]["trace"] if t["item"] == "zwgk.external"]
    assert [(t["points"], t["basis"]) for t in ext] == [(-1.5, "document")] and "2022年政务公开第三方评估通报" in ext[0]["document"]
    late = [t for t in by_site["4213000211"]["trace"] if t["item"] == "zwgk.request.timeliness"]
    assert [(t["points"], t["basis"], t["case_no"]) for t in late] == [(-5.0, "case", "YSQ-1")] and "2022-11-02" in late[0]["text"]
    for site_id in ("4213000210", "4213000104", "4213000201"):  # on the deadline, extended, 补正: not late
        assert not [t for t in by_site[site_id]["trace"] if t["item"] == "zwgk.request.timeliness"], site_id
    scorer = [t for t in by_site["4213000101"]["trace"] if t["item"] == "zwgk.key_work"]
    assert scorer[0]["scorer"] == "张评估" and scorer[0]["attachment"] == "佐证/4213000101/zwgk.key_work.pdf"
    for r in by_site.values():  # the points of each unit add up from its trace
        gained = sum(t["points"] for t in r["trace"] if t["basis"] == "scorer")
        lost = sum(t["points"] for t in r["trace"] if t["basis"] != "scorer")
        machine_max = 10 + 10 + 10 + 10 + 10 + 15 + 10  # the machine and test items of the platform part
        platform = [p for p in r["parts"] if p["id"] == "platform"][0]["score"]
        daily = [p for p in r["parts"] if p["id"] == "daily"][0]["score"]
        ext_lost = -sum(t["points"] for t in r["trace"] if t["basis"] == "document")
        assert round(platform + daily, 4) == round(machine_max + gained + lost + ext_lost, 4), r["site_id"]

    # the XLSX: one ranked sheet per group, the trace sheet, the objections; and the HTML page
    wb = load_workbook(tmp / "final" / "result.xlsx", read_only=True)
    assert wb.sheetnames == ["说明", "县市区", "市直部门", "得分溯源", "异议"]
    sheet = list(wb["县市区"].iter_rows(values_only=True))
    assert [(r[1], r[0], r[-3], r[-2]) for r in sheet[1:]] == [(s, k, t, g) for s, k, t, g in EXPECTED_COUNTIES]
    trace = list(wb["得分溯源"].iter_rows(values_only=True))
    assert len(trace) - 1 == sum(len(r["trace"]) for r in by_site.values())
    html = (tmp / "final" / "result.html").read_text(encoding="utf-8")
    assert "最终结果" in html and "县市区" in html and "市直部门" in html and "得分溯源" in html
    assert "佐证材料齐全，予以更正" in html
