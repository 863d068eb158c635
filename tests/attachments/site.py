"""A generated site whose annual reports and 公示 lists are published in every format: scans (image-only
PDF, scanned OFD, PNG), Word 97 (.doc), Kingsoft WPS (.wps), OFD with a text layer.

丁县人民政府 (portal, `disclosure: /zwgk/`), as of 2026-11-27; the planted report has row 一's 总计 one too
high (AR1 and AR3 break, `tests.disclosure.reports.plant`):
  planted    annual_report_inconsistent  /zwgk/nb/2025.pdf   a scan: image-only PDF, read by OCR
  planted    annual_report_inconsistent  /zwgk/nb/2024.doc   the planted report as Word 97
  planted    annual_report_inconsistent  /zwgk/nb/2023.ofd   the planted report as OFD (text layer)
  look-alike                             /zwgk/nb/2022.pdf   a scan of a correct report: read, not reported
  look-alike                             /zwgk/nb/2021.wps   a correct report as Kingsoft WPS: read, not reported
  planted    annual_report_inconsistent  /zwgk/nb/2020.html  a page showing the report as scanned page images
                                                             (one more image drops its connection)
  planted    privacy.leak                /gsgg/dbmd.pdf      a scanned 低保 list with a valid 身份证号 and mobile
  look-alike                             /gsgg/jzmd.png      a scanned list with masked numbers and a failed checksum
"""
from __future__ import annotations

from html import escape

from demo.server import Route
from tests.attachments import scans
from tests.disclosure import reports as rp

AS_OF = "2026-11-27"
UNIT = "丁县人民政府"
PERSON_ID = "11010519491231002X"  # GB 11643 check digit valid (the privacy.leak cases use it too)


def _page(title: str, body: str) -> Route:
    nav = "<a href='/'>首页</a> <a href='/zwgk/'>政务公开</a> <a href='/gsgg/'>公示公告</a>"
    html = (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(title)}</title></head><body>"
            f"<div class='nav'>{nav}</div><div class='content'>{body}</div>"
            "<div class='footer'>主办单位：丁县人民政府办公室 联系电话：0722-1234567</div></body></html>")
    return Route(body=html.encode("utf-8"))


def _list(items: list[tuple[str, str, str]]) -> str:
    return "<ul class='list'>" + "".join(f"<li><a href='{u}'>{escape(t)}</a><span>{d}</span></li>"
                                         for u, t, d in items) + "</ul>"


def reports() -> dict[int, rp.Report]:
    return {y: rp.make_report(UNIT, y, "2021") for y in (2020, 2021, 2022, 2023, 2024, 2025)}


def person_list(masked: bool) -> list[str]:
    if masked:
        return ["2026年临时救助对象公示", "序号 姓名 身份证号 联系电话", "1 张* 1101**********002X 138****5678",
                "2 李四 110105194912310021 13912345678"]  # the second: checksum fails, so no ID and no mobile
    return ["2026年城乡低保对象名单", "序号 姓名 身份证号 联系电话", f"1 张三 {PERSON_ID} 13812345678"]


def site() -> dict[str, Route]:
    rs = reports()
    planted = {y: rp.plant(r) for y, r in rs.items()}
    pdf = "application/pdf"
    scan2020 = scans.report_pages(planted[2020])
    r = {
        "/": _page(UNIT, "<a href='/zwgk/'>政府信息公开</a> <a href='/gsgg/'>公示公告</a>"),
        "/zwgk/": _page("政府信息公开", "<a href='/zwgk/zn/'>政府信息公开指南</a> <a href='/zwgk/nb/'>政府信息公开年报</a>"),
        "/zwgk/zn/": _page("政府信息公开指南", "<p>指南正文。</p>"),
        "/zwgk/nb/": _page("政府信息公开年报", _list([
            ("/zwgk/nb/2025.pdf", rs[2025].title, "2026-03-20"),
            ("/zwgk/nb/2024.doc", rs[2024].title, "2025-03-25"),
            ("/zwgk/nb/2023.ofd", rs[2023].title, "2024-03-28"),
            ("/zwgk/nb/2022.pdf", rs[2022].title, "2023-03-30"),
            ("/zwgk/nb/2021.wps", rs[2021].title, "2022-03-29"),
            ("/zwgk/nb/2020.html", rs[2020].title, "2021-03-30")])),
        "/zwgk/nb/2025.pdf": Route(body=scans.image_pdf(scans.report_pages(planted[2025])), content_type=pdf),
        "/zwgk/nb/2024.doc": Route(body=scans.word97(rp.to_docx(planted[2024])), content_type="application/msword"),
        "/zwgk/nb/2023.ofd": Route(body=scans.text_ofd(planted[2023]), content_type="application/ofd"),
        "/zwgk/nb/2022.pdf": Route(body=scans.image_pdf(scans.report_pages(rs[2022])), content_type=pdf),
        "/zwgk/nb/2021.wps": Route(body=scans.word97(rp.to_docx(rs[2021])), content_type="application/octet-stream"),
        "/zwgk/nb/2020.html": _page(rs[2020].title, f"<h1>{escape(rs[2020].title)}</h1><p>发布时间：2021-03-30</p>"
                                    + "".join(f"<p><img src='/zwgk/nb/W2021_{i}.png' width='800'></p>"
                                              for i in range(len(scan2020)))
                                    # an image whose connection drops: the others are still read
                                    + "<p><img src='/zwgk/nb/W2021_lost.png' width='800'></p>"),
        "/zwgk/nb/W2021_lost.png": Route(answer=lambda method, path, headers: None),
        **{f"/zwgk/nb/W2021_{i}.png": Route(body=scans.png(p.convert("1")), content_type="image/png")
           for i, p in enumerate(scan2020)},
        "/gsgg/": _page("公示公告", _list([("/gsgg/db.html", "2026年城乡低保对象名单公示", "2026-11-02"),
                                          ("/gsgg/jz.html", "2026年临时救助对象公示", "2026-11-05")])),
        "/gsgg/db.html": _page("2026年城乡低保对象名单公示", "<p>附件：<a href='/gsgg/dbmd.pdf'>低保对象名单</a></p>"),
        "/gsgg/jz.html": _page("2026年临时救助对象公示", "<p>附件：<a href='/gsgg/jzmd.png'>临时救助对象名单</a></p>"),
        "/gsgg/dbmd.pdf": Route(body=scans.image_pdf(scans.lines_pages(person_list(masked=False))), content_type=pdf),
        "/gsgg/jzmd.png": Route(body=scans.png(scans.lines_pages(person_list(masked=True))[0].convert("1")),
                                content_type="image/png"),
    }
    return r


def expected(base: str) -> dict[str, set[str]]:
    return {
        "disclosure.annual_report_inconsistent": {f"{base}/zwgk/nb/{n}"
                                                  for n in ("2025.pdf", "2024.doc", "2023.ofd", "2020.html")},
        "privacy.leak": {f"{base}/gsgg/dbmd.pdf"},
    }
