"""findings.json attaches each finding's 整改建议 and the crop its locator terms find on its page
(reports/canonical.py over stored EvidenceShot facts); migration 0018 keeps earlier screenshots."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import command

from reports.advice import advice_for
from reports.canonical import findings_document
from reports.outputs.json import validate
from storage import models as m
from storage.runs import start_run
from storage.session import alembic_config, session_scope, upgrade

HOME = "http://www.example.gov.cn/"
GONE = HOME + "gone.html"
NEWS = HOME + "xwzx/"


def _judged_run(url: str) -> int:
    upgrade(url)
    run_id = start_run(url, {"id": "4213000001", "name": "示例县人民政府", "url": HOME}, date(2026, 11, 27),
                       {"browser": True})
    findings = [("link.broken", GONE, "deduction", HOME, {"status": 404, "on_homepage": True}, None),
                ("identity.missing", "psb", "deduction", HOME, {"element": "psb"}, None),
                ("identity.mismatch", "site_code", "deduction", HOME, {"footer": "4213000099"}, None),
                ("security.no_https", HOME, "deduction", HOME, {"problems": ["no_https"]}, None),
                ("column.stale", NEWS, "deduction", NEWS, {"type": "news"}, None),
                ("function.not_mobile", HOME, "deduction", HOME, {}, "evidence/mobile-home.png")]
    with session_scope(url) as s:
        s.add_all([m.Page(run_id=run_id, url=HOME, crawled=True, status=200),
                   m.Page(run_id=run_id, url=NEWS, crawled=True, status=200)])
        s.add(m.Judgement(run_id=run_id, scheme="national-2019", as_of=date(2026, 11, 27)))
        s.add(m.Score(run_id=run_id, scheme="national-2019", total=95.0, vetoed=False, vetoes=[],
                      undecided_vetoes=[], grade="合格"))
        for rule, subject, severity, page, evidence, shot in findings:
            s.add(m.Finding(run_id=run_id, rule=rule, subject=subject, severity=severity, page=page,
                            message="…", evidence=evidence, screenshot=shot))
            s.add(m.RuleOutcome(run_id=run_id, rule=rule, status="fail", findings=1))
        s.add_all([
            m.EvidenceShot(run_id=run_id, url=HOME, path="evidence/home.jpg", kind="page", marks=[GONE], box=[]),
            m.EvidenceShot(run_id=run_id, url=HOME, path="evidence/home-screen.jpg", kind="screen", marks=[],
                           box=[0, 0, 1280, 800]),
            m.EvidenceShot(run_id=run_id, url=HOME, path="evidence/home-gone.jpg", kind="element",
                           marks=[f"href:{GONE}"], box=[10, 900, 560, 200]),
            m.EvidenceShot(run_id=run_id, url=HOME, path="evidence/home-footer.jpg", kind="element",
                           marks=["region:footer"], box=[300, 1800, 600, 240]),
            # a crop for a string no finding of this judging looks for (an earlier judging's): never used
            m.EvidenceShot(run_id=run_id, url=HOME, path="evidence/home-old.jpg", kind="element",
                           marks=["text:4213000088"], box=[300, 1900, 560, 200]),
            m.EvidenceShot(run_id=run_id, url=NEWS, path="evidence/news.jpg", kind="page", marks=[], box=[]),
            m.EvidenceShot(run_id=run_id, url=NEWS, path="evidence/news-screen.jpg", kind="screen", marks=[],
                           box=[0, 0, 1280, 800]),
        ])
    return run_id


def test_findings_carry_their_crop_and_advice(sqlite_url: str) -> None:
    run_id = _judged_run(sqlite_url)
    with session_scope(sqlite_url) as s:
        doc = findings_document(s, run_id)
    validate(doc)
    assert doc["run"]["browser"] is True
    by = {f["rule"]: f for f in doc["findings"]}
    assert by["link.broken"]["crop"] == {"path": "evidence/home-gone.jpg", "kind": "element", "box": [10, 900, 560, 200]}
    assert by["link.broken"]["screenshot"] == "evidence/home.jpg"  # the full page stays the screenshot
    assert by["identity.missing"]["crop"]["path"] == "evidence/home-footer.jpg"
    # its first term (the wrong code) was not found on the page: the next one, the footer
    assert by["identity.mismatch"]["crop"]["path"] == "evidence/home-footer.jpg"
    assert by["security.no_https"]["crop"] == {"path": "evidence/home-screen.jpg", "kind": "screen",
                                               "box": [0, 0, 1280, 800]}
    assert by["column.stale"]["crop"]["path"] == "evidence/news-screen.jpg"
    assert "crop" not in by["function.not_mobile"] and by["function.not_mobile"]["screenshot"] == "evidence/mobile-home.png"
    for f in doc["findings"]:
        assert f["advice"] == advice_for(f["rule"], f["subject"], f["name_zh"])
    assert list(by["link.broken"])[-2:] == ["crop", "advice"]


def test_migration_0018_gives_earlier_screenshots_an_empty_box(sqlite_url: str) -> None:
    config = alembic_config(sqlite_url)
    command.upgrade(config, "0010")
    engine = sa.create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO site (id, name, url, kind, config) VALUES ('1', 'x', 'http://x/', 'portal', '{}')"))
        conn.execute(sa.text("INSERT INTO run (id, site_id, as_of, homepage_url, state, options, stats, pages, started_at) "
                             "VALUES (1, '1', '2026-11-27', 'http://x/', 'complete', '{}', '{}', 1, '2026-11-27 01:00:00')"))
        conn.execute(sa.text("INSERT INTO evidence_shot (run_id, url, path, kind, marks) "
                             "VALUES (1, 'http://x/', 'evidence/a.jpg', 'page', '[]')"))
    command.upgrade(config, "head")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT box FROM evidence_shot")).scalar_one() == "[]"
    command.downgrade(config, "0010")
    engine.dispose()
