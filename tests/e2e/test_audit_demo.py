"""The whole path through the CLI on the sample portal: exact findings, re-judging offline, reports.

The portal plants 4 broken links (a 404 and a soft-404 on the homepage, a missing attachment and a
dead external page inside), a wrong 网站标识码 and two missing footer elements, next to look-alikes
that must stay silent (a redirect that ends well, an article about the G404 road, a HEAD-405 page,
a slow page, an empty SiteIDCode meta, footer elements in varied valid forms).
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from openpyxl import load_workbook

from demo.portal import sites_yaml, start_demo

AS_OF = "2026-11-27"
FOUNDATION_RULES = {"site.unreachable", "link.broken", "identity.missing", "identity.mismatch"}
SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "reports/schema/findings.schema.json").read_text())


def _findings(doc: dict) -> set[tuple[str, str]]:
    return {(f["rule"], f["subject"]) for f in doc["findings"] if f["rule"] in FOUNDATION_RULES}


@pytest.fixture
def demo():
    with start_demo(date.fromisoformat(AS_OF)) as portal:
        yield portal


@pytest.mark.slow
def test_audit_finds_exactly_the_planted_defects(demo, db_url: str, tmp_path: Path, cli) -> None:
    sites = tmp_path / "sites.yaml"
    sites.write_text(sites_yaml(demo), encoding="utf-8")
    out = tmp_path / "out"
    res = cli("audit", "--sites", str(sites), "--db", db_url, "--out", str(out), "--as-of", AS_OF, "--no-browser")
    assert res.returncode == 0, res.stderr
    doc = json.loads((out / demo.portal.site_id / "findings.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, SCHEMA)
    assert _findings(doc) == set(demo.portal.expected)
    broken = {f["subject"]: f for f in doc["findings"] if f["rule"] == "link.broken"}
    assert broken[demo.portal.base_url + "/xxgk/old-notice.html"]["evidence"]["on_homepage"] is True
    assert broken[demo.portal.base_url + "/uploads/2025/plan.pdf"]["evidence"]["on_homepage"] is False
    assert doc["run"]["as_of"] == AS_OF and doc["run"]["pages"] > 50 and doc["run"]["state"] == "complete"
    statuses = {r["rule"]: r["status"] for r in doc["rules"]}
    assert statuses["site.unreachable"] == "pass" and statuses["link.broken"] == "fail"
    assert "report.html" in {p.name for p in (out / demo.portal.site_id).iterdir()}
    assert demo.portal.name in (out / demo.portal.site_id / "report.html").read_text(encoding="utf-8")
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["sites"][0]["id"] == demo.portal.site_id
    wb = load_workbook(out / "summary.xlsx")
    assert len(wb.worksheets) >= 2 and wb.worksheets[1].max_row == len(doc["findings"]) + 1

    # `check --run` judges the stored run again with the servers gone: same findings, no fetch.
    demo.stop()
    requests_before = demo.server.requests
    again = cli("check", "--run", str(doc["run"]["id"]), "--db", db_url, "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stderr
    redo = json.loads((tmp_path / "again" / demo.portal.site_id / "findings.json").read_text(encoding="utf-8"))
    assert {(f["rule"], f["subject"]) for f in redo["findings"]} == {(f["rule"], f["subject"]) for f in doc["findings"]}
    assert demo.server.requests == requests_before

    # …and with another 监测时间点 it records that date.
    later = cli("check", "--run", str(doc["run"]["id"]), "--db", db_url, "--as-of", "2027-01-15")
    assert later.returncode == 0, later.stderr
    rep = cli("report", "--run", str(doc["run"]["id"]), "--db", db_url, "--out", str(tmp_path / "rep"))
    assert rep.returncode == 0, rep.stderr
    doc3 = json.loads((tmp_path / "rep" / demo.portal.site_id / "findings.json").read_text(encoding="utf-8"))
    assert doc3["run"]["as_of"] == "2027-01-15"
