"""The per-page browser decision (crawler/browser/policy.py): pure, no browser."""
from __future__ import annotations

from pathlib import Path

import pytest

from crawler.browser.policy import dated_items, is_js_list, list_loader, looks_like_wall, render_reason
from crawler.page import parse_html
from govaudit.registry import RegistryError, load_registry

BASE = "https://www.example.gov.cn/"

HANWEB = """<html><body><div id="332"><script type="text/xml"><datastore><recordset>
<record><![CDATA[<li><a href="/a.html">通知</a><span>2024-05-06</span></li>]]></record>
</recordset></datastore></script><script src="/module/web/jpage/jpage.js"></script></div></body></html>"""
FETCH_LIST = """<html><body><ul id="list" class="news-list"></ul>
<script>fetch('/api/news.json').then(r => r.json())</script></body></html>"""
STATIC_LIST_WITH_COUNTER = """<html><body><ul class="list">
<li><a href="/1.html">一</a><span>2024-05-06</span></li><li><a href="/2.html">二</a><span>2024-05-01</span></li>
<li><a href="/3.html">三</a><span>2024年4月30日</span></li></ul>
<script>$.ajax({url: '/hits'})</script></body></html>"""
ARTICLE_WITH_COUNTER = """<html><body><h1>讲话</h1><p>发布时间：2024-05-06</p><p>浏览：<span id="hits"></span></p>
<script>fetch('/api/hits').then(r => r.text())</script></body></html>"""
VUE_LIST = """<html><body><div id="app"><li v-for="item in items">{{ item.title }}</li></div></body></html>"""
XHR_WITHOUT_EMPTY_LIST = """<html><body><div class="list"><p>内容</p></div>
<script>var x = new XMLHttpRequest();</script></body></html>"""


def _reason(html: str, url: str = BASE + "list/", status: int = 200, **kw) -> str | None:
    parsed = parse_html(html, url)
    args = {"url": url, "status": status, "flags": parsed.flags, "html": html, "visible_text": parsed.text,
            "links": len(parsed.links), "is_homepage": False, "homepage_rendered": True, **kw}
    return render_reason(**args)


@pytest.mark.parametrize("html", [HANWEB, FETCH_LIST, VUE_LIST], ids=["hanweb_datastore", "fetch_list", "vue"])
def test_script_filled_lists_go_to_the_browser(html: str) -> None:
    assert _reason(html) == "js_list"


@pytest.mark.parametrize("html", [STATIC_LIST_WITH_COUNTER, ARTICLE_WITH_COUNTER, XHR_WITHOUT_EMPTY_LIST],
                         ids=["static_list_with_ajax_counter", "article_fetching_hits", "xhr_beside_content"])
def test_look_alikes_stay_plain(html: str) -> None:
    assert _reason(html) is None


def test_dates_counted_in_visible_text_only() -> None:
    parsed = parse_html(HANWEB, BASE)
    assert dated_items(parsed.text) == 0  # the records sit in a <script>: not shown yet
    assert dated_items("2024-05-06 2024/5/7 2024.05.08 2024年5月9日 05-10 20240511") == 4
    assert list_loader(HANWEB) is not None and is_js_list(HANWEB, parsed.text)


@pytest.mark.parametrize("status", [412, 521, 202, 403])
def test_wall_statuses_with_a_challenge_are_walls(status: int) -> None:
    html = '<html><head><script>var $_ts=window["$_ts"];document.cookie="a=b";location.reload()</script></head></html>'
    assert _reason(html, status=status) == "antibot_wall"


def test_wall_needs_the_challenge_not_only_the_status() -> None:
    assert _reason("<html><body><h1>Forbidden</h1></body></html>", status=403) is None
    assert not looks_like_wall(412, [])


def test_200_challenge_is_a_wall_only_when_it_is_bare() -> None:
    bare = '<html><body><script>document.cookie="__jsl_clearance_s=1"</script></body></html>'
    assert _reason(bare) == "antibot_wall"
    links = "".join(f'<a href="/{i}.html">栏目{i}</a>' for i in range(20))
    full = f"<html><body>{links}<p>{'正文' * 300}</p><noscript>请开启JavaScript</noscript></body></html>"
    assert "js_challenge" in parse_html(full, BASE).flags
    assert _reason(full) is None


def test_homepage_once_then_by_content() -> None:
    plain = "<html><body><p>首页</p></body></html>"
    assert _reason(plain, url=BASE, is_homepage=True, homepage_rendered=False) == "homepage"
    assert _reason(plain, url=BASE, is_homepage=True, homepage_rendered=True) is None


def test_modes_and_configured_columns() -> None:
    plain = "<html><body><p>人事信息</p></body></html>"
    assert _reason(plain, always_urls=frozenset({BASE + "list/"})) == "column_render_always"
    assert _reason(plain, mode="always") == "site_render_always"
    assert _reason(FETCH_LIST, mode="never") is None
    assert _reason(FETCH_LIST, url=BASE, mode="never", is_homepage=True, homepage_rendered=False) is None
    assert _reason(plain, status=404, mode="always") is None  # an error page keeps its plain status
    with pytest.raises(ValueError):
        _reason(plain, mode="sometimes")


def test_registry_render_keys(tmp_path: Path) -> None:
    good = tmp_path / "sites.yaml"
    good.write_text("sites:\n  - id: a1\n    name: 甲\n    url: https://a.gov.cn/\n    render: never\n"
                    "    columns:\n      - {url: /rsxx/, type: personnel, render: always}\n"
                    "  - id: a2\n    name: 乙\n    url: https://b.gov.cn/\n", encoding="utf-8")
    reg = load_registry(good)
    assert reg.sites[0].render == "never" and reg.sites[0].columns[0].render == "always"
    assert reg.sites[1].render == "auto" and reg.sites[0].model_dump(mode="json")["render"] == "never"
    bad = tmp_path / "bad.yaml"
    bad.write_text("sites:\n  - id: a1\n    name: 甲\n    url: https://a.gov.cn/\n    render: sometimes\n",
                   encoding="utf-8")
    with pytest.raises(RegistryError, match=r"bad.yaml:5: sites.0.render"):
        load_registry(bad)
