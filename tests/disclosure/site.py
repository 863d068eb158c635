"""Two generated fixture sites for the 政府信息公开 and 互动交流 gatherers and rules.

Site A (127.0.0.1, portal, configured `disclosure:` and `interaction:`): a complete platform; annual
reports as HTML, PDF and DOCX (correct and planted), a 2019-template one, a scan, a late one and a
missing year; metadata blocks in three layouts (complete and incomplete); two 政策解读; a table-layout
message board over two pages and a 信访 board that must be ignored.
Site B (127.0.0.2, department, discovered from navigation): a platform lacking three parts, a late
report (one page in GBK), and a list + detail message board beside a 纪检举报 channel.
`EXPECTED` lists the findings each site must produce, exactly.
"""
from __future__ import annotations

from html import escape

from demo.server import Route
from tests.disclosure import reports as rp

AS_OF = "2026-11-27"
UNIT_A, UNIT_B = "示例县人民政府", "示例县教育局"


def page(title: str, body: str, nav: str = "") -> Route:
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head><body>"
            f"<div class='nav'>{nav}</div><div class='content'>{body}</div>"
            f"<div class='footer'>主办单位：示例县人民政府办公室 联系电话：0722-1234567</div></body></html>")
    return Route(body=html.encode("utf-8"))


NAV_A = ("<a href='/'>首页</a><a href='/zwgk/'>政务公开</a><a href='/zwgk/ml/'>政策文件</a>"
         "<a href='/hdjl/'>互动交流</a>")
NAV_B = "<a href='/'>首页</a><a href='/xxgk/'>信息公开</a><a href='/hdjl/jzxx/'>局长信箱</a>"


def _items(items: list[tuple[str, str, str]]) -> str:
    return "<ul class='list'>" + "".join(
        f"<li><a href='{u}'>{escape(t)}</a><span class='date'>{d}</span></li>" for u, t, d in items) + "</ul>"


# --- metadata blocks in three layouts ----------------------------------------------------------
def meta_table(fields: dict[str, str]) -> str:
    cells = "".join(f"<tr><td><b>{escape(' '.join(k) if len(k) == 3 else k)}：</b></td><td>{escape(v)}</td></tr>"
                    for k, v in fields.items())
    return f"<table class='xxgk-meta'>{cells}</table>"


def meta_dl(fields: dict[str, str]) -> str:
    return "<dl class='meta'>" + "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in fields.items()) + "</dl>"


def meta_spans(fields: dict[str, str], split: bool = False) -> str:
    if split:
        return "<ul class='meta'>" + "".join(f"<li><span class='l'>{escape(k)}：</span><span class='v'>{escape(v)}</span></li>"
                                             for k, v in fields.items()) + "</ul>"
    return "<div class='meta'>" + "".join(f"<span>{escape(k)}：{escape(v)}</span> " for k, v in fields.items()) + "</div>"


def doc_fields(n: int, **over: str) -> dict[str, str]:
    base = {"索引号": f"11420000MB1234567X/2026-0000{n}", "主题分类": "综合政务", "发布机构": UNIT_A,
            "成文日期": "2026-01-05", "发文字号": f"示政发〔2026〕{n}号", "发布日期": "2026-01-08"}
    base.update(over)
    return {k: v for k, v in base.items() if v is not None}


DOCS = {  # path → (title, layout html)
    "/zwgk/ml/1.html": ("示例县农村公路管理办法", meta_table(doc_fields(1, 主题分类="行政规范性文件", 发文字号="示政规〔2026〕1号",
                                                                  有效性="有效"))),
    "/zwgk/ml/2.html": ("示例县关于加强安全生产的通知", meta_table(doc_fields(2, 索引号="", 发文字号="示政发[2026]2号"))),
    "/zwgk/ml/3.html": ("示例县2026年工作要点", meta_dl(doc_fields(3, 发文字号="无"))),
    "/zwgk/ml/4.html": ("示例县关于做好防汛工作的通知", meta_dl(doc_fields(4, 成文日期="2026-03-09", 发布日期="2026-03-02"))),
    "/zwgk/ml/5.html": ("示例县关于开展植树活动的通知", meta_spans(doc_fields(5, 成文日期="2026-03-02", 发布日期="2026-03-02"))),
    "/zwgk/ml/6.html": ("示例县关于调整会议安排的通知", meta_spans(doc_fields(6, 发布机构=None), split=True)),
}


# --- message boards -----------------------------------------------------------------------------
def board_table(rows: list[tuple[str, str, str, str, str, str]]) -> str:
    """A table-layout list: (link, 标题, 留言时间, 状态, 回复单位, 回复时间)."""
    head = "<tr><th>信件标题</th><th>留言时间</th><th>办理状态</th><th>回复单位</th><th>回复时间</th></tr>"
    body = "".join(f"<tr><td><a href='{u}'>{escape(t)}</a></td><td>{a}</td><td>{s}</td><td>{escape(un)}</td><td>{r}</td></tr>"
                   for u, t, a, s, un, r in rows)
    return f"<table class='board'>{head}{body}</table>"


BOARD_A = [("/hdjl/xzxx/a1.html", "咨询农村公路养护问题", "2026-07-25", "未回复", "", ""),
           ("/hdjl/xzxx/a2.html", "咨询学校招生范围", "2026-09-20", "未回复", "", ""),
           ("/hdjl/xzxx/a3.html", "咨询低保申请条件", "2026-02-01", "已回复", "县民政局", "2026-06-15"),
           ("/hdjl/xzxx/a4.html", "咨询办事大厅时间", "2026-11-01", "已回复", "县政务服务中心", "2026-11-05")]
PETITION_A = [("/xf/x1.html", "反映拆迁补偿问题", "2026-05-01", "未回复", "", "")]
CONSULT_A = [("/hdjl/zxzx/z1.html", "咨询公积金提取", "2026-10-10", "已回复", "县住建局", "2026-10-12")]
# (path, 标题, 留言时间, 状态, 回复单位, 回复时间) shown on detail pages of site B
DETAILS_B = [("/hdjl/jzxx/m1.html", "咨询教师招聘时间", "2026-07-20", "办理中", "", ""),
             ("/hdjl/jzxx/m2.html", "咨询校车线路", "2026-09-25", "办理中", "", ""),
             ("/hdjl/jzxx/m3.html", "咨询学籍转移", "2026-03-01", "已回复", "县教育局", "2026-07-10"),
             ("/hdjl/jzxx/m4.html", "咨询营养餐标准", "2026-10-01", "已回复", "县教育局", "2026-10-08"),
             ("/hdjl/jzxx/m5.html", "咨询去年的助学金", "2025-06-01", "办理中", "", "")]
REPORT_B = [("/jjjb/j1.html", "举报违规收费", "2026-05-01", "办理中", "", "")]


def detail(t: str, asked: str, status: str, unit: str, replied: str) -> str:
    return (f"<h1>{escape(t)}</h1><div class='info'><span>留言时间：{asked}</span> <span>办理状态：{status}</span></div>"
            f"<div class='ask'>留言内容：{escape(t)}，请予答复。</div>"
            f"<div class='reply'><p>回复单位：{escape(unit)}</p><p>回复时间：{replied}</p>"
            f"<p>回复内容：{'已答复，详见附件。' if replied else ''}</p></div>")


def site_a() -> dict[str, Route]:
    r = {}
    r["/"] = page(f"{UNIT_A}门户网站",
                  "<a href='/hdjl/xzxx/'>县长信箱</a> <a href='/xf/'>网上信访</a> <a href='/hdjl/zxzx/'>在线咨询</a>"
                  "<a href='/xwzx/1.html'>县长调研农村公路建设</a>", NAV_A)
    r["/xwzx/1.html"] = page("县长调研农村公路建设", "<h1>县长调研农村公路建设</h1><p>发布时间：2026-11-20 来源：县政府办</p>"
                             "<p>全县农村公路总里程 1200 公里。</p>", NAV_A)
    r["/zwgk/"] = page("政府信息公开", "<a href='/zwgk/zn/'>政府信息公开指南</a> <a href='/zwgk/zd/'>政府信息公开制度</a>"
                       "<a href='/zwgk/ml/'>法定主动公开内容</a> <a href='/zwgk/nb/'>政府信息公开年报</a>"
                       "<a href='/zwgk/ysq/'>依申请公开</a> <a href='/zwgk/jd/'>政策解读</a>", NAV_A)
    for path, title in (("/zwgk/zn/", "政府信息公开指南"), ("/zwgk/zd/", "政府信息公开制度"), ("/zwgk/ysq/", "依申请公开")):
        r[path] = page(title, f"<h1>{title}</h1><p>本县{title}。</p>", NAV_A)
    r["/zwgk/ml/"] = page("法定主动公开内容", _items([(p, t, "2026-03-01") for p, (t, _) in DOCS.items()]), NAV_A)
    for path, (title, block) in DOCS.items():
        r[path] = page(title, f"{block}<h1>{escape(title)}</h1><p>各乡镇人民政府：现将有关事项通知如下。</p>", NAV_A)
    r["/zwgk/jd/"] = page("政策解读", _items([("/zwgk/jd/1.html", "《示例县农村公路管理办法》政策解读", "2026-01-09"),
                                          ("/zwgk/jd/2.html", "一图读懂《示例县防汛工作通知》的解读", "2026-03-03"),
                                          ("/zwgk/jd/3.html", "2026年工作要点政策解读", "2026-03-04")]), NAV_A)
    # look-alike of jd/2: the label sits beside the link, whose text is the bare title (no 《》)
    r["/zwgk/jd/3.html"] = page("2026年工作要点政策解读", "<h1>2026年工作要点政策解读</h1><p>发布时间：2026-03-04</p>"
                                "<p>原文链接：<a href='/zwgk/ml/3.html'>示例县2026年工作要点</a></p>", NAV_A)
    r["/zwgk/jd/1.html"] = page("《示例县农村公路管理办法》政策解读",
                                "<h1>《示例县农村公路管理办法》政策解读</h1><p>发布时间：2026-01-09</p>"
                                "<p>一、制定背景……</p><p>原文链接：<a href='/zwgk/ml/1.html'>《示例县农村公路管理办法》</a></p>", NAV_A)
    r["/zwgk/jd/2.html"] = page("一图读懂《示例县防汛工作通知》的解读",
                                "<h1>一图读懂《示例县防汛工作通知》的解读</h1><p>发布时间：2026-03-03</p>"
                                "<p>图解内容……</p><p>相关解读：<a href='/zwgk/jd/1.html'>农村公路管理办法解读</a></p>", NAV_A)
    # annual reports
    reports = {y: rp.make_report(UNIT_A, y) for y in (2021, 2022, 2023, 2024)}
    r["/zwgk/nb/"] = page("政府信息公开年报", _items([
        ("/zwgk/nb/2024.html", reports[2024].title, "2025-03-20"),
        ("/zwgk/nb/2023.pdf", reports[2023].title, "2024-03-28"),
        ("/zwgk/nb/2022.html", reports[2022].title, "2023-03-30"),
        ("/zwgk/nb/2021.html", reports[2021].title, "2022-04-06"),
        ("/zwgk/nb/2020.html", f"{UNIT_A}2020年政府信息公开工作年度报告", "2021-03-31"),
        ("/zwgk/nb/2019.jpg", f"{UNIT_A}2019年政府信息公开工作年度报告", "2020-03-01")]), NAV_A)
    reports[2024].published = "2025-03-20"
    r["/zwgk/nb/2024.html"] = Route(body=rp.to_html(reports[2024]).encode("utf-8"))
    r["/zwgk/nb/2023.pdf"] = Route(body=rp.to_pdf(reports[2023]), content_type="application/pdf")
    r["/zwgk/nb/2022.html"] = page(reports[2022].title, meta_table({"索引号": "11420000MB1234567X/2023-00010",
                                                                    "发布机构": UNIT_A, "发布日期": "2023-03-30"})
                                   + f"<h1>{reports[2022].title}</h1><p>附件：<a href='/zwgk/nb/2022.docx'>"
                                   f"{reports[2022].title}.docx</a></p>", NAV_A)
    r["/zwgk/nb/2022.docx"] = Route(body=rp.to_docx(rp.plant(reports[2022])),
                                    content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    late = rp.plant(reports[2021])
    late.published = "2022-04-06"
    r["/zwgk/nb/2021.html"] = Route(body=rp.to_html(late, nav=f"<div class='nav'>{NAV_A}</div>").encode("utf-8"))
    old = rp.make_report(UNIT_A, 2020, template="2019", published="2021-03-31")
    r["/zwgk/nb/2020.html"] = Route(body=rp.to_html(old).encode("utf-8"))
    r["/zwgk/nb/2019.jpg"] = Route(body=rp.png(), content_type="image/png")
    # interaction
    r["/hdjl/"] = page("互动交流", "<a href='/hdjl/xzxx/'>县长信箱</a> <a href='/hdjl/zxzx/'>在线咨询</a>", NAV_A)
    for path, rows, title in (("/hdjl/xzxx/", BOARD_A[:3], "县长信箱"), ("/hdjl/xzxx/index_1.html", BOARD_A[3:], "县长信箱"),
                              ("/xf/", PETITION_A, "网上信访"), ("/hdjl/zxzx/", CONSULT_A, "在线咨询")):
        pager = "<div class='pager'><a href='/hdjl/xzxx/index_1.html'>下一页</a></div>" if path == "/hdjl/xzxx/" else ""
        r[path] = page(title, f"<h1>{title}</h1>" + board_table(rows) + pager, NAV_A)
        for u, t, a, s, un, rep in rows:
            r[u] = page(t, detail(t, a, s, un, rep), NAV_A)
    return r


def site_b() -> dict[str, Route]:
    r = {}
    r["/"] = page(f"{UNIT_B}网站", "<a href='/jjjb/'>纪检举报</a> <a href='/xwzx/1.html'>全县中小学开学工作会议召开</a>", NAV_B)
    r["/xwzx/1.html"] = page("全县中小学开学工作会议召开", "<h1>全县中小学开学工作会议召开</h1><p>发布时间：2026-09-01</p>", NAV_B)
    r["/xxgk/"] = page("信息公开", "<a href='/xxgk/zn/'>信息公开指南</a> <a href='/xxgk/nb/'>年度报告</a>", NAV_B)
    r["/xxgk/zn/"] = page("信息公开指南", "<h1>信息公开指南</h1>", NAV_B)
    y25 = rp.make_report(UNIT_B, 2025, published="2026-02-10")
    y24 = rp.make_report(UNIT_B, 2024, published="2025-01-20")
    r["/xxgk/nb/"] = page("年度报告", _items([("/xxgk/nb/2025.html", y25.title, "2026-02-10"),
                                          ("/xxgk/nb/2024.html", y24.title, "2025-01-20")]), NAV_B)
    r["/xxgk/nb/2025.html"] = Route(body=rp.to_html(y25).encode("utf-8"))
    # a GBK page, as many government CMSs still serve
    r["/xxgk/nb/2024.html"] = Route(body=rp.to_html(y24).replace("charset='utf-8'", "charset='gbk'").encode("gbk"),
                                    content_type="text/html; charset=gbk")
    for path, rows, title in (("/hdjl/jzxx/", DETAILS_B, "局长信箱"), ("/jjjb/", REPORT_B, "纪检举报")):
        r[path] = page(title, f"<h1>{title}</h1>" + _items([(u, t, a) for u, t, a, *_ in rows]), NAV_B)
        for u, t, a, s, un, rep in rows:
            r[u] = page(t, detail(t, a, s, un, rep), NAV_B)
    return r


def expected(a: str, b: str) -> dict[str, dict[str, set[str]]]:
    """Site id → rule → the exact set of finding subjects (a, b: the sites' base URLs)."""
    return {
        "site-a": {
            "disclosure.missing": set(),
            "disclosure.annual_report_missing": {"2025"},
            "disclosure.annual_report_late": {"2021"},
            "disclosure.annual_report_inconsistent": {f"{a}/zwgk/nb/2022.html", f"{a}/zwgk/nb/2021.html"},
            "disclosure.metadata_incomplete": {f"{a}/zwgk/ml/2.html", f"{a}/zwgk/ml/4.html", f"{a}/zwgk/ml/6.html"},
            "disclosure.interpretation_unlinked": {f"{a}/zwgk/jd/2.html"},
            "interaction.missing": set(),
            "interaction.unanswered": {f"{a}/hdjl/xzxx/a1.html", f"{a}/hdjl/xzxx/a3.html"},
        },
        "site-b": {
            "disclosure.missing": {"rules", "catalog", "apply"},
            "disclosure.annual_report_missing": set(),
            "disclosure.annual_report_late": {"2025"},
            "disclosure.annual_report_inconsistent": set(),
            "disclosure.metadata_incomplete": set(),
            "disclosure.interpretation_unlinked": set(),
            "interaction.missing": set(),
            "interaction.unanswered": {f"{b}/hdjl/jzxx/m1.html", f"{b}/hdjl/jzxx/m3.html"},
        },
    }
