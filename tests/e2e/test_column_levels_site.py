"""End to end: a column's level comes from the site's navigation, not its URL depth (issue 19).

丙县 (generated; as of 2026-11-27, no `columns:` hints in sites.yaml):
  planted    column.stale  /zwgk/zcwj/   政策文件, in the homepage's main menu though two folders deep:
                                         一级, newest 2026-04-20 (221 days > 183) → level 1, 6-month limit
  look-alike /zwgk/gfxwj/  规范性文件, as stale, reached only from the 政务公开 page: 二级 → 365-day limit
  look-alike /xwzx/tzgg/   通知公告, a homepage block's 更多 link under 新闻中心's folder: 一级, fresh
"""
from __future__ import annotations

import json

import pytest
import yaml

from demo.server import FixtureServer, Route
from tests.conftest import run_cli

pytestmark = pytest.mark.slow
AS_OF = "2026-11-27"


def _page(title: str, main: str) -> Route:
    nav = ('<div class="nav"><ul><li><a href="/">首页</a></li><li><a href="/xwzx/">新闻中心</a></li>'
           '<li><a href="/zwgk/">政务公开</a></li><li><a href="/zwgk/zcwj/">政策文件</a></li></ul></div>')
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{title}_丙县人民政府</title></head><body>{nav}"
            f"<div class='main'>{main}</div><div class='footer'>主办：丙县人民政府办公室 网站标识码：4200000003</div>"
            "</body></html>")
    return Route(body=html.encode("utf-8"))


def _list(prefix: str, items: list[tuple[str, str]]) -> str:
    return "<ul class='list'>" + "".join(
        f"<li><a href='{prefix}t{d.replace('-', '')}_{i}.html'>{t}</a><span>{d}</span></li>"
        for i, (t, d) in enumerate(items)) + "</ul>"


def site() -> dict[str, Route]:
    stale = [("关于印发丙县农村公路养护办法的通知", "2026-04-20"), ("丙县促进就业若干措施", "2026-03-02")]
    fresh = [("关于冬季防火的通知", "2026-11-20"), ("关于道路施工的通告", "2026-11-02")]
    news = [("县长调研重点项目", "2026-11-25"), ("全县召开经济工作会议", "2026-11-24")]
    r = {
        "/": _page("首页", "<div class='block'><h3>新闻中心 <a href='/xwzx/'>更多</a></h3>" + _list("/xwzx/", news)
                   + "</div><div class='block'><h3>通知公告 <a href='/xwzx/tzgg/'>更多&gt;&gt;</a></h3>"
                   + _list("/xwzx/tzgg/", fresh) + "</div>"),
        "/xwzx/": _page("新闻中心", "<h2>新闻中心</h2>" + _list("/xwzx/", news)),
        "/xwzx/tzgg/": _page("通知公告", "<h2>通知公告</h2>" + _list("/xwzx/tzgg/", fresh)),
        "/zwgk/": _page("政务公开", "<div class='side'><ul><li><a href='/zwgk/zcwj/'>政策文件</a></li>"
                        "<li><a href='/zwgk/gfxwj/'>规范性文件</a></li></ul></div><p>政务公开专栏</p>"),
        "/zwgk/zcwj/": _page("政策文件", "<h2>政策文件</h2>" + _list("/zwgk/zcwj/", stale)),
        "/zwgk/gfxwj/": _page("规范性文件", "<h2>规范性文件</h2>" + _list("/zwgk/gfxwj/", stale)),
    }
    for prefix, items in (("/xwzx/", news), ("/xwzx/tzgg/", fresh), ("/zwgk/zcwj/", stale), ("/zwgk/gfxwj/", stale)):
        for i, (t, d) in enumerate(items):
            r[f"{prefix}t{d.replace('-', '')}_{i}.html"] = _page(t, f"<h1>{t}</h1><p>发布日期：{d}</p><p>正文。</p>")
    return r


def test_a_main_menu_column_deep_in_the_tree_is_level_one(tmp_path) -> None:
    with FixtureServer(site()) as s:
        sites = tmp_path / "sites.yaml"
        sites.write_text(yaml.safe_dump({"sites": [{"id": "4200000003", "name": "丙县人民政府", "url": s.base_url + "/"}]},
                                        allow_unicode=True), encoding="utf-8")
        proc = run_cli("audit", "--sites", str(sites), "--db", f"sqlite:///{tmp_path / 'db.sqlite'}", "--out",
                       str(tmp_path / "out"), "--as-of", AS_OF, "--no-browser",
                       env={"GOVAUDIT_VARIANT_PAGES": "0"})
        assert proc.returncode == 0, proc.stderr[-3000:]
        doc = json.loads((tmp_path / "out" / "4200000003" / "findings.json").read_text(encoding="utf-8"))
        base = s.base_url
    stale = {f["subject"]: f for f in doc["findings"] if f["rule"] == "column.stale"}
    assert set(stale) == {base + "/zwgk/zcwj/"}
    ev = stale[base + "/zwgk/zcwj/"]["evidence"]
    assert (ev["type"], ev["level"], ev["limit_group"], ev["max_age_days"], ev["age_days"]) == (
        "policy", 1, "notice_policy", 183, 221)
    assert ev["level_reason"] == "nav: 首页主导航" and ev["parent"] == base + "/zwgk/"
