"""The content-security facts (variant fetches, rendered link visibility) round-trip through storage."""
from __future__ import annotations

from datetime import date

from storage import models as m
from storage.session import session_scope, upgrade
from storage.snapshot import build_snapshot


def test_variants_and_visibility_load_into_the_snapshot(db_url: str) -> None:
    upgrade(db_url)
    home = "http://www.example.gov.cn/"
    with session_scope(db_url) as session:
        session.add(m.Site(id="4213000001", name="示例县人民政府", url=home, config={}))
        session.flush()
        run = m.Run(site_id="4213000001", as_of=date(2026, 11, 27), homepage_url=home,
                    stats={"facts": ["pages", "links", "page_variants", "link_visibility"]})
        session.add(run)
        session.flush()
        run_id = run.id
        session.add(m.PageVariant(run_id=run_id, url=home, variant="baiduspider", user_agent="Baiduspider/2.0",
                                  status=200, final_url=home, title="澳门新葡京", text="澳门新葡京 娱乐城"))
        session.add(m.PageVariant(run_id=run_id, url=home, variant="search_referer", user_agent="Mozilla/5.0",
                                  referer="https://www.baidu.com/s?wd=x", error="timeout"))
        session.add(m.LinkVisibility(run_id=run_id, page=home, href="http://bet.example.com/", text="娱乐城",
                                     hidden="display:none", path="/html/body/div[2]", in_menu=False))
    with session_scope(db_url) as session:
        snap = build_snapshot(session, run_id)
    assert {"page_variants", "link_visibility"} <= snap.facts
    assert [(v.variant, v.status, v.error) for v in snap.page_variants] == \
        [("baiduspider", 200, None), ("search_referer", None, "timeout")]
    assert snap.page_variants[1].referer == "https://www.baidu.com/s?wd=x"
    assert [(f.href, f.hidden, f.in_menu) for f in snap.link_visibility] == \
        [("http://bet.example.com/", "display:none", False)]
