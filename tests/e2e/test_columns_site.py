"""End to end: audit the two column fixture sites through the CLI; exactly the planted column findings."""
from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from demo.server import FixtureServer
from storage import models as m
from storage.session import session_scope
from storage.snapshot import build_snapshot
from tests.conftest import run_cli
from tests.e2e import columns_site as fx

COLUMN_RULES = {"column.stale", "column.blank", "site.homepage_not_updated"}


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("columns")
    with FixtureServer(fx.site_a()) as a, FixtureServer(fx.site_b()) as b:
        sites = {"sites": [
            {"id": "4200000001", "name": "甲县人民政府", "url": a.base_url + "/"},
            {"id": "4200000002", "name": "乙县人民政府", "url": b.base_url + "/",
             "columns": [{"url": "/tzgg/", "type": "notice", "name": "通知公告"}]},
        ]}
        (tmp / "sites.yaml").write_text(yaml.safe_dump(sites, allow_unicode=True), encoding="utf-8")
        db = tmp / "audit.db"
        proc = run_cli("audit", "--sites", str(tmp / "sites.yaml"), "--db", f"sqlite:///{db}", "--out",
                       str(tmp / "out"), "--as-of", fx.AS_OF.isoformat(), "--no-browser", "--allow-private")
        assert proc.returncode == 0, proc.stderr[-3000:]
        docs = {sid: json.loads((tmp / "out" / sid / "findings.json").read_text(encoding="utf-8"))
                for sid in ("4200000001", "4200000002")}
        yield docs, db, a.base_url, b.base_url


def _columns(db: Path, site_id: str) -> dict[str, dict]:
    con = sqlite3.connect(db)
    con.row_factory = sqlite3.Row
    rows = con.execute("select c.* from site_column c join run r on r.id = c.run_id where r.site_id = ?", (site_id,))
    out = {r["url"]: dict(r) for r in rows}
    con.close()
    return out


def _newest_placed(db: Path, column_url: str) -> date | None:
    """The newest item date of a column as the rules see it (year-less dates placed against the run's as_of)."""
    with session_scope(f"sqlite:///{db}") as session:
        run_id = session.scalar(select(m.ColumnItem.run_id).where(m.ColumnItem.column_url == column_url))
        items = build_snapshot(session, run_id).items_of[column_url]
    return items[0].date


def test_exactly_the_planted_column_findings(audit) -> None:
    docs, _db, a, b = audit
    want = fx.expected(a, b)
    for site_id, doc in docs.items():
        got = {(f["rule"], f["subject"]) for f in doc["findings"] if f["rule"] in COLUMN_RULES}
        assert got == want[site_id], site_id


def test_at_least_ten_columns_typed_and_levelled(audit) -> None:
    _docs, db, a, _b = audit
    cols = _columns(db, "4200000001")
    assert len([c for c in cols.values() if c["level"] >= 1]) >= 10
    kinds = {u.removeprefix(a): (c["type"], c["level"]) for u, c in cols.items()}
    assert kinds["/xwdt/"] == ("news", 1) and kinds["/tzgg/"] == ("notice", 1) and kinds["/zcwj/"] == ("policy", 1)
    assert kinds["/rsxx/"] == ("personnel", 1) and kinds["/ghjh/"] == ("plan", 1)
    assert kinds["/hdjl/"] == ("interaction", 1) and kinds["/jggk/"] == ("other", 1)
    assert kinds["/zwgk/gfxwj/"] == ("policy", 2) and kinds["/zwgk/rsrm/"] == ("personnel", 2)
    assert kinds["/ztzl/xczx/"][1] == 2 and cols[a + "/ztzl/xczx/"]["parent_url"] == a + "/ztzl/"
    assert cols[a + "/tzgg/"]["type_reason"] == "keyword 通知公告"
    assert cols[a + "/ztzl/"]["subcolumns"] == 2


def test_gbk_column_and_site_are_read(audit) -> None:
    _docs, db, a, b = audit
    con = sqlite3.connect(db)
    titles = {t for (t,) in con.execute("select title from column_item where column_url = ?", (a + "/tzgg/",))}
    assert "关于征集民生实事项目的公告" in titles
    b_notice = _columns(db, "4200000002")[b + "/tzgg/"]
    assert b_notice["type_reason"] == "sites.yaml override" and str(b_notice["newest_date"]) == "2022-12-10"


def test_dates_read_in_every_form(audit) -> None:
    _docs, db, a, _b = audit
    cols = _columns(db, "4200000001")
    newest = {u.removeprefix(a): c["newest_date"] for u, c in cols.items()}
    assert newest["/zcwj/"] == "2022-05-01"  # 2022年05月01日
    assert newest["/bmdt/"] is None  # [11-20] is stored as seen: its year is placed when the run is judged
    assert _newest_placed(db, a + "/bmdt/") == date(2022, 11, 20)
    assert newest["/rsxx/"] == "2022-10-01"  # from the article URL only
    assert newest["/xwdt/"] == "2022-12-18"  # not the 2019 date in its title or footer
    assert newest["/gzxx/"] == "2022-12-12" and cols[a + "/gzxx/"]["needs_render"] == 0  # 大汉 datastore records
    con = sqlite3.connect(db)
    src = con.execute("select date_source, date_raw, month_day, date from column_item where column_url = ? "
                      "order by month_day desc limit 1", (a + "/bmdt/",)).fetchone()
    assert src == ("short", "11-20", "11-20", None)


def test_pagination_pages_recorded(audit) -> None:
    _docs, db, a, _b = audit
    news = _columns(db, "4200000001")[a + "/xwdt/"]
    assert news["page_count"] == 2
    assert a + "/xwdt/index_1.html" in json.loads(news["pages_seen"])
    assert news["items_seen"] == 5


def test_script_list_is_not_measured_never_blank(audit) -> None:
    docs, db, a, b = audit
    js = _columns(db, "4200000001")[a + "/xzdt/"]
    assert js["needs_render"] == 1 and js["items_seen"] == 0
    rules = {r["rule"]: r for r in docs["4200000001"]["rules"]}
    assert rules["column.stale"]["status"] == "fail" and "乡镇动态" in rules["column.stale"]["reason"]
    assert rules["column.blank"]["status"] == "fail" and "乡镇动态" in rules["column.blank"]["reason"]
    vue = _columns(db, "4200000002")[b + "/bmdt/"]
    assert vue["needs_render"] == 1 and vue["empty_marker"] == "暂无数据"
    rules_b = {r["rule"]: r for r in docs["4200000002"]["rules"]}
    assert "部门动态" in rules_b["column.blank"]["reason"] and "部门动态" in rules_b["column.stale"]["reason"]


def test_evidence_of_a_stale_column(audit) -> None:
    docs, _db, a, _b = audit
    f = next(x for x in docs["4200000001"]["findings"] if x["subject"] == a + "/zcwj/")
    ev = f["evidence"]
    assert (ev["name"], ev["type"], ev["type_reason"], ev["level"]) == ("政策文件", "policy", "keyword 政策文件", 1)
    assert (ev["max_age_days"], ev["age_days"], ev["days_over"], ev["limit_group"]) == (183, 233, 50, "notice_policy")
    assert ev["newest"]["title"] == "甲县人民政府关于印发优化营商环境措施的通知"
    assert ev["newest"]["url"] == a + "/zcwj/202205/t20220501_3001.html" and ev["newest"]["date"] == "2022-05-01"


def test_scores(audit) -> None:
    docs, _db, _a, _b = audit
    a_score, b_score = docs["4200000001"]["score"], docs["4200000002"]["score"]
    freshness = {"column.stale", "column.blank", "site.homepage_not_updated"}
    # Other capabilities judge these fixture sites too: only the freshness vetoes are this test's.
    assert not freshness & set(a_score["vetoes"])  # 2 stale and 2 blank columns stay below the V4 counts
    assert b_score["vetoed"] and freshness & set(b_score["vetoes"]) == {"site.homepage_not_updated"}


def test_rejudging_places_year_less_dates_against_the_new_as_of(audit, tmp_path: Path) -> None:
    """`check --run N --as-of D2` of a run crawled as of D1 places `[11-20]` against D2, not D1's guess."""
    _docs, db, a, _b = audit
    copy = tmp_path / "copy.db"
    with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:  # the module's other tests read the original
        src.backup(dst)
    con = sqlite3.connect(copy)
    run_id = con.execute("select id from run where site_id = '4200000001'").fetchone()[0]
    con.close()

    def bmdt_stale(as_of: str) -> dict | None:
        proc = run_cli("check", "--run", str(run_id), "--db", f"sqlite:///{copy}", "--as-of", as_of,
                       "--out", str(tmp_path / as_of))
        assert proc.returncode == 0, proc.stderr[-2000:]
        doc = json.loads((tmp_path / as_of / "4200000001" / "findings.json").read_text(encoding="utf-8"))
        return next((f for f in doc["findings"] if f["rule"] == "column.stale" and f["subject"] == a + "/bmdt/"), None)

    # Crawled as of 2022-12-20, the list's [11-20] and [11-02] were 2022's. As of 2022-11-01 neither can be:
    # they are 2021-11-20 and 2021-11-02, and the column is stale.
    earlier = bmdt_stale("2022-11-01")
    assert earlier is not None and earlier["evidence"]["newest"]["date"] == "2021-11-20", earlier
    # As of 2022-12-01 it is 2022-11-20, 11 days old: fresh (the negative control).
    assert bmdt_stale("2022-12-01") is None
