"""On a 2,000-page site where only a few columns need JavaScript, few requests go to the browser."""
from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

from demo.server import FixtureServer
from tests.conftest import ROOT, run_cli

sys.path.insert(0, str(ROOT / "bench"))
from render_site import build_render_site  # noqa: E402  (bench/ is not a package)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAGES, JS_COLUMNS = 2000, 10


def test_fewer_than_a_tenth_of_requests_are_rendered(tmp_path: Path) -> None:
    routes, js = build_render_site(PAGES, JS_COLUMNS)
    with FixtureServer(routes, "127.0.0.1") as site:
        (tmp_path / "sites.yaml").write_text(
            f'sites:\n  - id: "9999000002"\n    name: 渲染基准站点\n    url: {site.base_url}/\n', encoding="utf-8")
        proc = run_cli("audit", "--sites", str(tmp_path / "sites.yaml"), "--db", f"sqlite:///{tmp_path}/a.db",
                       "--out", str(tmp_path / "out"), "--max-pages", str(PAGES + 500), timeout=280)
        assert proc.returncode == 0, proc.stderr[-3000:]
    with sqlite3.connect(tmp_path / "a.db") as conn:
        total, rendered = conn.execute("SELECT count(*), sum(rendered) FROM page").fetchone()
        reasons = dict(conn.execute("SELECT url, render_reason FROM page WHERE rendered"))
        (stats,) = conn.execute("SELECT stats FROM run").fetchone()
    browser = json.loads(stats)["browser"]
    assert total >= PAGES  # the JS columns' items were found, so every page was reached
    assert browser["requests"] == rendered and rendered / total < 0.10
    assert {u.removeprefix(site.base_url) for u, r in reasons.items() if r == "js_list"} == js
    assert list(reasons.values()).count("homepage") == 1 and len(reasons) == JS_COLUMNS + 1
