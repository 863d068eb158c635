"""A partial re-audit on a small fixture site where changes cut pages off: a page drops its only link to a
page (which held a dead link), another page is gone (its only child is no longer reached). The re-audit
re-crawls only the changed and gone pages, drops the unreachable ones and the dead link nobody links any
more, and finds what a fresh full audit finds."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from demo.server import FixtureServer, Route
from storage import models as m
from storage.session import session_scope

SITE = "9999000002"


def page(title: str, *hrefs: str) -> bytes:
    links = "".join(f'<li><a href="{h}">链接 {h}</a></li>' for h in hrefs)
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body><h1>{title}</h1><p>{title}的内容。</p><ul>{links}</ul></body></html>").encode()


@pytest.fixture
def site():
    server = FixtureServer({}, host="127.0.0.1", validators=True).start()
    routes = {
        "/": page("首页", "/a.html", "/b.html", "/x1.html", "/x2.html"),
        "/a.html": page("页面A", "/c.html", "/x1.html"),
        "/b.html": page("页面B", "/e.html"),
        "/c.html": page("页面C", "/dead.html", "/a.html"),
        "/e.html": page("页面E", "/"),
        "/x1.html": page("页面X1", "/x2.html"),
        "/x2.html": page("页面X2", "/x1.html"),
    }
    for path, body in routes.items():
        server.add(path, Route(body=body))
    try:
        yield server
    finally:
        server.stop()


def audit(cli, server, db_url: str, tmp: Path, name: str, *extra: str) -> dict:  # noqa: ANN001
    sites = tmp / "sites.yaml"
    sites.write_text(yaml.safe_dump({"sites": [{"id": SITE, "name": "测试站点", "url": server.base_url + "/",
                                                "kind": "portal"}]}, allow_unicode=True), encoding="utf-8")
    scheme = tmp / "partial.yaml"  # a 7-page site: let every page change without a full crawl
    scheme.write_text("id: partial\nname: partial\nextends: national-2019\nparams:\n"
                      "  reuse.max_changed_fraction: 1.0\n", encoding="utf-8")
    out = tmp / name
    res = cli("audit", "--sites", str(sites), "--db", db_url, "--out", str(out), "--as-of", "2026-11-27",
              "--no-browser", "--scheme", str(scheme), *extra)
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads((out / SITE / "findings.json").read_text(encoding="utf-8"))


def judged(doc: dict) -> dict:
    def plain(f: dict) -> dict:  # carried-over marks and problem tracking aside
        evidence = {k: v for k, v in (f.get("evidence") or {}).items() if k != "carried_over"}
        return {**{k: v for k, v in f.items() if k != "problem"}, "evidence": evidence}

    findings = sorted(json.dumps(plain(f), sort_keys=True, ensure_ascii=False) for f in doc["findings"])
    return {"findings": findings, "rules": sorted(json.dumps(r, sort_keys=True) for r in doc["rules"]),
            "score": doc["score"]}


def incremental(db_url: str, run_id: int) -> dict:
    with session_scope(db_url) as session:
        return dict((session.get(m.Run, run_id).stats or {}).get("incremental") or {})


def broken(doc: dict) -> set[str]:
    return {f["subject"] for f in doc["findings"] if f["rule"] == "link.broken"}


@pytest.mark.slow
def test_partial_drops_what_is_no_longer_reached(site, db_url: str, tmp_path: Path, cli) -> None:  # noqa: ANN001
    base = site.base_url
    first = audit(cli, site, db_url, tmp_path, "1-full")
    assert base + "/dead.html" in broken(first)
    site.add("/a.html", Route(body=page("页面A", "/x1.html")))  # its only link to C removed
    site.add("/b.html", Route(status=404, body=b"<html><head><title>404</title></head></html>"))  # gone
    site.log.clear()
    second = audit(cli, site, db_url, tmp_path, "2-partial")
    inc = incremental(db_url, second["run"]["id"])
    assert inc["mode"] == "partial", inc
    assert inc["changed"] == [base + "/a.html"] and inc["gone"] == [base + "/b.html"], inc
    # C, the dead link only C led to (a crawled error page), and E, reached only through B
    assert inc["dropped"] == [base + "/c.html", base + "/dead.html", base + "/e.html"], inc
    bodies = {p for k, p in site.log if k == "GET"} - {p for k, p in site.log if k == "GET 304"}
    assert "/c.html" not in bodies and "/e.html" not in bodies and "/x1.html" not in bodies
    assert base + "/dead.html" not in broken(second)  # nobody links it any more
    assert base + "/b.html" in broken(second)  # the homepage links a page that is gone
    assert second["run"]["pages"] == 4  # /, /a.html, /x1.html, /x2.html
    fresh = audit(cli, site, db_url, tmp_path, "3-full", "--full")
    assert incremental(db_url, fresh["run"]["id"])["reason"] == "full_requested"
    assert fresh["run"]["pages"] == 4
    assert judged(second) == judged(fresh)
    # negative control: the default share (0.05 of 5 pages rounds to 0) → any change is a full crawl
    site.add("/x1.html", Route(body=page("页面X1", "/x2.html", "/a.html")))
    sites = tmp_path / "sites.yaml"
    out = tmp_path / "4-default"
    res = cli("audit", "--sites", str(sites), "--db", db_url, "--out", str(out), "--as-of", "2026-11-27",
              "--no-browser")
    assert res.returncode == 0, res.stderr[-3000:]
    doc = json.loads((out / SITE / "findings.json").read_text(encoding="utf-8"))
    inc = incremental(db_url, doc["run"]["id"])
    assert inc["mode"] == "full" and inc["reason"] == "changed" and inc["first_change"] == base + "/x1.html", inc
