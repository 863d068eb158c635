"""End to end through the CLI: annual reports as a scan, Word 97, WPS and OFD give the same findings as
HTML would; a scanned 公示 list with a valid 身份证号 is a privacy.leak (issue 19 acceptance)."""
from __future__ import annotations

import json

import pytest
import yaml
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from demo.server import FixtureServer
from storage.models import AnnualReport, Attachment
from tests.attachments import scans, site
from tests.conftest import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]  # the audit OCRs several scans


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory):
    scans.need("tesseract")
    scans.need("soffice")
    tmp = tmp_path_factory.mktemp("attachments")
    with FixtureServer(site.site()) as s:
        registry = {"sites": [{"id": "4200000004", "name": site.UNIT, "url": s.base_url + "/", "kind": "portal",
                               "disclosure": "/zwgk/"}]}
        (tmp / "sites.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        db = f"sqlite:///{tmp / 'db.sqlite'}"
        proc = run_cli("audit", "--sites", str(tmp / "sites.yaml"), "--db", db, "--out", str(tmp / "out"),
                       "--as-of", site.AS_OF, "--no-browser", env={"GOVAUDIT_VARIANT_PAGES": "0"}, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        doc = json.loads((tmp / "out" / "4200000004" / "findings.json").read_text(encoding="utf-8"))
        yield doc, db, s.base_url


def test_the_same_finding_from_a_scan_a_doc_and_an_ofd(audit) -> None:
    doc, _, base = audit
    for rule, subjects in site.expected(base).items():
        got = {f["subject"]: f for f in doc["findings"] if f["rule"] == rule}
        assert set(got) == subjects, (rule, next(r for r in doc["rules"] if r["rule"] == rule))
    for f in doc["findings"]:
        if f["rule"] == "disclosure.annual_report_inconsistent":
            ar1 = next(x for x in f["evidence"]["failures"] if x["relation"] == "AR1")
            assert {x["relation"] for x in f["evidence"]["failures"]} == {"AR1", "AR3"}
            assert (ar1["left"], ar1["right"]) == (44, 43), f["subject"]
    scan = next(f for f in doc["findings"] if f["subject"].endswith("/2025.pdf"))
    assert "OCR" in scan["evidence"]["reading"] and "OCR" in scan["message"]


def test_every_report_was_read_and_how(audit) -> None:
    _, db, base = audit
    engine = create_engine(db)
    with Session(engine) as s:
        reports = {r.url.removeprefix(base): r for r in s.scalars(select(AnnualReport)) if r.parse_status != "listed"}
        files = {a.url.removeprefix(base): a for a in s.scalars(select(Attachment))}
    engine.dispose()
    assert {u: (r.source_kind, r.parse_status) for u, r in reports.items()} == {
        "/zwgk/nb/2025.pdf": ("pdf", "ok"), "/zwgk/nb/2024.doc": ("doc", "ok"), "/zwgk/nb/2023.ofd": ("ofd", "ok"),
        "/zwgk/nb/2022.pdf": ("pdf", "ok"), "/zwgk/nb/2021.wps": ("wps", "ok"), "/zwgk/nb/2020.html": ("image", "ok")}
    assert "OCR" in reports["/zwgk/nb/2022.pdf"].parse_detail and "libreoffice" in reports["/zwgk/nb/2021.wps"].parse_detail
    assert (files["/gsgg/dbmd.pdf"].method, files["/gsgg/dbmd.pdf"].ocr_pages) == ("ocr", 1)
    assert files["/gsgg/jzmd.png"].status == "ok" and files["/zwgk/nb/2024.doc"].method == "libreoffice"


def test_the_leak_in_a_scan_is_masked_in_the_evidence(audit) -> None:
    doc, _, base = audit
    leak = next(f for f in doc["findings"] if f["rule"] == "privacy.leak")
    assert leak["evidence"]["counts"] == {"id_card": 1, "mobile": 1}
    assert leak["page"] == f"{base}/gsgg/db.html" and leak["evidence"]["attachment"]["kind"] == "pdf"
    assert site.PERSON_ID not in json.dumps(doc, ensure_ascii=False)  # the report never republishes it
