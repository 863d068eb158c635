"""The 在线申请 check on fixture pages: a form one link away or on the page, a form page that is gone, a page
with only a site search (a look-alike that is no application form), refused private targets; never a POST."""
from __future__ import annotations

from crawler.gatherers.apply_channel import ApplyOptions, check_entry
from demo.server import FixtureServer, Route, redirect

FORM = ("<form action='/submit' method='post'><label for='n'>申请人姓名</label><input id='n' name='name'>"
        "<label for='p'>联系电话</label><input id='p' name='phone'><textarea name='desc' placeholder='所需信息的内容描述'>"
        "</textarea><input type='submit' value='提交'></form>")
SEARCH = "<form action='/search' method='get'><input name='q' placeholder='站内搜索'><input type='submit' value='搜索'></form>"


def _html(body: str) -> Route:
    return Route(body=f"<html><head><meta charset='utf-8'><title>依申请公开</title></head><body>{body}</body></html>"
                 .encode("utf-8"))


def test_entry_page_link_form_and_downloads() -> None:
    routes = {"/ysq/": _html("<a href='/ysq/form.html'>在线申请</a> <a href='/ysq/sqb.docx'>申请表下载</a>"
                             "<a href='/ysq/old.doc'>旧申请表</a> <img src='/lct.jpg' alt='办理流程图'>" + SEARCH),
              "/ysq/form.html": _html(FORM), "/ysq/sqb.docx": Route(body=b"PK\x03\x04", content_type="application/zip")}
    with FixtureServer(routes) as s:
        fact = check_entry(s.base_url + "/" + "ysq/", ApplyOptions(allow_private=True, timeout_s=5))
        log = list(s.log)
    assert fact.outcome == "form" and fact.form_url == s.base_url + "/" + "ysq/form.html" and fact.form_status == 200
    assert fact.form_method == "post" and ("name", "申请人姓名") in fact.fields
    assert fact.application_form_url == s.base_url + "/" + "ysq/sqb.docx"  # the one that answers, not the 404
    assert fact.flow_chart_url == s.base_url + "/" + "lct.jpg"
    assert not [x for x in log if x[0] == "POST" or x[1] == "/submit"]


def test_form_on_the_page_gone_page_and_search_only_look_alike() -> None:
    routes = {"/a/": _html(FORM), "/b/": _html("<a href='/b/form.html'>网上申请</a>"), "/c/": _html(SEARCH),
              "/d/": _html("<p>请到窗口申请。</p>")}
    with FixtureServer(routes) as s:
        opts = ApplyOptions(allow_private=True, timeout_s=5)
        a, b, c, d = (check_entry(s.base_url + "/" + x, opts) for x in ("a/", "b/", "c/", "d/"))
        e = check_entry(s.base_url + "/" + "missing/", opts)
    assert a.outcome == "form" and a.form_url == s.base_url + "/" + "a/"
    assert (b.outcome, b.form_status) == ("form_unreachable", 404)
    assert c.outcome == "no_form" and d.outcome == "no_form"  # a site search is not an application form
    assert (e.outcome, e.entry_status) == ("entry_unreachable", 404)
    assert a.application_form_url is None and a.flow_chart_url is None


def test_private_targets_are_refused_unless_allowed(monkeypatch) -> None:  # noqa: ANN001
    from crawler.egress import EgressPolicy

    # 127.0.0.1 plays a site whose policy unlocks only itself, 127.0.0.2 an intranet host it links and redirects to
    own = EgressPolicy(allow=("127.0.0.1/32",))
    with FixtureServer({"/form": _html(FORM)}, host="127.0.0.2") as inner:
        target = inner.base_url + "/form"
        routes = {"/ysq/": _html(f"<a href='{target}'>在线申请</a>"), "/go/": redirect(target, 302)}
        with FixtureServer(routes) as s:
            linked = check_entry(s.base_url + "/ysq/", ApplyOptions(timeout_s=5, egress=own))
            redirected = check_entry(s.base_url + "/go/", ApplyOptions(timeout_s=5, egress=own))
            assert inner.log == []  # nothing reached the private host
            allowed = check_entry(s.base_url + "/ysq/", ApplyOptions(allow_private=True, timeout_s=5))
    assert (linked.outcome, linked.error, linked.form_url) == ("blocked", "refused_private", target)
    assert (redirected.outcome, redirected.error) == ("blocked", "refused_private")
    assert allowed.outcome == "form" and allowed.form_url == target
