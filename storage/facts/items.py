"""Fact family `item_pages`: the page of a column item (信息), read for the date it states about itself.

A re-check (`govaudit recheck`) of a stale column fetches the newest items of the column's list and
records, for each, the date the page gives itself (its metadata, else its 发布时间 line). A list that
shows a newer date than the page itself is one sign of a faked fix (重复发布旧信息, docs/problems.md).

`text_fingerprint` is the one way an item page's text is compared across runs: the page's stored
visible text (Page.text) without the dates and times printed in it, whitespace removed, hashed.
"""
from __future__ import annotations

import hashlib
import re
from datetime import date
from typing import Annotated

from sqlalchemy import String

from storage.facts.table import Indexed, fact_table


@fact_table("item_page", model="ItemPage", family="item_pages", snapshot="item_pages", unique=("url",))
class ItemPageFact:
    """An item page of a column as fetched by a re-check, with the date the page states about itself."""

    url: str  # the item's URL as listed (canonical)
    column_url: Annotated[str, Indexed()]  # the column (list page key) that listed it
    listed_title: str | None = None  # the title beside it on the list
    listed_date: date | None = None  # the date beside it on the list (complete dates only)
    page_date: date | None = None  # the date the page states about itself
    page_date_source: Annotated[str | None, String(32)] = None  # meta:<name> | text


# Full dates and clock times as pages print them: removed before hashing, since a re-post changes them.
_DATES = re.compile(r"(?:19|20)\d{2}\s*(?:[-/.]|年)\s*\d{1,2}\s*(?:[-/.]|月)\s*\d{1,2}\s*日?|\d{1,2}:\d{2}(?::\d{2})?")
_SPACE = re.compile(r"\s+")


def text_fingerprint(text: str | None) -> str | None:
    """A hash of a page's visible text without its dates, times and whitespace; None for (almost) no text."""
    body = _SPACE.sub("", _DATES.sub("", text or ""))
    if len(body) < 20:
        return None
    return hashlib.sha1(body.encode("utf-8")).hexdigest()[:20]

