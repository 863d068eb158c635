"""Two fixture sites for columns and freshness, with planted stale/blank columns and look-alikes.

As of 2022-12-20 (fixed dates, so `--as-of 2022-12-20` judges them):

甲县 (UTF-8, one GBK column; 127.0.0.1) — 16 columns:
  planted  column.stale  /zcwj/    政策文件 一级, a 成文日期/发布日期 table, newest 发布日期 2022年05月01日 (233 days > 183)
  planted  column.stale  /bmdt/    部门动态 一级, newest [11-20] (year inferred: 30 days > 14)
  planted  column.blank  /ghjh/    规划计划 一级, "暂无信息"
  planted  column.blank  /zwgk/rsrm/ 人事任免 二级, empty <ul class="list"> and 共0条
  look-alike /tzgg/      通知公告 (GBK) 5 months old (153 days ≤ 183): not stale
  look-alike /xwdt/      要闻动态 fresh items beside a footer "Copyright © 2019 … 2019年5月1日改版" and a
                         title containing an old date; TRS createPageHTML pager (index_1.html requested)
  look-alike /xzdt/      乡镇动态: a list a script fills (fetch list.json): not_measured, never blank
  look-alike /ztzl/      专题专栏 landing page with two sub-columns (level 2, fresh): not blank
  look-alike /zwgk/gfxwj/ 规范性文件 二级 policy, 300 days: 二级 → 365-day limit, not stale
  look-alike /hdjl/      县长信箱 (interaction) with 2021 messages: not a should-update type
  look-alike /jggk/      机构概况 content page without a list: not blank
  look-alike /gzxx/      工作信息: a 大汉 jpage list whose rows are <datastore> records, read without a browser
  /rsxx/ 人事信息 dated by article URLs only (t20221001_…): fresh within 365 days
  /zwgk/ 政务公开 landing page (sub-columns): not blank
乙县 (all GBK, Content-Type without charset; 127.0.0.1 on another port):
  planted  site.homepage_not_updated  homepage newest 2022/11/01 (49 days > 14)
  planted  column.stale  /gzdt/  工作动态 newest 2022/11/01
  planted  column.blank  /zcwj/  政策文件 "暂无相关信息"
  look-alike /tzgg/  通知公告 2022.12.10: fresh (typed by a sites.yaml override in the test)
  look-alike /bmdt/  部门动态: a Vue template list with a "暂无数据" placeholder: not_measured, never blank
"""
from __future__ import annotations

from datetime import date

from demo.server import Route

AS_OF = date(2022, 12, 20)
FOOTER = ('<div class="footer"><p>Copyright © 2019 {name} 版权所有　2019年5月1日改版</p>'
          '<p>网站标识码：{code}　主办：{name}办公室</p></div>')


def _page(name: str, code: str, nav: list[tuple[str, str]], title: str, main: str, charset: str = "utf-8") -> bytes:
    menu = "".join(f'<li><a href="{h}">{t}</a></li>' for t, h in nav)
    html = (f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{title}_{name}</title>'
            f'<meta name="ColumnName" content="{title}"></head><body>'
            f'<div class="header"><h1>{name}</h1></div><div class="nav"><ul>{menu}</ul></div>'
            f'<div class="crumbs">当前位置：<a href="/">首页</a> &gt; {title}</div>'
            f'<div class="main">{main}</div>{FOOTER.format(name=name, code=code)}</body></html>')
    return html.encode(charset, "xmlcharrefreplace")  # © is not in GBK: a character reference, as CMSs write it


def _rows(items: list[tuple[str, str, str]]) -> str:
    return "".join(f'<li><a href="{h}" target="_blank">{t}</a><span class="date">{d}</span></li>' for t, h, d in items)


def _article(name: str, code: str, nav, title: str, day: str, charset: str = "utf-8") -> Route:
    body = f"<h2>{title}</h2><p>发布时间：{day}</p><p>{title}。正文内容。</p>"
    return _route(_page(name, code, nav, title, body, charset), charset)


def _route(body: bytes, charset: str) -> Route:
    # GBK pages declare their charset only in <meta>: the reader must not assume UTF-8
    return Route(body=body, content_type="text/html" if charset != "utf-8" else "text/html; charset=utf-8")


def site_a() -> dict[str, Route]:
    name, code = "甲县人民政府", "4200000001"
    nav = [("首页", "/"), ("要闻动态", "/xwdt/"), ("通知公告", "/tzgg/"), ("政策文件", "/zcwj/"), ("部门动态", "/bmdt/"),
           ("乡镇动态", "/xzdt/"), ("人事信息", "/rsxx/"), ("规划计划", "/ghjh/"), ("政务公开", "/zwgk/"),
           ("专题专栏", "/ztzl/"), ("县长信箱", "/hdjl/"), ("机构概况", "/jggk/"), ("工作信息", "/gzxx/"),
           ("网站地图", "/wzdt.html")]
    r: dict[str, Route] = {}

    def page(title: str, main: str, charset: str = "utf-8") -> Route:
        return _route(_page(name, code, nav, title, main, charset), charset)

    def listing(path: str, title: str, items: list[tuple[str, str, str]], extra: str = "", charset: str = "utf-8"):
        r[path + "index.html"] = page(title, f'<h2>{title}</h2><ul class="list">{_rows(items)}</ul>{extra}', charset)
        for t, h, d in items:
            if h.startswith("/"):
                r[h] = _article(name, code, nav, t, d, charset)

    news = [("县政府召开2019年5月1日改版总结会", "/xwdt/202212/t20221218_1001.html", "2022-12-18"),
            ("我县开展冬季安全生产大检查", "/xwdt/202212/t20221210_1002.html", "2022-12-10"),
            ("县领导调研乡村振兴项目", "/xwdt/202211/t20221128_1003.html", "2022-11-28")]
    listing("/xwdt/", "要闻动态", news, '<script>createPageHTML(2, 0, "index", "html");</script>')
    older = [("我县召开经济运行分析会", "/xwdt/202210/t20221020_1004.html", "2022-10-20"),
             ("县人大常委会召开会议", "/xwdt/202209/t20220915_1005.html", "2022-09-15")]
    r["/xwdt/index_1.html"] = page("要闻动态", f'<ul class="list">{_rows(older)}</ul>')
    for t, h, d in older:
        r[h] = _article(name, code, nav, t, d)
    notices = [("关于征集民生实事项目的公告", "/tzgg/202207/t20220720_2001.html", "2022-07-20"),
               ("关于开展人口普查的通知", "/tzgg/202205/t20220510_2002.html", "2022-05-10")]
    listing("/tzgg/", "通知公告", notices, charset="gbk")
    policies = [("甲县人民政府关于印发优化营商环境措施的通知", "/zcwj/202205/t20220501_3001.html", "2022年05月01日"),
                ("甲县人民政府办公室关于加强安全生产的意见", "/zcwj/202203/t20220315_3002.html", "2022年03月15日")]
    # a 信息公开目录 table: 成文日期 (a few days earlier) beside 发布日期; only the latter dates the item
    rows = "".join(f'<tr><td><a href="{h}">{t}</a></td><td>甲政发〔2022〕{n}号</td><td>2022-0{4 - n}-25</td><td>{d}</td></tr>'
                   for n, (t, h, d) in enumerate(policies, start=1))
    r["/zcwj/index.html"] = page("政策文件", '<h2>政策文件</h2><table class="xxgk"><tr><th>标题</th><th>文号</th>'
                                 f"<th>成文日期</th><th>发布日期</th></tr>{rows}</table>")
    for t, h, d in policies:
        r[h] = _article(name, code, nav, t, d)
    dept = [("县教育局开展教师培训", "/bmdt/dt_4001.html", "[11-20]"), ("县卫健局开展义诊活动", "/bmdt/dt_4002.html", "[11-02]")]
    listing("/bmdt/", "部门动态", dept)
    r["/xzdt/index.html"] = page("乡镇动态", '<h2>乡镇动态</h2><ul class="list" id="list"></ul>'
                                 '<script>fetch("/xzdt/list.json").then(function(r){return r.json()}).then(function(d){'
                                 'var ul=document.getElementById("list");d.forEach(function(x){var li=document.createElement("li");'
                                 'li.innerHTML=\'<a href="\'+x.url+\'">\'+x.title+\'</a><span>\'+x.date+\'</span>\';ul.appendChild(li);});});'
                                 '</script>')
    r["/xzdt/list.json"] = Route(body='[{"title":"城关镇开展环境整治","url":"/xzdt/a1.html","date":"2022-12-15"}]'.encode(),
                                 content_type="application/json")
    r["/xzdt/a1.html"] = _article(name, code, nav, "城关镇开展环境整治", "2022-12-15")
    personnel = [("甲县2022年公开招聘事业单位工作人员公告", "/rsxx/202210/t20221001_5001.html", ""),
                 ("关于王某某等同志职务任免的通知", "/rsxx/202208/t20220805_5002.html", "")]
    r["/rsxx/index.html"] = page("人事信息", '<h2>人事信息</h2><ul class="list">'
                                 + "".join(f'<li><a href="{h}">{t}</a></li>' for t, h, _ in personnel) + "</ul>")
    for t, h, _ in personnel:
        r[h] = _article(name, code, nav, t, h.split("/t")[1][:8])
    r["/ghjh/index.html"] = page("规划计划", '<h2>规划计划</h2><ul class="list"></ul><p class="empty">暂无信息</p>')
    r["/zwgk/index.html"] = page("政务公开", '<h2>政务公开</h2><ul><li><a href="/zwgk/gfxwj/">规范性文件</a></li>'
                                 '<li><a href="/zwgk/rsrm/">人事任免</a></li></ul>')
    gfxwj = [("甲县规范性文件管理办法", "/zwgk/gfxwj/202202/t20220223_6001.html", "2022-02-23")]
    listing("/zwgk/gfxwj/", "规范性文件", gfxwj)
    r["/zwgk/rsrm/index.html"] = page("人事任免", '<h2>人事任免</h2><ul class="list"></ul><div class="page">共0条 共1页</div>')
    r["/ztzl/index.html"] = page("专题专栏", '<h2>专题专栏</h2><div class="zt"><a href="/ztzl/xczx/"><img src="/img/xczx.png" alt="乡村振兴"></a>'
                                 '<a href="/ztzl/yshj/">优化营商环境</a></div>')
    listing("/ztzl/xczx/", "乡村振兴", [("我县乡村振兴工作综述", "/ztzl/xczx/202212/t20221201_7001.html", "2022-12-01")])
    listing("/ztzl/yshj/", "优化营商环境", [("营商环境十条措施解读", "/ztzl/yshj/202211/t20221115_7002.html", "2022-11-15")])
    r["/img/xczx.png"] = Route(body=b"\x89PNG\r\n\x1a\n", content_type="image/png")
    msgs = "".join(f'<tr><td><a href="/hdjl/{n}.html">咨询事项{n}</a></td><td>2021-0{n}-10</td><td>2021-0{n}-12</td></tr>'
                   for n in range(1, 4))
    r["/hdjl/index.html"] = page("县长信箱", f"<h2>县长信箱</h2><table>{msgs}</table>")
    for n in range(1, 4):
        r[f"/hdjl/{n}.html"] = _article(name, code, nav, f"咨询事项{n}", f"2021-0{n}-10")
    # 大汉 (Hanweb) list: rows shipped as <datastore> records that jpage renders; readable without a browser
    records = "".join(f'<record><![CDATA[<li><a href="{h}">{t}</a><span>{d}</span></li>]]></record>' for t, h, d in (
        ("甲县政务服务中心延时服务", "/art/2022/12/12/art_8_8001.html", "2022-12-12"),
        ("甲县开展消防演练", "/art/2022/12/2/art_8_8002.html", "2022-12-02")))
    r["/gzxx/index.html"] = page("工作信息", '<h2>工作信息</h2><div id="8001"><script type="text/xml"><datastore>'
                                 f'<recordset>{records}</recordset></datastore></script></div>'
                                 '<script src="/js/jquery.jpage.js"></script><script>$("#8001").jpage({perPage: 15});</script>')
    r["/art/2022/12/12/art_8_8001.html"] = _article(name, code, nav, "甲县政务服务中心延时服务", "2022-12-12")
    r["/art/2022/12/2/art_8_8002.html"] = _article(name, code, nav, "甲县开展消防演练", "2022-12-02")
    r["/jggk/index.html"] = page("机构概况", "<h2>机构概况</h2><p>甲县人民政府是县级国家行政机关。" * 5 + "</p>")
    sitemap = ('<ul><li><a href="/xwdt/">要闻动态</a></li><li><a href="/zwgk/">政务公开</a><ul>'
               '<li><a href="/zwgk/gfxwj/">规范性文件</a></li><li><a href="/zwgk/rsrm/">人事任免</a></li></ul></li>'
               '<li><a href="/ztzl/">专题专栏</a></li></ul>')
    r["/wzdt.html"] = page("网站地图", f"<h2>网站地图</h2>{sitemap}")
    home = (f'<div class="block"><h3>要闻动态 <a href="/xwdt/">更多</a></h3><ul>{_rows(news)}</ul></div>'
            f'<div class="block"><h3>通知公告 <a href="/tzgg/">更多</a></h3><ul>{_rows(notices)}</ul></div>')
    r["/index.html"] = r["/"] = page("首页", home)
    return r


def site_b() -> dict[str, Route]:
    name, code = "乙县人民政府", "4200000002"
    nav = [("首页", "/"), ("工作动态", "/gzdt/"), ("通知公告", "/tzgg/"), ("政策文件", "/zcwj/"), ("部门动态", "/bmdt/")]
    r: dict[str, Route] = {}

    def page(title: str, main: str) -> Route:
        return _route(_page(name, code, nav, title, main, "gbk"), "gbk")

    work = [("乙县召开全县经济工作会议", "/gzdt/202211/t20221101_1.html", "2022/11/01"),
            ("乙县开展秋季森林防火检查", "/gzdt/202210/t20221012_2.html", "2022/10/12")]
    notices = [("关于元旦期间值班安排的通知", "/tzgg/202212/t20221210_3.html", "2022.12.10")]
    r["/gzdt/index.html"] = page("工作动态", f'<ul class="list">{_rows(work)}</ul>')
    r["/tzgg/index.html"] = page("通知公告", f'<ul class="list">{_rows(notices)}</ul>')
    r["/zcwj/index.html"] = page("政策文件", '<div class="list"><p>暂无相关信息</p></div>')
    # a Vue list: the static HTML is only the template (its "暂无数据" placeholder must not make it blank)
    r["/bmdt/index.html"] = page("部门动态", '<div id="app"><ul class="list"><li v-for="x in items">'
                                 '<a :href="x.url">{{ x.title }}</a><span>{{ x.date }}</span></li></ul>'
                                 '<p v-if="!items.length">暂无数据</p></div>')
    for t, h, d in work + notices:
        r[h] = _article(name, code, nav, t, d, "gbk")
    r["/index.html"] = r["/"] = page("首页", f'<div class="block"><h3>工作动态</h3><ul>{_rows(work)}</ul></div>')
    return r


def expected(a: str, b: str) -> dict[str, set[tuple[str, str]]]:
    """(rule, subject) column findings per site id, for site bases `a` and `b` (no trailing slash)."""
    return {
        "4200000001": {("column.stale", f"{a}/zcwj/"), ("column.stale", f"{a}/bmdt/"),
                       ("column.blank", f"{a}/ghjh/"), ("column.blank", f"{a}/zwgk/rsrm/")},
        "4200000002": {("site.homepage_not_updated", f"{b}/"), ("column.stale", f"{b}/gzdt/"),
                       ("column.blank", f"{b}/zcwj/")},
    }
