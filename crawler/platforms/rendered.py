"""Profile pages that only render in a browser (抖音, 今日头条): one headless Chromium per read.

The page is loaded with the stored login state when `govaudit login <platform>` saved one, then
read from the rendered DOM: the profile block, and the post links whose ByteDance ids carry their
creation time. A login or captcha wall, a page that never renders its profile, and a navigation
timeout each end as an AdapterFailure of their kind.
"""
from __future__ import annotations

import re
from abc import abstractmethod
from dataclasses import dataclass

from crawler.browser.deadline import bounded_sync
from crawler.browser.harden import context_proxy, launch_kwargs
from crawler.browser.launch import BrowserNotFound, find_chromium
from crawler.platforms.base import AccountData, Adapter, AdapterFailure, FailureKind, Profile, bytedance_id_time, count
from storage.facts.newmedia import PostSeen

LOGIN_WALL = ("登录后查看", "扫码登录", "请完成验证", "验证码", "安全验证")
NOT_EXIST = ("用户不存在", "该账号已注销", "账号已封禁", "页面不存在")


@dataclass(frozen=True)
class Selectors:
    ready: str  # appears once the profile rendered
    name: str
    followers: str
    verification: str
    post_link: str  # anchors of the posts; the id is the last run of digits in href


_READ_JS = """(s) => {
  const text = (sel) => { const el = document.querySelector(sel); return el ? el.innerText.trim() : null; };
  const posts = [...document.querySelectorAll(s.post_link)].map(a => ({
    href: a.href, title: (a.getAttribute('title') || a.innerText || '').trim().slice(0, 200),
    pinned: !!(a.closest('li') || a).innerText.includes('置顶')}));
  return {name: text(s.name), followers: text(s.followers), verification: text(s.verification),
          posts, title: document.title, body: document.body ? document.body.innerText.slice(0, 3000) : ''};
}"""


class RenderedAdapter(Adapter):
    selectors: Selectors

    @abstractmethod
    def profile_path(self, handle: str) -> str:
        """The profile page's path on the platform host."""

    def profile_url(self, handle: str) -> str:
        return self.base + self.profile_path(handle)

    def read(self, handle: str, name: str | None) -> AccountData:
        if not self.ctx.browser:
            raise AdapterFailure(FailureKind.NO_SOURCE, f"{self.platform} 需要浏览器读取（--no-browser）")
        if not re.fullmatch(r"[\w.-]+", handle):
            raise AdapterFailure(FailureKind.BAD_INPUT, f"{self.platform} handle has unexpected characters: {handle!r}")
        try:
            find_chromium()
        except BrowserNotFound as exc:
            raise AdapterFailure(FailureKind.NO_SOURCE, str(exc)) from None
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import TimeoutError as PlaywrightTimeout
        from playwright.sync_api import sync_playwright

        url = self.profile_url(handle)
        state = self.ctx.state_file(self.platform)
        timeout_ms = self.ctx.timeout_s * 1000
        with sync_playwright() as pw:
            browser = pw.chromium.launch(**launch_kwargs())  # unprivileged, sandboxed, through the egress proxy
            try:
                context = browser.new_context(user_agent=self.ctx.user_agent, locale="zh-CN",
                                              proxy=context_proxy(self.egress(url)),
                                              storage_state=str(state) if state else None)
                page = context.new_page()
                try:
                    response = page.goto(url, timeout=timeout_ms, wait_until="domcontentloaded")
                except PlaywrightTimeout:
                    raise AdapterFailure(FailureKind.TIMEOUT, f"{url}: not loaded within {self.ctx.timeout_s:g} s") from None
                except PlaywrightError as exc:
                    raise AdapterFailure(FailureKind.NETWORK, f"{url}: {str(exc).splitlines()[0]}") from None
                status = response.status if response is not None else None
                if status in (404, 410):
                    raise AdapterFailure(FailureKind.NOT_FOUND, f"{url}: HTTP {status}")
                if status in (418, 429):
                    raise AdapterFailure(FailureKind.RATE_LIMITED, f"{url}: HTTP {status}")
                try:
                    page.wait_for_selector(self.selectors.ready, timeout=timeout_ms)
                    rendered = True
                except PlaywrightTimeout:
                    rendered = False
                try:  # a page blocking its main thread must not hold the audit (crawler.browser.deadline)
                    seen = bounded_sync(page, "evaluate", _READ_JS, self.selectors.__dict__)
                except TimeoutError:
                    raise AdapterFailure(FailureKind.TIMEOUT, f"{url}: the page did not answer (main thread "
                                         "blocked)") from None
            finally:
                browser.close()
        return self._account(url, seen, rendered)

    def _account(self, url: str, seen: dict, rendered: bool) -> AccountData:
        body = seen.get("body") or ""
        if not rendered:
            if any(w in body for w in NOT_EXIST):
                raise AdapterFailure(FailureKind.NOT_FOUND, f"{url}: the page says the account does not exist")
            if any(w in body for w in LOGIN_WALL):
                raise AdapterFailure(FailureKind.LOGIN_WALL, f"{url}: login or captcha wall (govaudit login {self.platform})")
            raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"{url}: the profile never rendered ({self.selectors.ready})")
        posts: list[PostSeen] = []
        for p in seen.get("posts") or []:
            ids = re.findall(r"\d{15,}", p.get("href") or "")
            when = bytedance_id_time(ids[-1]) if ids else None
            posts.append(PostSeen(url=p.get("href"), published_at=when, title=p.get("title") or None,
                                  pinned=bool(p.get("pinned"))))
        if posts and all(p.published_at is None for p in posts):
            raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"{url}: no post link carries a dated id")
        verification = seen.get("verification")
        if verification:
            verification = re.sub(r"^.*?认证[:：]\s*", "", verification).strip() or verification
        # an absent 认证 element may be a selector the platform renamed: unknown, never "not verified"
        profile = Profile(name=seen.get("name"), url=url, verified=True if verification else None,
                          verification=verification or None, followers=count(_number(seen.get("followers"))),
                          interaction={"comments": None, "messages": None})
        if not profile.name:
            raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"{url}: no account name in the rendered profile")
        return AccountData(profile=profile, posts=posts, posts_source="timeline")


def _number(text: str | None) -> str | None:
    if not text:
        return None
    m = re.search(r"[\d.]+\s*(万|亿|w)?", text)
    return m.group(0).replace(" ", "") if m else None
