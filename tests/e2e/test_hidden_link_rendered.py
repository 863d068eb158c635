"""content.hidden_link on the rendered homepage: a link hidden by an external stylesheet is seen only
by the browser's computed style (the static reading cannot resolve the stylesheet)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from demo.server import FixtureServer, Route

HOME = """<html><head><title>示例镇人民政府</title><link rel="stylesheet" href="/s.css"></head><body>
<h1>示例镇人民政府</h1><p>网站标识码：4213000009</p>
<a href="/xw.html">新闻</a>
<div class="yq"><a href="http://127.0.0.2:{ext}/page.html">友情链接 示例新闻网</a></div>
<div class="zz"><a href="http://127.0.0.2:{ext}/luck.html">幸运飞艇开奖直播</a></div>
</body></html>"""
CSS = ".zz{position:absolute;left:-9999px;top:-9999px}"


@pytest.mark.browser
@pytest.mark.slow
def test_link_hidden_by_stylesheet_found_in_the_browser_only(cli, tmp_path: Path) -> None:
    ext = FixtureServer({"/page.html": Route(body=b"<html><body>ok</body></html>"),
                         "/luck.html": Route(body=b"<html><body>ok</body></html>")}, host="127.0.0.2").start()
    site = FixtureServer({
        "/": Route(body=HOME.replace("{ext}", str(ext.port)).encode()),
        "/s.css": Route(body=CSS.encode(), content_type="text/css"),
        "/xw.html": Route(body="<html><body><p>新闻正文</p></body></html>".encode()),
    }).start()
    try:
        (tmp_path / "sites.yaml").write_text(f'sites:\n  - {{id: "4213000009", name: 示例镇, url: "{site.base_url}/"}}\n',
                                             encoding="utf-8")
        found = {}
        for mode, extra in (("browser", ()), ("plain", ("--no-browser",))):
            res = cli("audit", "--sites", str(tmp_path / "sites.yaml"), "--db", f"sqlite:///{tmp_path / mode}.db",
                      "--out", str(tmp_path / mode), "--as-of", "2026-11-27", *extra)
            assert res.returncode == 0, res.stderr[-2000:]
            doc = json.loads((tmp_path / mode / "4213000009" / "findings.json").read_text(encoding="utf-8"))
            found[mode] = [f for f in doc["findings"] if f["rule"] == "content.hidden_link"]
    finally:
        site.stop()
        ext.stop()
    assert len(found["browser"]) == 1 and found["browser"][0]["subject"] == site.base_url + "/"
    links = found["browser"][0]["evidence"]["links"]
    assert [ln["href"] for ln in links] == [f"http://127.0.0.2:{ext.port}/luck.html"]  # the visible one is not
    assert links[0]["source"] == "rendered"
    assert found["plain"] == []  # without the browser the stylesheet is not applied: not reported
