"""The column fixture in Chromium: the script-filled list (/xzdt/) that is not measured without a
browser is read after rendering (fresh, 2022-12-15), and the planted findings stay exactly the same."""
from __future__ import annotations

import json
import sqlite3

import pytest
import yaml

from demo.server import FixtureServer
from tests.conftest import run_cli
from tests.e2e import columns_site as fx

COLUMN_RULES = {"column.stale", "column.blank", "site.homepage_not_updated"}


@pytest.mark.browser
@pytest.mark.slow
def test_script_filled_column_read_in_the_browser(tmp_path) -> None:
    with FixtureServer(fx.site_a()) as a, FixtureServer(fx.site_b()) as b:
        sites = {"sites": [{"id": "4200000001", "name": "甲县人民政府", "url": a.base_url + "/"}]}
        (tmp_path / "sites.yaml").write_text(yaml.safe_dump(sites, allow_unicode=True), encoding="utf-8")
        db = tmp_path / "audit.db"
        proc = run_cli("audit", "--sites", str(tmp_path / "sites.yaml"), "--db", f"sqlite:///{db}", "--out",
                       str(tmp_path / "out"), "--as-of", fx.AS_OF.isoformat(), "--allow-private")
        assert proc.returncode == 0, proc.stderr[-3000:]
        doc = json.loads((tmp_path / "out" / "4200000001" / "findings.json").read_text(encoding="utf-8"))
        want = fx.expected(a.base_url, b.base_url)["4200000001"]
    got = {(f["rule"], f["subject"]) for f in doc["findings"] if f["rule"] in COLUMN_RULES}
    assert got == want
    con = sqlite3.connect(db)
    rendered, needs_render, newest = con.execute(
        "select rendered, needs_render, newest_date from site_column where url = ?", (a.base_url + "/xzdt/",)).fetchone()
    con.close()
    assert rendered and not needs_render and str(newest) == "2022-12-15"
