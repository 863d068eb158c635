"""政府信息公开工作年度报告: find the year, the template, the six sections and tables 2–4 as numbers.

Every source (an HTML page, or an attachment read by `crawler.attachments.convert` in a contained
child: PDF text layer or OCR of its scanned pages, DOCX, DOC/WPS through LibreOffice, OFD, images by
OCR) is first turned into plain text whose table rows are lines of cells; the tables are then read
from that text by their row labels (indicators.md §9). A report whose tables cannot be read
completely is `unparsed` (with the reason), a scan nothing could be read from `scanned`: the rules
never guess numbers.
"""
from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from crawler.attachments.convert import AttachmentText, attachment_kind, read_attachment, read_attachment_async

TITLE = re.compile(r"((?:19|20)\d{2})\s*年\s*度?.{0,40}?政府信息公开(?:工作)?(?:年度?报告|年报)")
T3_COLUMNS = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
T4_GROUPS = ["行政复议", "未经复议直接起诉", "复议后起诉"]
T4_COLUMNS = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
# Table 2 row labels by template, with the number of cells each row has (indicators.md §9.2).
T2_ROWS = {
    "2021": [("规章", 3), ("行政规范性文件", 3), ("行政许可", 1), ("行政处罚", 1), ("行政强制", 1),
             ("行政事业性收费", 1)],
    "2019": [("规章", 3), ("规范性文件", 3), ("行政许可", 3), ("其他对外管理服务事项", 3), ("行政处罚", 3),
             ("行政强制", 3), ("行政事业性收费", 2), ("政府集中采购", 2)],
}
SECTIONS = [(1, "一、总体情况"), (2, "二、主动公开政府信息情况"), (3, "三、收到和处理政府信息公开申请情况"),
            (4, "四、政府信息公开行政复议、行政诉讼情况"), (5, "五、存在的主要问题及改进情况"),
            (6, "六、其他需要报告的事项")]
_WS = r"[\s\u3000\xa0]*"


def _loose(s: str) -> re.Pattern:
    """A pattern for `s` that tolerates spaces and line breaks anywhere (PDF text wraps headings)."""
    parts = []
    for ch in s:
        if ch in "、.．":
            parts.append("[、.．]")
        elif ch in "，,":
            parts.append("[，,、]?")
        else:
            parts.append(re.escape(ch))
    return re.compile(_WS.join(parts))


_SECTION_RE = [(n, _loose(h)) for n, h in SECTIONS]
_PAGE_MARK = re.compile(r"^[ \t]*[-—–][ \t]*\d+[ \t]*[-—–][ \t]*$", re.MULTILINE)
_ENUM = re.compile(r"(?<![\d.,])\d{1,2}[ \t]*[.、．](?![\d])")
_NUM = re.compile(r"(?<![\d.,])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\d.,]*\d)")


def report_year(title: str | None) -> int | None:
    """The year a report covers, from its title ("2023年政府信息公开工作年度报告" → 2023)."""
    m = TITLE.search(" ".join((title or "").split()))
    return int(m.group(1)) if m else None


@dataclass
class ReportParse:
    status: str = "ok"  # ok | unparsed | scanned
    detail: str | None = None
    template: str | None = None
    sections: list[int] = field(default_factory=list)
    tables: dict = field(default_factory=dict)


def _numbers(text: str) -> list[float | int]:
    text = _ENUM.sub(" ", _PAGE_MARK.sub(" ", text))
    out: list[float | int] = []
    for tok in _NUM.findall(text):
        tok = tok.replace(",", "")
        out.append(float(tok) if "." in tok else int(tok))
    return out


def detect_template(text: str) -> str | None:
    """"2021" (国办公开办函〔2021〕30号) or "2019" (〔2019〕60号) from table 2's headings."""
    compact = re.sub(r"\s+", "", text)
    if "本年制发件数" in compact or "现行有效件数" in compact:
        return "2021"
    if "本年新制作数量" in compact or "上一年项目数量" in compact or "政府集中采购" in compact:
        return "2019"
    return None


def parse_report_text(text: str) -> ReportParse:
    """Sections, template and tables 2–4 of a report's text."""
    out = ReportParse()
    positions: dict[int, int] = {}
    for n, pat in _SECTION_RE:
        m = pat.search(text, positions[max(positions)] if positions else 0)
        if m:
            positions[n] = m.start()
    out.sections = sorted(positions)
    out.template = detect_template(text)

    def segment(n: int) -> str | None:
        if n not in positions:
            return None
        later = [p for k, p in positions.items() if k > n]
        return text[positions[n]:min(later) if later else len(text)]

    problems: list[str] = []
    t2 = segment(2)
    if t2 is not None and out.template:
        out.tables["table2"] = _table2(t2, out.template)
    t3 = segment(3)
    table3 = _table3(t3) if t3 is not None else None
    if isinstance(table3, str):
        problems.append(table3)
    elif table3 is not None:
        out.tables["table3"] = table3
    else:
        problems.append("未找到第三部分（收到和处理政府信息公开申请情况）")
    t4 = segment(4)
    table4 = _table4(t4) if t4 is not None else None
    if isinstance(table4, str):
        problems.append(table4)
    elif table4 is not None:
        out.tables["table4"] = table4
    else:
        problems.append("未找到第四部分（行政复议、行政诉讼情况）")
    if out.template is None:
        problems.append("无法识别年报格式（表二表头既非2021年也非2019年格式）")
    if problems:
        out.status, out.detail = "unparsed", "；".join(problems)
    return out


def _table2(seg: str, template: str) -> dict:
    rows: dict[str, list] = {}
    pos = 0
    labels = T2_ROWS[template]
    found: list[tuple[str, int, int]] = []
    for label, _ in labels:
        m = re.compile(rf"(?<![\u4e00-\u9fff]){_loose(label).pattern}").search(seg, pos)
        if m is None:
            continue
        found.append((label, m.start(), m.end()))
        pos = m.end()
    want = dict(labels)
    for i, (label, _, end) in enumerate(found):
        stop = found[i + 1][1] if i + 1 < len(found) else len(seg)
        nums = _numbers(seg[end:stop])[: want[label]]
        rows[label] = nums
    return {"template": template, "rows": rows}


def _table3(seg: str) -> dict | str:
    start = _loose("本年新收").search(seg)
    end = _loose("结转下年度继续办理").search(seg)
    if start is None or end is None:
        return "表三：未找到“本年新收”或“结转下年度继续办理”行"
    body = _numbers(seg[start.start():end.start()])
    tail = _numbers(seg[end.end():])[:7]
    if len(body) % 7 or len(tail) < 7:
        return f"表三：数字个数 {len(body)}+{len(tail)} 不是每行7列（可能有空白单元格）"
    n_rows = len(body) // 7
    n6 = n_rows - 21
    if not 1 <= n6 <= 8:
        return f"表三：{n_rows + 1} 行数字，与模板行数不符"
    grid = [body[i * 7:(i + 1) * 7] for i in range(n_rows)] + [tail]
    names = (["一、本年新收", "二、上年结转", "（一）予以公开", "（二）部分公开"]
             + [f"（三）不予公开{i}" for i in range(1, 9)] + [f"（四）无法提供{i}" for i in range(1, 4)]
             + [f"（五）不予处理{i}" for i in range(1, 6)]
             + ([f"（六）其他处理{i}" for i in range(1, n6 + 1)] if n6 > 1 else ["（六）其他处理"])
             + ["（七）总计", "四、结转下年度继续办理"])
    return {"columns": T3_COLUMNS, "rows": dict(zip(names, grid, strict=True))}


def _table4(seg: str) -> dict | str:
    heads = list(_loose("总计").finditer(seg))
    if not heads:
        return "表四：未找到表头“总计”"
    nums = _numbers(seg[heads[-1].end():])
    if len(nums) < 15:
        return f"表四：只找到 {len(nums)} 个数字，应为15个"
    nums = nums[:15]
    return {"columns": T4_COLUMNS, "groups": {g: nums[i * 5:(i + 1) * 5] for i, g in enumerate(T4_GROUPS)}}


# --- text of each source kind -------------------------------------------------------------------
_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article", "dd",
           "dt"}


def html_text(tree: etree._Element) -> str:
    """The body text with each table row on one line of space-separated cells."""
    root = copy.deepcopy(tree)
    for bad in root.xpath("//script|//style|//noscript"):
        bad.drop_tree()
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag in ("td", "th"):
            el.tail = " " + (el.tail or "")
        elif el.tag in _BLOCKS:
            el.tail = "\n" + (el.tail or "")
    body = root.find("body")
    return (body if body is not None else root).text_content()


def parse_source(data: bytes, kind: str | None = None, *, url: str = "", content_type: str | None = None) -> ReportParse:
    """Parse an attachment's bytes (PDF, DOCX, DOC/WPS, OFD, image…), read by the contained converters."""
    return from_text(read_attachment(data, _kind(kind), url=url, content_type=content_type))


async def parse_source_async(data: bytes, kind: str | None = None, **kw: Any) -> ReportParse:
    """`parse_source` off the event loop (Scrapy callbacks): OCR of a scan takes seconds."""
    return from_text(await read_attachment_async(data, _kind(kind), **kw))


def _kind(kind: str | None) -> str | None:
    return None if kind in (None, "other") else kind  # "other": let the bytes say what the file is


def from_text(read: AttachmentText) -> ReportParse:
    """A report parse from an attachment's text: a scan nothing could be read from is `scanned`, a file
    that could not be read `unparsed` (both with the reason); OCR'd numbers that look misread are never
    judged."""
    if read.status == "no_text":
        return ReportParse(status="scanned", detail=read.detail)
    if read.status != "ok":
        return ReportParse(status="scanned" if read.scan_pages else "unparsed", detail=read.detail)
    parsed = parse_report_text(read.text)
    if read.ocr_pages and read.doubtful and parsed.status == "ok":
        sample = "、".join(read.doubtful[:5])
        return ReportParse(status="unparsed", detail=f"OCR 识别的数字存疑（{sample}），不作判断；{read.summary}",
                           template=parsed.template, sections=parsed.sections)
    if read.method not in ("text", "docx"):
        parsed.detail = "；".join(filter(None, [parsed.detail, read.summary]))
    return parsed


def source_kind(url: str, content_type: str | None = None, data: bytes = b"") -> str:
    """pdf | docx | doc | wps | ofd | xlsx | image | other: from the bytes when given, else name and type."""
    return attachment_kind(data, url, content_type)
