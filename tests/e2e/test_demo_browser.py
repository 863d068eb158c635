"""The browser path adds what only a browser can see and changes nothing else.

Regression: while the homepage waited for its render, its links were crawled first, so the 公开
platform and message-board extractors met /zwgk/ and /hdjl/ before the homepage that names them
(a false `disclosure.missing` and an unmeasured `interaction.unanswered` on the demo portal).
"""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from demo.portal import sites_yaml, start_demo

AS_OF = "2026-11-27"
BROWSER_ONLY = {"function.not_mobile", "function.accessibility"}  # need a rendered page to be judged


def _audit(cli, tmp: Path, *extra: str) -> dict:
    tmp.mkdir()
    with start_demo(date.fromisoformat(AS_OF)) as demo:
        (tmp / "sites.yaml").write_text(sites_yaml(demo), encoding="utf-8")
        res = cli("audit", "--sites", str(tmp / "sites.yaml"), "--db", f"sqlite:///{tmp / 'g.db'}",
                  "--out", str(tmp / "out"), "--as-of", AS_OF, *extra)
        assert res.returncode == 0, res.stderr[-3000:]
        doc = json.loads((tmp / "out" / demo.portal.site_id / "findings.json").read_text(encoding="utf-8"))
    base = demo.portal.base_url
    doc["_pairs"] = {(f["rule"], f["subject"].replace(base, "BASE").split("://127.0.0.2:")[0])
                     for f in doc["findings"]}
    return doc


@pytest.mark.browser
@pytest.mark.slow
def test_browser_and_plain_audits_agree_on_the_demo(cli, tmp_path: Path) -> None:
    plain = _audit(cli, tmp_path / "plain", "--no-browser")
    rendered = _audit(cli, tmp_path / "browser")
    assert {p for p in rendered["_pairs"] if p[0] not in BROWSER_ONLY} == plain["_pairs"]
    status = {r["rule"]: r["status"] for r in rendered["rules"]}
    assert status["interaction.unanswered"] == "pass" and status["disclosure.missing"] == "pass"
    assert all(f.get("screenshot") for f in rendered["findings"])
