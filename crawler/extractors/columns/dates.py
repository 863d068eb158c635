"""Dates of list items as Chinese government sites print them (facts only: raw text kept beside the date).

Forms: `2022-11-15`, `2022年11月15日`, `2022/11/15`, `2022.11.15` (with an optional time), a short
`[11-15]` / `11月15日` whose year is inferred (the item URL's year, else the latest year that does
not put it after the reference date), and dates in article URLs (`t20221115_…`, `/2022-11/15/`,
`/art/2022/11/15/`, `/20221115/`, month only `/202211/`).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from crawler.dates import FULL
from storage.vocabulary import infer_year, valid_date

SHORT = re.compile(r"(?<![\d./年-])(\d{1,2})\s*(?:[-/]|月)\s*(\d{1,2})(?:\s*日)?(?![\d./-])")
# A label just before a date says which date it is: publication (prefer) or another one (skip).
_PUBLISHED = re.compile(r"(发布|公开|发表|更新|上传|信息)(日期|时间)?[:：\s]*$|日期[:：\s]*$|时间[:：\s]*$")
_OTHER = re.compile(r"(成文|印发|生效|施行|实施|截止|有效期|签发|制发|出生|开始|结束|报名|考试|会议)(日期|时间)?[:：\s]*(至|到)?\s*$"
                    r"|(今天是|今天|今日|当前日期|当前时间|现在是)[:：\s]*$")  # the page's clock, not an item's date
_URL_DAY = (
    re.compile(r"[/_-]t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),
    re.compile(r"/((?:19|20)\d{2})-(\d{2})/(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})/(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})(\d{2})(\d{2})/"),
    re.compile(r"/((?:19|20)\d{2})-(\d{2})-(\d{2})/"),
)
_URL_MONTH = re.compile(r"/((?:19|20)\d{2})(\d{2})/")


@dataclass(frozen=True)
class FoundDate:
    day: date  # for a year-less date: a provisional placement against the reference day
    raw: str
    source: str  # text | short | url | url_month
    month_day: str | None = None  # a year-less date as MM-DD (the year is the judge's to place)
    year_hint: int | None = None  # the year the item's URL carries


def full_dates(text: str) -> list[FoundDate]:
    """Every complete date in `text` that is not labelled as another kind of date (成文日期 …)."""
    labelled: list[FoundDate] = []
    plain: list[FoundDate] = []
    for m in FULL.finditer(text):
        day = valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if day is None:
            continue
        before = text[max(0, m.start() - 10): m.start()]
        if _OTHER.search(before):
            continue
        found = FoundDate(day, m.group(0).strip(), "text")
        (labelled if _PUBLISHED.search(before) else plain).append(found)
    return labelled + plain


def short_date(text: str, ref: date | None, year_hint: int | None = None) -> FoundDate | None:
    """A year-less date such as `[11-15]` or `11月15日`, placed in a year (None without a reference)."""
    if ref is None:
        return None
    for m in SHORT.finditer(text):
        month, day = int(m.group(1)), int(m.group(2))
        if not (1 <= month <= 12 and 1 <= day <= 31):
            continue
        found = infer_year(month, day, ref, year_hint)
        if found is not None:
            return FoundDate(found, m.group(0).strip(), "short", f"{month:02d}-{day:02d}", year_hint)
    return None


def url_date(url: str) -> FoundDate | None:
    """The publication date an article URL carries, or the last day of its month (`/202211/`)."""
    for rx in _URL_DAY:
        m = rx.search(url)
        if m:
            day = valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            if day is not None:
                return FoundDate(day, m.group(0), "url")
    m = _URL_MONTH.search(url)
    if m:
        y, mo = int(m.group(1)), int(m.group(2))
        if 1 <= mo <= 12:
            # Only the month is known: its last day never makes an item look older than it is.
            return FoundDate(date(y, mo, calendar.monthrange(y, mo)[1]), m.group(0), "url_month")
    return None


def item_date(row_text: str, url: str | None, ref: date | None) -> FoundDate | None:
    """An item's publication date from its row (title text removed by the caller), else from its URL."""
    full = full_dates(row_text)
    if full:
        return full[0]
    from_url = url_date(url) if url else None
    hint = from_url.day.year if from_url else None
    short = short_date(row_text, ref, hint)
    if short is not None:
        return short
    return from_url
