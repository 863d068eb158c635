"""The bundled sample county portal (示例县人民政府) with planted defects and look-alikes.

`build_portal` returns the routes of the portal (127.0.0.1) and of the "outside world" (127.0.0.2:
ICP beian, conac logo, 中国政府网, a news site) plus `expected`, the exact (rule, subject) findings
of the foundation rules. Dates are relative to `as_of`, so freshness stays realistic.

Planted defects (→ `expected`): homepage links to a 404 (`/xxgk/old-notice.html`) and to a soft-404
(`/zt/expired.html`, 200 "页面不存在"); a policy page links a missing attachment
(`/uploads/2025/plan.pdf`); a news page links a dead external page (`EXT/news/gone.html`); the
footer's 网站标识码 is 4213000099 (registry: 4213000001); no 公网安备 number; no 我为政府网站找错.

Look-alikes that must stay silent: `/old/jgzn.html` 301 → 200; the article "G404国道…" that mentions
404; `EXT/gov/index.html` (HEAD 405, GET 200); `EXT/news/slow.html` (1.5 s); an empty SiteIDCode
meta tag; footer elements in valid but varied forms (主办：, 联系我们 + phone, ICP number inside a
link, conac logo as an <img alt="党政机关"> from the external host). The 通知公告 column is GBK.

Site-level rules that judge the host itself (identity.domain, security.no_https, function.no_ipv6,
function.search_broken) would fire on any loopback fixture and are not part of `expected`.

EXPECTED_IDENTITY_PATTERNS (documentation only; checks/identity owns the real patterns):
    site_code  网站标识码[:：]?\\s*(bm\\d{8}|\\d{10})  or meta SiteIDCode   → present, mismatching
    icp        [\\u4e00-\\u9fa5]ICP备\\d+号(-\\d+)?                         → present
    psb        公网安备\\s*\\d{14}号                                      → missing
    conac      img/script from a host containing "conac", or alt/title/text "党政机关" → present
    sponsor    主办(单位)?[:：]                                          → present
    contact    联系(电话|我们|方式), or a phone / e-mail                  → present
    zhaocuo    text "我为政府网站找错" or a link to a host containing "zfwzzc" → missing
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from html import escape
from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import yaml

from demo.server import FixtureServer, Route, redirect

__all__ = ["Portal", "DemoPortal", "build_portal", "start_demo", "sites_yaml"]

SITE_ID = "4213000001"
SITE_NAME = "示例县人民政府"
UNIT = "示例县人民政府办公室"
FOOTER_SITE_CODE = "4213000099"  # planted: differs from SITE_ID


@dataclass
class Portal:
    """Routes of the sample portal and of its external host, and the findings it must produce."""

    base_url: str
    external_base: str
    as_of: date
    routes: dict[str, Route]
    external_routes: dict[str, Route]
    expected: list[tuple[str, str]]
    site_id: str = SITE_ID
    name: str = SITE_NAME
    unit: str = UNIT


@dataclass
class _Item:
    """One dated entry of a column (news, notice, policy, report…)."""

    title: str
    day: date
    path: str
    at: time = time(9, 0)


# --------------------------------------------------------------------------------------------
# Page frame: header, nav and the shared footer
# --------------------------------------------------------------------------------------------
_NAV = [("首页", "/"), ("要闻动态", "/xwzx/"), ("通知公告", "/tzgg/"), ("政策文件", "/zcwj/"),
        ("政府信息公开", "/zwgk/"), ("互动交流", "/hdjl/"), ("办事服务", "/bsfw/"), ("网站地图", "/wzdt.html")]

_CSS = b"""body{margin:0;font:14px/1.8 "Microsoft YaHei",sans-serif;color:#333}
.header{background:#b5000c;color:#fff;padding:12px 40px}.header img{vertical-align:middle}
.nav ul{margin:0;padding:0 40px;background:#8e0009;list-style:none}
.nav li{display:inline-block}.nav a{display:block;padding:8px 18px;color:#fff;text-decoration:none}
.main{width:1100px;margin:16px auto}.block{margin-bottom:16px}.block li span{float:right;color:#888}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:4px 8px}
.footer{background:#f2f2f2;text-align:center;padding:16px;font-size:13px}
"""


class _Frame:
    """Renders pages with the portal's header, nav and footer."""

    def __init__(self, base: str, ext: str) -> None:
        self.domain = urlsplit(base).netloc
        nav = "".join(f'<li><a href="{href}">{name}</a></li>' for name, href in _NAV)
        self.header = (
            '<div class="header"><a href="/"><img src="/images/logo.png" alt="示例县人民政府" '
            'width="48" height="48"></a> <span class="site-name">示例县人民政府</span></div>'
            f'<div class="nav"><ul>{nav}</ul></div>'
        )
        # The footer carries the planted identity defects: a wrong 标识码, no 公网安备, no 找错 entry.
        self.footer = (
            '<div class="footer">'
            '<p><a href="/wzdt.html">网站地图</a> | <a href="/lxwm.html">联系我们</a> | '
            '<a href="/wzsm.html">网站声明</a></p>'
            f'<p><a href="{ext}/conac/" target="_blank"><img src="{ext}/conac/red.png" alt="党政机关" '
            'width="55" height="64"></a></p>'
            f"<p>主办：{UNIT}　承办：示例县政务服务和大数据管理局</p>"
            "<p>地址：示例县人民路1号　电话：0722-3456789　邮编：441300</p>"
            f"<p>网站标识码：{FOOTER_SITE_CODE}　"
            f'<a href="{ext}/beian/" target="_blank">ICP备案号：鄂ICP备05003457号-1</a></p>'
            "</div>"
        )

    def page(self, title: str, main: str, *, charset: str = "utf-8", meta: dict[str, str] | None = None,
             site_title: bool = True) -> bytes:
        """A whole page, encoded in `charset` (declared in a meta tag, within the first bytes)."""
        tags = {"SiteName": SITE_NAME, "SiteDomain": self.domain, "SiteIDCode": ""}  # empty: a real case
        tags.update(meta or {})
        metas = "".join(f'<meta name="{k}" content="{escape(v)}">' for k, v in tags.items())
        full_title = f"{title}_{SITE_NAME}" if site_title else title
        html = (
            f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="{charset}">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(full_title)}</title>{metas}"
            '<link rel="stylesheet" href="/css/style.css"><link rel="icon" href="/favicon.ico">'
            f'</head><body>{self.header}<div class="main">{main}</div>{self.footer}</body></html>'
        )
        return html.encode(charset)


def _html(body: bytes) -> Route:
    return Route(body=body)


def _gbk(body: bytes) -> Route:
    # Content-Type without a charset: the reader must take it from <meta charset="gbk">.
    return Route(body=body, content_type="text/html")


def _ul(items: list[_Item], *, rel_to: str | None = None) -> str:
    """A dated list; links relative to the list's folder (as TRS CMS writes them) when `rel_to` is set."""
    rows = []
    for it in items:
        href = "./" + it.path[len(rel_to):] if rel_to and it.path.startswith(rel_to) else it.path
        rows.append(f'<li><a href="{href}" title="{escape(it.title)}">{escape(it.title)}</a>'
                    f"<span>{it.day:%Y-%m-%d}</span></li>")
    return "<ul>" + "".join(rows) + "</ul>"


def _article_path(folder: str, day: date, num: int) -> str:
    return f"{folder}{day:%Y%m}/t{day:%Y%m%d}_{num}.html"


def _paras(texts: list[str]) -> str:
    return "".join(f"<p>{escape(t)}</p>" for t in texts)


def _article(frame: _Frame, it: _Item, column: tuple[str, str], body: str, *, source: str,
             charset: str = "utf-8", extra: str = "") -> bytes:
    crumbs = f'当前位置：<a href="/">首页</a> &gt; <a href="{column[1]}">{column[0]}</a>'
    stamp = datetime.combine(it.day, it.at)
    main = (
        f'<div class="crumbs">{crumbs}</div><div class="article"><h1>{escape(it.title)}</h1>'
        f'<div class="info">发布时间：{stamp:%Y-%m-%d %H:%M}　来源：{source}</div>'
        f'<div class="content">{extra}{body}</div></div>'
    )
    meta = {"ColumnName": column[0], "ArticleTitle": it.title, "PubDate": f"{stamp:%Y-%m-%d %H:%M}",
            "ContentSource": source}
    return frame.page(it.title, main, charset=charset, meta=meta)


def _column_page(frame: _Frame, name: str, folder: str, items: list[_Item], pager: str = "",
                 side: str = "", charset: str = "utf-8") -> bytes:
    main = (f'<div class="crumbs">当前位置：<a href="/">首页</a> &gt; {name}</div>'
            f'<div class="list"><h2>{name}</h2>{_ul(items, rel_to=folder)}{pager}</div>{side}')
    return frame.page(name, main, charset=charset, meta={"ColumnName": name, "ColumnType": "列表"})


# --------------------------------------------------------------------------------------------
# Columns
# --------------------------------------------------------------------------------------------
def _news(frame: _Frame, as_of: date, ext: str, routes: dict[str, Route]) -> list[_Item]:
    col = ("要闻动态", "/xwzx/")
    items = []
    for i, title in enumerate(NEWS_TITLES):
        day = as_of - timedelta(days=3 + i * 3 + i % 3)  # newest 3 days before as_of
        items.append(_Item(title, day, _article_path("/xwzx/", day, 1200 + i), time(8 + i % 9, i * 13 % 60)))
    for i, it in enumerate(items):
        if it.title.startswith("G404"):
            texts = [f"{it.day.month}月{it.day.day}日，{it.title}。", *G404_BODY]
        else:
            texts = [f"{it.day.month}月{it.day.day}日，{it.title}。"]
            texts += [NEWS_POOL[(i + k) % len(NEWS_POOL)] for k in range(3)]
        extra = ""
        if i == 6:  # planted: a dead external link on an inner page
            extra = f'<p>相关报道：<a href="{ext}/news/gone.html">省农业科学院与示例县开展科技合作</a></p>'
        elif i == 9:  # look-alike: a slow but working external page
            extra = f'<p>相关报道：<a href="{ext}/news/slow.html">示例日报：示例县卫生服务能力持续提升</a></p>'
        nav = "".join(
            f'<p>{label}：<a href="{other.path}">{escape(other.title)}</a></p>'
            for label, j in (("上一篇", i + 1), ("下一篇", i - 1)) if 0 <= j < len(items)
            for other in [items[j]]
        )
        routes[it.path] = _html(_article(frame, it, col, _paras(texts) + extra + nav, source="示例县融媒体中心"))
    first, second = items[:15], items[15:]
    pager1 = '<div class="pager">共25条　第1页/共2页　<a href="./index_1.html">下一页</a> <a href="./index_1.html">尾页</a></div>'
    pager2 = '<div class="pager">共25条　第2页/共2页　<a href="./index.html">首页</a> <a href="./index.html">上一页</a></div>'
    routes["/xwzx/index.html"] = _html(_column_page(frame, col[0], col[1], first, pager1))
    routes["/xwzx/index_1.html"] = _html(_column_page(frame, col[0], col[1], second, pager2))
    return items


def _notices(frame: _Frame, as_of: date, routes: dict[str, Route]) -> list[_Item]:
    col = ("通知公告", "/tzgg/")
    items = []
    for i, title in enumerate(NOTICE_TITLES):
        day = as_of - timedelta(days=6 + i * 9)
        items.append(_Item(title, day, _article_path("/tzgg/", day, 2200 + i), time(10, i * 7 % 60)))
    for it in items:
        ending = "特此公告。" if it.title.endswith("公告") else "特此通告。" if it.title.endswith("通告") else "特此通知。"
        texts = ["各乡镇人民政府，县直各单位：", *NOTICE_BODY, ending, UNIT, f"{it.day.year}年{it.day.month}月{it.day.day}日"]
        routes[it.path] = _gbk(_article(frame, it, col, _paras(texts), source=UNIT, charset="gbk"))
    routes["/tzgg/index.html"] = _gbk(_column_page(frame, col[0], col[1], items, charset="gbk"))
    return items


def _policies(frame: _Frame, as_of: date, routes: dict[str, Route]) -> list[_Item]:
    col = ("政策文件", "/zcwj/")
    items: list[_Item] = []
    for i, title in enumerate(POLICY_TITLES):
        day = as_of - timedelta(days=12 + i * 15)
        items.append(_Item(title, day, _article_path("/zcwj/", day, 3300 + i), time(16, 30)))
    for i, it in enumerate(items):
        office = "办公室" in it.title[:12]
        issuer = UNIT if office else SITE_NAME
        number = f"示政{'办' if office else ''}发〔{it.day.year}〕{len(items) - i}号"
        written = it.day - timedelta(days=3)
        cells = [("索引号", f"011421300/{it.day.year}-{len(items) - i:05d}"), ("主题分类", "综合政务"),
                 ("发布机构", issuer), ("成文日期", f"{written:%Y-%m-%d}"), ("发文字号", number),
                 ("发布日期", f"{it.day:%Y-%m-%d}"), ("有效性", "有效"), ("文件名称", it.title)]
        rows = "".join(f"<tr><th>{k}</th><td>{escape(v)}</td></tr>" for k, v in cells)
        texts = ["各乡镇人民政府，县政府各部门：", _policy_lead(it.title),
                 *POLICY_BODY, issuer, f"{it.day.year}年{it.day.month}月{it.day.day}日"]
        attach = ""
        if i == 3:  # planted: an attachment that is gone, linked from this inner page only
            attach = '<p>附件：<a href="/uploads/2025/plan.pdf">示例县农村人居环境整治工作计划.pdf</a></p>'
        elif i == 5:  # a working attachment beside it
            attach = '<p>附件：<a href="/uploads/2026/yjya.pdf">示例县突发事件总体应急预案.pdf</a></p>'
        table = f'<table class="xxgk-meta">{rows}</table>'
        routes[it.path] = _html(_article(frame, it, col, _paras(texts) + attach, source=issuer, extra=table))
    reads = [
        _Item("《示例县优化营商环境若干措施》政策解读", items[0].day + timedelta(days=1), "", time(9, 0)),
        _Item("图解：示例县关于加快推进数字政府建设的实施意见", items[10].day + timedelta(days=2), "", time(9, 0)),
    ]
    for n, (read, policy) in enumerate(zip(reads, (items[0], items[10]))):
        read.path = _article_path("/zcwj/zcjd/", read.day, 3400 + n)
        texts = [f"近日，{SITE_NAME}印发了{policy.title.removeprefix(SITE_NAME)}。现就有关内容解读如下。",
                 *INTERPRETATION_BODY]
        link = f'<p>原文链接：<a href="{policy.path}">{escape(policy.title)}</a></p>'
        routes[read.path] = _html(_article(frame, read, col, _paras(texts) + link, source=UNIT))
    side = f'<div class="block"><h3>政策解读</h3>{_ul(reads)}</div>'
    routes["/zcwj/index.html"] = _html(_column_page(frame, col[0], col[1], items, side=side))
    return items


def _policy_lead(title: str) -> str:
    """The opening sentence of a policy document, from its title."""
    subject = title.split("关于", 1)[-1]
    if subject.startswith("印发"):
        return f"现将《{subject.removeprefix('印发').removesuffix('的通知')}》印发给你们，请结合实际，认真贯彻执行。"
    for tail in ("的实施意见", "的若干意见", "的意见", "的通知"):
        subject = subject.removesuffix(tail)
    return f"为{subject}，结合我县实际，现提出如下意见。" if "意见" in title else f"现就{subject}有关事项通知如下。"


def _disclosure(frame: _Frame, as_of: date, routes: dict[str, Route]) -> None:
    col = ("政府信息公开", "/zwgk/")
    links = [("政府信息公开指南", "/zwgk/gkzn.html"), ("政府信息公开制度", "/zwgk/gkzd.html"),
             ("机构职能", "/zwgk/jgzn.html"), ("领导信息", "/zwgk/ldxx.html"), ("政策文件", "/zcwj/"),
             ("政府信息公开年报", "/zwgk/ndbg/"), ("依申请公开", "/zwgk/ysqgk.html")]
    lis = "".join(f'<li><a href="{h}">{n}</a></li>' for n, h in links)
    main = (f'<div class="crumbs">当前位置：<a href="/">首页</a> &gt; 政府信息公开</div>'
            f"<h2>政府信息公开</h2><h3>法定主动公开内容</h3><ul>{lis}</ul>")
    routes["/zwgk/index.html"] = _html(frame.page(col[0], main, meta={"ColumnName": col[0]}))
    for path, (title, texts) in STATIC_DISCLOSURE.items():
        routes[path] = _html(frame.page(title, f"<h2>{title}</h2>{_paras(texts)}", meta={"ColumnName": col[0]}))
    leaders = "".join(f"<div class=\"leader\"><h3>{post}　{name}</h3><p>{duty}</p></div>" for post, name, duty in LEADERS)
    routes["/zwgk/ldxx.html"] = _html(frame.page("领导信息", f"<h2>领导信息</h2>{leaders}", meta={"ColumnName": "领导信息"}))
    # 年报: the newest report whose 31 March deadline has passed, and the one before it.
    cut = date(as_of.year, 3, 25)
    newest = as_of.year - 1 if as_of >= cut else as_of.year - 2
    reports = []
    for n, year in enumerate((newest, newest - 1)):
        day = date(year + 1, 3, 25)
        it = _Item(f"{SITE_NAME}{year}年政府信息公开工作年度报告", day, _article_path("/zwgk/ndbg/", day, 4100 + n))
        reports.append(it)
        texts = [t.format(year=year) for t in REPORT_BODY]
        routes[it.path] = _html(_article(frame, it, ("政府信息公开年报", "/zwgk/ndbg/"), _paras(texts), source=UNIT))
    routes["/zwgk/ndbg/index.html"] = _html(_column_page(frame, "政府信息公开年报", "/zwgk/ndbg/", reports))
    routes["/old/jgzn.html"] = redirect("/zwgk/jgzn.html")  # look-alike: moved, not broken


def _interaction(frame: _Frame, as_of: date, routes: dict[str, Route]) -> None:
    rows = []
    for i, (title, unit, ask, answer) in enumerate(MESSAGES):
        asked = datetime.combine(as_of - timedelta(days=4 + i * 11), time(20, i * 7 % 60))
        replied = asked + timedelta(days=2 + i % 3, hours=-6)
        path = f"/hdjl/detail_{1001 + i}.html"
        rows.append(f'<tr><td><a href="{path}">{escape(title)}</a></td><td>{asked:%Y-%m-%d}</td>'
                    f"<td>{replied:%Y-%m-%d}</td><td>已回复</td></tr>")
        body = (f"<h2>{escape(title)}</h2><table>"
                f"<tr><th>留言人</th><td>{'王张李赵刘陈杨黄周吴'[i]}**</td></tr>"
                f"<tr><th>留言时间</th><td>{asked:%Y-%m-%d %H:%M}</td></tr>"
                f"<tr><th>留言内容</th><td>{escape(ask)}</td></tr>"
                f"<tr><th>回复单位</th><td>{unit}</td></tr>"
                f"<tr><th>回复时间</th><td>{replied:%Y-%m-%d %H:%M}</td></tr>"
                f"<tr><th>回复内容</th><td>{escape(answer)}</td></tr></table>"
                '<p><a href="/hdjl/">返回列表</a></p>')
        routes[path] = _html(frame.page(title, body, meta={"ColumnName": "县长信箱"}))
    table = ("<table><tr><th>标题</th><th>留言时间</th><th>回复时间</th><th>状态</th></tr>"
             + "".join(rows) + "</table>")
    main = ('<div class="crumbs">当前位置：<a href="/">首页</a> &gt; 互动交流</div><h2>县长信箱</h2>'
            '<p>欢迎您就全县经济社会发展提出意见建议。<a href="/hdjl/xjxx.html">我要写信</a></p>' + table)
    routes["/hdjl/index.html"] = _html(frame.page("互动交流", main, meta={"ColumnName": "互动交流"}))
    form = ('<h2>我要写信</h2><form action="/hdjl/xjxx.html" method="post">'
            '<p><label>标题：<input name="title" required></label></p>'
            '<p><label>内容：<textarea name="content" rows="8" cols="60" required></textarea></label></p>'
            '<p><label>类型：<select name="kind"><option>咨询</option><option>建议</option>'
            "<option>投诉</option></select></label></p>"
            '<p><button type="submit">提交</button></p></form>')
    routes["/hdjl/xjxx.html"] = _html(frame.page("我要写信", form, meta={"ColumnName": "互动交流"}))


def _services(frame: _Frame, ext: str, routes: dict[str, Route]) -> None:
    lis = []
    for n, (name, unit, basis, fee) in enumerate(SERVICES, start=1):
        path = f"/bsfw/bszn_{n:02d}.html"
        lis.append(f'<li><a href="{path}">{name}</a></li>')
        cells = [("事项名称", name), ("设定依据", basis), ("申请条件", "符合法律法规规定条件的申请人"),
                 ("办理材料", "申请表；申请人身份证明；其他相关材料"), ("办理地点", "示例县政务服务中心一楼综合窗口"),
                 ("办理机构", unit), ("收费标准", fee), ("办理时间", "工作日上午8:30—12:00，下午14:30—17:30"),
                 ("联系电话", "0722-3456702"), ("办理流程", "申请—受理—审查—决定—送达")]
        rows = "".join(f"<tr><th>{k}</th><td>{escape(v)}</td></tr>" for k, v in cells)
        routes[path] = _html(frame.page(f"{name}办事指南", f"<h2>{name}办事指南</h2><table>{rows}</table>",
                                        meta={"ColumnName": "办事服务"}))
    main = ('<div class="crumbs">当前位置：<a href="/">首页</a> &gt; 办事服务</div><h2>办事服务</h2>'
            f'<p><a href="{ext}/zwfw/" target="_blank">省政务服务网</a>（网上办理入口）</p>'
            f"<h3>办事指南</h3><ul>{''.join(lis)}</ul>")
    routes["/bsfw/index.html"] = _html(frame.page("办事服务", main, meta={"ColumnName": "办事服务"}))


def _homepage(frame: _Frame, ext: str, news: list[_Item], notices: list[_Item], policies: list[_Item]) -> bytes:
    def block(name: str, href: str, items: list[_Item]) -> str:
        return f'<div class="block"><h3>{name} <a href="{href}">更多</a></h3>{_ul(items[:5])}</div>'

    quick = [
        ("机构职能", "/old/jgzn.html"),                    # look-alike: 301 to a working page
        ("领导信息", "/zwgk/ldxx.html"),
        ("政府信息公开年报", "/zwgk/ndbg/"),
        ("关于做好政务公开工作的通知", "/xxgk/old-notice.html"),  # planted: 404
    ]
    quick_html = "".join(f'<li><a href="{h}">{n}</a></li>' for n, h in quick)
    main = (
        block("要闻动态", "/xwzx/", news) + block("通知公告", "/tzgg/", notices)
        + block("政策文件", "/zcwj/", policies)
        + f'<div class="block"><h3>信息公开</h3><ul>{quick_html}</ul></div>'
        + '<div class="block"><h3>专题专栏</h3><ul><li><a href="/zt/expired.html">创建国家卫生县城专题</a></li></ul></div>'
        + '<div class="block"><h3>互动交流</h3><ul><li><a href="/hdjl/">县长信箱</a></li>'
          '<li><a href="/hdjl/xjxx.html">我要写信</a></li></ul></div>'
        + '<div class="block"><h3>办事服务</h3><ul><li><a href="/bsfw/">办事指南</a></li>'
          f'<li><a href="{ext}/zwfw/" target="_blank">省政务服务网</a></li></ul></div>'
        + f'<div class="block"><h3>相关链接</h3><ul><li><a href="{ext}/gov/index.html" target="_blank">中国政府网</a></li></ul></div>'
    )
    return frame.page(SITE_NAME, main, site_title=False)


def _misc(frame: _Frame, routes: dict[str, Route]) -> None:
    sitemap = "".join(f'<li><a href="{h}">{n}</a></li>' for n, h in _NAV[1:-1])
    sitemap += ('<li><a href="/xwzx/index_1.html">要闻动态（第2页）</a></li><li><a href="/zwgk/ldxx.html">领导信息</a></li>'
                '<li><a href="/zwgk/jgzn.html">机构职能</a></li><li><a href="/zwgk/ndbg/">政府信息公开年报</a></li>'
                '<li><a href="/hdjl/xjxx.html">我要写信</a></li><li><a href="/lxwm.html">联系我们</a></li>'
                '<li><a href="/wzsm.html">网站声明</a></li>')
    routes["/wzdt.html"] = _html(frame.page("网站地图", f"<h2>网站地图</h2><ul>{sitemap}</ul>"))
    routes["/lxwm.html"] = _html(frame.page("联系我们", "<h2>联系我们</h2>" + _paras(CONTACT)))
    routes["/wzsm.html"] = _html(frame.page("网站声明", "<h2>网站声明</h2>" + _paras(STATEMENT)))
    # Planted soft-404: a 200 answer that is really an error page.
    routes["/zt/expired.html"] = Route(body=(
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>页面不存在</title></head>'
        '<body><p>对不起，您访问的页面不存在或已被删除！</p><p><a href="/">返回首页</a></p></body></html>'
    ).encode())
    routes["/css/style.css"] = Route(body=_CSS, content_type="text/css; charset=utf-8")
    routes["/images/logo.png"] = Route(body=_png(48, 48, (181, 0, 12)), content_type="image/png")
    routes["/favicon.ico"] = Route(body=_png(16, 16, (181, 0, 12)), content_type="image/png")
    routes["/uploads/2026/yjya.pdf"] = Route(body=_pdf(), content_type="application/pdf")
    routes["/robots.txt"] = Route(body=b"User-agent: *\nDisallow:\n", content_type="text/plain")


def _external(ext: str) -> dict[str, Route]:
    def page(title: str, text: str) -> Route:
        return _html((f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>'
                      f"</head><body><h1>{title}</h1><p>{text}</p></body></html>").encode())

    return {
        "/index.html": page("外部站点", "示例外部站点首页。"),
        "/robots.txt": Route(body=b"User-agent: *\nDisallow:\n", content_type="text/plain"),
        "/beian/index.html": page("ICP/IP地址/域名信息备案管理系统", "备案信息查询。"),
        "/conac/index.html": page("党政机关网站标识", "党政机关网站标识信息。"),
        "/conac/red.png": Route(body=_png(55, 64, (200, 0, 0)), content_type="image/png"),
        # look-alike: refuses HEAD, works with GET
        "/gov/index.html": Route(body=page("中国政府网", "中央人民政府门户网站（示例）。").body, head_status=405),
        "/zwfw/index.html": page("省政务服务网", "网上办事大厅（示例）。"),
        # look-alike: slow (1.5 s) but well inside a 15 s timeout
        "/news/slow.html": Route(body=page("示例日报", "示例县卫生服务能力持续提升。" * 20).body, delay=1.5),
        # "/news/gone.html" is deliberately absent: the planted dead external link.
    }


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------
def build_portal(base_url: str, external_base: str, as_of: date) -> Portal:
    """Build the sample portal's routes for a server at `base_url` and the outside host at `external_base`."""
    base, ext = base_url.rstrip("/"), external_base.rstrip("/")
    frame = _Frame(base, ext)
    routes: dict[str, Route] = {}
    news = _news(frame, as_of, ext, routes)
    notices = _notices(frame, as_of, routes)
    policies = _policies(frame, as_of, routes)
    _disclosure(frame, as_of, routes)
    _interaction(frame, as_of, routes)
    _services(frame, ext, routes)
    _misc(frame, routes)
    home = _html(_homepage(frame, ext, news, notices, policies))
    routes["/"] = routes["/index.html"] = home
    expected = [
        ("link.broken", _canon(base + "/xxgk/old-notice.html")),
        ("link.broken", _canon(base + "/uploads/2025/plan.pdf")),
        ("link.broken", _canon(base + "/zt/expired.html")),
        ("link.broken", _canon(ext + "/news/gone.html")),
        ("identity.mismatch", "site_code"),
        ("identity.missing", "psb"),
        ("identity.missing", "zhaocuo"),
    ]
    return Portal(base_url=base, external_base=ext, as_of=as_of, routes=routes,
                  external_routes=_external(ext), expected=expected)


@dataclass
class DemoPortal:
    """The sample portal served on 127.0.0.1 with its outside host on 127.0.0.2."""

    portal: Portal
    server: FixtureServer
    external: FixtureServer

    @property
    def url(self) -> str:
        """The homepage URL."""
        return self.portal.base_url + "/"

    def stop(self) -> None:
        self.server.stop()
        self.external.stop()

    def __enter__(self) -> DemoPortal:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def start_demo(as_of: date | None = None, validators: bool = False) -> DemoPortal:
    """Start both fixture servers on free ports and serve the sample portal on them (`validators`: with
    ETag / Last-Modified and 304 answers, as incremental re-audits revalidate against)."""
    server = FixtureServer({}, host="127.0.0.1", validators=validators).start()
    try:
        external = FixtureServer({}, host="127.0.0.2", validators=validators).start()
    except OSError:
        # 127.0.0.2 is not configured on every system (macOS); another port still is another origin.
        external = FixtureServer({}, host="127.0.0.1", validators=validators).start()
    portal = build_portal(server.base_url, external.base_url, as_of or date.today())
    for path, route in portal.routes.items():
        server.add(path, route)
    for path, route in portal.external_routes.items():
        external.add(path, route)
    return DemoPortal(portal, server, external)


def sites_yaml(demo: DemoPortal | Portal) -> str:
    """A sites.yaml (CONTRACT.md §2) registering the demo site."""
    portal = demo.portal if isinstance(demo, DemoPortal) else demo
    entry = {"id": portal.site_id, "name": portal.name, "url": portal.base_url + "/", "kind": "portal",
             "unit": portal.unit}
    return yaml.safe_dump({"sites": [entry]}, allow_unicode=True, sort_keys=False)


# --------------------------------------------------------------------------------------------
# Small binary fixtures
# --------------------------------------------------------------------------------------------
def _canon(url: str) -> str:
    """The contract's subject form: lower-case scheme and host, no default port, no fragment."""
    p = urlsplit(url)
    host = (p.hostname or "").lower()
    default = {"http": 80, "https": 443}.get(p.scheme.lower())
    netloc = host if p.port in (None, default) else f"{host}:{p.port}"
    return urlunsplit((p.scheme.lower(), netloc, p.path or "/", p.query, ""))


def _png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A valid single-colour PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = (b"\x00" + bytes(rgb) * width) * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _pdf() -> bytes:
    """A valid one-page blank PDF."""
    objs = [b"<</Type/Catalog/Pages 2 0 R>>", b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
            b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>"]
    out, offsets = b"%PDF-1.4\n", []
    for n, obj in enumerate(objs, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    return out + b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)


# --------------------------------------------------------------------------------------------
# Text (fictional county; no real people)
# --------------------------------------------------------------------------------------------
NEWS_TITLES = [
    "县政府召开常务会议研究部署近期重点工作", "我县开展安全生产大检查", "G404国道示例段改造工程顺利通车",
    "县领导调研乡村振兴重点项目建设", "示例县举办农民丰收节系列活动", "我县召开优化营商环境工作推进会",
    "县政府与省农业科学院签署战略合作协议", "示例县新增3所公办幼儿园投入使用", "全县秋冬季森林防火工作会议召开",
    "县人民医院远程会诊中心正式运行", "示例县文化惠民演出走进乡村", "我县启动冬季农田水利基本建设",
    "县政府党组召开理论学习中心组学习会议", "示例县举办重点项目集中签约仪式", "我县开展城乡环境综合整治行动",
    "县领导督导检查重点民生工程建设", "示例县召开民营经济发展座谈会", "我县就业服务进社区活动持续开展",
    "县市场监管局开展食品安全专项检查", "示例县获评省级全域旅游示范区", "我县推进“互联网+政务服务”提质增效",
    "县政府召开教育工作专题会议", "示例县开展消防安全宣传月活动", "我县完成高标准农田建设年度任务",
    "县政府召开第一季度经济运行分析会",
]
NEWS_POOL = [
    "会议强调，各乡镇、各部门要提高思想认识，压实工作责任，细化工作措施，确保各项任务按时保质完成。",
    "据介绍，今年以来，我县坚持稳中求进工作总基调，统筹推进各项重点工作，全县经济社会发展保持稳中有进的良好态势。",
    "县直有关部门和各乡镇主要负责同志参加。",
    "下一步，我县将持续加强统筹调度，及时解决工作中遇到的困难和问题，推动各项工作落地见效。",
    "活动现场，工作人员通过发放宣传资料、现场讲解等方式，向群众宣传相关政策，耐心解答群众咨询。",
    "与会人员一致表示，将以此次会议为契机，进一步转变作风、真抓实干，为全县高质量发展贡献力量。",
    "此项工作覆盖全县12个乡镇，累计惠及群众3万余人次，受到群众普遍欢迎。",
]
G404_BODY = [
    "该工程全长18.6公里，按照二级公路标准建设，路基宽12米，设计时速60公里，总投资4.2亿元。",
    "G404国道是连接我县与周边县市的重要通道。改造前，404国道示例段路面破损严重，通行能力不足，沿线群众出行不便。",
    "工程自开工以来，建设单位克服雨季施工等困难，科学组织施工，严格质量管理，确保了工程质量和施工安全。",
    "G404国道示例段的建成通车，进一步完善了我县路网结构，对促进沿线乡镇产业发展、方便群众出行具有重要意义。",
    "下一步，县交通运输局将加强G404国道沿线的养护管理，完善交通安全设施，确保道路安全畅通。",
]
NOTICE_TITLES = [
    "关于开展冬季安全生产隐患排查整治的通知", "示例县人民政府关于规范城区机动车停放秩序的通告",
    "关于公开招聘社区工作者的公告", "关于做好城乡居民基本医疗保险参保缴费工作的通知",
    "示例县自然资源局关于国有建设用地使用权挂牌出让的公告", "关于开展秸秆禁烧工作的通告",
    "关于县城部分路段临时交通管制的通告", "关于征求《示例县城市管理办法（征求意见稿）》意见的公告",
    "关于开展农村危房改造申报工作的通知", "关于公布县级行政许可事项清单的公告",
    "关于做好冬春季节动物疫病防控工作的通知", "关于举办示例县职业技能大赛的通知",
]
NOTICE_BODY = [
    "为切实做好相关工作，根据上级有关文件精神，结合我县实际，现将有关事项通知如下：",
    "一、提高思想认识。各单位要充分认识此项工作的重要性，加强组织领导，明确责任分工。",
    "二、认真组织实施。各单位要按照时间节点要求，扎实推进各项工作，确保取得实效。",
    "三、加强督促检查。县政府督查室将适时开展督导检查，对工作不力的单位予以通报。",
    "联系人：县政府办公室综合股，联系电话：0722-3456701。",
]
POLICY_TITLES = [
    "示例县人民政府关于印发示例县优化营商环境若干措施的通知", "示例县人民政府关于进一步加强安全生产工作的意见",
    "示例县人民政府关于印发示例县城乡居民最低生活保障实施办法的通知",
    "示例县人民政府办公室关于印发示例县农村人居环境整治实施方案的通知",
    "示例县人民政府关于支持中小企业发展的若干意见", "示例县人民政府关于印发示例县突发事件总体应急预案的通知",
    "示例县人民政府办公室关于加强城市精细化管理的实施意见", "示例县人民政府关于促进文化旅游产业高质量发展的意见",
    "示例县人民政府关于印发示例县耕地保护责任目标考核办法的通知",
    "示例县人民政府办公室关于做好高校毕业生就业创业工作的通知",
    "示例县人民政府关于加快推进数字政府建设的实施意见", "示例县人民政府关于印发示例县基本公共服务标准的通知",
]
POLICY_BODY = [
    "一、总体要求。坚持以人民为中心的发展思想，聚焦群众和企业关切，加快补齐短板弱项。",
    "二、主要任务。各地各部门要对照任务分工，制定具体措施，明确完成时限，确保各项任务落到实处。",
    "三、保障措施。加强组织领导，强化要素保障，健全考核评价机制，确保各项措施取得实效。",
    "本文件自印发之日起施行。",
]
INTERPRETATION_BODY = [
    "一、制定背景。为进一步贯彻落实上级决策部署，结合我县实际，制定本文件。",
    "二、主要内容。文件从总体要求、主要任务、保障措施三个方面提出了具体举措。",
    "三、适用范围。本文件适用于全县各乡镇、县直各部门。",
]
STATIC_DISCLOSURE = {
    "/zwgk/gkzn.html": ("政府信息公开指南", [
        "为了更好地提供政府信息公开服务，根据《中华人民共和国政府信息公开条例》，编制本指南。",
        "一、主动公开。主动公开的政府信息通过本网站、政府公报、政务服务中心查阅点等途径公开。",
        "二、依申请公开。公民、法人或者其他组织可以通过本网站、信函等方式提出政府信息公开申请。",
        "三、受理机构。示例县人民政府办公室，办公地址：示例县人民路1号，联系电话：0722-3456700。"]),
    "/zwgk/gkzd.html": ("政府信息公开制度", [
        "为规范政府信息公开工作，我县建立了政府信息公开审查、发布、保密审查等工作制度。",
        "各单位应当按照规定及时、准确公开政府信息，并做好政府信息管理工作。"]),
    "/zwgk/jgzn.html": ("机构职能", [
        "示例县人民政府是县级国家行政机关，执行县人民代表大会及其常务委员会的决议。",
        "县人民政府办公室负责县政府日常工作的组织协调，承担政务公开、政务服务等工作。"]),
    "/zwgk/ysqgk.html": ("依申请公开", [
        "申请人可以通过在线申请、信函申请、当面申请等方式提出政府信息公开申请。",
        "受理机关：示例县人民政府办公室，通信地址：示例县人民路1号，邮政编码：441300。"]),
}
LEADERS = [
    ("县长", "张明远", "主持县人民政府全面工作。"),
    ("常务副县长", "李文华", "负责县人民政府常务工作，分管发展改革、财政、审计等方面工作。"),
    ("副县长", "刘志强", "负责农业农村、水利、乡村振兴等方面工作。"),
    ("副县长", "陈静", "负责教育、卫生健康、文化旅游等方面工作。"),
]
REPORT_BODY = [
    "本报告根据《中华人民共和国政府信息公开条例》要求编制，报告所列数据统计期限为{year}年1月1日至{year}年12月31日。",
    "一、总体情况。{year}年，我县坚持以公开为常态、不公开为例外，扎实推进政府信息公开工作。",
    "二、主动公开政府信息情况。全年通过本网站主动公开政府信息，及时发布政策文件和工作动态。",
    "三、收到和处理政府信息公开申请情况。全年依法办理政府信息公开申请，均在法定期限内答复。",
    "四、政府信息公开行政复议、行政诉讼情况。全年未发生因政府信息公开引起的行政复议和行政诉讼。",
    "五、存在的主要问题及改进情况。下一步将进一步加强政策解读，提升公开质量。",
    "六、其他需要报告的事项。无。",
]
MESSAGES = [
    ("关于城区某小区路灯不亮的问题", "县住房和城乡建设局", "小区门口道路的路灯已经一周不亮了，晚上出行不安全，希望尽快维修。",
     "您好！经现场核查，该路段路灯线路老化，我局已安排维修，目前路灯已恢复正常。感谢您的关注。"),
    ("咨询新生儿参加医保的办理流程", "县医疗保障局", "请问新生儿怎么参加城乡居民医保？需要带哪些材料？",
     "您好！新生儿可凭出生医学证明和户口簿到户籍所在地乡镇便民服务中心办理参保登记，也可在网上办理。"),
    ("建议增设通往工业园区的公交线路", "县交通运输局", "工业园区上下班的人很多，建议增设公交线路，方便职工通勤。",
     "您好！我局已将您的建议纳入公交线网优化方案，将在调研论证后适时开通相关线路。"),
    ("关于村道路面坑洼的反映", "城关镇人民政府", "村里通往镇上的道路有多处坑洼，雨天积水严重，希望修缮。",
     "您好！镇政府已组织人员对该路段进行修补，后续将纳入农村公路提档升级计划。"),
    ("咨询个体工商户注册需要哪些材料", "县市场监督管理局", "想开一家小餐馆，办理个体工商户登记需要准备哪些材料？",
     "您好！办理个体工商户登记需提供经营者身份证明、经营场所使用证明等材料，可在县政务服务中心或网上办理。"),
    ("关于学校周边交通安全的建议", "县公安局交通警察大队", "上下学时段学校门口车辆拥堵，建议加强交通疏导。",
     "您好！我大队已在上下学高峰时段安排警力在学校周边疏导交通，并增设了交通标志。"),
    ("咨询灵活就业人员养老保险缴费标准", "县人力资源和社会保障局", "请问灵活就业人员参加养老保险的缴费标准是多少？",
     "您好！灵活就业人员可在规定的缴费基数上下限之间自主选择缴费基数，具体标准可到县社保服务大厅咨询。"),
    ("关于小区夜间施工噪声的问题", "县生态环境分局", "小区附近工地夜间施工，噪声很大，影响休息。",
     "您好！经查，该工地未办理夜间施工手续，我局已责令其停止夜间施工，并将加强巡查。"),
    ("建议在县城增加公共停车位", "县城市管理执法局", "县城停车难问题比较突出，建议增加公共停车位。",
     "您好！我局正在实施城区停车设施建设计划，年内将新增公共停车位500个。"),
    ("咨询老年人优待证的办理方式", "县民政局", "家里老人满65周岁了，请问老年人优待证在哪里办理？",
     "您好！老年人优待证可凭身份证到户籍所在地社区或乡镇便民服务中心办理，当场可以领取。"),
]
SERVICES = [
    ("个体工商户设立登记", "县市场监督管理局", "《促进个体工商户发展条例》", "不收费"),
    ("城乡居民基本养老保险参保登记", "县人力资源和社会保障局", "《中华人民共和国社会保险法》", "不收费"),
    ("最低生活保障审核确认", "县民政局", "《社会救助暂行办法》", "不收费"),
    ("建筑工程施工许可证核发", "县住房和城乡建设局", "《中华人民共和国建筑法》", "不收费"),
]
CONTACT = ["通信地址：示例县人民路1号", "邮政编码：441300", "联系电话：0722-3456789",
           "电子邮箱：zfb@shili.example", "工作时间：工作日上午8:30—12:00，下午14:30—17:30"]
STATEMENT = [
    "本网站由示例县人民政府办公室主办，是示例县人民政府在互联网上发布政务信息、提供在线服务的综合平台。",
    "凡本网站注明来源为示例县人民政府的作品，转载时请注明出处。",
    "本网站建议使用1366×768及以上分辨率浏览。",
]
