"""privacy.leak — 公开个人隐私信息（身份证号、银行卡号、个人手机号）.

检查内容 / What it checks: the text and tables of every crawled page for unmasked personal numbers:
居民身份证号 (18 characters: region, birth date and the GB 11643 check digit all valid), bank card
numbers (16–19 digits passing the Luhn check, in a 卡号/账号 column of a list of persons or right
after a 卡号/银行卡 label) and mobile numbers of private persons (11 digits in a list of persons:
a table whose header has 姓名 and a personal column — 身份证, 证件, 住址, 户籍, 家庭 —, or the same row or
text block as an unmasked ID number).

Why: no national indicator yet (indicators.md §13: the indicator for exposed personal information is
not yet confirmed [U]); 个人信息保护法 and the 政府信息公开 rules forbid publishing it, and 公示 lists
are required to mask it. The scheme decides the weight (`privacy.leak_deduction`, a project choice).

Fires when: at least one such unmasked number is on the page, or in one of its attachments.

Does not fire when: the number is masked (`4213**********1234`, `138****5678`); it fails its check
digit, date or Luhn test; it is labelled as another code (统一社会信用代码, 索引号, 文号, 编号, 订单号 …);
a mobile number stands alone as a contact (联系人/联系电话/咨询电话), in a directory of officials
(a header with 职务/单位/科室/部门) or in a list of service staff (姓名, 性别, 网格, 联系电话 — published
to be called); it is an office landline (0722-1234567).

Attachments (fact family `attachments`: PDF text or OCR of scans, Word, WPS, OFD, XLSX, images by
OCR) are read line by line — a table row is a line: an ID number anywhere, a bank card after its
label, a mobile number on the line of an unmasked ID number; the subject is then the attachment's
URL. Attachments that could not be read are listed in the reason, never judged.

Not applicable when: never; `not_measured` when no crawled page body was stored.

Evidence: `items` (up to 20: `kind` id_card | bank_card | mobile, `masked` the number with its
middle hidden — the report must not publish it again —, `where` table column, text or the
attachment's line, `path`), `counts` per kind; for an attachment also `attachment` (`url`, `kind`,
`read_by` — e.g. OCR with its confidence —, `page`, the page that links it).
"""
from __future__ import annotations

import re
from datetime import date

from lxml import etree

from checks.base import Finding, Params, Rule, RuleResult
from checks.content.dom import element_path, text_blocks
from checks.content.pages import crawled_html, no_pages_reason, page_tree, prefilter_text
from storage.snapshot import Snapshot

RULE = Rule(id="privacy.leak", name_zh="个人隐私信息泄露", name_en="Personal data exposed",
            indicator="web.ded.privacy_leak", reads=("pages",))

_DIGITS = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{16,19}|1[3-9]\d{9})(?![0-9A-Za-z])")
_ID = re.compile(r"(?<![0-9A-Za-z*])(\d{17}[\dXx])(?![0-9A-Za-z*])")
_CARD = re.compile(r"(?<![0-9A-Za-z*])(\d{4}[ -]?\d{4}[ -]?\d{4}[ -]?\d{4}(?:[ -]?\d{1,3})?)(?![0-9A-Za-z*])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z*-])(1[3-9]\d{9})(?![0-9A-Za-z*])")
_PROVINCES = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53,
              54, 61, 62, 63, 64, 65, 71, 81, 82}
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_OTHER_CODE = re.compile(r"(信用代码|代码|索引号|文号|编号|编码|订单号|流水号|单号|批号|证书号|许可证号|登记号|条码|ISBN|专利号)\s*[:：]?\s*$")
_CARD_LABEL = re.compile(r"(卡号|银行卡|借记卡|储蓄卡|信用卡|存折号?|银行账号|账号)\s*[:：]?\s*$")
_ORG = re.compile(r"单位|财政|非税|公司|对公|局|委员会|政府|中心|医院|学校|银行股份")
_PERSON_HEADER = re.compile(r"姓\s*名|户主|申请人|当事人|领取人|户名")
_PERSONAL_COL = re.compile(r"身份证|证件|住址|户籍|家庭")  # not 性别/年龄: staff and 网格员 lists have those
_OFFICIAL_COL = re.compile(r"职务|职位|单位|科室|部门|处室|岗位|分工")
_PHONE_COL = re.compile(r"电话|手机|联系方式|号码")
_CARD_COL = re.compile(r"卡号|账号|帐号|存折|银行卡")
MAX_ITEMS = 20


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each page that publishes unmasked ID, bank card or private mobile numbers."""
    findings: list[Finding] = []
    read = 0
    for url, html in crawled_html(snap):
        read += 1
        if not _DIGITS.search(prefilter_text(snap, url, html)):
            continue
        items = _scan(page_tree(html), snap.as_of)
        if not items:
            continue
        counts = _counts(items)
        findings.append(Finding(rule=RULE.id, subject=url, page=url,
                                message=f"页面公开了未脱敏的个人信息：{_what(counts)}（如 {items[0]['masked']}）。",
                                evidence={"items": items[:MAX_ITEMS], "counts": counts}))
    if read == 0:
        return RuleResult.not_measured(no_pages_reason(snap))
    unread = _attachments(snap, findings)
    result = RuleResult.of(findings)
    if unread:
        result.reason = f"{len(unread)} 个附件未能读取、未检查：" + "；".join(unread[:5])
    return result


def _attachments(snap: Snapshot, findings: list[Finding]) -> list[str]:
    """Findings for the attachments that publish personal numbers; the ones that could not be read."""
    if "attachments" not in snap.facts:
        return []
    unread = []
    for att in snap.attachments:
        if att.status in ("unreadable", "fetch_failed"):
            unread.append(f"{att.url}（{att.detail}）")
        if att.status != "ok" or not att.text or not _DIGITS.search(att.text):
            continue
        items = _scan_lines(att.text, snap.as_of)
        if not items:
            continue
        counts = _counts(items)
        scan = "（扫描件经 OCR 识别）" if att.ocr_pages else ""
        findings.append(Finding(
            rule=RULE.id, subject=att.url, page=att.page_url or att.url,
            message=f"附件{scan}公开了未脱敏的个人信息：{_what(counts)}（如 {items[0]['masked']}）。",
            evidence={"items": items[:MAX_ITEMS], "counts": counts,
                      "attachment": {"url": att.url, "kind": att.kind, "read_by": att.read_by, "page": att.page_url}}))
    return unread


def _scan_lines(text: str, as_of: date) -> list[dict]:
    """An attachment's text, one line (a paragraph or a table row) at a time."""
    items: list[dict] = []
    seen: set[str] = set()
    for n, raw in enumerate(text.splitlines(), 1):
        line = " ".join(raw.split())
        ids = _ids(line, as_of)
        for number in ids:
            _add(items, seen, "id_card", number, f"附件第 {n} 行", f"line {n}")
        for m in _CARD.finditer(line):
            digits = re.sub(r"\D", "", m.group(1))
            if luhn(digits) and _CARD_LABEL.search(line[max(0, m.start() - 12):m.start()]) \
                    and not _ORG.search(line[max(0, m.start() - 40):m.end() + 40]) and digits not in ids:
                _add(items, seen, "bank_card", digits, f"附件第 {n} 行", f"line {n}")
        if ids:
            for m in _MOBILE.finditer(line):
                _add(items, seen, "mobile", m.group(1), f"附件第 {n} 行（与身份证号同一行）", f"line {n}")
    return items


def _counts(items: list[dict]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for it in items:
        counts[it["kind"]] = counts.get(it["kind"], 0) + 1
    return counts


def _what(counts: dict[str, int]) -> str:
    names = {"id_card": "身份证号", "bank_card": "银行卡号", "mobile": "个人手机号"}
    return "、".join(f"{names[k]} {n} 个" for k, n in counts.items())


def valid_id(number: str, as_of: date) -> bool:
    """A 居民身份证号 with a real region, a birth date not after as_of, and the GB 11643 check digit."""
    if int(number[:2]) not in _PROVINCES:
        return False
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return False
    if born > as_of or born.year < 1900:
        return False
    total = sum(int(d) * w for d, w in zip(number[:17], _WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def luhn(number: str) -> bool:
    digits = [int(c) for c in number][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d * 2 > 9 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def mask(number: str) -> str:
    keep = 4 if len(number) > 11 else 3
    return number[:keep] + "*" * (len(number) - keep - 4) + number[-4:]


def _scan(tree: etree._Element, as_of: date) -> list[dict]:
    items: list[dict] = []
    seen: set[str] = set()
    in_tables: set[etree._Element] = set()
    for table in tree.iter("table"):
        rows = [r for r in table.iter("tr") if _nearest_table(r) is table]
        if len(rows) < 2:
            continue
        header = [" ".join(c.text_content().split()) for c in rows[0] if isinstance(c.tag, str)]
        joined = " ".join(header)
        persons = bool(_PERSON_HEADER.search(joined)) and not _OFFICIAL_COL.search(joined)
        personal = persons and bool(_PERSONAL_COL.search(joined))
        for row in rows[1:]:
            cells = [c for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
            row_has_id = False
            for i, cell in enumerate(cells):
                in_tables.add(cell)
                col = header[i] if i < len(header) else ""
                text = " ".join(cell.text_content().split())
                for number in _ids(text, as_of):
                    row_has_id = True
                    _add(items, seen, "id_card", number, f"表格列“{col or '?'}”", cell)
                if persons and _CARD_COL.search(col):
                    for m in _CARD.finditer(text):
                        digits = re.sub(r"\D", "", m.group(1))
                        if luhn(digits):
                            _add(items, seen, "bank_card", digits, f"表格列“{col}”", cell)
            for i, cell in enumerate(cells):
                col = header[i] if i < len(header) else ""
                if (personal or row_has_id) and _PHONE_COL.search(col):
                    for m in _MOBILE.finditer(" ".join(cell.text_content().split())):
                        _add(items, seen, "mobile", m.group(1), f"表格列“{col}”", cell)
    for block, text in text_blocks(tree):
        if block in in_tables or any(a in in_tables for a in block.iterancestors()):
            continue
        text = " ".join(text.split())
        ids = _ids(text, as_of)
        for number in ids:
            _add(items, seen, "id_card", number, "正文", block)
        for m in _CARD.finditer(text):
            digits = re.sub(r"\D", "", m.group(1))
            before = text[max(0, m.start() - 12):m.start()]
            around = text[max(0, m.start() - 40):m.end() + 40]
            if luhn(digits) and _CARD_LABEL.search(before) and not _ORG.search(around) and digits not in ids:
                _add(items, seen, "bank_card", digits, "正文", block)
        if ids:  # a mobile in the same record as an unmasked ID number is that person's
            for m in _MOBILE.finditer(text):
                _add(items, seen, "mobile", m.group(1), "正文（与身份证号同一段）", block)
    return items


def _ids(text: str, as_of: date) -> list[str]:
    out = []
    for m in _ID.finditer(text):
        if valid_id(m.group(1), as_of) and not _OTHER_CODE.search(text[max(0, m.start() - 12):m.start()]):
            out.append(m.group(1).upper())
    return out


def _nearest_table(row: etree._Element) -> etree._Element | None:
    for a in row.iterancestors("table"):
        return a
    return None


def _add(items: list[dict], seen: set[str], kind: str, number: str, where: str, el: etree._Element | str) -> None:
    if number in seen:
        return
    seen.add(number)
    path = el if isinstance(el, str) else element_path(el)
    items.append({"kind": kind, "masked": mask(number), "where": where, "path": path})
