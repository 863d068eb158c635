"""When a request goes to the browser — decided per page, never per site (docs/browser.md).

Pure functions over what the plain download showed: the status, the markers `crawler.page` found,
the decoded HTML. The spider asks `render_reason` after every plain page and sends the page to
Chromium only when it returns a reason:

- ``homepage``: the homepage, once per run (rendered DOM, load timings, full-page screenshot);
- ``antibot_wall``: a wall answered (瑞数 412, 加速乐 521, WZWS/安全狗 202/403, or a 200 challenge);
- ``column_render_always`` / ``site_render_always``: the registry says so;
- ``js_list``: the static HTML has no dated items but list-loader scripts (大汉 jpage/dataproxy.jsp,
  TRS list scripts, Vue templates, fetch/XHR-filled containers).

Date detection here is deliberately minimal (item-like dates in visible text); column discovery
and item dating proper belong to the column extractors.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from storage.vocabulary import WALL_STATUSES

RENDER_MODES = ("never", "auto", "always")

# A 200 page is only a wall when it is a challenge and little else: real pages can carry
# "请开启JavaScript" in a <noscript> beside their content.
WALL_200_MAX_TEXT = 300
WALL_200_MAX_LINKS = 5

# Markers specific to list loaders: enough on their own.
_LIST_LOADERS = re.compile(
    r"jpage|dataproxy\.jsp|<datastore|unitbuild\.jsp"               # 大汉 Hanweb
    r"|getTrsList|trs_list|TRSList"                                 # TRS list scripts
    r"|\bv-for\s*=|\bng-repeat\s*=|\blayui\.(?:laypage|table)",      # Vue / Angular / layui lists
    re.IGNORECASE,
)
# Literals (lower case) one of which every match of _LIST_LOADERS contains: substring tests are
# ten times cheaper than the case-insensitive regex, and most pages contain none of them.
_LIST_LOADER_LITERALS = ("jpage", "dataproxy.jsp", "<datastore", "unitbuild.jsp", "trs_list", "trslist", "v-for",
                         "ng-repeat", "layui.")
# Generic script fetching (many article pages fetch a hit counter): a list loader only beside an
# empty list container.
_XHR = re.compile(r"\$\.(?:ajax|get|getJSON|post)\s*\(|\baxios\s*[.(]|\bfetch\s*\(|XMLHttpRequest|\.load\s*\(",
                  re.IGNORECASE)
_EMPTY_LIST = re.compile(
    r"<(ul|ol|tbody|table|div|section)\b[^>]*\b(?:id|class)\s*=\s*[\"'][^\"']*"
    r"(?:list|news|item|lb|xwlb|tzgg|gkml|zfxxgk|data|content)[^\"']*[\"'][^>]*>\s*(?:<!--.*?-->\s*)*</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)
_XHR_LITERALS = ("$.", "axios", "fetch", "xmlhttprequest", ".load")
# Dates as list items show them: 2024-05-06, 2024/5/6, 2024.05.06, 2024年5月6日, [05-06] is not enough.
_DATE = re.compile(r"(?<!\d)(?:19|20)\d{2}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)(?!\d)")
# A list shows at least this many dated items; one date (the page's own) is not a list.
MIN_DATED_ITEMS = 3


def looks_like_wall(status: int | None, flags: Iterable[str], text_chars: int = 0, links: int = 0) -> bool:
    """An anti-bot wall answered instead of the page: a script challenge with a wall status, or a bare 200 challenge."""
    if "js_challenge" not in set(flags) or status is None:
        return False
    if status in WALL_STATUSES:
        return True
    return status == 200 and text_chars <= WALL_200_MAX_TEXT and links <= WALL_200_MAX_LINKS


def dated_items(text: str) -> int:
    """How many item-like dates the visible text shows."""
    return len(_DATE.findall(text))


def list_loader(html: str) -> str | None:
    """The list-loader marker of the HTML (a known loader, or script fetching beside an empty list), or None."""
    lower = html.lower()
    m = _LIST_LOADERS.search(html) if any(lit in lower for lit in _LIST_LOADER_LITERALS) else None
    if m:
        return m.group(0)
    # The empty-container test first: it is cheap, the case-insensitive _XHR scan is not.
    if any(lit in lower for lit in _XHR_LITERALS) and _EMPTY_LIST.search(html):
        xhr = _XHR.search(html)
        return xhr.group(0) if xhr else None
    return None


def is_js_list(html: str, visible_text: str) -> bool:
    """A page whose list is filled by script: no dated items in the static text, but a loader marker."""
    return dated_items(visible_text) < MIN_DATED_ITEMS and list_loader(html) is not None


def render_reason(*, url: str, status: int | None, flags: Iterable[str], html: str, visible_text: str,
                  links: int, is_homepage: bool, homepage_rendered: bool, mode: str = "auto",
                  always_urls: frozenset[str] = frozenset()) -> str | None:
    """Why this plain page should be loaded again in the browser, or None to keep the plain download."""
    if mode not in RENDER_MODES:
        raise ValueError(f"render mode {mode!r} is not one of {RENDER_MODES}")
    if mode == "never":
        return None
    if is_homepage and not homepage_rendered:
        return "homepage"
    if looks_like_wall(status, flags, len(visible_text), links):
        return "antibot_wall"
    if status is None or status >= 400:
        return None  # an error page: the plain status is the measurement
    if mode == "always":
        return "site_render_always"
    if url in always_urls:
        return "column_render_always"
    if is_js_list(html, visible_text):
        return "js_list"
    return None
