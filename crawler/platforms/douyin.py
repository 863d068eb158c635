"""抖音: the public profile page `/user/<sec_uid>`, rendered in Chromium (see rendered.py)."""
from __future__ import annotations

from crawler.platforms.rendered import RenderedAdapter, Selectors


class DouyinAdapter(RenderedAdapter):
    platform = "douyin"
    public_base = "https://www.douyin.com"
    selectors = Selectors(
        ready='[data-e2e="user-info"]',
        name='[data-e2e="user-info"] h1',
        followers='[data-e2e="user-info-fans"]',
        verification='[data-e2e="user-info"] [class*="verify"], [data-e2e="user-info"] [class*="Verify"]',
        post_link='[data-e2e="user-post-list"] a[href*="/video/"]',
    )

    def profile_path(self, handle: str) -> str:
        return f"/user/{handle}"
