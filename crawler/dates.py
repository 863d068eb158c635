"""Complete calendar dates as Chinese government pages print them: `2024-01-05`, `2024年1月5日`,
`2024/1/5`, `2024.01.05`, with or without a time after them. Column item dating
(`crawler/extractors/columns/dates.py`) and the 公开/互动 parsers (metadata, message boards) read dates this one way."""
from __future__ import annotations

import re
from datetime import date

from storage.vocabulary import valid_date

FULL = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})(?:\s*日)?(?![\d])")


def find_date(text: str | None) -> date | None:
    """The first valid complete date in `text`, or None."""
    for m in FULL.finditer(text or ""):
        day = valid_date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if day is not None:
            return day
    return None
