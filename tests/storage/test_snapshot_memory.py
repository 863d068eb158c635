"""A stored run's snapshot does not hold every link and body (issue 17): links are read again per pass,
bodies are a bounded cache — and rules see the same facts as from an in-memory snapshot."""
from __future__ import annotations

import zlib
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
