"""The scheduler queue that keeps its older requests on disk (crawler/queues.py): the same order as
Scrapy's memory queue, requests restored equal (callbacks the spider's own objects), what cannot be
written kept in memory as the very object, and memory bounded by the chunk size."""
from __future__ import annotations

import random

import pytest

from queuelib.queue import LifoMemoryQueue
from scrapy import Request
from scrapy.http import HtmlResponse

from crawler.queues import SpillingLifoQueue
from crawler.spiders.site import SiteSpider

HOME = "http://www.example.gov.cn/"


class _Crawler:
    def __init__(self, spider: SiteSpider) -> None:
        self.spider = spider


def _spider() -> SiteSpider:
    return SiteSpider(run_id=1, homepage=HOME)


def _fields(r: Request) -> tuple:
    return (r.url, r.method, dict(r.headers), r.body, r.cookies, r.meta, r.encoding, r.priority, r.dont_filter,
            r.flags, r.cb_kwargs, r.callback, r.errback)


def _requests(spider: SiteSpider, n: int, seed: int = 7) -> list[Request]:
    """Crawl and check requests as the spider makes them (a Referer header as the middleware adds), and
    now and then one that cannot be written (a response in its meta, an extractor's callback)."""
    rng = random.Random(seed)
    out: list[Request] = []
    for i in range(n):
        url = f"{HOME}p/{i // 100}/{i}.html?q=政务&x={i}"
        kind = rng.random()
        if kind < 0.05:
            plain = HtmlResponse(url, body=b"<html></html>")
            out.append(Request(url, callback=spider._on_page, errback=spider._on_render_error, dont_filter=True,
                               meta={"ga_plain": plain, "ga_depth": 2}, priority=-2))
        elif kind < 0.08:
            out.append(Request(url, callback=lambda response: None, dont_filter=True, priority=-40))
        elif kind < 0.4:
            r = spider._check_request(url, method="GET" if kind < 0.2 else "HEAD")
            r.headers.setdefault("Referer", HOME)
            out.append(r)
        else:
            r = spider._crawl_request(url, depth=rng.randrange(1, 8))
            r.headers.setdefault("Referer", f"{HOME}p/{i}.html")
            out.append(r)
    return out


def test_the_order_is_the_memory_queues_under_any_pushes_and_pops() -> None:
    spider = _spider()
    requests = _requests(spider, 3000)
    fields = {id(r): _fields(r) for r in requests}
    unwritable = {id(r) for r in requests if r.meta.get("ga_plain") is not None or r.callback is not None
                  and r.callback not in (spider._on_page, spider._on_checked)}
    for seed in range(4):
        rng = random.Random(seed)
        ours, theirs = SpillingLifoQueue(_Crawler(spider), chunk=rng.choice([1, 3, 50])), LifoMemoryQueue()
        todo = list(requests)
        popped = 0
        while todo or len(theirs):
            if todo and (rng.random() < 0.6 or not len(theirs)):
                r = todo.pop(0)
                ours.push(r)
                theirs.push(r)
            else:
                expected, got = theirs.pop(), ours.pop()
                popped += 1
                assert _fields(got) == fields[id(expected)]
                if id(expected) in unwritable:  # what could not be written comes back as the very object
                    assert got is expected
            assert len(ours) == len(theirs)
        assert ours.pop() is None and len(ours) == 0 and popped == len(requests)
        ours.close()


def test_restored_callbacks_are_the_spiders_own_objects() -> None:
    spider = _spider()
    queue = SpillingLifoQueue(_Crawler(spider), chunk=1)
    for r in (spider._crawl_request(f"{HOME}a.html", 1), spider._check_request(f"{HOME}b.pdf"),
              spider._crawl_request(f"{HOME}c.html", 2)):
        queue.push(r)
    assert queue._spilled == 2  # two written, one on top
    got = [queue.pop() for _ in range(3)]
    assert [r.url for r in got] == [f"{HOME}c.html", f"{HOME}b.pdf", f"{HOME}a.html"]
    # the same bound method objects (Scrapy caches its callback inspection by object: spiders/site.py)
    assert got[1].callback is spider._on_checked and got[1].errback is spider._on_error
    assert got[2].callback is spider._on_page and got[2].meta == {"ga_depth": 1, "ga_role": "crawl"}
    assert got[1].method == "HEAD" and got[1].priority == -100 and got[1].dont_filter


def test_memory_holds_at_most_two_chunks_and_the_file_shrinks_as_requests_go() -> None:
    spider = _spider()
    queue = SpillingLifoQueue(_Crawler(spider), chunk=100)
    for r in _requests(spider, 5000):
        queue.push(r)
        assert len(queue._top) < 200
    assert len(queue) == 5000 and queue._spilled >= 4800
    size = queue._file.seek(0, 2)
    assert size > 0
    for _ in range(2500):
        queue.pop()
    assert 0 < queue._file.seek(0, 2) < size  # read chunks are cut off the file
    while queue.pop() is not None:
        pass
    assert queue._file.seek(0, 2) == 0 and len(queue) == 0
    queue.close()


def test_a_short_queue_never_touches_disk() -> None:
    spider = _spider()
    queue = SpillingLifoQueue(_Crawler(spider), chunk=500)
    requests = _requests(spider, 999)
    for r in requests:
        queue.push(r)
    assert queue._file is None and queue._spilled == 0
    assert [queue.pop() for _ in requests] == requests[::-1]  # the very objects, last in first out


def test_an_unwritable_request_is_kept_in_its_place() -> None:
    spider = _spider()
    queue = SpillingLifoQueue(_Crawler(spider), chunk=2)
    plain = HtmlResponse(f"{HOME}x.html", body=b"<html></html>")
    render = Request(f"{HOME}x.html", callback=spider._on_page, errback=spider._on_render_error,
                     meta={"ga_plain": plain}, dont_filter=True)
    first, last = spider._crawl_request(f"{HOME}1.html", 1), spider._crawl_request(f"{HOME}3.html", 1)
    for r in (first, render, last, spider._crawl_request(f"{HOME}4.html", 1)):
        queue.push(r)
    assert queue._spilled == 2 and queue._chunks[0][2] == [render]  # first written, render held aside
    assert [r.url for r in (queue.pop(), queue.pop())] == [f"{HOME}4.html", f"{HOME}3.html"]
    assert queue.pop() is render and queue.pop().url == first.url and queue.pop() is None


def test_a_file_that_cannot_be_written_loses_nothing(monkeypatch) -> None:  # noqa: ANN001
    import crawler.queues as queues

    def full(*args: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(queues.os, "pwrite", full)
    spider = _spider()
    queue = SpillingLifoQueue(_Crawler(spider), chunk=3)
    requests = [spider._crawl_request(f"{HOME}{i}.html", 1) for i in range(20)]
    for r in requests:
        queue.push(r)
    assert queue._chunk == 0 and queue._spilled == 0 and len(queue) == 20  # kept in memory, spilling off
    assert [queue.pop() for _ in requests] == requests[::-1]


@pytest.mark.slow
def test_the_demo_audit_with_every_queue_on_disk_equals_the_golden(tmp_path) -> None:  # noqa: ANN001
    """The whole demo crawl with a chunk of one request (every queue of two or more waiting requests goes
    to its file): the same findings.json as the golden copy — and the log shows the file was used."""
    from tests.conftest import run_cli
    from tests.e2e.test_demo_golden import AS_OF, GOLDEN, normalise

    out = tmp_path / "out"
    res = run_cli("demo", "--db", f"sqlite:///{tmp_path / 'demo.db'}", "--out", str(out), "--as-of", AS_OF,
                  "--no-browser", env={"GOVAUDIT_QUEUE_SPILL": "1", "GOVAUDIT_LOG_LEVEL": "INFO"})
    assert res.returncode == 0, res.stderr[-3000:]
    assert "written to a temporary file" in res.stderr  # the disk part was used (else this proves nothing)
    got = normalise((out / "4213000001" / "findings.json").read_text(encoding="utf-8"))
    assert got == (GOLDEN / "demo-findings.no-browser.json").read_text(encoding="utf-8")
