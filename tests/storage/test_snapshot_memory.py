"""A stored run's snapshot does not hold every link and body (issue 17): links are read again per pass,
bodies are a bounded cache — and rules see the same facts as from an in-memory snapshot."""
from __future__ import annotations

import zlib
from dataclasses import replace
from datetime import date

from storage import models as m
from storage.facts.pages import LinkFact, PageFact, SiteFact
from storage.session import session_scope, upgrade
from storage.snapshot import LinkRows, Snapshot, build_snapshot, snapshot_from

HOME = "http://www.example.gov.cn/"


def _stored_run(db_url: str, pages: int = 30) -> tuple[int, list[LinkFact]]:
    upgrade(db_url)
    links: list[LinkFact] = []
    with session_scope(db_url) as session:
        session.add(m.Site(id="4213000001", name="示例县人民政府", url=HOME, config={}))
        session.flush()
        run = m.Run(site_id="4213000001", as_of=date(2026, 11, 27), homepage_url=HOME,
                    stats={"facts": ["pages", "links"]})
        session.add(run)
        session.flush()
        for i in range(pages):
            url = HOME if i == 0 else f"{HOME}p{i}.html"
            page = m.Page(run_id=run.id, url=url, crawled=True, status=200, content_type="text/html", flags=[])
            session.add(page)
            session.flush()
            session.add(m.PageBody(page_id=page.id, html_z=zlib.compress(f"<p>第{i}页</p>".encode())))
            # each page links to the next two and twice to the homepage (a repeated pair)
            for target, tag in ((f"{HOME}p{i + 1}.html", "a"), (f"{HOME}p{i + 2}.html", "a"), (HOME, "a"),
                                (f"{HOME}logo.png", "img"), (HOME, "a")):
                session.add(m.Link(run_id=run.id, source=url, target=target, tag=tag, text=f"链接{i}"))
                links.append(LinkFact(url, target, tag, f"链接{i}"))
        run_id = run.id
    return run_id, links


def test_links_are_read_per_pass_and_index_like_a_list(db_url: str) -> None:
    run_id, links = _stored_run(db_url)
    with session_scope(db_url) as session:
        snap = build_snapshot(session, run_id)
        assert isinstance(snap.links, LinkRows)
        rows = LinkRows(session.connection(), run_id, chunk=7)  # several chunks
        assert list(rows) == links and list(rows) == links  # a second pass reads them again
        assert len(snap.links) == len(links) and bool(snap.links)
        assert snap.links[:3] == links[:3] and snap.links[-1] == links[-1] and snap.links[4] == links[4]
        memory = snapshot_from(snap.site, snap.as_of, HOME, snap.pages.values(), links)
        assert snap.sources_of == memory.sources_of
        assert snap.first_link_of == memory.first_link_of
        assert snap.sources_of[HOME] == [HOME] + [f"{HOME}p{i}.html" for i in range(1, 30)]  # each source once


def test_sources_of_links_not_grouped_by_source() -> None:
    """Links given in any order (a test's snapshot) index as before: each (target, source) once."""
    a, b, t = f"{HOME}a.html", f"{HOME}b.html", f"{HOME}t.html"
    links = [LinkFact(a, t), LinkFact(b, t), LinkFact(a, t, "img"), LinkFact(b, a)]
    snap = snapshot_from(SiteFact("4213000001", "x", HOME), date(2026, 1, 1), HOME, links=links)
    assert snap.sources_of == {t: [a, b], a: [b]}
    assert snap.first_link_of[t] == LinkFact(a, t)


def test_bodies_are_a_bounded_cache_read_in_batches(db_url: str) -> None:
    run_id, _ = _stored_run(db_url, pages=40)
    with session_scope(db_url) as session:
        snap = build_snapshot(session, run_id)
        snap._body_cache = 10
        urls = list(snap.pages)
        assert [html for _, html in snap.iter_html(urls, batch=4)] == [f"<p>第{i}页</p>" for i in range(40)]
        assert len(snap._bodies) <= 10 and len(snap._bodies_tried) <= 10
        assert all(snap.html(u) == f"<p>第{i}页</p>" for i, u in enumerate(urls))  # read-ahead, page after page
        assert snap.html(urls[0]) == "<p>第0页</p>"  # evicted, read again
        assert len(snap._bodies) <= 10
        assert snap.html(f"{HOME}nowhere.html") is None


def test_read_ahead_window() -> None:
    calls: list[int] = []

    def loader(urls: list[str]) -> dict[str, str]:
        calls.append(len(urls))
        return {u: u.upper() for u in urls}

    pages = [PageFact(f"{HOME}{i}.html") for i in range(600)]
    snap = Snapshot(site=SiteFact("4213000001", "x", HOME), as_of=date(2026, 1, 1), homepage_url=HOME,
                    pages={p.url: p for p in pages}, _body_loader=loader)
    assert all(snap.html(p.url) == p.url.upper() for p in pages)
    assert sum(calls) == 600 and len(calls) < 20 and max(calls) <= 250  # sequential: the window doubles
    calls.clear()
    snap = Snapshot(site=snap.site, as_of=snap.as_of, homepage_url=HOME, pages=snap.pages, _body_loader=loader)
    for i in (500, 3, 400, 10):  # scattered reads: one body each, not a window
        snap.html(pages[i].url)
    assert sum(calls) <= 4 + 2


def _pages_with_text(db_url: str, pages: int) -> int:
    upgrade(db_url)
    with session_scope(db_url) as session:
        session.add(m.Site(id="4213000001", name="示例县人民政府", url=HOME, config={}))
        session.flush()
        run = m.Run(site_id="4213000001", as_of=date(2026, 11, 27), homepage_url=HOME, stats={"facts": ["pages"]})
        session.add(run)
        session.flush()
        for i in range(pages):
            url = HOME if i == 0 else f"{HOME}p{i}.html"
            session.add(m.Page(run_id=run.id, url=url, final_url=url if i % 5 else f"{url}?moved", crawled=True,
                               status=200, content_type="text/html", charset="utf-8", method="GET", title=f"第{i}页",
                               text=None if i == 3 else f"第{i}页的正文" * (i % 4 + 1), flags=[] if i % 2 else ["x"]))
        run_id = run.id
    return run_id


def _texts(snap: Snapshot):  # noqa: ANN202 - the snapshot's _TextStore
    return type(next(iter(snap.pages.values())))._texts


def test_page_text_is_read_when_asked_a_batch_at_a_time(db_url: str, monkeypatch) -> None:  # noqa: ANN001
    import storage.snapshot as snapshot

    monkeypatch.setattr(snapshot, "TEXT_BATCH", 8)
    run_id = _pages_with_text(db_url, 60)
    expected = {(HOME if i == 0 else f"{HOME}p{i}.html"): None if i == 3 else f"第{i}页的正文" * (i % 4 + 1)
                for i in range(60)}
    with session_scope(db_url) as session:
        snap = build_snapshot(session, run_id, with_links=False)
        store = _texts(snap)
        store._size = 20  # a cache of 20 texts
        assert store._cache == {} and store.queries == 0  # nothing read while building
        assert [p.text for p in snap.pages.values()] == list(expected.values())  # page after page
        forward = store.queries
        assert forward <= 60 // 8 + 4 and len(store._cache) <= 20  # batches, not a query per page
        assert [p.text for p in reversed(list(snap.pages.values()))] == list(expected.values())[::-1]
        assert store.queries - forward <= 60 // 8 + 4 and len(store._cache) <= 20  # backwards too
        assert all(p._text is snapshot._UNREAD for p in snap.pages.values())  # no page keeps what was read
        # what a rule sees is the PageFact of the row: equal, same hash, text given by replace() kept
        page = snap.pages[f"{HOME}p7.html"]
        row = PageFact(url=f"{HOME}p7.html", final_url=f"{HOME}p7.html", status=200, content_type="text/html",
                       charset="utf-8", title="第7页", text="第7页的正文" * 4, flags=())
        assert page == row and row == page and hash(page) == hash(row) and isinstance(page, PageFact)
        assert page != replace(row, text="别的")  # negative control: the text is compared
        assert replace(page, status=404).text == "第7页的正文" * 4 and replace(page, text="新").text == "新"
        assert repr(page).startswith("PageFact(url=") and page.complete_text == "第7页的正文" * 4
        # values many pages share are one object; a final URL equal to the URL is its string
        a, b = snap.pages[f"{HOME}p1.html"], snap.pages[f"{HOME}p2.html"]
        assert a.content_type is b.content_type and a.charset is b.charset and a.method is b.method
        assert a.final_url is a.url and snap.pages[f"{HOME}p5.html"].final_url == f"{HOME}p5.html?moved"
        assert snap.pages[f"{HOME}p2.html"].flags is snap.pages[f"{HOME}p4.html"].flags == ("x",)


def test_page_text_read_at_random_is_still_right(db_url: str, monkeypatch) -> None:  # noqa: ANN001
    import random

    import storage.snapshot as snapshot

    monkeypatch.setattr(snapshot, "TEXT_BATCH", 4)
    run_id = _pages_with_text(db_url, 40)
    with session_scope(db_url) as session:
        snap = build_snapshot(session, run_id, with_links=False)
        _texts(snap)._size = 6
        urls = list(snap.pages)
        rng = random.Random(3)
        for _ in range(200):
            i = rng.randrange(40)
            assert snap.pages[urls[i]].text == (None if i == 3 else f"第{i}页的正文" * (i % 4 + 1))
        assert len(_texts(snap)._cache) <= 6
