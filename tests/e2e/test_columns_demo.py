"""The bundled demo portal: its columns are found and typed, and no column finding is false (its items are days old)."""
from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from demo.portal import sites_yaml, start_demo
from tests.conftest import run_cli

AS_OF = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo_audit(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("demo-columns")
    with start_demo(AS_OF) as demo:
        (tmp / "sites.yaml").write_text(sites_yaml(demo), encoding="utf-8")
        proc = run_cli("audit", "--sites", str(tmp / "sites.yaml"), "--db", f"sqlite:///{tmp / 'a.db'}", "--out",
                       str(tmp / "out"), "--as-of", AS_OF.isoformat(), "--no-browser")
        assert proc.returncode == 0, proc.stderr[-3000:]
        doc = json.loads((tmp / "out" / demo.portal.site_id / "findings.json").read_text(encoding="utf-8"))
        yield doc, tmp / "a.db", demo.portal


def test_demo_findings_unchanged_and_no_column_findings(demo_audit) -> None:
    doc, _db, portal = demo_audit
    # The planted defects stay exactly as they were, and the freshness rules add nothing (other
    # capabilities judge the host itself — loopback is no .gov.cn — and are tested elsewhere).
    judged = {rule for rule, _ in portal.expected} | {"column.stale", "column.blank", "site.homepage_not_updated"}
    got = sorted((f["rule"], f["subject"]) for f in doc["findings"] if f["rule"] in judged)
    assert got == sorted(portal.expected)
    status = {r["rule"]: r["status"] for r in doc["rules"]}
    assert status["column.stale"] == status["column.blank"] == status["site.homepage_not_updated"] == "pass"


def test_demo_columns(demo_audit) -> None:
    _doc, db, portal = demo_audit
    con = sqlite3.connect(db)
    rows = {url.removeprefix(portal.base_url): (kind, level) for url, kind, level in
            con.execute("select url, type, level from site_column")}
    assert rows["/xwzx/"] == ("news", 1) and rows["/tzgg/"] == ("notice", 1) and rows["/zcwj/"] == ("policy", 1)
    assert rows["/hdjl/"] == ("interaction", 1) and rows["/bsfw/"] == ("service", 1) and rows["/"] == ("other", 0)
    newest = dict(con.execute("select url, newest_date from site_column where url = ?", (portal.base_url + "/tzgg/",)))
    assert newest[portal.base_url + "/tzgg/"] == (AS_OF.replace(day=17)).isoformat()  # the GBK list, 6 days old
