"""Generated 政府信息公开工作年度报告 fixtures: the 2021 and 2019 templates as HTML, PDF and DOCX.

The numbers chain across years (上年结转 = 结转下年度), so a site with consecutive reports passes AR5;
`plant` changes one cell to make a variant that breaks the arithmetic.
"""
from __future__ import annotations

import copy
import io
from dataclasses import dataclass, field
from html import escape

NEW = [29, 4, 1, 0, 2, 0]
CARRIED = [4, 2, 0, 0, 0, 1]
HANDLED: list[tuple[str, str, list[int]]] = [
    ("（一）予以公开", "", [15, 2, 1, 0, 1, 0]),
    ("（二）部分公开（区分处理的，只计这一情形，不计其他情形）", "", [4, 1, 0, 0, 0, 0]),
    ("（三）不予公开", "1.属于国家秘密", [1, 0, 0, 0, 0, 0]),
    ("（三）不予公开", "2.其他法律行政法规禁止公开", [0, 0, 0, 0, 0, 0]),
    ("（三）不予公开", "3.危及“三安全一稳定”", [0, 0, 0, 0, 0, 0]),
    ("（三）不予公开", "4.保护第三方合法权益", [0, 0, 0, 0, 0, 0]),
    ("（三）不予公开", "5.属于三类内部事务信息", [0, 0, 0, 0, 0, 0]),
    ("（三）不予公开", "6.属于四类过程性信息", [0, 0, 0, 0, 0, 0]),
    ("（三）不予公开", "7.属于行政执法案卷", [0, 0, 0, 0, 0, 0]),
    ("（三）不予公开", "8.属于行政查询事项", [0, 0, 0, 0, 0, 0]),
    ("（四）无法提供", "1.本机关不掌握相关政府信息", [5, 1, 0, 0, 1, 0]),
    ("（四）无法提供", "2.没有现成信息需要另行制作", [1, 0, 0, 0, 0, 0]),
    ("（四）无法提供", "3.补正后申请内容仍不明确", [0, 0, 0, 0, 0, 0]),
    ("（五）不予处理", "1.信访举报投诉类申请", [1, 0, 0, 0, 0, 0]),
    ("（五）不予处理", "2.重复申请", [0, 0, 0, 0, 0, 0]),
    ("（五）不予处理", "3.要求提供公开出版物", [0, 0, 0, 0, 0, 0]),
    ("（五）不予处理", "4.无正当理由大量反复申请", [0, 0, 0, 0, 0, 0]),
    ("（五）不予处理", "5.要求行政机关确认或重新出具已获取信息", [0, 0, 0, 0, 0, 0]),
]
OTHER_2021 = [("（六）其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", [1, 0, 0, 0, 0, 0]),
              ("（六）其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请", [0, 0, 0, 0, 0, 0]),
              ("（六）其他处理", "3.其他", [1, 0, 0, 0, 0, 0])]
OTHER_2019 = [("（六）其他处理", "", [2, 0, 0, 0, 0, 0])]
T4 = [[2, 1, 0, 1, 4], [1, 0, 0, 0, 1], [0, 0, 1, 0, 1]]


@dataclass
class Report:
    """The content of one report: heading, template, table rows (label cells + numbers)."""

    unit: str
    year: int
    template: str = "2021"
    published: str | None = None
    table2: list[tuple[str, list]] = field(default_factory=list)
    table3: list[tuple[str, str, list]] = field(default_factory=list)
    table4: list[list] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.unit}{self.year}年政府信息公开工作年度报告"


def make_report(unit: str, year: int, template: str = "2021", published: str | None = None) -> Report:
    """A report whose tables satisfy AR1–AR7 (and AR5 against the same report of the year before)."""
    rows = HANDLED + (OTHER_2021 if template == "2021" else OTHER_2019)
    total = [sum(r[2][c] for r in rows) for c in range(6)]
    carry = [NEW[c] + CARRIED[c] - total[c] for c in range(6)]
    assert carry == CARRIED, "the fixture's numbers must chain across years"

    def full(six: list[int]) -> list[int]:
        return [*six, sum(six)]

    t3 = ([("一、本年新收政府信息公开申请数量", "", full(NEW)), ("二、上年结转政府信息公开申请数量", "", full(CARRIED))]
          + [(a, b, full(v)) for a, b, v in rows]
          + [("（七）总计", "", full(total)), ("四、结转下年度继续办理", "", full(carry))])
    if template == "2021":
        t2 = [("规章", [1, 0, 5]), ("行政规范性文件", [3, 1, 20]), ("行政许可", [120]), ("行政处罚", [45]),
              ("行政强制", [3]), ("行政事业性收费", [12.5])]
    else:  # 2019 试行: 本年增/减 may be negative (a look-alike of an AR7 failure)
        t2 = [("规章", [1, 1, 5]), ("规范性文件", [3, 3, 20]), ("行政许可", [40, -2, 120]),
              ("其他对外管理服务事项", [10, 0, 8]), ("行政处罚", [30, 1, 45]), ("行政强制", [5, 0, 3]),
              ("行政事业性收费", [6, -1]), ("政府集中采购", [4, 86.3])]
    return Report(unit=unit, year=year, template=template, published=published, table2=t2, table3=t3,
                  table4=copy.deepcopy(T4))


def plant(report: Report) -> Report:
    """The same report with one wrong cell: row 一's 总计 one too high (breaks AR1 and AR3)."""
    bad = copy.deepcopy(report)
    label, sub, values = bad.table3[0]
    bad.table3[0] = (label, sub, [*values[:6], values[6] + 1])
    return bad


def _t2_blocks(r: Report) -> list[tuple[str, list[list[str]]]]:
    """Table 2 as its sub-tables: (heading row, rows)."""
    cells = dict(r.table2)
    if r.template == "2021":
        groups = [("第二十条第（一）项", ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "行政规范性文件"]),
                  ("第二十条第（五）项", ["信息内容", "本年处理决定数量"], ["行政许可"]),
                  ("第二十条第（六）项", ["信息内容", "本年处理决定数量"], ["行政处罚", "行政强制"]),
                  ("第二十条第（八）项", ["信息内容", "本年收费金额（单位：万元）"], ["行政事业性收费"])]
    else:
        groups = [("第二十条第（一）项", ["信息内容", "本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "规范性文件"]),
                  ("第二十条第（五）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"],
                   ["行政许可", "其他对外管理服务事项"]),
                  ("第二十条第（六）项", ["信息内容", "上一年项目数量", "本年增/减", "处理决定数量"], ["行政处罚", "行政强制"]),
                  ("第二十条第（八）项", ["信息内容", "上一年项目数量", "本年增/减"], ["行政事业性收费"]),
                  ("第二十条第（九）项", ["信息内容", "采购项目数量", "采购总金额"], ["政府集中采购"])]
    return [(g, [head] + [[label, *map(str, cells[label])] for label in labels]) for g, head, labels in groups]


T3_HEAD = [["申请人情况", "自然人", "法人或其他组织", "", "", "", "", "总计"],
           ["", "", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", ""]]
T4_HEAD = [["行政复议", "", "", "", "", "行政诉讼", "", "", "", "", "", "", "", "", ""],
           ["", "", "", "", "", "未经复议直接起诉", "", "", "", "", "复议后起诉", "", "", "", ""],
           ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"] * 3]


def blocks(r: Report) -> list[tuple[str, object]]:
    """The report as a sequence of ("h"|"p", text) and ("table", rows) blocks."""
    out: list[tuple[str, object]] = [("h", r.title)]
    if r.published:
        out.append(("p", f"发布时间：{r.published}"))
    out += [("p", f"本报告由{r.unit}办公室根据《中华人民共和国政府信息公开条例》编制，统计期限自{r.year}年1月1日至{r.year}年12月31日。"),
            ("h", "一、总体情况"), ("p", f"{r.year}年，全县主动公开政府信息 1234 条，召开新闻发布会 12 场。"),
            ("h", "二、主动公开政府信息情况")]
    for group, rows in _t2_blocks(r):
        out += [("p", group), ("table", rows)]
    out += [("h", "三、收到和处理政府信息公开申请情况"),
            ("table", T3_HEAD + [[f"{a}{b}" if not b else f"{a} {b}", *map(str, v)] for a, b, v in r.table3]),
            ("h", "四、政府信息公开行政复议、行政诉讼情况"),
            ("table", T4_HEAD + [[str(x) for row in r.table4 for x in row]]),
            ("h", "五、存在的主要问题及改进情况"), ("p", "政策解读形式较为单一，下一步将加强图解、视频解读。"),
            ("h", "六、其他需要报告的事项"), ("p", f"{r.year}年未收取信息处理费。")]
    return out


def to_html(r: Report, extra_head: str = "", nav: str = "") -> str:
    """An HTML page of the report; table 3 groups its row labels with rowspan, as real sites do."""
    parts = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{escape(r.title)}</title>{extra_head}</head><body>",
             nav, "<div class='article'>"]
    for kind, content in blocks(r):
        if kind == "h":
            parts.append(f"<h1>{escape(content)}</h1>" if content == r.title else f"<h3>{escape(content)}</h3>")
        elif kind == "p":
            parts.append(f"<p>{escape(content)}</p>")
        else:
            parts.append("<table border='1'>")
            for row in content:
                parts.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
            parts.append("</table>")
    parts.append("</div></body></html>")
    return "".join(parts)


def to_docx(r: Report) -> bytes:
    import docx

    document = docx.Document()
    for kind, content in blocks(r):
        if kind in ("h", "p"):
            document.add_paragraph(content)
        else:
            table = document.add_table(rows=len(content), cols=max(len(row) for row in content))
            for i, row in enumerate(content):
                for j, cell in enumerate(row):
                    table.cell(i, j).text = cell
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def to_pdf(r: Report) -> bytes:
    """A text PDF (reportlab's built-in STSong-Light CID font: no font file needed)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    style = ParagraphStyle("zh", fontName="STSong-Light", fontSize=9, leading=12)
    story = []
    for kind, content in blocks(r):
        if kind in ("h", "p"):
            story.append(Paragraph(escape(content), style))
        else:
            rows = [[c[:60] for c in row] for row in content]
            story.append(Table(rows, style=[("FONTNAME", (0, 0), (-1, -1), "STSong-Light"),
                                            ("FONTSIZE", (0, 0), (-1, -1), 5)]))
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=20, rightMargin=20).build(story)
    return buf.getvalue()


def scanned_pdf() -> bytes:
    """A PDF with one image and no text layer (a scan)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(io.BytesIO(png())), 50, 50, 200, 200)
    c.save()
    return buf.getvalue()


def png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = (b"\x00" + b"\xff\xff\xff" * 8) * 8
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
