"""Item dating: every printed form, year inference for short dates, URL dates, the date that is not a publication date."""
from __future__ import annotations

from datetime import date

import pytest

from crawler.extractors.columns.dates import full_dates, infer_year, item_date, short_date, url_date

AS_OF = date(2022, 12, 20)


@pytest.mark.parametrize("text", ["2022-11-15", "2022年11月15日", "2022/11/15", "2022.11.15", "2022-11-15 10:30",
                                  "[2022-11-15]", "（2022年11月15日）", "2022年 11月 15日", "发布时间：2022-11-15"])
def test_full_forms(text: str) -> None:
    assert item_date(text, None, AS_OF).day == date(2022, 11, 15)
    assert item_date(text, None, AS_OF).source == "text"


@pytest.mark.parametrize("text", ["[11-15]", "11-15", "(11/15)", "11月15日", "【11-15】"])
def test_short_forms_take_the_year_of_as_of(text: str) -> None:
    found = item_date(text, None, AS_OF)
    assert found.day == date(2022, 11, 15) and found.source == "short" and found.raw.strip("[]()【】") in text


def test_short_date_never_in_the_future_of_as_of() -> None:
    # 12-25 printed on a list read on 2022-12-20 was published in 2021, not five days ahead.
    assert item_date("[12-25]", None, AS_OF).day == date(2021, 12, 25)
    assert item_date("[12-20]", None, AS_OF).day == date(2022, 12, 20)  # the day itself is not the future


def test_short_date_year_from_the_item_url() -> None:
    found = item_date("[03-02]", "http://x.gov.cn/xwzx/202003/t20200302_1.html", AS_OF)
    assert found.day == date(2020, 3, 2)


def test_short_date_needs_a_reference() -> None:
    assert short_date("[11-15]", None) is None
    assert infer_year(2, 29, date(2024, 3, 1)) == date(2024, 2, 29)
    assert infer_year(2, 29, date(2023, 3, 1)) is None  # no 29 February within a year back: left undated


@pytest.mark.parametrize(("url", "day", "source"), [
    ("http://x.gov.cn/xwzx/202211/t20221115_123.html", date(2022, 11, 15), "url"),
    ("http://x.gov.cn/art/2022/11/15/art_406_1230102.html", date(2022, 11, 15), "url"),
    ("http://x.gov.cn/content/2022-11/15/content_1.htm", date(2022, 11, 15), "url"),
    ("http://x.gov.cn/news/20221115/9876.html", date(2022, 11, 15), "url"),
    ("http://x.gov.cn/xwzx/202211/abc123.html", date(2022, 11, 30), "url_month"),  # month only: its last day
])
def test_url_dates(url: str, day: date, source: str) -> None:
    found = url_date(url)
    assert (found.day, found.source) == (day, source)


def test_row_text_wins_over_url() -> None:
    found = item_date("2022-11-16", "http://x.gov.cn/xwzx/202211/t20221115_1.html", AS_OF)
    assert found.day == date(2022, 11, 16) and found.source == "text"


def test_publication_date_preferred_over_written_date() -> None:
    found = item_date("成文日期：2022-11-10 发布日期：2022-11-15", None, AS_OF)
    assert found.day == date(2022, 11, 15)
    # a 成文日期 alone is not a publication date: the URL's date is used instead
    found = item_date("成文日期：2022-11-10", "http://x.gov.cn/zcwj/202211/t20221118_1.html", AS_OF)
    assert found.day == date(2022, 11, 18)
    assert item_date("成文日期：2022-11-10", None, AS_OF) is None


@pytest.mark.parametrize("text", ["版权所有 © 2005-2022 示例县人民政府", "Copyright 2022", "第2022号", "2022-13-45",
                                  "电话：0722-3456789", "浏览次数：1120"])
def test_not_dates(text: str) -> None:
    assert full_dates(text) == []
    assert item_date(text, None, AS_OF) is None


def test_the_pages_clock_is_not_an_item_date() -> None:
    assert item_date("今天是2022年12月20日 星期二", None, AS_OF) is None
