"""Mock 政务新媒体 platforms on 127.0.0.1 with the real response shapes (no test reaches the internet).

Weibo: the m.weibo.cn `getIndex` JSON (profile `100505<uid>`, posts `107603<uid>` with paging,
`ok: 0`, `ok: -100`, HTTP 418). WeChat: an article page with the page variables of a real
mp.weixin.qq.com article (`var nickname`, `var user_name`, `var ct`, `var comment_id` …), an
expired-link page and a history page (`msgList`). Feeds: RSS 2.0 and Atom. Douyin: a profile
page whose content only exists after its JavaScript ran.
"""
from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta, timezone
from email.utils import format_datetime
from html import escape

from demo.server import Route

CN = timezone(timedelta(hours=8))
WEIBO_FMT = "%a %b %d %H:%M:%S %z %Y"


def at(as_of: date, days_ago: int, hour: int = 10) -> datetime:
    return datetime.combine(as_of - timedelta(days=days_ago), time(hour, 0), CN)


def _json(data: object, status: int = 200) -> Route:
    return Route(status=status, body=json.dumps(data, ensure_ascii=False).encode("utf-8"),
                 content_type="application/json; charset=utf-8")


def weibo_profile_route(uid: str, name: str, verification: str | None, statuses: int, followers: int = 12345) -> tuple[str, Route]:
    user = {"id": int(uid), "screen_name": name, "verified": verification is not None, "verified_type": 1 if verification else -1,
            "verified_reason": verification or "", "followers_count": followers, "follow_count": 88,
            "statuses_count": statuses, "description": f"{name}官方微博"}
    return (f"/api/container/getIndex?type=uid&value={uid}&containerid=100505{uid}",
            _json({"ok": 1, "data": {"userInfo": user, "tabsInfo": {"selectedTab": 1}}}))


def weibo_posts_route(uid: str, page: int, posts: list[dict]) -> tuple[str, Route]:
    cards = [{"card_type": 9, "itemid": f"1076031_-_{p['id']}", "scheme": f"https://m.weibo.cn/status/{p['id']}",
              "mblog": {"created_at": p["when"].strftime(WEIBO_FMT), "id": p["id"], "mid": p["id"], "bid": p["id"],
                        "text": p["text"], "reposts_count": p.get("reposts", 0), "comments_count": p.get("comments", 0),
                        "attitudes_count": p.get("likes", 0), **({"isTop": 1, "mblogtype": 2} if p.get("pinned") else {})}}
             for p in posts]
    extra = f"page={page}&" if page > 1 else ""
    return (f"/api/container/getIndex?{extra}containerid=107603{uid}",
            _json({"ok": 1, "data": {"cardlistInfo": {"containerid": f"107603{uid}", "page": page + 1 if cards else None},
                                     "cards": cards}}))


def weibo_not_found_route(uid: str) -> tuple[str, Route]:
    return (f"/api/container/getIndex?type=uid&value={uid}&containerid=100505{uid}",
            _json({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}))


def weibo_login_wall_route(uid: str) -> tuple[str, Route]:
    return (f"/api/container/getIndex?type=uid&value={uid}&containerid=100505{uid}",
            _json({"ok": -100, "url": "https://passport.weibo.cn/signin/welcome?entry=mweibo&r=https%3A%2F%2Fm.weibo.cn%2F"}))


def wechat_article(nickname: str, user_name: str, biz: str, title: str, when: datetime, comment_id: str,
                   text: str = "正文内容") -> Route:
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>
<script>var biz = "" || "{biz}";
var sn = "" || "" || "";
var mid = "" || "" || "2671068104";
var idx = "" || "" || "1";
</script></head><body id="activity-detail">
<div id="img-content"><h2 class="rich_media_title" id="activity-name">{escape(title)}</h2>
<div id="meta_content"><a href="javascript:void(0);" id="js_name">{escape(nickname)}</a>
<em id="publish_time"></em></div>
<div class="rich_media_content" id="js_content"><p>{escape(text)}</p></div>
<div class="rich_media_tool" id="js_toobar3"></div></div>
<script>
var nickname = "{escape(nickname)}";
var appmsg_type = "9";
var ct = "{int(when.timestamp())}";
var publish_time = "{when.strftime('%Y-%m-%d')}" || "";
var user_name = "{user_name}";
var user_name_new = "";
var msg_title = "{escape(title)}";
var msg_desc = "{escape(title)}";
var comment_id = "{comment_id}" || "{comment_id}" * 1;
var svr_time = "{int(when.timestamp()) + 3600}" * 1;
</script></body></html>"""
    return Route(body=page.encode("utf-8"))


WECHAT_EXPIRED = Route(body="""<!DOCTYPE html><html><head><meta charset="utf-8"><title></title></head><body>
<div class="weui-msg"><div class="weui-msg__text-area"><h2 class="weui-msg__title">链接已过期</h2></div></div>
</body></html>""".encode("utf-8"))


def wechat_history(nickname: str, items: list[tuple[str, datetime]]) -> Route:
    msg = {"list": [{"app_msg_ext_info": {"title": t, "digest": t, "content_url": f"/s?__biz=X&amp;mid={i}",
                                          "multi_app_msg_item_list": []},
                     "comm_msg_info": {"datetime": int(w.timestamp()), "id": 1000 + i, "type": 49}}
                    for i, (t, w) in enumerate(items)]}
    page = (f'<html><head><meta charset="utf-8"></head><body><strong class="profile_nickname">{nickname}</strong>'
            f"<script>var msgList = '{escape(json.dumps(msg, ensure_ascii=False))}';\nseajs.use('sg/home.js');</script></body></html>")
    return Route(body=page.encode("utf-8"))


def rss(title: str, items: list[tuple[str, str, datetime]]) -> Route:
    body = "".join(f"<item><title>{escape(t)}</title><link>{escape(u)}</link><pubDate>{format_datetime(w)}</pubDate>"
                   f"<description>{escape(t)}</description></item>" for t, u, w in items)
    xml = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
           f"<link>http://example.gov.cn/</link><description>{escape(title)}</description>{body}</channel></rss>")
    return Route(body=xml.encode("utf-8"), content_type="application/rss+xml; charset=utf-8")


def atom(title: str, items: list[tuple[str, str, datetime]]) -> Route:
    body = "".join(f'<entry><title>{escape(t)}</title><link href="{escape(u)}"/><id>{escape(u)}</id>'
                   f"<updated>{w.isoformat()}</updated><summary>{escape(t)}</summary></entry>" for t, u, w in items)
    xml = (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{escape(title)}</title>'
           f"<id>urn:x</id><updated>2026-01-01T00:00:00Z</updated>{body}</feed>")
    return Route(body=xml.encode("utf-8"), content_type="application/atom+xml; charset=utf-8")


def bytedance_id(when: datetime, low: int = 12345) -> str:
    return str((int(when.timestamp()) << 32) | low)


def douyin_profile(name: str, fans: str, verify: str | None, videos: list[tuple[datetime, str, bool]]) -> Route:
    """A profile page that is empty until its script renders it (as the real one is)."""
    data = {"name": name, "fans": fans, "verify": verify,
            "videos": [{"id": bytedance_id(w, i + 1), "title": t, "top": top} for i, (w, t, top) in enumerate(videos)]}
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(name)}的抖音 - 抖音</title></head>
<body><div id="root"></div><script>
const d = {json.dumps(data, ensure_ascii=False)};
setTimeout(() => {{
  const root = document.getElementById('root');
  root.innerHTML = '<div data-e2e="user-info"><h1>' + d.name + '</h1>' +
    (d.verify ? '<p class="account-verify">抖音认证：' + d.verify + '</p>' : '') +
    '<div data-e2e="user-info-fans"><span>粉丝</span><span>' + d.fans + '</span></div></div>' +
    '<ul data-e2e="user-post-list">' + d.videos.map(v => '<li>' + (v.top ? '<span>置顶</span>' : '') +
    '<a href="/video/' + v.id + '" title="' + v.title + '">' + v.title + '</a></li>').join('') + '</ul>';
}}, 150);
</script></body></html>"""
    return Route(body=page.encode("utf-8"))


DOUYIN_LOGIN_WALL = Route(body="""<!DOCTYPE html><html><head><meta charset="utf-8"><title>抖音</title></head>
<body><div id="root"></div><script>document.getElementById('root').innerHTML =
'<div class="login-panel">扫码登录 请完成验证</div>';</script></body></html>""".encode("utf-8"))
DOUYIN_CHANGED = Route(body="""<!DOCTYPE html><html><head><meta charset="utf-8"><title>抖音</title></head>
<body><div id="root"><div class="new-layout">欢迎来到抖音</div></div></body></html>""".encode("utf-8"))


def toutiao_profile(name: str, articles: list[tuple[datetime, str]]) -> Route:
    """A 头条号 profile page rendered by script (name block and article links with dated ids)."""
    items = [{"id": bytedance_id(w, i + 1), "title": t} for i, (w, t) in enumerate(articles)]
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(name)}的头条主页 - 今日头条</title></head>
<body><div id="root"></div><script>
const d = {json.dumps({"name": name, "items": items}, ensure_ascii=False)};
setTimeout(() => {{
  document.getElementById('root').innerHTML = '<div class="profile-info-wrapper"><div class="name">' + d.name +
    '</div></div><div class="feed-list">' + d.items.map(a => '<div class="feed-card"><a href="/article/' + a.id +
    '/" title="' + a.title + '">' + a.title + '</a></div>').join('') + '</div>';
}}, 100);
</script></body></html>"""
    return Route(body=page.encode("utf-8"))
