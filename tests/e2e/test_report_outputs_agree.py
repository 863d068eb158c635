"""One source of truth on sites the report was not designed on: the column fixture sites (甲县, 乙县 with GBK
pages and stale, blank and undated columns), the content-security site (spam, 暗链, cloaking, serious
errors, typos, a privacy leak) and the demo, audited without a browser in three commands, then written
together by `govaudit report --run … --format html --format docx`. For every site findings.json,
report.html, summary.xlsx and report.docx carry the same problems (rule and subject), the same score,
and a 整改对策 for every problem.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from demo.server import FixtureServer
from tests.conftest import run_cli
from tests.e2e import columns_site
from tests.e2e.content_site import build, external_routes
from tests.e2e.report_outputs import docx_problem_cells, from_docx, from_html, from_json, from_xlsx

pytestmark = pytest.mark.slow

SITES = ("4200000001", "4200000002", "4213000006", "4213000001")


def _audit(tmp: Path, sites: list[dict], as_of: str, db: str) -> None:
    (tmp / "sites.yaml").write_text(yaml.safe_dump({"sites": sites}, allow_unicode=True), encoding="utf-8")
    proc = run_cli("audit", "--sites", str(tmp / "sites.yaml"), "--db", db, "--out", str(tmp / "audit-out"),
                   "--as-of", as_of, "--no-browser", "--allow-private")
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("agree")
    db = f"sqlite:///{tmp / 'audit.db'}"
    with FixtureServer(columns_site.site_a()) as a, FixtureServer(columns_site.site_b()) as b:
        _audit(tmp, [{"id": SITES[0], "name": "甲县人民政府", "url": a.base_url + "/"},
                     {"id": SITES[1], "name": "乙县人民政府", "url": b.base_url + "/",
                      "columns": [{"url": "/tzgg/", "type": "notice", "name": "通知公告"}]}],
               columns_site.AS_OF.isoformat(), db)
    try:
        external = FixtureServer(external_routes(), host="127.0.0.2").start()
    except OSError:
        external = FixtureServer(external_routes(), host="127.0.0.1").start()
    try:
        with FixtureServer(build(external.base_url)) as site:
            _audit(tmp, [{"id": SITES[2], "name": "示例县人民政府", "url": site.base_url + "/", "kind": "portal"}],
                   "2026-11-20", db)
    finally:
        external.stop()
    proc = run_cli("demo", "--no-browser", "--db", db, "--out", str(tmp / "demo-out"), "--as-of", "2026-11-27")
    assert proc.returncode == 0, proc.stderr[-3000:]
    target = tmp / "out"
    proc = run_cli("report", "--run", "1", "--run", "2", "--run", "3", "--run", "4", "--db", db, "--out", str(target),
                   "--format", "html", "--format", "docx")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return target


@pytest.mark.parametrize("site_id", SITES)
def test_findings_json_xlsx_docx_and_html_say_the_same(out: Path, site_id: str) -> None:
    said = from_json(out, site_id)
    assert said.problems, f"{site_id}: the fixture plants problems"
    xlsx, docx, html = from_xlsx(out, site_id), from_docx(out, site_id), from_html(out, site_id)
    assert (xlsx.total, xlsx.problems, xlsx.names) == (said.total, said.problems, said.names)
    assert (docx.total, docx.names) == (said.total, said.names)
    assert (html.total, html.problems) == (said.total, said.problems)


@pytest.mark.parametrize("site_id", SITES)
def test_every_problem_has_its_measures_in_the_docx(out: Path, site_id: str) -> None:
    doc = json.loads((out / site_id / "findings.json").read_text(encoding="utf-8"))
    cells = docx_problem_cells(out / site_id / "report.docx")
    assert sorted(measure.split("\n")[0] for _, measure in cells) == sorted(f["advice"]["text"] for f in doc["findings"])
    assert all(f["advice"]["source"] and f["advice"]["tag"] in "VCU" for f in doc["findings"])


def test_the_sites_differ_so_the_comparison_means_something(out: Path) -> None:
    docs = {s: json.loads((out / s / "findings.json").read_text(encoding="utf-8")) for s in SITES}
    assert len({d["score"]["total"] for d in docs.values()}) >= 3
    rules = {s: {f["rule"] for f in d["findings"]} for s, d in docs.items()}
    assert "column.stale" in rules[SITES[0]] and "content.spam_injection" in rules[SITES[2]]
    assert any(d["score"]["vetoed"] for d in docs.values())
