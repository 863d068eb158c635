"""One Chromium per audit process, shared by the site crawlers' download handlers."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from crawler.browser.launch import LAUNCH_ARGS, SharedBrowserProvider, find_chromium

pytestmark = pytest.mark.browser


def test_crawlers_share_one_browser_which_is_relaunched_after_a_crash_and_closed_by_the_last() -> None:
    async def scenario() -> None:
        config = SimpleNamespace(launch_options={"executable_path": find_chromium(), "headless": True,
                                                 "args": list(LAUNCH_ARGS)})
        first, second = SharedBrowserProvider(config), SharedBrowserProvider(config)
        await first.start()
        await second.start()
        a, b = await first.launch_browser(), await second.launch_browser()
        assert a._browser is b._browser and a.is_connected()
        await a.close()  # one crawler's handler closing its "browser" leaves it open for the other
        assert b.is_connected()
        await b._browser.close()  # the browser dies under the crawl
        c = await second.launch_browser()
        assert c.is_connected() and c._browser is not b._browser
        context = await c.new_context()
        page = await context.new_page()
        await page.set_content("<p>还在</p>")
        assert await page.inner_text("p") == "还在"
        await context.close()
        real = c._browser
        await first.close()
        assert real.is_connected()
        await second.close()  # the last one closes the browser
        assert not real.is_connected()
        assert SharedBrowserProvider._playwright is None and SharedBrowserProvider._users == 0

    asyncio.run(scenario())
