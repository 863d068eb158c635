"""content.defacement end to end on the demo portal, through the CLI: the first complete run sets the
baseline; a news update is not a defacement; a hijack (the seed's case) is — with content.spam_injection
beside it; a redesign is flagged until a person accepts it, then it is the baseline."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from demo.portal import sites_yaml, start_demo
from storage import models as m
from storage.session import session_scope
from tests.supervision import portal as change

AS_OF = date(2026, 11, 27)
SITE = "4213000001"


@pytest.fixture
def demo():
    with start_demo(AS_OF) as portal:
        yield portal


def audit(cli, demo, db_url: str, tmp_path: Path, name: str, extra: str = "") -> dict:
    sites = tmp_path / "sites.yaml"
    sites.write_text(sites_yaml(demo) + extra, encoding="utf-8")
    out = tmp_path / name
    res = cli("audit", "--sites", str(sites), "--db", db_url, "--out", str(out), "--as-of", AS_OF.isoformat(),
              "--no-browser")
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads((out / SITE / "findings.json").read_text(encoding="utf-8"))


def rule(doc: dict, rule_id: str) -> tuple[str, list[dict]]:
    status = next(r["status"] for r in doc["rules"] if r["rule"] == rule_id)
    return status, [f for f in doc["findings"] if f["rule"] == rule_id]


@pytest.mark.slow
def test_baseline_news_update_hijack_and_accepted_redesign(demo, db_url: str, tmp_path: Path, cli) -> None:
    first = audit(cli, demo, db_url, tmp_path, "1-baseline")
    assert rule(first, "content.defacement")[0] == "not_applicable"
    with session_scope(db_url) as session:
        base = session.scalars(select(m.MonitorBaseline)).one()
        assert (base.url, base.accepted_by, base.title) == (demo.url, "auto", "示例县人民政府")

    change.news_update(demo)
    status, found = rule(audit(cli, demo, db_url, tmp_path, "2-news"), "content.defacement")
    assert (status, found) == ("pass", [])

    change.hijack(demo)
    doc = audit(cli, demo, db_url, tmp_path, "3-hijack")
    status, found = rule(doc, "content.defacement")
    assert status == "fail" and [f["subject"] for f in found] == [demo.url]
    assert set(found[0]["evidence"]["signals"]) == {"title_replaced", "text_replaced", "new_hosts"}
    assert found[0]["evidence"]["new_hosts"] == ["cdn.bet-example.com"]
    assert found[0]["advice"]["text"].startswith("立即核实页面是否被篡改")
    assert [f["subject"] for f in rule(doc, "content.spam_injection")[1]] == [demo.url]

    change.redesign(demo)
    status, found = rule(audit(cli, demo, db_url, tmp_path, "4-redesign"), "content.defacement")
    assert status == "fail"  # until a person says it is the new site
    res = cli("baseline", "accept", "--site", SITE, "--by", "张三", "--db", db_url)
    assert res.returncode == 0, res.stderr
    assert "baseline accepted" in res.stdout
    with session_scope(db_url) as session:
        base = session.scalars(select(m.MonitorBaseline)).one()
        assert (base.accepted_by, base.title) == ("张三", "示例县人民政府门户网站（新版）")
    status, found = rule(audit(cli, demo, db_url, tmp_path, "5-accepted"), "content.defacement")
    assert (status, found) == ("pass", [])


def test_accept_refuses_an_unknown_site(sqlite_url: str, tmp_path: Path, cli) -> None:
    res = cli("baseline", "accept", "--site", SITE, "--db", sqlite_url)
    assert res.returncode == 2 and "no such site" in res.stderr
