"""Changes to the running demo portal between audits: a defect fixed, a defect planted, a fix faked.

Each works on `demo.portal.DemoPortal` through its public pieces (`build_portal`, `FixtureServer.add`),
so the portal itself stays as `govaudit demo` serves it.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from demo.portal import NOTICE_TITLES, DemoPortal, Portal, build_portal
from demo.server import Route

NOTICES = "/tzgg/index.html"


def fix_soft_404(demo: DemoPortal) -> str:
    """The 专题 page that answered 200 "页面不存在" now shows a real page; returns its URL."""
    demo.server.add("/zt/expired.html", demo.portal.routes["/zwgk/gkzd.html"])
    return demo.portal.base_url + "/zt/expired.html"


def break_soft_404_again(demo: DemoPortal) -> None:
    """The 专题 page is an error page again (the fix did not last)."""
    demo.server.add("/zt/expired.html", demo.portal.routes["/zt/expired.html"])


def restore_old_notice(demo: DemoPortal) -> str:
    """The page the homepage linked to and that answered 404 is published again; returns its URL."""
    demo.server.add("/xxgk/old-notice.html", demo.portal.routes["/zwgk/gkzn.html"])
    return demo.portal.base_url + "/xxgk/old-notice.html"


def stale_notices(demo: DemoPortal, days: int = 200) -> Portal:
    """The 通知公告 list (and its articles) as they were `days` ago: its newest notice is older than the
    6-month limit. The notices of the fresh portal stay reachable (the homepage still lists them).
    Returns that older build of the portal (its list is the one served now)."""
    old = build_portal(demo.portal.base_url, demo.portal.external_base, demo.portal.as_of - timedelta(days=days))
    for path, route in old.routes.items():
        if path.startswith("/tzgg/"):
            demo.server.add(path, route)
    return old


def _list_item(title: str, href: str, day: date) -> bytes:
    return f'<li><a href="{href}" title="{title}">{title}</a><span>{day:%Y-%m-%d}</span></li>'.encode("gbk")


def _top_of_list(demo: DemoPortal, stale: Portal, item: bytes) -> None:
    body = stale.routes[NOTICES].body  # the stale list as served (GBK)
    at = body.index(b"<ul>", body.index(b'<div class="list">')) + len(b"<ul>")
    demo.server.add(NOTICES, Route(body=body[:at] + item + body[at:], content_type="text/html"))


def repost_old_notice(demo: DemoPortal, stale: Portal, day: date) -> str:
    """The faked fix (旧稿重发): the first notice of the audited portal, re-posted at a new URL with `day`
    as its date on the list; its page is the old page, old 发布时间 and all. Returns the new URL."""
    old_path = next(p for p in demo.portal.routes if p.startswith("/tzgg/2") and
                    NOTICE_TITLES[0].encode("gbk") in demo.portal.routes[p].body)
    new_path = f"/tzgg/{day:%Y%m}/t{day:%Y%m%d}_9001.html"
    demo.server.add(new_path, demo.portal.routes[old_path])
    _top_of_list(demo, stale, _list_item(NOTICE_TITLES[0], "./" + new_path.removeprefix("/tzgg/"), day))
    return demo.portal.base_url + new_path


def post_new_notice(demo: DemoPortal, stale: Portal, day: date) -> str:
    """A genuine fix: a new notice (new title, new text, today's 发布时间) at the top of the list."""
    title = "关于开展冬季供暖安全专项检查的通知"
    path = f"/tzgg/{day:%Y%m}/t{day:%Y%m%d}_9002.html"
    template = demo.portal.routes[next(p for p in demo.portal.routes if p.startswith("/tzgg/2"))].body.decode("gbk")
    page = re.sub(r"<h1>.*?</h1>", f"<h1>{title}</h1>", template, count=1)
    page = re.sub(r"发布时间：[0-9-]+ [0-9:]+", f"发布时间：{day:%Y-%m-%d} 09:00", page)
    page = re.sub(r'name="PubDate" content="[^"]*"', f'name="PubDate" content="{day:%Y-%m-%d} 09:00"', page)
    page = page.replace("为切实做好相关工作", "为切实做好今冬供暖安全工作")
    demo.server.add(path, Route(body=page.encode("gbk"), content_type="text/html"))
    _top_of_list(demo, stale, _list_item(title, "./" + path.removeprefix("/tzgg/"), day))
    return demo.portal.base_url + path
