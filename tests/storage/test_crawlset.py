"""A run's crawl overlaid on its base run (storage/crawlset.py), as `storage.reuse.carry` leaves it: the
snapshot of an incremental run equals the crawl a copy would have given — the run's own rows first, then
the base's in their order, minus what the run fetched itself — and nothing is copied but the difference."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crawler.writer import PAGE_COLUMNS, write_batch
from storage import models as m
from storage.crawlset import count_links, count_pages, links_where, pages_where
from storage.retention import protected_runs, remove_runs
from storage.reuse import carry
from storage.runs import start_run
from storage.session import session_scope, upgrade
from storage.snapshot import build_snapshot

SITE = {"id": "s1", "name": "示例", "url": "http://www.example.gov.cn/"}
BASE = "http://www.example.gov.cn/"
DAY = date(2026, 12, 1)


def _row(run_id: int, url: str, *, crawled: bool = True, status: int = 200, depth: int | None = 1,
         flags: tuple = (), html: str | None = None, links: tuple = ()) -> tuple:
    values = {c: None for c in PAGE_COLUMNS} | {
        "run_id": run_id, "url": url, "crawled": crawled, "method": "GET", "status": status, "depth": depth,
        "redirects": [], "flags": list(flags), "rendered": False}
    return (tuple(values[c] for c in PAGE_COLUMNS), html if crawled else None,
            [(t, "a", f"到{t[-7:]}") for t in links])


def _site_page(run_id: int, i: int, version: str = "v1") -> tuple:
    return _row(run_id, f"{BASE}p{i}.html", html=f"<html><body>页面{i} {version}</body></html>",
                links=(f"{BASE}p{(i + 1) % 6}.html", f"{BASE}dead{i}.html"))


def _first_run(db_url: str) -> int:
    run = start_run(db_url, SITE, DAY, {})
    write_batch(db_url, [
        _row(run, BASE, depth=0, html="<html>首页 v1</html>", links=(f"{BASE}p0.html", "http://other.example/x")),
        *(_site_page(run, i) for i in range(6)),
        _row(run, f"{BASE}dead0.html", crawled=False, status=404, depth=None),
        _row(run, "http://other.example/x", crawled=False, status=200, depth=None),
        _row(run, f"{BASE}alias.html", crawled=False, status=301, depth=2),  # fetched as a page, not parsed
    ], [])
    return run


def _view(session, run_id: int) -> tuple[list, list, dict]:  # noqa: ANN001
    snap = build_snapshot(session, run_id)
    pages = [(p.url, p.crawled, p.status, p.flags) for p in snap.pages.values()]
    links = [(ln.source, ln.target) for ln in snap.links]
    bodies = {u: snap.html(u) for u, p in snap.pages.items() if p.crawled}
    assert len(snap.links) == len(links)
    assert session.scalar(select(func.count()).select_from(m.Page).where(pages_where(session, run_id))) == len(pages)
    assert session.scalar(select(func.count()).select_from(m.Link).where(links_where(session, run_id))) == len(links)
    assert count_pages(session, run_id) == len(pages) and count_links(session, run_id) == len(links)
    return pages, links, bodies


def _rows(session, table, run_id: int) -> int:  # noqa: ANN001
    return session.scalar(select(func.count()).select_from(table).where(table.run_id == run_id))


def test_an_incremental_run_reads_through_its_base_and_copies_only_the_difference(db_url: str) -> None:
    upgrade(db_url)
    first = _first_run(db_url)
    # night 2: the homepage fetched again (its links changed), p3 re-crawled (changed), dead0 re-checked;
    # the external target's check carried over
    second = start_run(db_url, SITE, DAY, {})
    write_batch(db_url, [
        _row(second, BASE, depth=0, html="<html>首页 v2</html>", links=(f"{BASE}p0.html", f"{BASE}new.html")),
        _site_page(second, 3, "v2"),
        _row(second, f"{BASE}dead0.html", crawled=False, status=404, depth=None),
    ], [])
    with session_scope(db_url) as session:
        carry(session, first, second, (), checks={"http://other.example/x": date(2026, 11, 28)}, today=DAY)
    with session_scope(db_url) as session:
        assert session.get(m.Run, second).base_run_id == first
        # stored: its 3 fetched rows and the carried check, nothing else
        assert _rows(session, m.Page, second) == 4 and _rows(session, m.Link, second) == 4
        pages, links, bodies = _view(session, second)
    assert [p[0] for p in pages] == [BASE, f"{BASE}p3.html", f"{BASE}dead0.html", "http://other.example/x",
                                     *(f"{BASE}p{i}.html" for i in (0, 1, 2, 4, 5)), f"{BASE}alias.html"]
    carried = dict((p[0], p[3]) for p in pages)["http://other.example/x"]
    assert "carried_over" in carried and "checked:2026-11-28" in carried
    assert links[:4] == [(BASE, f"{BASE}p0.html"), (BASE, f"{BASE}new.html"),
                         (f"{BASE}p3.html", f"{BASE}p4.html"), (f"{BASE}p3.html", f"{BASE}dead3.html")]
    # the base's links, except those of the pages this run crawled itself (the homepage, p3)
    assert links[4:] == [(f"{BASE}p{i}.html", t) for i in (0, 1, 2, 4, 5)
                         for t in (f"{BASE}p{(i + 1) % 6}.html", f"{BASE}dead{i}.html")]
    assert bodies[f"{BASE}p3.html"].endswith("v2</body></html>") and bodies[BASE] == "<html>首页 v2</html>"
    assert bodies[f"{BASE}p1.html"] == "<html><body>页面1 v1</body></html>"

    # night 3 reads through the same base (never a chain): night 2's own rows it did not fetch are copied
    third = start_run(db_url, SITE, DAY, {})
    write_batch(db_url, [
        _row(third, BASE, depth=0, html="<html>首页 v2</html>", links=(f"{BASE}p0.html", f"{BASE}new.html")),
        _row(third, f"{BASE}dead0.html", crawled=False, status=404, depth=None),
    ], [])
    with session_scope(db_url) as session:
        carry(session, second, third, (), checks={"http://other.example/x": date(2026, 11, 28)}, today=DAY)
    with session_scope(db_url) as session:
        assert session.get(m.Run, third).base_run_id == first
        assert _rows(session, m.Page, third) == 4  # its 2 rows, the carried check, p3 copied from night 2
        view3 = _view(session, third)
        view2 = _view(session, second)
    # the same crawl as night 2's (pages in another order: each run's own rows come first)
    assert sorted(view3[0]) == sorted(view2[0]) and view3[1:] == view2[1:]

    # the base is kept while a run reads through it; the runs reading through it can go
    with session_scope(db_url) as session:
        assert first in protected_runs(session)
        remove_runs(session, [second])
    with session_scope(db_url) as session:
        assert _view(session, third) == view3


def test_dropped_pages_are_hidden_with_their_links_and_stay_dropped(db_url: str) -> None:
    """A partial re-audit drops p4 (no page links it any more) and p5 (gone: fetched again, a 404 now)."""
    upgrade(db_url)
    first = _first_run(db_url)
    second = start_run(db_url, SITE, DAY, {})
    write_batch(db_url, [
        _row(second, BASE, depth=0, html="<html>首页 v1</html>", links=(f"{BASE}p0.html", "http://other.example/x")),
        _row(second, f"{BASE}p3.html", html="<html>p3 v2</html>", links=(f"{BASE}dead3.html",)),  # no p4 link
        _row(second, f"{BASE}p5.html", crawled=False, status=404),
    ], [])
    with session_scope(db_url) as session:
        carry(session, first, second, (), checks={}, today=DAY, drop=[f"{BASE}p4.html", f"{BASE}p5.html"])
    with session_scope(db_url) as session:
        pages, links, _ = _view(session, second)
    urls = [p[0] for p in pages]
    assert f"{BASE}p4.html" not in urls and urls.count(f"{BASE}p5.html") == 1
    assert dict((p[0], p[2]) for p in pages)[f"{BASE}p5.html"] == 404  # its own row, not the base's 200
    assert not {s for s, _ in links} & {f"{BASE}p4.html", f"{BASE}p5.html"}
    assert (f"{BASE}p2.html", f"{BASE}p3.html") in links  # the other pages' links are there
    # the next night reads through the same base: the drops stay (p5 still gone, not fetched again)
    third = start_run(db_url, SITE, DAY, {})
    write_batch(db_url, [
        _row(third, BASE, depth=0, html="<html>首页 v1</html>", links=(f"{BASE}p0.html", "http://other.example/x")),
    ], [])
    with session_scope(db_url) as session:
        carry(session, second, third, (), checks={}, today=DAY)
    with session_scope(db_url) as session:
        assert session.get(m.Run, third).base_run_id == first
        view3 = _view(session, third)
    assert sorted(view3[0]) == sorted(pages) and view3[1] == links


def test_a_run_without_a_base_is_its_own_rows(db_url: str) -> None:
    upgrade(db_url)
    first = _first_run(db_url)
    with session_scope(db_url) as session:
        pages, links, _ = _view(session, first)
        assert session.get(m.Run, first).base_run_id is None
    assert len(pages) == 10 and len(links) == 2 + 12
