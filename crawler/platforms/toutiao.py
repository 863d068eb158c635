"""今日头条: the public profile page `/c/user/token/<token>/`, rendered in Chromium (see rendered.py)."""
from __future__ import annotations

from crawler.platforms.rendered import RenderedAdapter, Selectors


class ToutiaoAdapter(RenderedAdapter):
    platform = "toutiao"
    public_base = "https://www.toutiao.com"
    selectors = Selectors(
        ready=".profile-info-wrapper, .user-info, [class*='profile-info']",
        name=".profile-info-wrapper .name, .user-info .name, [class*='profile-info'] [class*='name']",
        followers=".profile-info-wrapper .stat-item:nth-child(2), [class*='profile-info'] [class*='fans']",
        verification=".profile-info-wrapper .verify, [class*='profile-info'] [class*='verify']",
        post_link="a[href*='/article/'], a[href*='/group/'], a[href*='/video/']",
    )

    def profile_path(self, handle: str) -> str:
        return f"/c/user/token/{handle}/"
