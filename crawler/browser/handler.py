"""scrapy-playwright's download handler with a deadline on the whole render of one page (issue 21).

Scrapy's DOWNLOAD_TIMEOUT binds its own HTTP handler only; scrapy-playwright waits for `goto`, the page
methods (`crawler.browser.settle`) and `page.content()` without an overall bound, so a page that blocks its
main thread after `load` held its request — and the crawl, and the audit — forever. Here the render as a
whole has `GOVAUDIT_RENDER_DEADLINE` seconds (settings; default twice the navigation timeout plus the
settle budget; the environment variable of the same name overrides both); past it the page is closed and
the request fails as a `timeout` (crawler.errors).
"""
from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from scrapy.exceptions import DownloadTimeoutError
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

log = logging.getLogger(__name__)

SETTING = "GOVAUDIT_RENDER_DEADLINE"
SETTLE_BUDGET_S = 25.0  # wall wait 8 s + list wait 3 s + screenshot 10 s + calls (crawler.browser.settle)


def render_deadline(navigation_timeout_s: float) -> float:
    return 2 * navigation_timeout_s + SETTLE_BUDGET_S


class BoundedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """ScrapyPlaywrightDownloadHandler whose every render ends within the render deadline."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        nav = crawler.settings.getfloat("PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT", 15000) / 1000
        self.render_deadline_s = (float(os.environ.get(SETTING) or 0) or crawler.settings.getfloat(SETTING, 0)
                                  or render_deadline(nav))

    async def _create_page(self, request: Any, spider: Any) -> Any:
        page = await super()._create_page(request=request, spider=spider)
        request.meta["_ga_page"] = page  # closed here if the render overruns its deadline
        return page

    async def _download_request(self, request: Any, spider: Any = None) -> Any:
        limit = float(request.meta.get("ga_render_deadline_s") or self.render_deadline_s)
        try:
            return await asyncio.wait_for(super()._download_request(request, spider), limit)
        except asyncio.TimeoutError:
            page = request.meta.pop("_ga_page", None)
            if page is not None and not page.is_closed():
                try:
                    await asyncio.wait_for(page.close(run_before_unload=False), 10)
                except Exception as exc:  # noqa: BLE001 - the context's close takes it with it
                    log.warning("render deadline: closing the page of %s: %s", request.url, exc)
            raise DownloadTimeoutError(
                f"the render did not finish within {limit:g} s (the page's main thread blocked?)") from None
        finally:
            request.meta.pop("_ga_page", None)
