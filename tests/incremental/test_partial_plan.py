"""The partial re-audit's pieces without a crawl: the revalidation pass goes on past changes up to its
bound (on the fixture server), and the breadth-first walk applies the crawl's follow rule."""
from __future__ import annotations

import hashlib

from crawler.reuse import KnownPage, revalidate
from demo.server import FixtureServer, Route
from govaudit.partial import walk


def test_revalidation_reports_every_change_up_to_its_bound() -> None:
    server = FixtureServer({}, host="127.0.0.1", validators=True).start()
    try:
        pages = {f"/p{i}.html": f"<html><body>page {i}</body></html>".encode() for i in range(6)}
        for path, body in pages.items():
            server.add(path, Route(body=body))
        known = [KnownPage(server.base_url + p, server.base_url + p, 0, hashlib.sha1(b).hexdigest(), None, None, 200)
                 for p, b in pages.items()]
        server.add("/p1.html", Route(body=b"<html><body>changed</body></html>"))
        server.add("/p4.html", Route(status=404, body=b"gone"))
        report = revalidate(known, allow_private=True, user_agent="t", timeout_s=10, max_changes=2)
        assert report.complete and not report.unchanged
        assert {(c.url.rsplit("/", 1)[1], c.reason) for c in report.changes} == {("p1.html", "body_changed"),
                                                                                 ("p4.html", "status_404")}
        changed = next(c for c in report.changes if c.reason == "body_changed")
        assert changed.body == b"<html><body>changed</body></html>" and changed.hops == 0
        # negative control: a bound below the number of changes stops the pass (→ a full crawl)
        report = revalidate(known, allow_private=True, user_agent="t", timeout_s=10, max_changes=1)
        assert not report.complete
        report = revalidate(known, allow_private=True, user_agent="t", timeout_s=10, max_changes=0)
        assert not report.complete and len(report.changes) >= 1
    finally:
        server.stop()


def test_walk_follows_the_crawl_rule() -> None:
    home = "http://a.test/"
    edges = {
        home: [("http://a.test/1.html", "a"), ("http://a.test/f.pdf", "a"), ("http://b.test/x.html", "a"),
               ("http://a.test/img.html", "img")],
        "http://a.test/1.html": [("http://a.test/2.html", "a"), (home, "a")],
        "http://a.test/2.html": [("http://a.test/3.html", "a")],
    }
    assert walk(home, edges, {"a.test"}, 8) == {home: 0, "http://a.test/1.html": 1, "http://a.test/2.html": 2,
                                                "http://a.test/3.html": 3}
    assert walk(home, edges, {"a.test"}, 2) == {home: 0, "http://a.test/1.html": 1, "http://a.test/2.html": 2}
    # a shorter way in moves a page's depth
    edges[home].append(("http://a.test/3.html", "a"))
    assert walk(home, edges, {"a.test"}, 8)["http://a.test/3.html"] == 1
