"""Alerts end to end (issue 16's acceptance): a homepage hijacked between two runs → one content.defacement
and one content.spam_injection problem, one webhook delivery and one e-mail to a loopback SMTP server —
none for a normal news update, none again while the problems persist; a dead webhook is recorded as
failed after its retries and the audit still exits 0."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from demo.portal import start_demo
from storage import models as m
from storage.session import session_scope
from tests.supervision import portal as change
from tests.supervision.servers import free_port, smtp, webhook
from tests.supervision.test_defacement_e2e import audit, rule

AS_OF = date(2026, 11, 27)


@pytest.fixture
def demo():
    with start_demo(AS_OF) as portal:
        yield portal


@pytest.mark.slow
def test_a_hijack_alerts_once_by_webhook_and_mail(demo, db_url: str, tmp_path: Path, cli) -> None:
    dead = f"http://127.0.0.1:{free_port()}/nobody-listens"
    with webhook() as (hook, posts), smtp() as (smtp_url, mails):
        extra = yaml.safe_dump({"alerts": {"rules": ["content.defacement", "content.spam_injection"],
                                           "webhook": [hook, dead], "retries": 2, "backoff_s": 0.1,
                                           "email": {"to": ["duty@example.gov.cn"], "smtp": smtp_url,
                                                     "from": "govaudit@example.gov.cn"}}}, allow_unicode=True)
        audit(cli, demo, db_url, tmp_path, "1-baseline", extra)
        change.news_update(demo)
        audit(cli, demo, db_url, tmp_path, "2-news", extra)
        assert (posts, mails) == ([], [])

        change.hijack(demo)
        doc = audit(cli, demo, db_url, tmp_path, "3-hijack", extra)
        problems = {f["rule"]: f["problem"]["id"] for f in doc["findings"]
                    if f["rule"] in ("content.defacement", "content.spam_injection")}
        assert set(problems) == {"content.defacement", "content.spam_injection"}
        assert len(posts) == 1 and len(mails) == 1
        body = posts[0]
        assert body["schema"] == "govaudit.alerts/1" and body["site"]["id"] == "4213000001"
        assert sorted((a["rule"], a["problem"]["id"], a["problem"]["change"]) for a in body["alerts"]) == \
            sorted((r, p, "new") for r, p in problems.items())
        mail = mails[0]
        assert "示例县人民政府" in mail["Subject"] and mail["To"] == "duty@example.gov.cn"
        text = mail.get_content()
        assert "网页被篡改" in text and demo.url in text and "report.html" in text

        audit(cli, demo, db_url, tmp_path, "4-still-hijacked", extra)  # persisting: no second alert
        assert len(posts) == 1 and len(mails) == 1
    with session_scope(db_url) as session:
        rows = session.scalars(select(m.AlertDelivery)).all()
    by = {(r.channel, r.target, r.problem_id): r for r in rows}
    assert {(r.channel, r.state) for r in rows} == {("webhook", "sent"), ("webhook", "failed"), ("email", "sent")}
    assert len(rows) == 6  # 2 problems × (2 webhooks + 1 e-mail)
    failed = by[("webhook", dead, problems["content.defacement"])]
    assert failed.attempts == 2 and "Connection refused" in (failed.error or "")


def test_bad_alerts_block_is_refused_with_its_line(tmp_path: Path, cli) -> None:
    sites = tmp_path / "sites.yaml"
    sites.write_text("sites:\n  - {id: '1', name: x, url: 'http://127.0.0.1:9/'}\nalerts:\n  webhook: [not-a-url]\n",
                     encoding="utf-8")
    res = cli("audit", "--sites", str(sites), "--db", f"sqlite:///{tmp_path / 'x.db'}", "--out", str(tmp_path / "o"))
    assert res.returncode == 2 and "sites.yaml:4" in res.stderr and "alerts.webhook" in res.stderr
    assert not (tmp_path / "x.db").exists()
