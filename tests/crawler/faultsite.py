"""A fault server on 127.0.0.1 covering every error class of link checking, each beside a negative twin.

`build(base, ext, tls_url, closed, reset)` returns the routes of the site and of the external host
(127.0.0.2), and `expected`: broken target → the error class or status the finding must show.
Negative twins (must stay silent): a page slow inside the time limit, HEAD-405 targets that work
with GET, redirects that end well (also `/index.html` → `/`), an article that mentions 404,
attachments served with odd content types, an anti-bot wall (not measured), working assets.
"""
from __future__ import annotations

from demo.server import Route, redirect

TIMEOUT_S = 3  # the test scheme's availability.timeout_s (the crawl's download timeout)


def _html(title: str, body: str) -> bytes:
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>'
            f"<body>{body}</body></html>").encode()


ARTICLE = _html("G404国道示例段改造工程顺利通车", "<h1>G404国道示例段改造工程顺利通车</h1>" + "<p>G404国道是重要干线，"
                "全长404公里。本次改造工程历时两年，沿线群众出行更加便利，相关部门将持续做好养护工作。</p>" * 20)


def build(base: str, ext: str, tls_url: str, closed: str, reset: str
          ) -> tuple[dict[str, Route], dict[str, Route], dict[str, object]]:
    home_links = [
        "/list.html", "/missing.html", "/gone.html", "/err500.html", "/soft404.html", "/timeout.html",
        "/loop/a", "/hop/1", "/old/1.html", "/old/2.html", "/old/3.html", "/moved-away.html",
        "/files/missing.pdf", "/files/head-get-404.doc",
        f"{ext}/ext/missing.html", "http://no-such-host.invalid/page.html", f"{closed}/x.html",
        f"{tls_url}tls.html", f"{reset}/",
        # negative twins
        "/slow-ok.html", "/files/head405.pdf", f"{ext}/ext/head405.html", f"{ext}/ext/ok.html", "/moved.html",
        "/article-404.html", "/files/data.xlsx", "/files/odd.doc", "/index.html", "/walled.html",
    ]
    anchors = "".join(f'<li><a href="{h}">链接 {n}</a></li>' for n, h in enumerate(home_links))
    head = ('<link rel="stylesheet" href="/css/ok.css"><link rel="stylesheet" href="/css/missing.css">'
            '<script src="/js/ok.js"></script><script src="/js/missing.js"></script>')
    assets = ('<img src="/images/ok.png" alt="标志"><img src="/images/missing.png" alt="缺图">'
              '<iframe src="/frames/ok.html"></iframe><iframe src="/frames/missing.html"></iframe>')
    home = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>故障测试站</title>{head}</head>'
            f"<body><h1>故障测试站</h1>{assets}<ul>{anchors}</ul></body></html>").encode()
    routes: dict[str, Route] = {
        "/": Route(body=home),
        "/index.html": redirect("/"),
        "/list.html": Route(body=_html("列表", '<a href="/missing.html">缺失</a><a href="/deep-missing.html">深层缺失</a>')),
        "/gone.html": Route(status=410, body=_html("Gone", "gone")),
        "/err500.html": Route(status=500, body=_html("Internal Server Error", "err")),
        "/soft404.html": Route(body=_html("页面不存在", "<p>对不起，您访问的页面不存在或已被删除！</p>")),
        "/timeout.html": Route(body=_html("慢", "slow"), delay=TIMEOUT_S * 2),
        "/loop/a": redirect("/loop/b", 302),
        "/loop/b": redirect("/loop/a", 302),
        **{f"/hop/{i}": redirect(f"/hop/{i + 1}", 302) for i in range(1, 16)},
        "/hop/16": Route(body=_html("终点", "end")),
        "/old/1.html": redirect("/", 302),
        "/old/2.html": redirect("/", 302),
        "/old/3.html": redirect("/", 302),
        "/moved-away.html": redirect("/error/404.html", 302),
        "/error/404.html": Route(body=_html("提示", "<p>出错了</p>")),
        "/files/head-get-404.doc": Route(status=404, head_status=405, body=b"no"),
        "/css/ok.css": Route(body=b"body{}", content_type="text/css"),
        "/js/ok.js": Route(body=b"var a=1;", content_type="application/javascript"),
        "/images/ok.png": Route(body=b"\x89PNG\r\n\x1a\n", content_type="image/png"),
        "/frames/ok.html": Route(body=_html("内嵌", "frame")),
        "/slow-ok.html": Route(body=_html("稍慢的页面", "<p>慢但能打开</p>"), delay=TIMEOUT_S * 0.3),
        "/files/head405.pdf": Route(body=b"%PDF-1.4 test", content_type="application/pdf", head_status=405),
        "/moved.html": redirect("/new.html"),
        "/new.html": Route(body=_html("新页面", "<p>新的位置</p>")),
        "/article-404.html": Route(body=ARTICLE),
        "/files/data.xlsx": Route(body=b"PK\x03\x04", content_type="application/octet-stream"),
        "/files/odd.doc": Route(body=b"\xd0\xcf\x11\xe0", content_type="text/plain; charset=utf-8"),
        "/walled.html": Route(status=412, body=b"<html><head><script>var $_ts=window['$_ts'];</script></head></html>"),
    }
    external = {
        "/ext/ok.html": Route(body=_html("外部", "ok")),
        "/ext/head405.html": Route(body=_html("外部", "ok"), head_status=405),
    }
    expected: dict[str, object] = {
        f"{base}/missing.html": 404, f"{base}/deep-missing.html": 404, f"{base}/gone.html": 410,
        f"{base}/err500.html": 500, f"{base}/soft404.html": "soft_404", f"{base}/timeout.html": "timeout",
        f"{base}/loop/a": "redirect_loop", f"{base}/hop/1": "too_many_redirects",
        f"{base}/old/1.html": "funnel", f"{base}/old/2.html": "funnel", f"{base}/old/3.html": "funnel",
        f"{base}/moved-away.html": "funnel", f"{base}/files/missing.pdf": 404,
        f"{base}/files/head-get-404.doc": 404, f"{ext}/ext/missing.html": 404,
        "http://no-such-host.invalid/page.html": "dns", f"{closed}/x.html": "connect",
        f"{tls_url}tls.html": "tls", f"{reset}/": "reset",
        f"{base}/css/missing.css": 404, f"{base}/js/missing.js": 404, f"{base}/images/missing.png": 404,
        f"{base}/frames/missing.html": 404,
    }
    return routes, external, expected
