"""The bundled sample portal is a true negative for 政府信息公开 and 互动交流 (a realistic look-alike site)."""
from __future__ import annotations

import json
from datetime import date

import pytest

from demo.portal import sites_yaml, start_demo
from tests.conftest import run_cli

pytestmark = pytest.mark.slow
AS_OF = date(2026, 11, 23)


def test_demo_has_no_disclosure_or_interaction_findings(tmp_path) -> None:  # noqa: ANN001
    with start_demo(AS_OF) as demo:
        sites = tmp_path / "sites.yaml"
        sites.write_text(sites_yaml(demo), encoding="utf-8")
        proc = run_cli("audit", "--sites", str(sites), "--db", f"sqlite:///{tmp_path / 'db.sqlite'}",
                       "--out", str(tmp_path / "out"), "--as-of", AS_OF.isoformat(), "--no-browser")
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(next((tmp_path / "out").glob("*/findings.json")).read_text(encoding="utf-8"))
    ours = [f for f in doc["findings"] if f["rule"].startswith(("disclosure.", "interaction."))]
    assert ours == []
    status = {r["rule"]: r["status"] for r in doc["rules"]}
    for rule in ("disclosure.missing", "disclosure.metadata_incomplete", "disclosure.annual_report_missing",
                 "disclosure.annual_report_late", "disclosure.interpretation_unlinked", "interaction.missing",
                 "interaction.unanswered"):
        assert status[rule] == "pass", rule
    # the demo's reports are prose without tables: judged as not measured, never as a pass
    assert status["disclosure.annual_report_inconsistent"] == "not_measured"
