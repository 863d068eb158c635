"""The six content-security rules end to end: a fixture site with every technique and its negative
twin is crawled through the CLI (variant fetches included), and the demo portal stays silent."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from demo.server import FixtureServer
from tests.conftest import run_cli
from tests.e2e.content_site import CONTENT_RULES, EXPECTED, build, external_routes

SITE_ID = "4213000006"


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory) -> dict:
    tmp = tmp_path_factory.mktemp("content")
    try:
        external = FixtureServer(external_routes(), host="127.0.0.2").start()
    except OSError:
        external = FixtureServer(external_routes(), host="127.0.0.1").start()
    site = FixtureServer(build(external.base_url)).start()
    try:
        sites = tmp / "sites.yaml"
        sites.write_text(yaml.safe_dump({"sites": [{"id": SITE_ID, "name": "示例县人民政府", "url": site.base_url + "/",
                                                    "kind": "portal"}]}, allow_unicode=True), encoding="utf-8")
        proc = run_cli("audit", "--sites", str(sites), "--db", f"sqlite:///{tmp / 'a.db'}", "--out", str(tmp / "out"),
                       "--as-of", "2026-11-20", "--no-browser")
        assert proc.returncode == 0, proc.stderr[-3000:]
        doc = json.loads((tmp / "out" / SITE_ID / "findings.json").read_text(encoding="utf-8"))
        doc["_log"] = list(site.log)
        return doc
    finally:
        site.stop()
        external.stop()


def _ours(doc: dict) -> list[dict]:
    return [f for f in doc["findings"] if f["rule"] in CONTENT_RULES]


def test_exactly_the_planted_findings(audited: dict) -> None:
    got = {(f["rule"], urlsplit(f["subject"]).path) for f in _ours(audited)}
    assert got == EXPECTED


def test_every_content_rule_was_judged(audited: dict) -> None:
    status = {r["rule"]: r["status"] for r in audited["rules"]}
    assert {status[r] for r in CONTENT_RULES} == {"fail"}


def test_hijacked_notice_names_the_metadata_field(audited: dict) -> None:
    f = next(f for f in _ours(audited) if f["rule"] == "content.spam_injection" and "t20220601_1" in f["subject"])
    hit = f["evidence"]["hits"][0]
    assert hit["field"] == "metadata:发布机构"
    assert "365沙巴体育注册" in hit["quote"] and hit["path"].startswith("/html/body/table")
    assert any(s["kind"] == "junk_tags" and "h4sia" in s["detail"] for s in f["evidence"]["signatures"])
    assert f["severity"] == "veto"


def test_cloaking_evidence_shows_both_views(audited: dict) -> None:
    f = next(f for f in _ours(audited) if f["rule"] == "content.cloaking")
    ev = f["evidence"]
    assert ev["variant"] == "baiduspider" and "Baiduspider" in ev["user_agent"]
    assert ev["normal_title"] == "县政府召开常务会议" and "沙巴体育" in ev["variant_title"]
    assert any("娱乐城" in s for s in ev["variant_only"])


def test_variant_fetches_are_few(audited: dict) -> None:
    # homepage + 4 pages, 3 variants each, on top of one normal fetch per page
    fetched = [p for m, p in audited["_log"] if m == "GET"]
    # …and one more GET of the homepage by the HTTPS check (security.no_https: is http:// redirected?)
    assert len(fetched) - len(set(fetched)) == 5 * 3 + 1
    assert fetched.count("/") == 1 + 3 + 1


def test_serious_error_reports_only_the_misspelt_name(audited: dict) -> None:
    f = next(f for f in _ours(audited) if f["rule"] == "content.serious_error" and "meeting" in f["subject"])
    assert [(e["wrong"], e["right"]) for e in f["evidence"]["errors"]] == [("习近萍总书记", "习近平总书记")]
    leader = next(f for f in _ours(audited) if f["rule"] == "content.serious_error" and "county" in f["subject"])
    assert leader["evidence"]["errors"][0]["right"] == "县长张建华"


def test_privacy_evidence_is_masked(audited: dict) -> None:
    f = next(f for f in _ours(audited) if f["rule"] == "privacy.leak")
    text = json.dumps(f, ensure_ascii=False)
    assert "11010519491231002X" not in text and "13812345678" not in text
    assert f["evidence"]["counts"] == {"id_card": 2, "mobile": 2}


def test_demo_portal_has_no_content_findings(tmp_path: Path) -> None:
    proc = run_cli("demo", "--db", f"sqlite:///{tmp_path / 'd.db'}", "--out", str(tmp_path / "out"), "--no-browser")
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads(next((tmp_path / "out").glob("*/findings.json")).read_text(encoding="utf-8"))
    assert _ours(doc) == []
    status = {r["rule"]: r["status"] for r in doc["rules"]}
    assert {status[r] for r in CONTENT_RULES} == {"pass"}
