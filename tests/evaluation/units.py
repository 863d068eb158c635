"""36 small generated units for the evaluation acceptance test: 5 county-level portals (县市区) and 31 city
departments (市直部门), each a site of a dozen pages with a 政府信息公开 platform and a 依申请公开 page.

`PROFILES` says what each unit's site gets wrong (the planted defects; every other unit is the
look-alike that must not lose a point): missing platform parts, documents with an incomplete metadata
block, an unlinked 政策解读, no 2021 annual report, an online application form page that is gone, no
downloadable 申请表 or 流程图. The expected points in the test are computed by hand from this table.
"""
from __future__ import annotations

from dataclasses import dataclass
from html import escape

from demo.server import Route
from tests.disclosure import reports as rp

AS_OF = "2022-12-20"


@dataclass(frozen=True)
class Profile:
    site_id: str
    name: str
    kind: str  # portal | department
    missing_parts: tuple[str, ...] = ()  # of guide, rules, annual_report (the catalog and 依申请公开 stay)
    bad_docs: int = 0  # documents whose 索引号 is empty (0.2 each)
    unlinked: bool = False  # the 政策解读 does not link its document (0.5)
    no_report: bool = False  # no 2021 annual report (−10)
    form_gone: bool = False  # the 在线申请 link answers 404 (−5)
    no_app_form: bool = False  # no downloadable 申请表 (−0.5)
    no_flow: bool = False  # no 流程图 (−0.5)


COUNTIES = ["随县人民政府", "广水市人民政府", "曾都区人民政府", "随州高新区管委会", "大洪山风景名胜区管委会"]
DEPARTMENTS = ["市发展和改革委员会", "市教育局", "市科学技术局", "市经济和信息化局", "市公安局", "市民政局", "市司法局",
               "市财政局", "市人力资源和社会保障局", "市自然资源和规划局", "市生态环境局", "市住房和城乡建设局",
               "市交通运输局", "市水利和湖泊局", "市农业农村局", "市商务局", "市文化和旅游局", "市卫生健康委员会",
               "市退役军人事务局", "市应急管理局", "市审计局", "市市场监督管理局", "市统计局", "市医疗保障局",
               "市林业局", "市城市管理执法委员会", "市行政审批局", "市信访局", "市政务服务和大数据管理局",
               "市地方金融工作局", "市国有资产监督管理委员会"]
assert len(DEPARTMENTS) == 31

_DEFECTS = {  # planted defects by unit (county index c1…c5, department index d1…d31)
    "c2": dict(bad_docs=2),
    "c3": dict(missing_parts=("rules",), unlinked=True),
    "c5": dict(form_gone=True),
    "d2": dict(bad_docs=1),
    "d4": dict(no_report=True),
    "d5": dict(missing_parts=("guide", "rules")),
    "d7": dict(no_app_form=True, no_flow=True),
    "d9": dict(unlinked=True),
    "d12": dict(form_gone=True, bad_docs=3),
}


def profiles() -> list[Profile]:
    out = []
    for i, name in enumerate(COUNTIES, start=1):
        out.append(Profile(site_id=f"42130001{i:02d}", name=name, kind="portal", **_DEFECTS.get(f"c{i}", {})))
    for i, name in enumerate(DEPARTMENTS, start=1):
        out.append(Profile(site_id=f"42130002{i:02d}", name=name, kind="department", **_DEFECTS.get(f"d{i}", {})))
    return out


def _page(title: str, body: str, unit: str) -> Route:
    nav = "<a href='/'>首页</a> <a href='/zwgk/'>政府信息公开</a>"
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head><body>"
            f"<div class='nav'>{nav}</div><div class='content'>{body}</div>"
            f"<div class='footer'>主办单位：{escape(unit)} 联系电话：0722-3250000</div></body></html>")
    return Route(body=html.encode("utf-8"))


def _meta(unit: str, n: int, index_no: str | None = None) -> str:
    fields = {"索引号": index_no if index_no is not None else f"11421300MB0000{n:03d}X/2022-0000{n}", "主题分类": "综合政务",
              "发布机构": unit, "成文日期": "2022-06-01", "发文字号": f"随文〔2022〕{n}号", "发布日期": "2022-06-06"}
    cells = "".join(f"<tr><td><b>{escape(k)}：</b></td><td>{escape(v)}</td></tr>" for k, v in fields.items())
    return f"<table class='xxgk-meta'>{cells}</table>"


def _list(items: list[tuple[str, str, str]]) -> str:
    return "<ul class='list'>" + "".join(f"<li><a href='{u}'>{escape(t)}</a><span class='date'>{d}</span></li>"
                                         for u, t, d in items) + "</ul>"


def site(p: Profile) -> dict[str, Route]:
    """The routes of one unit's site."""
    u = p.name
    r: dict[str, Route] = {}
    r["/"] = _page(f"{u}门户网站", f"<h1>{escape(u)}</h1><a href='/zwgk/'>政府信息公开</a> "
                   "<a href='/xwzx/1.html'>召开2022年政务公开工作推进会</a>", u)
    r["/xwzx/1.html"] = _page("召开2022年政务公开工作推进会", "<h1>召开2022年政务公开工作推进会</h1>"
                              "<p>发布时间：2022-12-12</p><p>会议部署了年度重点工作。</p>", u)
    parts = [("/zwgk/zn/", "政府信息公开指南", "guide"), ("/zwgk/zd/", "政府信息公开制度", "rules"),
             ("/zwgk/ml/", "法定主动公开内容", "catalog"), ("/zwgk/nb/", "政府信息公开年报", "annual_report"),
             ("/zwgk/ysq/", "依申请公开", "apply"), ("/zwgk/jd/", "政策解读", None)]
    shown = [(path, title) for path, title, part in parts if part not in p.missing_parts]
    r["/zwgk/"] = _page("政府信息公开", " ".join(f"<a href='{path}'>{t}</a>" for path, t in shown), u)
    for path, title in (("/zwgk/zn/", "政府信息公开指南"), ("/zwgk/zd/", "政府信息公开制度")):
        if (path, title) in shown:
            r[path] = _page(title, f"<h1>{title}</h1><p>{escape(u)}{title}。</p>", u)
    docs = [("/zwgk/ml/1.html", f"{u}关于印发2022年政务公开工作要点的通知"),
            ("/zwgk/ml/2.html", f"{u}关于做好安全生产工作的通知"),
            ("/zwgk/ml/3.html", f"{u}关于开展文明创建活动的通知")]
    r["/zwgk/ml/"] = _page("法定主动公开内容", _list([(path, t, "2022-06-06") for path, t in docs]), u)
    for n, (path, title) in enumerate(docs, start=1):
        block = _meta(u, n, index_no="" if n <= p.bad_docs else None)
        r[path] = _page(title, f"{block}<h1>{escape(title)}</h1><p>各有关单位：现将有关事项通知如下。</p>", u)
    if p.bad_docs > 3:
        raise ValueError("at most 3 documents")
    jd_title = f"《{docs[0][1]}》政策解读"
    r["/zwgk/jd/"] = _page("政策解读", _list([("/zwgk/jd/1.html", jd_title, "2022-06-07")]), u)
    link = "" if p.unlinked else f"<p>原文链接：<a href='{docs[0][0]}'>《{escape(docs[0][1])}》</a></p>"
    r["/zwgk/jd/1.html"] = _page(jd_title, f"<h1>{escape(jd_title)}</h1><p>发布时间：2022-06-07</p><p>一、背景……</p>{link}", u)
    if ("/zwgk/nb/", "政府信息公开年报") in shown:
        if p.no_report:
            r["/zwgk/nb/"] = _page("政府信息公开年报", "<p>暂无信息</p>", u)
        else:
            report = rp.make_report(u, 2021, published="2022-01-20")
            r["/zwgk/nb/"] = _page("政府信息公开年报", _list([("/zwgk/nb/2021.html", report.title, "2022-01-20")]), u)
            r["/zwgk/nb/2021.html"] = Route(body=rp.to_html(report).encode("utf-8"))
    extras = []
    if not p.no_app_form:
        extras.append("<a href='/zwgk/ysq/sqb.doc'>政府信息公开申请表下载</a>")
        r["/zwgk/ysq/sqb.doc"] = Route(body=b"\xd0\xcf\x11\xe0 application form", content_type="application/msword")
    if not p.no_flow:
        extras.append("<img src='/zwgk/ysq/lct.png' alt='依申请公开办理流程图'>")
        r["/zwgk/ysq/lct.png"] = Route(body=rp.png(), content_type="image/png")
    r["/zwgk/ysq/"] = _page("依申请公开", "<h1>依申请公开</h1><p>申请人可通过在线、信函、当面、传真方式提出申请。</p>"
                            "<p><a href='/zwgk/ysq/form.html'>在线申请</a></p>" + " ".join(extras), u)
    if not p.form_gone:
        r["/zwgk/ysq/form.html"] = _page("政府信息公开在线申请", (
            "<h1>政府信息公开在线申请</h1><form action='/zwgk/ysq/submit' method='post'>"
            "<label for='n'>申请人姓名</label><input id='n' name='name'>"
            "<label for='t'>联系电话</label><input id='t' name='phone'>"
            "<label for='d'>所需信息的内容描述</label><textarea id='d' name='desc'></textarea>"
            "<input type='submit' value='提交申请'></form>"), u)
    return r
