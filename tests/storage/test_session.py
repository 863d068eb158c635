"""session_scope commits on success and leaves nothing behind on error; snapshots load stored runs."""
from __future__ import annotations

import zlib
from datetime import date

import pytest
from sqlalchemy import func, select

from storage import models as m
from storage.session import session_scope, upgrade
from storage.snapshot import build_snapshot


def _site_and_run(session) -> int:  # noqa: ANN001
    session.add(m.Site(id="4213000001", name="示例县人民政府", url="http://www.example.gov.cn/", config={}))
    session.flush()
    run = m.Run(site_id="4213000001", as_of=date(2026, 11, 27), homepage_url="http://www.example.gov.cn/",
                stats={"facts": ["pages", "links"]})
    session.add(run)
    session.flush()
    return run.id


def test_rollback_leaves_nothing(db_url: str) -> None:
    upgrade(db_url)
    with pytest.raises(RuntimeError), session_scope(db_url) as session:
        _site_and_run(session)
        raise RuntimeError("boom")
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(m.Run)) == 0
        assert session.scalar(select(func.count()).select_from(m.Site)) == 0


def test_snapshot_round_trip(db_url: str) -> None:
    upgrade(db_url)
    with session_scope(db_url) as session:
        run_id = _site_and_run(session)
        page = m.Page(run_id=run_id, url="http://www.example.gov.cn/", crawled=True, status=200,
                      content_type="text/html", redirects=[[301, "http://example.gov.cn/"]], flags=[])
        session.add(page)
        session.flush()
        session.add(m.PageBody(page_id=page.id, html_z=zlib.compress("<p>网站标识码</p>".encode())))
        session.add(m.Link(run_id=run_id, source=page.url, target="http://www.example.gov.cn/a.html", tag="a"))
    with session_scope(db_url) as session:
        snap = build_snapshot(session, run_id)
        assert snap.homepage.status == 200
        assert snap.homepage.redirects == ((301, "http://example.gov.cn/"),)
        assert snap.html("http://www.example.gov.cn/") == "<p>网站标识码</p>"
        assert snap.sources_of["http://www.example.gov.cn/a.html"] == ["http://www.example.gov.cn/"]
        assert snap.as_of == date(2026, 11, 27)
        assert build_snapshot(session, run_id, as_of=date(2027, 1, 1)).as_of == date(2027, 1, 1)


def test_finding_unique_per_rule_and_subject(db_url: str) -> None:
    from sqlalchemy.exc import IntegrityError

    upgrade(db_url)
    with pytest.raises(IntegrityError), session_scope(db_url) as session:
        run_id = _site_and_run(session)
        for _ in range(2):
            session.add(m.Finding(run_id=run_id, rule="link.broken", subject="http://x/", severity="deduction",
                                  message="m", evidence={}))
        session.flush()
