"""Content-addressed page bodies (storage/models/blob.py): a body is stored once across runs; an unchanged
second run adds pointers, no body bytes; each run still reads its own pages' bodies."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from crawler.writer import PAGE_COLUMNS, write_batch
from storage import models as m
from storage.runs import start_run
from storage.session import session_scope, upgrade
from storage.snapshot import build_snapshot

SITE = {"id": "s1", "name": "示例", "url": "http://www.example.gov.cn/"}


def _page(run_id: int, url: str, html: str) -> tuple:
    values = {c: None for c in PAGE_COLUMNS} | {"run_id": run_id, "url": url, "crawled": True, "method": "GET",
                                                 "status": 200, "redirects": [], "flags": [], "rendered": False}
    return (tuple(values[c] for c in PAGE_COLUMNS), html, [("http://www.example.gov.cn/x.html", "a", "x")])


def _run(db_url: str, bodies: dict[str, str]) -> int:
    run_id = start_run(db_url, SITE, date(2026, 12, 1), {})
    write_batch(db_url, [_page(run_id, url, html) for url, html in bodies.items()], [])
    return run_id


def _blob_stats(db_url: str) -> tuple[int, int]:
    with session_scope(db_url) as session:
        return (session.scalar(select(func.count()).select_from(m.BodyBlob)),
                session.scalar(select(func.coalesce(func.sum(func.length(m.BodyBlob.html_z)), 0))))


def test_an_unchanged_run_adds_no_body_bytes_and_reads_its_bodies(db_url: str) -> None:
    upgrade(db_url)
    site = {f"http://www.example.gov.cn/p{i}.html": f"<html><body><p>页面{i}</p>{'正文' * 200}</body></html>"
            for i in range(50)}
    site["http://www.example.gov.cn/copy.html"] = site["http://www.example.gov.cn/p1.html"]  # same body, 2 pages
    first = _run(db_url, site)
    count1, bytes1 = _blob_stats(db_url)
    assert count1 == 50 and bytes1 > 0  # 51 pages, 50 distinct bodies
    second = _run(db_url, site)
    assert _blob_stats(db_url) == (count1, bytes1)  # nothing of the bodies grew
    changed = dict(site, **{"http://www.example.gov.cn/p7.html": "<html><body>改版</body></html>"})
    third = _run(db_url, changed)
    assert _blob_stats(db_url)[0] == count1 + 1  # a changed page: one new body
    with session_scope(db_url) as session:
        assert session.scalar(select(func.count()).select_from(m.PageBlob)) == 3 * 51
        for run_id, bodies in ((first, site), (second, site), (third, changed)):
            snap = build_snapshot(session, run_id)
            for url, html in bodies.items():
                assert snap.html(url) == html


def test_the_same_body_written_by_two_writers_is_kept_once(db_url: str) -> None:
    upgrade(db_url)
    page = {"http://www.example.gov.cn/": "<html>同一个</html>"}
    a, b = _run(db_url, page), _run(db_url, page)
    assert _blob_stats(db_url)[0] == 1
    with session_scope(db_url) as session:
        assert {build_snapshot(session, r).html("http://www.example.gov.cn/") for r in (a, b)} == {"<html>同一个</html>"}
