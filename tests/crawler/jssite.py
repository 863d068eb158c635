"""Fixture sites that need a browser: script-filled lists, anti-bot walls, a hanging page, a dialog.

`build_js_site` is the main site (127.0.0.1): JS lists (fetch of JSON, a 大汉-style XML data proxy,
a list shown only when the registry says `render: always`), look-alikes that must stay plain (a
static dated list with an ajax hit counter, an article fetching its hit count), three walls and two
pages that break the browser. `build_walled_site` is a second site (127.0.0.2) whose every page,
the homepage included, sits behind a cookie wall.

Walls:
- ``/walled/`` answers 412 with a 瑞数-style script that sets a cookie and reloads (entry wall);
- ``/gated/…`` answers 521 with a 加速乐-style script and needs its cookie on every request; behind
  it ``/gated/ok.html`` exists and ``/gated/missing.html`` is truly missing (404 with the cookie);
- ``/ua-gated/…`` answers 202 (WZWS-style) and also needs a browser User-Agent, so the plain
  downloader cannot reuse its cookie: every page there goes to the browser.

Resets: ``/browser-only.html`` drops plain clients without an answer but serves a browser;
``/dropped.html`` drops everyone (the look-alike that is really broken).
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, timedelta

from demo.server import Route

AS_OF = date(2026, 11, 23)
NEVER_DELAY = 12.0  # longer than the test scheme's 5 s navigation timeout


def _d(days: int) -> str:
    return (AS_OF - timedelta(days=days)).isoformat()


def page(title: str, body: str, head: str = "") -> Route:
    html = (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f'<body style="font-family:sans-serif;background:#fff;color:#222"><h1 style="color:#a00">{title}</h1>'
            f'{body}<div class="footer">主办：示例县人民政府办公室 联系电话：0722-1234567</div></body></html>')
    return Route(body=html.encode("utf-8"))


def _items(prefix: str, titles: list[str], start: int = 1) -> str:
    return "".join(f'<li><a href="{prefix}{i}.html">{t}</a><span>{_d(i)}</span></li>'
                   for i, t in enumerate(titles, start))


def _article(title: str, days: int) -> Route:
    return page(title, f"<p>发布时间：{_d(days)}</p><p>{title}的正文内容。" + "示例文字。" * 40 + "</p>")


def _wall(cookie: str, status: int, script: str, ok: Route, needs_ua: str | None = None) -> Route:
    """A route that answers a script challenge until the request carries `cookie` (and the UA, if asked)."""
    def answer(method: str, path: str, headers: Mapping[str, str]) -> Route:
        passed = f"{cookie}=" in (headers.get("Cookie") or "")
        if passed and needs_ua:
            passed = needs_ua in (headers.get("User-Agent") or "")
        if passed:
            return ok
        return Route(status=status, body=script.encode("utf-8"),
                     headers={"Set-Cookie": "wall_seen=1; Path=/"})
    return Route(answer=answer)


RUISHU = ('<!DOCTYPE html><html><head><meta charset="utf-8"><script>var $_ts=window["$_ts"]||{};'
          'document.cookie="FSSBBIl1UgzbN7N80S=ts0123456789; path=/";location.reload();</script>'
          '</head><body></body></html>')
JSL = ('<html><head><script>document.cookie="__jsl_clearance_s=1700000000.123|0|abcdef; path=/";'
       'setTimeout(function(){location.href=location.pathname+location.search},150);</script></head><body></body></html>')
WZWS = ('<html><head><script>var wzws_cid="x";document.cookie="wzws_cid=c0ffee; path=/";'
        'location.replace(location.href);</script></head><body>请开启JavaScript并刷新该页</body></html>')

JSON_TITLES = ["接口新闻一：县政府召开常务会议", "接口新闻二：全县秋冬种工作推进会", "接口新闻三：重点项目观摩活动"]
XML_TITLES = ["数据代理公告一：招聘公告", "数据代理公告二：征地公示", "数据代理公告三：停水通知"]
DIALOG_TITLES = ["弹窗页条目一", "弹窗页条目二", "弹窗页条目三"]
ALWAYS_TITLES = ["配置条目一", "配置条目二", "配置条目三"]


def build_js_site(base: str) -> dict[str, Route]:
    """Routes of the main fixture site served at `base` (http://127.0.0.1:port)."""
    r: dict[str, Route] = {}
    nav = "".join(f'<a href="{h}">{t}</a> ' for h, t in [
        ("/json-list/", "要闻动态"), ("/xml-list/", "通知公告"), ("/static-list/", "政策文件"),
        ("/article-fetch.html", "领导讲话"), ("/walled/", "政务公开"), ("/gated/", "办事服务"),
        ("/gated/ok.html", "办事指南"), ("/ua-gated/", "互动交流"), ("/hang/", "专题专栏"),
        ("/dialog/", "公示公告"), ("/always/", "人事信息"), ("/gone.html", "旧版入口"),
        ("/browser-only.html", "网上调查"), ("/dropped.html", "在线访谈")])
    r["/"] = page("示例JS县人民政府", f'<div class="nav">{nav}</div><ul class="home-news">'
                  + _items("/news/n", ["县长主持召开会议", "全县安全生产工作会议", "秋季征兵工作启动"]) + "</ul>")
    for i in range(1, 4):
        r[f"/news/n{i}.html"] = _article(f"首页新闻{i}", i)
    # A page that drops plain clients without an answer (a reset) but serves browsers; and one that
    # drops everyone (really unreachable).
    survey = _article("网上调查", 3)
    r["/browser-only.html"] = Route(answer=lambda m, p, h: survey if "Chrome" in (h.get("User-Agent") or "") else None)
    r["/dropped.html"] = Route(answer=lambda m, p, h: None)
    # A list filled by fetch() of JSON.
    r["/json-list/"] = page("要闻动态", '<ul id="list" class="news-list"></ul><script>'
                            "fetch('/api/news.json').then(r=>r.json()).then(items=>{"
                            "const ul=document.getElementById('list');for(const it of items){"
                            "const li=document.createElement('li');li.innerHTML='<a href=\"'+it.url+'\">'+it.title+"
                            "'</a><span>'+it.date+'</span>';ul.appendChild(li);}});</script>")
    r["/api/news.json"] = Route(body=json.dumps([{"title": t, "url": f"/json-list/a{i}.html", "date": _d(i)}
                                                 for i, t in enumerate(JSON_TITLES, 1)], ensure_ascii=False
                                                ).encode("utf-8"), content_type="application/json; charset=utf-8")
    for i, t in enumerate(JSON_TITLES, 1):
        r[f"/json-list/a{i}.html"] = _article(t, i)
    # A list filled from a 大汉-style XML data proxy (POST dataproxy.jsp → <datastore> of CDATA records).
    r["/xml-list/"] = page("通知公告", '<div id="332" class="default_pgContainer"></div><script>'
                           "var x=new XMLHttpRequest();x.open('POST','/module/web/jpage/dataproxy.jsp?startrecord=1"
                           "&endrecord=15&perpage=15',true);x.setRequestHeader('Content-Type',"
                           "'application/x-www-form-urlencoded');x.onload=function(){var d=new DOMParser()"
                           ".parseFromString(x.responseText,'text/xml');var rs=d.getElementsByTagName('record');"
                           "var h='';for(var i=0;i<rs.length;i++){h+=rs[i].textContent;}"
                           "document.getElementById('332').innerHTML='<ul>'+h+'</ul>';};"
                           "x.send('col=1&appid=1&webid=1&columnid=332');</script>")
    records = "".join(f'<record><![CDATA[<li><a href="/xml-list/b{i}.html">{t}</a><span>{_d(i + 3)}</span></li>]]>'
                      "</record>" for i, t in enumerate(XML_TITLES, 1))
    r["/module/web/jpage/dataproxy.jsp"] = Route(
        body=f'<?xml version="1.0" encoding="utf-8"?><datastore><totalrecord>3</totalrecord><recordset>{records}'
             "</recordset></datastore>".encode("utf-8"), content_type="text/xml; charset=utf-8")
    for i, t in enumerate(XML_TITLES, 1):
        r[f"/xml-list/b{i}.html"] = _article(t, i + 3)
    # Look-alikes: a static dated list with an ajax hit counter; an article that fetches its hit count.
    r["/static-list/"] = page("政策文件", '<ul class="list">' + _items("/static-list/s", [
        "关于印发某某办法的通知", "关于做好某某工作的通知", "某某实施方案", "某某管理规定"]) + "</ul>"
        '<script>$.ajax({url:"/api/hits",success:function(n){}});</script>')
    for i in range(1, 5):
        r[f"/static-list/s{i}.html"] = _article(f"政策文件{i}", i)
    r["/article-fetch.html"] = page("县长在全县经济工作会议上的讲话", f"<p>发布时间：{_d(2)}</p><p>讲话正文。</p>"
                                    '<p>浏览次数：<span id="hits"></span></p>'
                                    "<script>fetch('/api/hits').then(r=>r.text()).then(t=>"
                                    "document.getElementById('hits').textContent=t)</script>")
    r["/api/hits"] = Route(body=b"42", content_type="text/plain")
    # An entry wall: 412 and a cookie set by script before reloading.
    r["/walled/"] = _wall("FSSBBIl1UgzbN7N80S", 412, RUISHU,
                          page("政务公开", '<ul class="list">' + _items("/walled/p", ["公开目录一", "公开目录二",
                                                                                 "公开目录三"]) + "</ul>"))
    for i in range(1, 4):
        r[f"/walled/p{i}.html"] = _article(f"公开目录{i}", i)
    # A wall that needs its cookie on every request; a page behind it exists, another is truly missing.
    gated_ok = page("办事服务", '<ul class="list">' + _items("/gated/g", ["服务事项一", "服务事项二", "服务事项三"])
                    + '</ul><a href="/gated/ok.html">办事指南</a> <a href="/gated/missing.html">已删除的指南</a>')
    r["/gated/"] = _wall("__jsl_clearance_s", 521, JSL, gated_ok)
    r["/gated/ok.html"] = _wall("__jsl_clearance_s", 521, JSL, _article("办事指南", 5))
    for i in range(1, 4):
        r[f"/gated/g{i}.html"] = _wall("__jsl_clearance_s", 521, JSL, _article(f"服务事项{i}", i))
    r["/gated/missing.html"] = _wall("__jsl_clearance_s", 521, JSL, Route(
        status=404, body="<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1></body></html>"
        .encode("utf-8")))
    # A wall that binds its cookie to a browser: the plain downloader cannot reuse it.
    r["/ua-gated/"] = _wall("wzws_cid", 202, WZWS, page("互动交流", '<ul class="list">' + _items(
        "/ua-gated/u", ["留言一", "留言二", "留言三"]) + '</ul><a href="/ua-gated/form.doc">留言表格下载</a>'),
        needs_ua="Chrome")
    r["/ua-gated/form.doc"] = _wall("wzws_cid", 202, WZWS, Route(body=b"\xd0\xcf\x11\xe0" + b"0" * 2000,
                                                                   content_type="application/msword"),
                                    needs_ua="Chrome")
    for i in range(1, 4):
        r[f"/ua-gated/u{i}.html"] = _wall("wzws_cid", 202, WZWS, _article(f"留言{i}", i), needs_ua="Chrome")
    # A list page whose render never finishes loading (a parser-blocking script that never answers).
    r["/hang/"] = page("专题专栏", '<div id="list" class="list"></div>'
                       "<script>document.write('<script src=\"/never.js\"><\\/script>')</script>"
                       "<script>fetch('/api/news.json')</script>")
    r["/never.js"] = Route(body=b"var never=1;", content_type="application/javascript", delay=NEVER_DELAY)
    # A list page that opens a dialog before filling its list.
    r["/dialog/"] = page("公示公告", '<ul id="list" class="list"></ul><script>alert("欢迎访问");'
                         "fetch('/api/dialog.json').then(r=>r.json()).then(items=>{"
                         "document.getElementById('list').innerHTML=items.map(it=>'<li><a href=\"'+it.url+'\">'"
                         "+it.title+'</a><span>'+it.date+'</span></li>').join('')});</script>")
    r["/api/dialog.json"] = Route(body=json.dumps([{"title": t, "url": f"/dialog/d{i}.html", "date": _d(i)}
                                                   for i, t in enumerate(DIALOG_TITLES, 1)], ensure_ascii=False
                                                  ).encode("utf-8"), content_type="application/json; charset=utf-8")
    for i, t in enumerate(DIALOG_TITLES, 1):
        r[f"/dialog/d{i}.html"] = _article(t, i)
    # A list written by script without any loader marker: rendered only because sites.yaml says so.
    r["/always/"] = page("人事信息", '<div id="content"></div><script>document.getElementById("content")'
                         ".innerHTML='<ul>'+" + json.dumps(ALWAYS_TITLES, ensure_ascii=False)
                         + ".map((t,i)=>'<li><a href=\"/always/c'+(i+1)+'.html\">'+t+'</a><span>2026-11-1'+i+"
                         "'</span></li>').join('')+'</ul>';</script>")
    for i, t in enumerate(ALWAYS_TITLES, 1):
        r[f"/always/c{i}.html"] = _article(t, i)
    return r


def build_walled_site() -> dict[str, Route]:
    """Routes of a site whose every page, the homepage included, needs the wall's cookie."""
    home = page("示例围墙县人民政府", '<ul class="list">' + _items("/w", ["围墙新闻一", "围墙新闻二", "围墙新闻三"])
                + '</ul><a href="/ok.html">正常页面</a> <a href="/missing.html">缺失页面</a>')
    r = {"/": _wall("__jsl_clearance_s", 521, JSL, home),
         "/ok.html": _wall("__jsl_clearance_s", 521, JSL, _article("正常页面", 1)),
         "/missing.html": _wall("__jsl_clearance_s", 521, JSL, Route(status=404, body=b"<h1>404 Not Found</h1>"))}
    for i in range(1, 4):
        r[f"/w{i}.html"] = _wall("__jsl_clearance_s", 521, JSL, _article(f"围墙新闻{i}", i))
    return r


def sites_yaml(main: str, walled: str) -> str:
    return f"""sites:
  - id: "9900000001"
    name: 示例JS县人民政府
    url: {main}/
    columns:
      - {{url: /always/, type: personnel, render: always}}
  - id: "9900000002"
    name: 示例围墙县人民政府
    url: {walled}/
"""


SCHEME = """id: browser-test
name: 浏览器测试方案
extends: national-2019
params:
  availability.timeout_s: 5
"""
