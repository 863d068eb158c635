"""互动交流 channels and their messages: which links are channels, and 留言时间/回复时间/status/reply unit.

Two list layouts: a table whose header names the columns (标题, 留言时间, 回复时间, 状态, 回复单位), and
a plain list whose items link to detail pages that label the same fields.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from lxml import etree

from crawler.dates import find_date

# Checked in order: 信访 and 纪检举报 first, so "信访信箱" is never counted as a consultation channel.
CHANNEL_KINDS: list[tuple[str, re.Pattern]] = [
    ("petition", re.compile(r"信访")),
    ("report", re.compile(r"纪检|举报|纪委|监察")),
    ("hotline", re.compile(r"12345")),
    # A channel's name ends with its kind (县长信箱, 在线咨询, 我要留言); a message title that starts
    # with 咨询 (咨询学校招生范围) is not a channel.
    ("mailbox", re.compile(r"信箱$")),
    ("consult", re.compile(r"(咨询|问政|建言|民声|民意|咨询投诉|征集)$")),
    ("board", re.compile(r"(留言|留言板|留言簿)$")),
]
EXCLUDED_KINDS = {"petition", "report"}
MAX_NAME = 16

_HEAD = {
    "title": re.compile(r"标题|主题|事项|内容"),
    "asked": re.compile(r"(留言|提问|咨询|来信|写信|提交)(时间|日期)"),
    "replied": re.compile(r"(回复|答复|办结|反馈)(时间|日期)"),
    "status": re.compile(r"状态"),
    "unit": re.compile(r"(回复|答复|办理|承办)(单位|部门)"),
}
_ANSWERED = re.compile(r"已(回复|答复|办结|处理|反馈)")
_OPEN = re.compile(r"未(回复|答复|办结|处理)|待(回复|答复|处理)|(办理|处理|受理)中")
_LABELLED = {
    "asked": re.compile(r"(?:留言|提问|咨询|来信|写信|提交)(?:时间|日期)\s*[:：]\s*([^\n]{0,40})"),
    "replied": re.compile(r"(?:回复|答复|办结|反馈)(?:时间|日期)\s*[:：]\s*([^\n]{0,40})"),
    "status": re.compile(r"(?:办理|回复|处理)?状态\s*[:：]\s*(已回复|已答复|已办结|已处理|已反馈|已受理|未回复|未答复|未办结|"
                         r"待回复|待答复|待处理|办理中|处理中|受理中|[^\s，,。:：]{1,8})"),
    "unit": re.compile(r"(?:回复|答复|办理|承办)(?:单位|部门)\s*[:：]\s*([^\s，,。]{1,40})"),
}


def channel_kind(name: str | None) -> str | None:
    """The kind of channel a link text names, or None when it is not one."""
    text = re.sub(r"\s+", "", name or "")
    if not text or len(text) > MAX_NAME:
        return None
    for kind, pat in CHANNEL_KINDS:
        if pat.search(text):
            return kind
    return None


@dataclass
class ParsedMessage:
    url: str | None
    title: str | None
    asked_at: date | None
    replied_at: date | None
    status: str | None
    reply_unit: str | None
    reply_field_shown: bool = False  # the page has a 回复时间 column/label (so an empty one means no reply)

    @property
    def answered(self) -> bool | None:
        """True (replied or marked 已回复), False (marked open, or an empty 回复时间), None when not shown."""
        if self.replied_at is not None:
            return True
        if self.status and _ANSWERED.search(self.status):
            return True
        if self.status and _OPEN.search(self.status):
            return False
        return False if self.reply_field_shown else None


def _cells(row: etree._Element) -> list[etree._Element]:
    return [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]


def _text(el: etree._Element | None) -> str:
    return " ".join(el.text_content().split()) if el is not None else ""


def table_messages(tree: etree._Element, link_of) -> list[ParsedMessage]:  # noqa: ANN001 - link_of(el) → URL|None
    """Messages of every table whose header row names a 留言时间 column."""
    out: list[ParsedMessage] = []
    for table in tree.iter("table"):
        rows = [r for r in table.iter("tr") if r.getparent() is table or r.getparent().getparent() is table]
        if not rows:
            continue
        header = [_text(c) for c in _cells(rows[0])]
        cols = {key: next((i for i, h in enumerate(header) if pat.search(h)), None) for key, pat in _HEAD.items()}
        if cols["asked"] is None:
            continue
        for row in rows[1:]:
            cells = _cells(row)
            if len(cells) != len(header):
                continue

            def cell(key: str, cells: list = cells) -> etree._Element | None:
                i = cols[key]
                return cells[i] if i is not None else None

            asked = find_date(_text(cell("asked")))
            if asked is None:
                continue
            title_el = cell("title")
            anchor = next(iter(row.iter("a")), None)
            out.append(ParsedMessage(
                url=link_of(anchor) if anchor is not None else None,
                title=_text(title_el) or (_text(anchor) if anchor is not None else None),
                asked_at=asked, replied_at=find_date(_text(cell("replied"))),
                status=_text(cell("status")) or None, reply_unit=_text(cell("unit")) or None,
                reply_field_shown=cols["replied"] is not None,
            ))
    return out


def detail_message(text: str, title: str | None, url: str) -> ParsedMessage | None:
    """A message detail page's labelled fields, or None when it shows no 留言时间."""
    if len(_LABELLED["asked"].findall(text)) != 1:  # none, or a list of several messages: not one message
        return None
    found = {k: (m.group(1).strip() if (m := pat.search(text)) else None) for k, pat in _LABELLED.items()}
    asked = find_date(found["asked"])
    if asked is None:
        return None
    return ParsedMessage(url=url, title=title, asked_at=asked, replied_at=find_date(found["replied"]),
                         status=found["status"], reply_unit=found["unit"], reply_field_shown=found["replied"] is not None)
