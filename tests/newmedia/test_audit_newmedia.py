"""End to end: a portal and mock platforms on 127.0.0.1, one `govaudit audit`, exact new-media findings.

Planted: 示例县文旅 (RSS) last posted 15 days before the 监测时间点 → newmedia.stale; weibo 1009
answers `ok: 0` → newmedia.unreachable (and, as the unit's second weibo account,
newmedia.naming duplicate_platform, as for the third, 1010); 示例县应急 (Atom) is fresh but not on
the portal's 政务新媒体 page → newmedia.not_listed; a manual post misspells 习近平 →
newmedia.serious_error; the WeChat account's article has 留言 closed and sites.yaml records its
messages and menu absent → newmedia.no_interaction.

Look-alikes that must stay silent: weibo 1001 (fresh, an old pinned post on page 1, paging); the
WeChat account read from the article its portal links (3 days old), beside another account's
article; a login wall (weibo 1010), a feed that times out, a feed that answers HTML and a Douyin
account without a browser — each not measured with its reason, never stale or unreachable.
"""
from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
import yaml
from openpyxl import load_workbook

from demo.server import FixtureServer, Route
from tests.conftest import run_cli
from tests.newmedia import mock_platforms as mp

AS_OF = date.today()
SITE = "4213000001"


def _page(title: str, body: str) -> Route:
    return Route(body=f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>
<body><div class="nav"><a href="/">首页</a> <a href="/xwzx/">要闻动态</a> <a href="/xmt/">政务新媒体</a></div>
{body}<div class="footer">主办：示例县人民政府办公室 网站标识码：{SITE}</div></body></html>""".encode("utf-8"))


def _platform_routes() -> dict[str, Route]:
    r: dict[str, Route] = {}
    for key, route in (
        mp.weibo_profile_route("1001", "示例发布", "示例县人民政府新闻办公室", 2000),
        mp.weibo_posts_route("1001", 1, [
            {"id": "P0", "when": mp.at(AS_OF, 300), "text": "置顶：欢迎关注示例发布", "pinned": True},
            {"id": "N1", "when": mp.at(AS_OF, 1), "text": "示例县召开常务会议", "comments": 4}]),
        mp.weibo_posts_route("1001", 2, [{"id": "N2", "when": mp.at(AS_OF, 4), "text": "天气提示"}]),
        mp.weibo_posts_route("1001", 3, []),
        mp.weibo_not_found_route("1009"),
        mp.weibo_login_wall_route("1010"),
    ):
        r[key] = route
    r["/s/demo-fresh"] = mp.wechat_article("示例县微信", "gh_demo", "MzDemo==", "示例县部署冬季安全工作",
                                           mp.at(AS_OF, 3), "0")
    r["/s/other-account"] = mp.wechat_article("邻县发布", "gh_other", "MzOther==", "邻县新闻", mp.at(AS_OF, 40), "9")
    r["/feeds/wenlv.xml"] = mp.rss("示例县文旅", [("文旅活动预告", "http://www.example.gov.cn/wl/1.html", mp.at(AS_OF, 15)),
                                                ("更早的活动", "http://www.example.gov.cn/wl/0.html", mp.at(AS_OF, 40))])
    r["/feeds/yingji.atom"] = mp.atom("示例县应急", [("防汛提示", "http://www.example.gov.cn/yj/1.html", mp.at(AS_OF, 2))])
    r["/feeds/slow.xml"] = Route(body=b"<rss/>", delay=4)
    r["/feeds/html.xml"] = Route(body="<html><body>系统维护中</body></html>".encode("utf-8"))
    return r


@pytest.fixture(scope="module")
def audited(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("nm")
    with FixtureServer(_platform_routes()) as platforms, FixtureServer({}) as portal:
        portal.add("/", _page("示例县人民政府", '<ul><li><a href="/xwzx/1.html">示例县召开常务会议</a></li></ul>'))
        portal.add("/xwzx/", _page("要闻动态", '<ul><li><a href="/xwzx/1.html">示例县召开常务会议</a> 2026-11-26</li></ul>'))
        portal.add("/xwzx/1.html", _page("示例县召开常务会议", "<p>会议内容</p>"))
        portal.add("/xmt/", _page("政务新媒体矩阵", f"""
<ul><li>新浪微博：示例发布</li><li>新浪微博：示例县旧号</li><li>新浪微博：示例县政务</li>
<li>微信公众号：<a href="{platforms.base_url}/s/demo-fresh">示例县微信</a></li>
<li><a href="{platforms.base_url}/s/other-account">邻县发布的文章</a></li>
<li>文旅：示例县文旅</li><li>示例县广播</li><li>示例县直播</li><li>抖音：<img src="/qr.png" alt="示例县抖音二维码"></li>
<li>示例县融媒</li></ul>"""))
        portal.add("/qr.png", Route(body=b"\x89PNG\r\n\x1a\n", content_type="image/png"))
        feeds = platforms.base_url + "/feeds"
        (tmp / "manual.csv").write_text("time,title,url,text\n"
                                        f"{(AS_OF - timedelta(days=1)).isoformat()} 09:00,学习会,https://www.example.com/post/1,"
                                        "深入学习习近凭新时代中国特色社会主义思想\n", encoding="utf-8")
        registry = {
            "sites": [{"id": SITE, "name": "示例县人民政府", "url": portal.base_url + "/", "unit": "示例县人民政府办公室",
                       "accounts": [
                           {"platform": "weibo", "handle": "1001", "name": "示例发布"},
                           {"platform": "weibo", "handle": "1009", "name": "示例县旧号"},
                           {"platform": "weibo", "handle": "1010", "name": "示例县政务"},
                           {"platform": "wechat", "handle": "gh_demo", "name": "示例县微信",
                            "interaction": {"messages": False, "menu": False}},
                           {"platform": "rss", "handle": f"{feeds}/wenlv.xml", "name": "示例县文旅"},
                           {"platform": "atom", "handle": f"{feeds}/yingji.atom", "name": "示例县应急"},
                           {"platform": "rss", "handle": f"{feeds}/slow.xml", "name": "示例县直播"},
                           {"platform": "rss", "handle": f"{feeds}/html.xml", "name": "示例县广播"},
                           {"platform": "douyin", "handle": "MS4wLjABAAAAdemo", "name": "示例县抖音"},
                           {"platform": "manual", "handle": "manual.csv", "name": "示例县融媒"},
                       ]}],
            "platforms": {"weibo": platforms.base_url, "wechat": platforms.base_url, "douyin": platforms.base_url},
        }
        (tmp / "sites.yaml").write_text(yaml.safe_dump(registry, allow_unicode=True), encoding="utf-8")
        # availability.timeout_s is the adapters' timeout too: 2 s makes the 4 s feed a timeout
        (tmp / "scheme.yaml").write_text("id: nm-test\nname: test\nextends: national-2019\n"
                                         "params: {availability.timeout_s: 2}\n", encoding="utf-8")
        proc = run_cli("audit", "--sites", str(tmp / "sites.yaml"), "--db", f"sqlite:///{tmp / 'db.sqlite'}",
                       "--out", str(tmp / "out"), "--as-of", AS_OF.isoformat(), "--scheme", str(tmp / "scheme.yaml"),
                       "--no-browser", env={"GOVAUDIT_STATE_DIR": str(tmp / "sessions")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    doc = json.loads((tmp / "out" / SITE / "findings.json").read_text(encoding="utf-8"))
    return tmp, doc


def test_exact_newmedia_findings(audited) -> None:
    _, doc = audited
    feeds = next(a["handle"] for a in doc["accounts"] if a["registered_name"] == "示例县文旅").rsplit("/", 1)[0]
    got = sorted((f["rule"], f["subject"]) for f in doc["findings"] if f["rule"].startswith("newmedia."))
    assert got == sorted([
        ("newmedia.stale", f"rss:{feeds}/wenlv.xml"),
        ("newmedia.unreachable", "weibo:1009"),
        ("newmedia.not_listed", f"atom:{feeds}/yingji.atom"),
        ("newmedia.serious_error", "https://www.example.com/post/1"),
        ("newmedia.naming", "weibo:1009"),
        ("newmedia.naming", "weibo:1010"),
        ("newmedia.no_interaction", "wechat:gh_demo"),
    ])
    naming = {f["subject"]: f["evidence"]["problems"] for f in doc["findings"] if f["rule"] == "newmedia.naming"}
    assert naming == {"weibo:1009": ["duplicate_platform"], "weibo:1010": ["duplicate_platform"]}
    stale = next(f for f in doc["findings"] if f["rule"] == "newmedia.stale")
    assert stale["evidence"]["age_days"] == 15 and stale["severity"] == "veto"


def test_failures_are_not_measured_with_reasons(audited) -> None:
    _, doc = audited
    accounts = {a["key"]: a for a in doc["accounts"]}
    feeds = accounts["rss:" + next(k[4:] for k in accounts if k.endswith("slow.xml"))]["handle"].rsplit("/", 1)[0]
    assert accounts["weibo:1010"]["failure"] == "login_wall"
    assert accounts[f"rss:{feeds}/slow.xml"]["failure"] == "timeout"
    assert accounts[f"rss:{feeds}/html.xml"]["failure"] == "changed_markup"
    assert accounts["douyin:MS4wLjABAAAAdemo"]["failure"] == "no_source"
    assert accounts["weibo:1009"]["failure"] == "not_found"
    assert accounts["wechat:gh_demo"]["status"] == "ok" and accounts["wechat:gh_demo"]["posts_source"] == "portal"
    assert accounts["weibo:1001"]["posts_read"] == 3 and accounts["weibo:1001"]["followers"] == 12345
    rules = {r["rule"]: r for r in doc["rules"]}
    reason = rules["newmedia.stale"]["reason"]
    for key in ("weibo:1010", "slow.xml", "html.xml", "douyin:MS4wLjABAAAAdemo", "平台要求登录", "平台响应超时"):
        assert key in reason
    # weibo 1001 has comments (open); the rest unknown, except the WeChat account: 留言 closed on its
    # article, messages and menu recorded absent by a person
    assert rules["newmedia.no_interaction"]["status"] == "fail"
    assert "互动渠道未知" in rules["newmedia.no_interaction"]["reason"]
    assert accounts["wechat:gh_demo"]["interaction"] == {"comments": False, "messages": False, "menu": False}
    assert "nm.veto.stale" in doc["score"]["veto_indicators"]


def test_accounts_sheet(audited) -> None:
    tmp, _ = audited
    wb = load_workbook(tmp / "out" / "summary.xlsx")
    assert "政务新媒体账号" in wb.sheetnames
    rows = [list(r) for r in wb["政务新媒体账号"].iter_rows(values_only=True)]
    assert rows[0][:4] == ["网站标识码", "网站名称", "平台", "账号标识"]
    by_handle = {r[3]: r for r in rows[1:]}
    assert len(by_handle) == 10
    assert by_handle["1009"][10] == "未能读取" and "账号不存在" in by_handle["1009"][11]
    assert "政务新媒体账号无法访问" in by_handle["1009"][12]
    assert by_handle["1001"][5] == "示例发布" and by_handle["1001"][10] == "已读取"


def test_rejudge_without_network_keeps_findings(audited) -> None:
    tmp, doc = audited
    proc = run_cli("check", "--run", str(doc["run"]["id"]), "--db", f"sqlite:///{tmp / 'db.sqlite'}",
                   "--as-of", (AS_OF + timedelta(days=3)).isoformat(), "--scheme", str(tmp / "scheme.yaml"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    from sqlalchemy import select

    from storage import models as m
    from storage.session import session_scope

    with session_scope(f"sqlite:///{tmp / 'db.sqlite'}") as s:
        stale = set(s.scalars(select(m.Finding.subject).where(m.Finding.rule == "newmedia.stale")))
    # three days later the atom feed (2 days old) is 5 days old: still fresh; 示例发布's newest is 4 days old
    assert {x.rsplit("/", 1)[1] for x in stale} == {"wenlv.xml"}


def test_report_html_lists_accounts(audited) -> None:
    tmp, _ = audited
    from reports.outputs.html import render_report

    doc = json.loads((tmp / "out" / SITE / "findings.json").read_text(encoding="utf-8"))
    html = render_report(doc)
    assert "政务新媒体账号（10 个）" in html and "示例县旧号" in html and "login_wall" in html
