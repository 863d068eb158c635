"""Fixture sites for the function rules, each on its own 127.0.0.1 port, with their exact findings.

| site | search | phone | axe | 办事服务 / 指南 | platform |
|---|---|---|---|---|---|
| fn-good | GET form, results link the article (title in <em> highlight) | responsive | clean, 无障碍 entry | /bsfw/ + a complete guide (+ the guide list page, a look-alike) | on it (marker), shared search |
| fn-empty | GET form, "搜索“…”共0条" echo, no link (a look-alike of a hit) | fixed 1200 px, no viewport, small text | image-alt, label, contrast on every page | a guide missing 5 categories | declared, not on it |
| fn-error | GET form answering 500 | responsive | clean | none at all | — |
| fn-nosearch | no search box (a form for 留言 with a text box stays silent) | responsive | clean | /bsfw/ | — |
| fn-js | results filled in by script | responsive | clean | a link named 政务服务网 | — |
"""
from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import yaml

from demo.server import FixtureServer, Route

ARTICLES = [("/xw/2026/1120/a1.html", "关于开展2026年冬季安全生产大检查的通知"),
            ("/xw/2026/1125/a2.html", "示例县召开2026年第四季度经济运行分析会")]
NEWEST = ARTICLES[1]
ALL_ELEMENTS = ["事项名称", "设定依据", "申请条件", "办理材料", "办理地点", "办理机构", "收费标准", "办理时间", "联系电话", "办理流程"]


def _page(title: str, body: str, responsive: bool = True, head: str = "") -> Route:
    viewport = '<meta name="viewport" content="width=device-width, initial-scale=1">' if responsive else ""
    style = ("body{font-size:16px;color:#111;background:#fff;margin:0 8px} main{max-width:100%}" if responsive else
             "body{font-size:12px;color:#111;background:#fff;width:1200px} .low{color:#bbb;background:#fff}")
    html = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title>{viewport}'
            f"<style>{style}</style>{head}</head><body>{body}</body></html>")
    return Route(body=html.encode("utf-8"))


@dataclass
class FnSite:
    site_id: str
    name: str
    routes: dict[str, Route]
    expected: set[tuple[str, str]]  # (rule, subject) of the function rules, subjects relative to the base ('' = homepage)
    platform: dict | None = None
    server: FixtureServer | None = None
    extra: dict = field(default_factory=dict)

    @property
    def base(self) -> str:
        return self.server.base_url

    def expected_findings(self) -> set[tuple[str, str]]:
        return {(rule, subject if not subject.startswith("/") else self.base + subject) for rule, subject in
                {(r, self.base + "/" if s == "" else s) for r, s in self.expected}}


def _layout(search_form: str, nav: str, responsive: bool, bad_a11y: bool) -> callable:
    def wrap(title: str, main: str) -> Route:
        extra = ('<img src="/logo.png"><p class="low">低对比度说明文字</p><input type="text" name="note">'
                 if bad_a11y else '<img src="/logo.png" alt="示例县人民政府">')
        body = (f'<header><a href="/">首页</a> {nav} <a href="/wza/">无障碍</a>{search_form}</header>'
                f"<main><h1>{escape(title)}</h1>{main}{extra}</main><footer><p>主办：示例县人民政府办公室</p></footer>")
        return _page(title, body, responsive)
    return wrap


def _news(wrap) -> dict[str, Route]:  # noqa: ANN001
    routes = {path: wrap(title, f"<p>{escape(title)}。正文内容。</p>") for path, title in ARTICLES}
    routes["/logo.png"] = Route(body=b"\x89PNG\r\n\x1a\n", content_type="image/png")
    routes["/wza/"] = wrap("无障碍浏览", "<p>无障碍浏览说明。</p>")
    return routes


def _home(wrap, extra: str = "") -> Route:  # noqa: ANN001
    items = "".join(f'<li><a href="{p}">{escape(t)}</a></li>' for p, t in ARTICLES)
    return wrap("示例县人民政府", f"<h2>要闻动态</h2><ul>{items}</ul>{extra}")


SEARCH_FORM = ('<form action="/search" method="get"><input type="text" name="q" aria-label="站内搜索">'
               '<button type="submit">搜索</button></form>')


def _guide(wrap, title: str, elements: list[str]) -> Route:  # noqa: ANN001
    rows = "".join(f"<tr><th>{e}</th><td>{e}的内容</td></tr>" for e in elements)
    return wrap(title, f"<table><caption>{escape(title)}</caption>{rows}</table>")


def build_sites() -> list[FnSite]:
    sites = []
    # -- fn-good -------------------------------------------------------------------------
    wrap = _layout(SEARCH_FORM, '<a href="/bsfw/">办事服务</a>', True, False)
    r = _news(wrap)
    r["/"] = _home(wrap, '<div class="jyh-template"></div>')
    hit = f'<li><a href="{NEWEST[0]}">示例县召开<em>2026年第四季度</em>经济运行分析会</a></li>'
    r["/search"] = wrap("搜索结果", f"<ul>{hit}</ul>")
    r["/bsfw/"] = wrap("办事指南", '<ul><li><a href="/bsfw/zn1.html">食品经营许可办事指南</a></li></ul>')
    r["/bsfw/zn1.html"] = _guide(wrap, "食品经营许可办事指南", ALL_ELEMENTS)
    sites.append(FnSite("fn-good", "功能良好县", r, set(),
                        platform={"name": "示例省集约化平台", "markers": ["jyh-template"], "search": ["http://127.0.0.1:*/search*"]}))
    # -- fn-empty ------------------------------------------------------------------------
    wrap = _layout(SEARCH_FORM, '<a href="/bsfw/">办事服务</a>', False, True)
    r = _news(wrap)
    r["/"] = _home(wrap)
    r["/search"] = wrap("搜索结果", f'<input type="text" name="q" value="{escape(NEWEST[1])}" aria-label="q">'
                                 f"<p>搜索“{escape(NEWEST[1])}”共找到0条结果</p>")
    r["/bsfw/"] = wrap("网上办事", '<ul><li><a href="/bsfw/zn2.html">个体工商户登记办事指南</a></li></ul>')
    r["/bsfw/zn2.html"] = _guide(wrap, "个体工商户登记办事指南", ALL_ELEMENTS[:5])
    sites.append(FnSite("fn-empty", "搜索无结果县", r,
                        {("function.search_broken", ""), ("function.not_mobile", ""),
                         ("function.guide_incomplete", "/bsfw/zn2.html"), ("intensive.platform", "")},
                        platform={"name": "示例省集约化平台", "markers": ["jyh-template"], "hosts": ["*.jyh.example.gov.cn"]},
                        extra={"axe_pages": True}))
    # -- fn-error ------------------------------------------------------------------------
    wrap = _layout(SEARCH_FORM, '<a href="/xw/">新闻</a>', True, False)
    r = _news(wrap)
    r["/"] = _home(wrap)
    r["/search"] = Route(status=500, body=b"<html><body>Internal Server Error</body></html>")
    sites.append(FnSite("fn-error", "搜索出错县", r, {("function.search_broken", ""), ("function.no_service", "")}))
    # -- fn-nosearch ---------------------------------------------------------------------
    board = ('<form action="/hd/ly" method="post"><input type="text" name="title" aria-label="留言标题">'
             '<button type="submit">提交留言</button></form>')
    wrap = _layout("", '<a href="/bsfw/">办事服务</a>', True, False)
    r = _news(wrap)
    r["/"] = _home(wrap, board)
    r["/bsfw/"] = wrap("办事服务", "<p>办事服务栏目。</p>")
    sites.append(FnSite("fn-nosearch", "无搜索县", r, {("function.search_broken", "")}))
    # -- fn-js ---------------------------------------------------------------------------
    wrap = _layout(SEARCH_FORM, '<a href="/go/zwfw.html">示例省政务服务网</a>', True, False)
    r = _news(wrap)
    r["/"] = _home(wrap)
    script = ("<script>document.getElementById('r').innerHTML = "
              f"'<li><a href=\"{NEWEST[0]}\">{NEWEST[1]}</a></li>';</script>")
    r["/search"] = wrap("搜索结果", f'<ul id="r"></ul>{script}')
    sites.append(FnSite("fn-js", "脚本搜索县", r, set()))
    return sites


def start(sites: list[FnSite]) -> None:
    for s in sites:
        s.server = FixtureServer(s.routes).start()


def stop(sites: list[FnSite]) -> None:
    for s in sites:
        if s.server is not None:
            s.server.stop()


def sites_yaml(sites: list[FnSite]) -> str:
    entries = []
    for s in sites:
        entry = {"id": s.site_id, "name": s.name, "url": s.base + "/", "kind": "portal"}
        if s.platform:
            entry["platform"] = s.platform
        entries.append(entry)
    return yaml.safe_dump({"sites": entries}, allow_unicode=True, sort_keys=False)
