"""Platform adapters against mock platforms on 127.0.0.1: facts read, and every failure kind named."""
from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import pytest

from crawler.platforms import AdapterFailure, FailureKind, GatherContext, adapter_for
from crawler.platforms.wechat import parse_article
from demo.server import FixtureServer, Route
from tests.newmedia import mock_platforms as mp

AS_OF = date(2026, 11, 27)
_ROOT = Path(__file__).resolve().parents[2]
# ../shared beside a checkout in /work/main, ../../shared beside a worktree in /work/wt/<name>
REALDATA = next((p / "shared" / "realdata" / "wechat" for p in (_ROOT.parent, _ROOT.parent.parent)
                 if (p / "shared" / "realdata" / "wechat").exists()), _ROOT / "missing")


def _routes() -> dict[str, Route]:
    routes: dict[str, Route] = {}
    add = lambda pair: routes.__setitem__(*pair)  # noqa: E731
    add(mp.weibo_profile_route("1001", "示例发布", "示例县人民政府新闻办公室", 300))
    add(mp.weibo_posts_route("1001", 1, [
        {"id": "P0", "when": mp.at(AS_OF, 400), "text": "置顶：<a href='x'>欢迎关注</a>", "pinned": True},
        {"id": "N1", "when": mp.at(AS_OF, 1), "text": "今日要闻", "comments": 3, "likes": 10},
        {"id": "N2", "when": mp.at(AS_OF, 2), "text": "通知"}]))
    add(mp.weibo_posts_route("1001", 2, [{"id": "N3", "when": mp.at(AS_OF, 5), "text": "旧闻"}]))
    add(mp.weibo_posts_route("1001", 3, []))
    add(mp.weibo_not_found_route("1009"))
    add(mp.weibo_login_wall_route("1010"))
    routes["/api/container/getIndex?type=uid&value=1011&containerid=1005051011"] = Route(status=418, body=b"")
    routes["/api/container/getIndex?type=uid&value=1017&containerid=1005051017"] = Route(
        status=403, body="<html>访问受限</html>".encode("utf-8"))
    routes["/api/container/getIndex?type=uid&value=1012&containerid=1005051012"] = Route(
        body=b'{"ok":1,"data":{"cards":[]}}', content_type="application/json")
    routes["/api/container/getIndex?type=uid&value=1013&containerid=1005051013"] = Route(
        body="<html><title>微博</title>请先登录 passport</html>".encode("utf-8"))
    add(mp.weibo_profile_route("1014", "示例零号", None, 0))
    routes["/api/container/getIndex?containerid=1076031014"] = Route(
        body=json.dumps({"ok": 0, "msg": "这里还没有内容", "data": {"cards": []}}).encode(), content_type="application/json")
    add(mp.weibo_profile_route("1016", "示例有帖", None, 50))
    routes["/api/container/getIndex?containerid=1076031016"] = Route(
        body=json.dumps({"ok": 0, "msg": "这里还没有内容"}).encode(), content_type="application/json")
    add(mp.weibo_profile_route("1018", "示例分组", "示例县人民政府", 10))
    routes["/api/container/getIndex?containerid=1076031018"] = Route(body=json.dumps({"ok": 1, "data": {"cards": [
        {"card_type": 11, "card_group": [{"card_type": 9, "mblog": {
            "created_at": mp.at(AS_OF, 1).strftime(mp.WEIBO_FMT), "id": "G1", "bid": "G1", "text": "分组内的微博",
            "comments_count": 0}}]}]}}, ensure_ascii=False).encode(), content_type="application/json")
    routes["/api/container/getIndex?page=2&containerid=1076031018"] = Route(
        body=b'{"ok":1,"data":{"cards":[]}}', content_type="application/json")
    routes["/api/container/getIndex?type=uid&value=1015&containerid=1005051015"] = Route(
        body=b'{"ok":1,"data":{"userInfo":{"screen_name":"x"}}}', content_type="application/json", delay=1.5)
    routes["/s/fresh"] = mp.wechat_article("示例县发布", "gh_demo", "MzA4ODUzNjAxOA==", "示例县召开会议",
                                           mp.at(AS_OF, 3), "0")
    routes["/s/other"] = mp.wechat_article("别的公众号", "gh_other", "OTHER==", "别人的文章", mp.at(AS_OF, 1), "123")
    routes["/s/expired"] = mp.WECHAT_EXPIRED
    routes["/mp/profile_ext?action=home&__biz=MzA4ODUzNjAxOA==&scene=124"] = mp.wechat_history(
        "示例县发布", [("第一篇", mp.at(AS_OF, 2)), ("第二篇", mp.at(AS_OF, 9))])
    routes["/mp/profile_ext?action=home&__biz=NOLOGIN==&scene=124"] = Route(
        body="<html><body>请在微信客户端打开链接</body></html>".encode("utf-8"))
    routes["/feeds/a.xml"] = mp.rss("示例县文旅", [("文旅新闻", "http://x/1", mp.at(AS_OF, 15)),
                                                 ("更早", "http://x/0", mp.at(AS_OF, 30))])
    routes["/feeds/b.atom"] = mp.atom("示例县应急", [("应急提示", "http://x/2", mp.at(AS_OF, 2))])
    routes["/feeds/html.xml"] = Route(body="<html><body>维护中</body></html>".encode("utf-8"))
    routes["/feeds/nodate.xml"] = Route(body=b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                                        b"<item><title>a</title><pubDate>someday</pubDate></item></channel></rss>")
    return routes


@pytest.fixture(scope="module")
def server():
    with FixtureServer(_routes()) as srv:
        yield srv


def _ctx(**kw) -> GatherContext:
    return GatherContext(**{"timeout_s": 5, "delay_s": 0, "retry_delay_s": 0, **kw})


def _fail(platform: str, handle: str, base: str, **kw) -> AdapterFailure:
    with pytest.raises(AdapterFailure) as info:
        adapter_for(platform, _ctx(**kw), base).read(handle, None)
    return info.value


def test_weibo_profile_and_paged_posts(server: FixtureServer) -> None:
    data = adapter_for("weibo", _ctx(), server.base_url).read("1001", "示例发布")
    p = data.profile
    assert (p.name, p.verified, p.verification, p.followers, p.posts_total) == (
        "示例发布", True, "示例县人民政府新闻办公室", 12345, 300)
    assert [x.url.rsplit("/", 1)[1] for x in data.posts] == ["P0", "N1", "N2", "N3"]
    assert data.posts[0].pinned and not data.posts[1].pinned
    assert data.posts[1].published_at == mp.at(AS_OF, 1)
    assert data.posts[0].text == "置顶：欢迎关注"
    assert (data.posts[1].comments, data.posts[1].likes) == (3, 10)
    assert p.interaction == {"comments": True}
    assert data.posts_source == "timeline"
    assert ("GET", "/api/container/getIndex?page=3&containerid=1076031001") in server.log


@pytest.mark.parametrize("handle, kind", [
    ("1009", FailureKind.NOT_FOUND),        # ok: 0 这里还没有内容
    ("1010", FailureKind.LOGIN_WALL),       # ok: -100
    ("1011", FailureKind.RATE_LIMITED),     # HTTP 418, retried once
    ("1012", FailureKind.CHANGED_MARKUP),   # no userInfo
    ("1017", FailureKind.RATE_LIMITED),     # HTTP 403 with an HTML page
    ("1013", FailureKind.LOGIN_WALL),       # an HTML login page instead of JSON
    ("1016", FailureKind.CHANGED_MARKUP),   # posts ok: 0 although the profile counts 50 posts
    ("abc", FailureKind.BAD_INPUT),
])
def test_weibo_failures(server: FixtureServer, handle: str, kind: FailureKind) -> None:
    assert _fail("weibo", handle, server.base_url).kind == kind


def test_weibo_rate_limit_retried_once(server: FixtureServer) -> None:
    before = sum(1 for _, p in server.log if "value=1011" in p)
    _fail("weibo", "1011", server.base_url)
    assert sum(1 for _, p in server.log if "value=1011" in p) - before == 2


def test_weibo_posts_nested_in_card_group(server: FixtureServer) -> None:
    data = adapter_for("weibo", _ctx(), server.base_url).read("1018", None)
    assert [(p.text, p.published_at) for p in data.posts] == [("分组内的微博", mp.at(AS_OF, 1))]
    assert data.profile.interaction == {"comments": None}  # no comment seen: unknown, not closed


def test_weibo_account_that_never_posted(server: FixtureServer) -> None:
    data = adapter_for("weibo", _ctx(), server.base_url).read("1014", None)
    assert data.posts == [] and data.profile.posts_total == 0 and data.profile.verified is False


def test_timeout(server: FixtureServer) -> None:
    failure = _fail("weibo", "1015", server.base_url, timeout_s=0.3)
    assert failure.kind == FailureKind.TIMEOUT and "0.3" in failure.detail


def test_unreachable_platform_host_is_network_failure() -> None:
    assert _fail("weibo", "1001", "http://127.0.0.1:9").kind == FailureKind.NETWORK


def test_weibo_relative_times() -> None:
    from crawler.platforms.weibo import WeiboAdapter

    now = datetime(2026, 11, 27, 12, 0, tzinfo=mp.CN)
    a = WeiboAdapter(_ctx(now=now))
    assert a._time("刚刚") == now
    assert a._time("5分钟前") == datetime(2026, 11, 27, 11, 55, tzinfo=mp.CN)
    assert a._time("昨天 08:30") == datetime(2026, 11, 26, 8, 30, tzinfo=mp.CN)
    assert a._time("12-30") == datetime(2025, 12, 30, tzinfo=mp.CN)  # a future day is last year's
    assert a._time("2026-11-01") == datetime(2026, 11, 1, tzinfo=mp.CN)
    assert a._time("Tue Dec 06 10:00:00 +0800 2022") == datetime(2022, 12, 6, 10, 0, tzinfo=mp.CN)
    assert a._time("某天") is None


def test_wechat_portal_articles_attributed_by_id(server: FixtureServer) -> None:
    links = [f"https://mp.weixin.qq.com/s/{x}" for x in ("expired", "other", "fresh", "missing")]
    data = adapter_for("wechat", _ctx(portal_links=links), server.base_url).read("gh_demo", "示例县发布")
    assert [p.title for p in data.posts] == ["示例县召开会议"]  # expired, 404 and another account's skipped
    assert data.posts[0].published_at == mp.at(AS_OF, 3)
    assert data.posts[0].url == "https://mp.weixin.qq.com/s/fresh"
    assert data.profile.name == "示例县发布" and data.posts_source == "portal"
    assert data.profile.interaction == {"comments": False, "messages": None, "menu": None}


def test_wechat_without_any_source(server: FixtureServer) -> None:
    assert _fail("wechat", "gh_demo", server.base_url).kind == FailureKind.NO_SOURCE
    links = ["https://mp.weixin.qq.com/s/other"]
    assert _fail("wechat", "gh_demo", server.base_url, portal_links=links).kind == FailureKind.NO_SOURCE


def test_wechat_history_with_login_state(server: FixtureServer, tmp_path: Path) -> None:
    (tmp_path / "wechat.json").write_text(json.dumps({"cookies": [
        {"name": "wap_sid2", "value": "abc", "domain": ".qq.com", "path": "/"}], "origins": []}))
    data = adapter_for("wechat", _ctx(state_dir=tmp_path), server.base_url).read("MzA4ODUzNjAxOA==", None)
    assert [(p.title, p.published_at) for p in data.posts] == [("第一篇", mp.at(AS_OF, 2)), ("第二篇", mp.at(AS_OF, 9))]
    assert data.posts[0].url == f"{server.base_url}/s?__biz=X&mid=0"
    assert data.posts_source == "timeline" and data.profile.name == "示例县发布"
    assert _fail("wechat", "NOLOGIN==", server.base_url, state_dir=tmp_path).kind == FailureKind.LOGIN_WALL


@pytest.mark.skipif(not REALDATA.exists(), reason="../shared/realdata not beside the checkout")
def test_wechat_real_article_shape() -> None:
    page = (REALDATA / "wechatsogou_article_gcdy_zzb.html").read_text(encoding="utf-8")
    art = parse_article(page)
    assert art["nickname"] == "共产党员" and art["user_name"] == "gh_9381891f8dd8"
    assert art["published_at"] == datetime.fromtimestamp(1521515999, mp.CN) and art["title"] == "【视频】石榴花开"
    assert art["comments_open"] is True
    assert parse_article((REALDATA / "wechatsogou_article_expired.html").read_text(encoding="utf-8")) is None


def test_rss_and_atom(server: FixtureServer) -> None:
    data = adapter_for("rss", _ctx()).read(f"{server.base_url}/feeds/a.xml", None)
    assert data.profile.name == "示例县文旅" and [p.published_at for p in data.posts] == [mp.at(AS_OF, 15), mp.at(AS_OF, 30)]
    data = adapter_for("atom", _ctx()).read(f"{server.base_url}/feeds/b.atom", None)
    assert data.profile.name == "示例县应急" and data.posts[0].url == "http://x/2" and data.posts_source == "feed"


@pytest.mark.parametrize("path, kind", [("/feeds/html.xml", FailureKind.CHANGED_MARKUP),
                                        ("/feeds/nodate.xml", FailureKind.CHANGED_MARKUP),
                                        ("/feeds/gone.xml", FailureKind.NOT_FOUND)])
def test_feed_failures(server: FixtureServer, path: str, kind: FailureKind) -> None:
    assert _fail("rss", f"{server.base_url}{path}", None).kind == kind


def test_manual_csv(tmp_path: Path) -> None:
    (tmp_path / "posts.csv").write_text("time,title,url,comments\n2026-11-20 09:30,会议,http://x/1,2\n2026-11-01,旧,,\n",
                                        encoding="utf-8")
    data = adapter_for("manual", _ctx(registry_dir=tmp_path)).read("posts.csv", "示例县融媒")
    assert [(p.title, p.published_at.day, p.comments) for p in data.posts] == [("会议", 20, 2), ("旧", 1, None)]
    assert data.profile.name == "示例县融媒" and data.posts_source == "manual"
    (tmp_path / "bad.csv").write_text("time,title\n2026-11-20,a\nyesterday,b\n", encoding="utf-8")
    failure = _fail("manual", "bad.csv", None, registry_dir=tmp_path)
    assert failure.kind == FailureKind.BAD_INPUT and "bad.csv:3" in failure.detail
    assert _fail("manual", "missing.csv", None, registry_dir=tmp_path).kind == FailureKind.BAD_INPUT


def test_rendered_platform_without_browser() -> None:
    assert _fail("douyin", "MS4w", "http://127.0.0.1:9", browser=False).kind == FailureKind.NO_SOURCE


@pytest.mark.skipif(not REALDATA.exists(), reason="../shared/realdata not beside the checkout")
def test_wechat_real_history_page_shape(tmp_path: Path) -> None:
    page = (REALDATA / "wechatsogou_profile_history_msglist.html").read_bytes()
    routes = {"/mp/profile_ext?action=home&__biz=REAL==&scene=124": Route(body=page)}
    (tmp_path / "wechat.json").write_text('{"cookies": [], "origins": []}')
    with FixtureServer(routes) as srv:
        data = adapter_for("wechat", _ctx(state_dir=tmp_path), srv.base_url).read("REAL==", None)
    assert data.posts and data.posts[0].title == "帝都深处好修行"
    assert data.posts[0].published_at == datetime.fromtimestamp(1500872686, mp.CN)
    assert all(p.published_at is not None for p in data.posts)
