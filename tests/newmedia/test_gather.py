"""The gathering step on its own: rows written, the fact family recorded, a defect of ours kept apart."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from crawler import writer
from crawler.gatherers import newmedia
from crawler.platforms import GatherContext
from crawler.platforms.base import AccountData, AccountRef, Profile
from storage import models as m
from storage.facts.newmedia import PostSeen
from storage.session import session_scope, upgrade
from storage.snapshot import build_snapshot


class _Broken:
    def read(self, handle: str, name: str | None) -> AccountData:
        if handle == "boom":
            raise ValueError("unexpected shape")
        return AccountData(Profile(name="示例发布", interaction={"comments": None}),
                           [PostSeen(url="http://x/1", published_at=datetime(2026, 11, 12, 16, 30, tzinfo=timezone.utc),
                                     title="t")], "timeline")

    def profile_url(self, handle: str) -> str:
        return f"http://x/u/{handle}"


@pytest.fixture
def run_id(db_url: str) -> int:
    upgrade(db_url)
    with session_scope(db_url) as s:
        s.add(m.Site(id="1", name="示例县人民政府", url="http://www.example.gov.cn/"))
        s.flush()
        run = m.Run(site_id="1", as_of=date(2026, 11, 27), homepage_url="http://www.example.gov.cn/",
                    stats={"facts": ["pages", "links"], "crawled": 3})
        s.add(run)
        s.flush()
        return run.id


def test_gather_writes_rows_and_fact_family(db_url: str, run_id: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(newmedia, "adapter_for", lambda *a, **k: _Broken())
    registered = [AccountRef("weibo", "1001", "示例发布", {"messages": False, "comments": True}),
                  AccountRef("weibo", "boom"), AccountRef("weibo", "1001", "重复登记")]
    facts, counts = newmedia.gather_accounts(db_url, run_id, registered, {}, GatherContext(delay_s=0))
    assert counts == {"ok": 1, "failed": 1, "posts": 1}
    writer.store(db_url, facts, (run_id, newmedia.FAMILIES))  # what the audit pipeline does with them
    with session_scope(db_url) as s:
        run = s.get(m.Run, run_id)
        assert run.stats["facts"] == ["pages", "links", "accounts"] and run.stats["crawled"] == 3
        rows = {a.handle: a for a in s.scalars(select(m.Account).where(m.Account.run_id == run_id))}
        assert rows["boom"].status == "failed" and rows["boom"].failure == "error"
        assert "unexpected shape" in rows["boom"].failure_detail
        # the platform left comments unknown: the person's observation fills it; messages kept
        assert rows["1001"].interaction == {"messages": False, "comments": True}
        assert rows["1001"].registered_name == "示例发布"  # a handle registered twice is read once, as first
        snap = build_snapshot(s, run_id)
        assert "accounts" in snap.facts and [a.key for a in snap.accounts] == ["weibo:1001", "weibo:boom"]
        assert snap.posts[0].account == "weibo:1001"
        # 16:30 UTC is 00:30 the next day in China, on SQLite (wall clock only) and PostgreSQL alike
        cn = timezone(timedelta(hours=8))
        assert snap.posts[0].published_at == datetime(2026, 11, 13, 0, 30, tzinfo=cn)
        assert snap.posts[0].published_at.utcoffset() == timedelta(hours=8)
