"""新浪微博: the public mobile JSON endpoints of m.weibo.cn.

Profile: `/api/container/getIndex?type=uid&value=<uid>&containerid=100505<uid>` →
`data.userInfo` (screen_name, verified, verified_reason, followers_count, statuses_count).
Posts: `/api/container/getIndex?containerid=107603<uid>&page=N` → `data.cards[].mblog`
(created_at, text, reposts/comments/attitudes counts, isTop). `ok: 0` with "这里还没有内容"/"用户不存在"
on the profile is an account that does not exist; `ok: -100` is the login wall; HTTP 418/429 and
"请求过于频繁" are the rate limit (retried once after `retry_delay_s`).
"""
from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any

from crawler.platforms.base import AccountData, Adapter, AdapterFailure, FailureKind, Profile, count
from storage.facts.newmedia import PostSeen
from storage.vocabulary import BEIJING

NOT_EXIST = ("这里还没有内容", "用户不存在", "User does not exists", "该用户不存在", "账号已注销")
_TAGS = re.compile(r"<[^>]+>")


class WeiboAdapter(Adapter):
    platform = "weibo"
    public_base = "https://m.weibo.cn"
    rate_limit_statuses = (403, 418, 429)  # weibo answers 403 to an address it throttles

    def profile_url(self, handle: str) -> str:
        return f"{self.base}/u/{handle}"

    def read(self, handle: str, name: str | None) -> AccountData:
        if not handle.isdigit():
            raise AdapterFailure(FailureKind.BAD_INPUT, f"weibo handle must be the numeric uid, got {handle!r}")
        data = self._index(f"100505{handle}", f"type=uid&value={handle}&", profile=True)
        user = (data.get("data") or {}).get("userInfo")
        if not isinstance(user, dict) or not user.get("screen_name"):
            raise AdapterFailure(FailureKind.CHANGED_MARKUP, "profile answer has no data.userInfo.screen_name")
        profile = Profile(
            name=user.get("screen_name"), url=self.profile_url(handle), verified=bool(user.get("verified")),
            verification=user.get("verified_reason") or None, followers=count(user.get("followers_count")),
            posts_total=count(user.get("statuses_count")),
        )
        posts = self._posts(handle, profile)
        if any((p.comments or 0) > 0 for p in posts):
            profile.interaction["comments"] = True  # someone could comment, so comments are open
        else:
            profile.interaction["comments"] = None  # zero comments does not show they are closed
        return AccountData(profile=profile, posts=posts, posts_source="timeline")

    def _posts(self, uid: str, profile: Profile) -> list[PostSeen]:
        posts: list[PostSeen] = []
        for page in range(1, self.ctx.max_pages + 1):
            time.sleep(self.ctx.delay_s)
            try:
                data = self._index(f"107603{uid}", f"page={page}&" if page > 1 else "", profile=False)
            except AdapterFailure:
                if page > 1 and any(not p.pinned for p in posts):
                    break  # later pages refused: the newest posts are already known
                raise
            if data.get("ok") != 1:
                if page == 1 and profile.posts_total == 0:
                    return []  # an account with no post at all: the platform's count agrees
                if page == 1:
                    raise AdapterFailure(FailureKind.CHANGED_MARKUP,
                                         f"posts answer ok={data.get('ok')} msg={data.get('msg')!r} although the "
                                         f"profile counts {profile.posts_total} posts")
                break
            cards = (data.get("data") or {}).get("cards")
            if not isinstance(cards, list):
                raise AdapterFailure(FailureKind.CHANGED_MARKUP, "posts answer has no data.cards list")
            flat = [g for c in cards if isinstance(c, dict) for g in [c, *(c.get("card_group") or [])]]
            mblogs = [c["mblog"] for c in flat if isinstance(c, dict) and isinstance(c.get("mblog"), dict)]
            if not mblogs:
                break
            posts.extend(self._post(m) for m in mblogs)
            if sum(not p.pinned for p in posts) >= self.ctx.enough_posts:
                break
        if posts and all(p.published_at is None for p in posts):
            raise AdapterFailure(FailureKind.CHANGED_MARKUP, "no post carries a readable created_at")
        return posts

    def _post(self, m: dict[str, Any]) -> PostSeen:
        text = _TAGS.sub("", str(m.get("text") or "")).strip()
        pinned = bool(m.get("isTop")) or m.get("mblogtype") == 2
        return PostSeen(
            url=f"{self.base}/status/{m.get('bid') or m.get('id')}", published_at=self._time(m.get("created_at")),
            title=text[:60] or None, text=text or None, pinned=pinned, comments=count(m.get("comments_count")),
            likes=count(m.get("attitudes_count")), reposts=count(m.get("reposts_count")),
        )

    def _index(self, containerid: str, extra: str, profile: bool) -> dict[str, Any]:
        url = f"{self.base}/api/container/getIndex?{extra}containerid={containerid}"
        for attempt in (1, 2):
            try:
                status, data = self.get_json(url, {"Accept": "application/json, text/plain, */*",
                                                   "X-Requested-With": "XMLHttpRequest"})
            except AdapterFailure as exc:
                if exc.kind == FailureKind.RATE_LIMITED and attempt == 1:
                    time.sleep(self.ctx.retry_delay_s)
                    continue
                raise
            if not isinstance(data, dict):
                raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"{url}: answer is not a JSON object")
            msg = str(data.get("msg") or "")
            if data.get("ok") == -100 or "登录" in msg:
                raise AdapterFailure(FailureKind.LOGIN_WALL, f"{url}: ok={data.get('ok')} {msg or data.get('url', '')}")
            if "频繁" in msg:
                if attempt == 1:
                    time.sleep(self.ctx.retry_delay_s)
                    continue
                raise AdapterFailure(FailureKind.RATE_LIMITED, f"{url}: {msg}")
            if status == 404 or (profile and data.get("ok") == 0 and any(p in msg for p in NOT_EXIST)):
                raise AdapterFailure(FailureKind.NOT_FOUND, f"{url}: HTTP {status} ok={data.get('ok')} msg={msg!r}")
            if status >= 400:
                raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"{url}: HTTP {status}")
            if profile and data.get("ok") != 1:
                raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"{url}: ok={data.get('ok')} msg={msg!r}")
            return data
        raise AdapterFailure(FailureKind.RATE_LIMITED, f"{url}: still rate-limited after a retry")

    def _time(self, value: Any) -> datetime | None:
        """created_at: "Tue Dec 06 10:00:00 +0800 2022", or the relative forms the mobile site shows."""
        if not isinstance(value, str):
            return None
        value = value.strip()
        now = self.ctx.now.astimezone(BEIJING)
        try:
            return datetime.strptime(value, "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            pass
        if value == "刚刚":
            return now
        if m := re.fullmatch(r"(\d+)\s*(分钟|小时)前", value):
            n = int(m.group(1))
            return now - (timedelta(minutes=n) if m.group(2) == "分钟" else timedelta(hours=n))
        if m := re.fullmatch(r"昨天\s*(\d{1,2}):(\d{2})", value):
            return (now - timedelta(days=1)).replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0,
                                                     microsecond=0)
        if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", value):
            return datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)), tzinfo=BEIJING)
        if m := re.fullmatch(r"(\d{1,2})-(\d{1,2})", value):
            day = datetime(now.year, int(m.group(1)), int(m.group(2)), tzinfo=BEIJING)
            return day if day <= now else day.replace(year=now.year - 1)
        return None
