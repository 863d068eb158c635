"""微信公众号: article pages (mp.weixin.qq.com/s/…), and the account history with a stored login.

An article page carries its facts in page variables: `var nickname` (the account's name),
`var user_name` (gh_… id), `var biz` (__biz), `var msg_title`, `var ct` (publish time, Unix
seconds), `var publish_time` ("2018-03-20"), `var comment_id` (non-zero when 留言 is open).
Without a login state, the posts are the account's articles the unit's portal links to
(`posts_source: portal`, a lower bound of its activity). With `govaudit login wechat` the history
page `/mp/profile_ext?action=home&__biz=<handle>` is read with the stored cookies; its `msgList`
JSON lists the account's own timeline.
"""
from __future__ import annotations

import html
import json
import re
import time
from datetime import datetime
from urllib.parse import urlsplit

from crawler.page import decode_html
from crawler.platforms.base import AccountData, Adapter, AdapterFailure, FailureKind, Profile
from storage.facts.newmedia import PostSeen
from storage.vocabulary import BEIJING

MAX_ARTICLES = 20
_VAR = r"var\s+{name}\s*=\s*(?:\"([^\"]*)\"|'([^']*)')"
GONE = ("链接已过期", "该内容已被发布者删除", "此内容因违规无法查看", "内容已被删除")


REAL_HOSTS = ("mp.weixin.qq.com",)  # where a stored WeChat session may be sent


def page_var(page: str, name: str) -> str | None:
    """The first string value of `var <name> = "…"` (an empty value counts as absent)."""
    m = re.search(_VAR.format(name=re.escape(name)), page)
    if not m:
        return None
    value = html.unescape(m.group(1) if m.group(1) is not None else m.group(2)).strip()
    return value or None


def parse_article(page: str) -> dict | None:
    """Title, account, ids, time and 留言 flag of an article page; None when it is not one."""
    nickname = page_var(page, "nickname")
    if nickname is None:
        m = re.search(r'id="js_name"[^>]*>\s*([^<]+?)\s*<', page) or re.search(r'id="post-user"[^>]*>([^<]+)<', page)
        nickname = m.group(1).strip() if m else None
    title = page_var(page, "msg_title")
    if title is None:
        m = re.search(r'id="activity-name"[^>]*>\s*([^<]+?)\s*<', page)
        title = m.group(1).strip() if m else None
    ct = page_var(page, "ct")
    published = None
    if ct and ct.isdigit():
        published = datetime.fromtimestamp(int(ct), BEIJING)
    elif (day := page_var(page, "publish_time")) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day):
        published = datetime.fromisoformat(day).replace(tzinfo=BEIJING)
    if nickname is None or (title is None and published is None):
        return None
    comment = page_var(page, "comment_id")
    return {"nickname": nickname, "user_name": page_var(page, "user_name"), "biz": page_var(page, "biz"),
            "title": title, "published_at": published, "comments_open": None if comment is None else comment != "0",
            "text": _text(page)}


def _text(page: str) -> str | None:
    m = re.search(r'id="js_content"[^>]*>(.*?)</div>\s*(?:<script|<div class="rich_media_tool|$)', page, re.S)
    if not m:
        return None
    text = re.sub(r"<[^>]+>", " ", m.group(1))
    return " ".join(html.unescape(text).split())[:20000] or None


class WechatAdapter(Adapter):
    platform = "wechat"
    public_base = "https://mp.weixin.qq.com"

    def read(self, handle: str, name: str | None) -> AccountData:
        state = self.ctx.state_file("wechat")
        if state is not None:
            return self._history(handle, state)
        return self._portal_articles(handle, name)

    # -- without a login: the articles the unit's portal links to ----------------------------------
    def _portal_articles(self, handle: str, name: str | None) -> AccountData:
        links = [u for u in dict.fromkeys(self.ctx.portal_links) if urlsplit(u).path.startswith("/s")]
        if not links:
            raise AdapterFailure(FailureKind.NO_SOURCE, "没有微信登录状态（govaudit login wechat），门户网站上也没有该公众号的文章链接")
        own: list[dict] = []
        read = 0
        for link in links[:MAX_ARTICLES]:
            time.sleep(self.ctx.delay_s)
            url = self._local(link)
            status, headers, body = self.get(url)
            read += 1
            if status >= 400:
                continue  # a dead article link is the site's problem (link.broken), not the account's
            page = decode_html(body, headers.get("content-type"))
            if any(g in page for g in GONE):
                continue
            art = parse_article(page)
            if art is None:
                continue
            ids = {art["nickname"], art["user_name"], art["biz"]} - {None}
            if handle in ids or (name and name == art["nickname"]):
                own.append({**art, "url": link})
        if not own:
            raise AdapterFailure(FailureKind.NO_SOURCE,
                                 f"门户网站链接的 {read} 篇微信文章中没有该公众号的文章（无登录状态，无法读取历史消息）")
        profile = Profile(name=own[0]["nickname"])
        flags = [a["comments_open"] for a in own]
        profile.interaction = {"comments": True if True in flags else (False if flags and all(f is False for f in flags)
                                                                         else None),
                               "messages": None, "menu": None}
        posts = [PostSeen(url=a["url"], published_at=a["published_at"], title=a["title"], text=a["text"]) for a in own]
        return AccountData(profile=profile, posts=posts, posts_source="portal")

    def _local(self, url: str) -> str:
        """An mp.weixin.qq.com URL moved onto the configured base (mirrors and tests)."""
        parts = urlsplit(url)
        return f"{self.base}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    # -- with a login state: the account's history page --------------------------------------------
    def _history(self, handle: str, state_file) -> AccountData:  # noqa: ANN001 - Path
        url = f"{self.base}/mp/profile_ext?action=home&__biz={handle}&scene=124"
        # The session goes only to WeChat's real host over HTTPS (never to a `platforms:` mirror).
        cookies = _cookie_header(state_file, url)
        status, headers, body = self.get(url, {"Cookie": cookies} if cookies else None)
        page = decode_html(body, headers.get("content-type"))
        if status in (418, 429) or "操作频繁" in page:
            raise AdapterFailure(FailureKind.RATE_LIMITED, f"{url}: HTTP {status}")
        if status == 404:
            raise AdapterFailure(FailureKind.NOT_FOUND, f"{url}: HTTP 404")
        m = re.search(r"msgList\s*=\s*'(.*?)';", page, re.S) or re.search(r"msgList\s*=\s*(\{.*?\});?\s*\n", page, re.S)
        if not m:
            if any(w in page for w in ("请在微信客户端打开", "登录", "验证")):
                raise AdapterFailure(FailureKind.LOGIN_WALL, f"{url}: the stored WeChat session is not accepted")
            raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"{url}: HTTP {status}, no msgList on the history page")
        try:
            data = json.loads(html.unescape(m.group(1)))
        except ValueError:
            raise AdapterFailure(FailureKind.CHANGED_MARKUP, f"{url}: msgList is not JSON") from None
        posts = []
        for item in data.get("list", []):
            info, ext = item.get("comm_msg_info") or {}, item.get("app_msg_ext_info") or {}
            ts = info.get("datetime")
            when = datetime.fromtimestamp(ts, BEIJING) if isinstance(ts, int) else None
            for art in [ext, *(ext.get("multi_app_msg_item_list") or [])]:
                if art.get("title") or art.get("content_url"):
                    link = html.unescape(art.get("content_url") or "") or None
                    if link and link.startswith("/"):
                        link = self.base + link
                    posts.append(PostSeen(url=link, published_at=when, title=art.get("title"),
                                          text=art.get("digest") or None))
        name = page_var(page, "nickname") or (re.search(r'class="profile_nickname"[^>]*>([^<]+)<', page) or [None, None])[1]
        return AccountData(profile=Profile(name=name, url=url, interaction={"comments": None, "messages": None,
                                                                             "menu": None}),
                           posts=posts, posts_source="timeline")


def _cookie_header(state_file, url: str) -> str:  # noqa: ANN001 - Path
    """The cookies of a Playwright storage state that apply to `url` (crawler.egress.fetch.cookie_header:
    HTTPS, the platform's real host, domain and path matching as a browser does)."""
    from crawler.egress.fetch import cookie_header

    try:
        state = json.loads(state_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise AdapterFailure(FailureKind.LOGIN_WALL, f"{state_file}: not a readable login state") from None
    return cookie_header(state.get("cookies", []), url, REAL_HOSTS)
