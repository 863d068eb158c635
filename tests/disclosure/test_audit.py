"""One audit through the CLI of the two generated sites: exact findings per rule, facts as stored."""
from __future__ import annotations

import json

import pytest
import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from demo.server import FixtureServer
from storage.models import AnnualReport, Message
from tests.conftest import run_cli
from tests.disclosure import site

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("disclosure")
    with FixtureServer(site.site_a(), host="127.0.0.1") as a, FixtureServer(site.site_b(), host="127.0.0.2") as b:
        registry = {"sites": [
            {"id": "site-a", "name": site.UNIT_A, "url": a.base_url + "/", "kind": "portal",
             "disclosure": "/zwgk/", "interaction": ["/hdjl/zxzx/"]},
            {"id": "site-b", "name": site.UNIT_B, "url": b.base_url + "/", "kind": "department"},
        ]}
        sites = tmp / "sites.yaml"
        sites.write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        db = f"sqlite:///{tmp / 'govaudit.db'}"
        proc = run_cli("audit", "--sites", str(sites), "--db", db, "--out", str(tmp / "out"),
                       "--as-of", site.AS_OF, "--no-browser")
        assert proc.returncode == 0, proc.stderr[-3000:]
        docs = {sid: json.loads((tmp / "out" / sid / "findings.json").read_text(encoding="utf-8"))
                for sid in ("site-a", "site-b")}
        yield docs, db, a.base_url, b.base_url


@pytest.mark.parametrize("site_id", ["site-a", "site-b"])
def test_exact_findings(audit, site_id: str) -> None:
    docs, _, a, b = audit
    doc = docs[site_id]
    statuses = {r["rule"]: r for r in doc["rules"]}
    for rule, subjects in site.expected(a, b)[site_id].items():
        got = {f["subject"] for f in doc["findings"] if f["rule"] == rule}
        assert got == subjects, (rule, statuses[rule])
        if rule in ("disclosure.metadata_incomplete", "disclosure.interpretation_unlinked") and site_id == "site-b":
            assert statuses[rule]["status"] == "not_applicable"
        elif not subjects:
            assert statuses[rule]["status"] == "pass", (rule, statuses[rule])


def test_inconsistencies_name_the_planted_cell(audit) -> None:
    docs, _, a, _ = audit
    for f in docs["site-a"]["findings"]:
        if f["rule"] == "disclosure.annual_report_inconsistent":
            assert {x["relation"] for x in f["evidence"]["failures"]} == {"AR1", "AR3"}
            ar1 = next(x for x in f["evidence"]["failures"] if x["relation"] == "AR1")
            assert (ar1["left"], ar1["right"]) == (44, 43)
    reason = next(r for r in docs["site-a"]["rules"] if r["rule"] == "disclosure.annual_report_inconsistent")["reason"]
    assert "2019年" in reason and "scanned" in reason  # the scan is listed as not judged


def test_interaction_vetoes_and_stats(audit) -> None:
    docs, _, a, b = audit
    for sid in ("site-a", "site-b"):
        doc = docs[sid]
        assert "interaction.unanswered" in doc["score"]["vetoes"]
        late = [f for f in doc["findings"] if f["rule"] == "interaction.unanswered" and f["evidence"]["late"]]
        assert len(late) == 1
    stats = next(f for f in docs["site-a"]["findings"] if f["rule"] == "interaction.unanswered")["evidence"]["stats"]
    assert stats["median_days"] == 4 and stats["worst_days"] == 134  # a3 134, a4 4, 在线咨询 z1 2


def test_stored_reports_and_messages(audit) -> None:
    _, db, a, b = audit
    engine = create_engine(db)
    with Session(engine) as s:
        rows = list(s.scalars(select(AnnualReport)))
        reports = {r.url: r for r in rows if r.parse_status != "listed"}
        listed = {r.url for r in rows if r.parse_status == "listed"}
        assert listed == {f"{a}/zwgk/nb/{y}.html" for y in (2020, 2021, 2022, 2024)} | {
            f"{b}/xxgk/nb/{y}.html" for y in (2024, 2025)}
        assert reports[f"{a}/zwgk/nb/2023.pdf"].source_kind == "pdf"
        assert reports[f"{a}/zwgk/nb/2023.pdf"].published_date.isoformat() == "2024-03-28"
        assert reports[f"{a}/zwgk/nb/2022.html"].attachment_url == f"{a}/zwgk/nb/2022.docx"
        assert reports[f"{a}/zwgk/nb/2020.html"].template == "2019"
        assert reports[f"{a}/zwgk/nb/2024.html"].sections == [1, 2, 3, 4, 5, 6]
        assert reports[f"{a}/zwgk/nb/2019.jpg"].parse_status == "scanned"
        gbk = reports[f"{b}/xxgk/nb/2024.html"]  # served in GBK
        assert (gbk.parse_status, gbk.year, gbk.published_date.isoformat()) == ("ok", 2024, "2025-01-20")
        kinds = {m.url: m.channel_kind for m in s.scalars(select(Message))}
        assert kinds[f"{a}/xf/x1.html"] == "petition" and kinds[f"{b}/jjjb/j1.html"] == "report"
    engine.dispose()
