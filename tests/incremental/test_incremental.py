"""Incremental re-audits end to end on the demo portal served with validators (ETag / Last-Modified, 304s),
through the CLI, on SQLite and PostgreSQL: a first run crawls fully; an unchanged re-audit revalidates
(304s in the server's log), crawls only the homepage and the link targets due, carries the rest over and
finds exactly what a fresh full audit finds; after pages changed and links broke the re-audit falls back to
a full crawl and finds the changes; `--full` fetches everything."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from demo.portal import sites_yaml, start_demo
from demo.server import Route
from storage import models as m
from storage.crawlset import links_where, pages_where
from storage.session import session_scope

AS_OF = date(2026, 11, 27)
SITE = "4213000001"


@pytest.fixture
def demo():
    with start_demo(AS_OF, validators=True) as portal:
        yield portal


def audit(cli, demo, db_url: str, tmp_path: Path, name: str, *extra: str) -> dict:
    sites = tmp_path / "sites.yaml"
    sites.write_text(sites_yaml(demo), encoding="utf-8")
    out = tmp_path / name
    res = cli("audit", "--sites", str(sites), "--db", db_url, "--out", str(out), "--as-of", AS_OF.isoformat(),
              "--no-browser", *extra)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads((out / SITE / "findings.json").read_text(encoding="utf-8"))


def judged(doc: dict) -> dict:
    """What must not depend on how the run crawled: findings (carried-over marks and the problem tracking across
    runs aside), rule statuses, score."""
    findings = sorted(json.dumps({**{k: v for k, v in f.items() if k != "problem"}, "evidence": {k: v for k, v in (f.get("evidence") or {}).items()
                                                    if k != "carried_over"}}, sort_keys=True, ensure_ascii=False)
                      for f in doc["findings"])
    return {"findings": findings, "rules": sorted(json.dumps(r, sort_keys=True) for r in doc["rules"]),
            "score": doc["score"]}


def stats(db_url: str, run_id: int) -> dict:
    with session_scope(db_url) as session:
        return dict(session.get(m.Run, run_id).stats or {})


def fourth_run(doc: dict) -> int:
    """The run a document is of."""
    return doc["run"]["id"]


def with_body(log: list[tuple[str, str]]) -> dict[str, int]:
    """path → GETs answered with a body (the server logs every GET, and a 304 once more as `GET 304`)."""
    out: dict[str, int] = {}
    for kind, path in log:
        if kind in ("GET", "GET 304"):
            out[path] = out.get(path, 0) + (1 if kind == "GET" else -1)
    return out


def gets(demo) -> list[tuple[str, str]]:  # noqa: ANN001
    return [e for e in demo.server.log if e[0].startswith("GET")]


@pytest.mark.slow
def test_unchanged_changed_and_full(demo, db_url: str, tmp_path: Path, cli) -> None:  # noqa: ANN001
    first = audit(cli, demo, db_url, tmp_path, "1-full")
    assert stats(db_url, first["run"]["id"])["incremental"]["reason"] == "no_previous_run"
    assert first["run"]["reused_pages"] == 0
    crawled = first["run"]["pages"]

    # 2. unchanged: revalidated by 304s, the rest carried over; the same findings as a fresh full audit
    demo.server.log.clear()
    second = audit(cli, demo, db_url, tmp_path, "2-unchanged")
    s2 = stats(db_url, second["run"]["id"])
    assert s2["incremental"]["mode"] == "incremental", s2["incremental"]
    assert s2["incremental"]["not_modified"] >= crawled - 1
    not_modified = [p for k, p in demo.server.log if k == "GET 304"]
    assert "/" in not_modified and len(not_modified) >= crawled - 1
    assert second["run"]["reused_pages"] >= crawled - 1 and second["run"]["pages"] == crawled
    full_gets = len(gets(demo))
    usual = with_body(demo.server.log)  # what an unchanged re-audit fetches with a body, path → times
    demo.server.log.clear()
    fresh = audit(cli, demo, db_url, tmp_path, "3-full", "--full")
    assert stats(db_url, fresh["run"]["id"])["incremental"]["reason"] == "full_requested"
    assert not [e for e in demo.server.log if e[0] == "GET 304"]  # --full fetches everything
    assert len(gets(demo)) > full_gets - len(not_modified)  # every page came with its body again
    assert fresh["run"]["reused_pages"] == 0
    assert judged(second) == judged(fresh)
    assert judged(second)["findings"] == judged(first)["findings"]  # (the first run set the defacement baseline)
    # external link targets were carried over (checked today by the first run) and say so
    carried = [f for f in second["findings"] if f["rule"] == "link.broken" and "carried_over" in f["evidence"]]
    assert carried and all(f["evidence"]["carried_over"]["checked_on"] for f in carried)
    assert not [f for f in fresh["findings"] if "carried_over" in (f.get("evidence") or {})]

    # the cadence is a scheme parameter: reuse.external_days 0 asks the external targets again every run
    scheme = tmp_path / "every-run.yaml"
    scheme.write_text("id: every-run\nname: every run\nextends: national-2019\nparams:\n"
                      "  reuse.external_days: 0\n", encoding="utf-8")
    demo.external.log.clear()
    again = audit(cli, demo, db_url, tmp_path, "3b-external-every-run", "--scheme", str(scheme))
    assert stats(db_url, again["run"]["id"])["incremental"]["mode"] == "incremental"
    assert demo.external.log  # the external host was asked again
    again_carried = {f["subject"] for f in again["findings"] if "carried_over" in (f.get("evidence") or {})}
    assert again_carried and not {s for s in again_carried if s.startswith(demo.portal.external_base)}
    assert {f["subject"] for f in carried} - again_carried  # the external ones were asked again …
    assert all(s.startswith(demo.portal.base_url) for s in again_carried)  # … attachments still carried
    assert judged(again)["findings"] == judged(fresh)["findings"]

    # 3. an article changed (a new dead link in it) and another page no longer links a page: a partial
    # re-crawl of exactly those two pages (and the new dead link) finds what a fresh full audit finds
    articles = [(p, r) for p, r in demo.portal.routes.items()
                if r.status == 200 and "html" in r.content_type and p.endswith(".html") and "/t20" in p
                and b"</body>" in r.body and r.content_type == "text/html; charset=utf-8"]
    assert len(articles) >= 2
    (article_path, article) = next(a for a in articles if a[0].startswith("/xwzx/"))
    (other_path, other) = next(a for a in articles if a[0].startswith("/zcwj/"))  # a policy document
    body = article.body.replace(b"</body>", b'<a href="/broken-by-edit.html">new link</a></body>')
    demo.server.add(article_path, Route(body=body, content_type=article.content_type))
    with session_scope(db_url) as session:  # a link of the other page to a crawled page, removed
        linked = session.scalars(select(m.Link.target).where(links_where(session, fourth_run(second)),
                                                             m.Link.source == demo.portal.base_url + other_path,
                                                             m.Link.tag == "a")).all()
    removed = next(t for t in linked if t.startswith(demo.portal.base_url) and t.endswith(".html")
                   and f'href="{t[len(demo.portal.base_url):]}"'.encode() in other.body)
    href = f'href="{removed[len(demo.portal.base_url):]}"'.encode()
    demo.server.add(other_path, Route(body=other.body.replace(href, b'data-removed="1"'),
                                      content_type=other.content_type))
    demo.server.log.clear()
    third = audit(cli, demo, db_url, tmp_path, "4-changed")
    s3 = stats(db_url, third["run"]["id"])
    inc = s3["incremental"]
    assert inc["mode"] == "partial", inc
    assert set(inc["changed"]) == {demo.portal.base_url + article_path, demo.portal.base_url + other_path}, inc
    assert inc["new_pages"] == [demo.portal.base_url + "/broken-by-edit.html"], inc
    assert third["run"]["reused_pages"] >= crawled - 3
    broken = {f["subject"] for f in third["findings"] if f["rule"] == "link.broken"}
    assert demo.portal.base_url + "/broken-by-edit.html" in broken
    # the server's log: of the pages the previous run crawled, only the changed ones came with a body again
    # (beyond what an unchanged re-audit fetches: the homepage, the cloaking sample, redirects, error pages)
    with session_scope(db_url) as session:
        prev_pages = {u[len(demo.portal.base_url):] or "/" for u in session.scalars(select(m.Page.url).where(
            pages_where(session, fourth_run(second)), m.Page.crawled.is_(True)))}
    now = with_body(demo.server.log)
    more = {p: now.get(p, 0) - usual.get(p, 0) for p in prev_pages if now.get(p, 0) != usual.get(p, 0)}
    # each changed page twice more (the revalidation's 200 and the re-crawl), no other page more than usual
    assert more == {article_path: 2, other_path: 2}, more
    assert with_body(demo.server.log).get("/broken-by-edit.html") == 2  # asked once, then crawled as a page
    fresh = audit(cli, demo, db_url, tmp_path, "5-full", "--full")
    assert judged(third) == judged(fresh)

    # 3b. negative control: a change the partial rules cannot make exact (the homepage) → a full crawl, named
    home = demo.portal.routes["/"]
    demo.server.add("/", Route(body=home.body.replace(b"</body>", b"<p>\xe6\x9b\xb4\xe6\x96\xb0</p></body>"),
                               content_type=home.content_type))
    control = audit(cli, demo, db_url, tmp_path, "5b-home-changed")
    sc = stats(db_url, control["run"]["id"])["incremental"]
    assert sc["mode"] == "full" and sc["reason"] == "homepage_changed", sc
    assert sc["partial_refused"]["url"] == demo.portal.base_url + "/"
    # … and a column's list page (its columns and items facts are built across pages)
    column = demo.portal.routes["/xwzx/index.html"]
    demo.server.add("/xwzx/index.html", Route(body=column.body.replace(b"</body>", b"<p>\xe6\x9b\xb4</p></body>"),
                                              content_type=column.content_type))
    control = audit(cli, demo, db_url, tmp_path, "5c-column-changed")
    sc = stats(db_url, control["run"]["id"])["incremental"]
    assert sc["mode"] == "full" and sc["reason"] == "facts_reference", sc
    assert sc["partial_refused"]["table"] == "site_column"
    fresh = audit(cli, demo, db_url, tmp_path, "5d-full", "--full")
    assert judged(control) == judged(fresh)

    # 4. unchanged again after the change: incremental, equal to the full audit of the changed site
    fourth = audit(cli, demo, db_url, tmp_path, "6-unchanged")
    assert stats(db_url, fourth["run"]["id"])["incremental"]["mode"] == "incremental"
    assert judged(fourth) == judged(fresh)
    with session_scope(db_url) as session:
        kinds = session.scalars(select(m.Run.state).where(m.Run.site_id == SITE)).all()
    assert set(kinds) == {"complete"}
