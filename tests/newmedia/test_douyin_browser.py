"""抖音 through Chromium: a profile page that only renders with JavaScript, a login wall, changed markup."""
from __future__ import annotations

from datetime import date

import pytest

from crawler.platforms import AdapterFailure, FailureKind, GatherContext, adapter_for
from demo.server import FixtureServer, Route
from tests.newmedia import mock_platforms as mp

pytestmark = pytest.mark.browser
AS_OF = date(2026, 11, 27)


@pytest.fixture(scope="module")
def server():
    routes = {
        "/user/MS4wLjABAAAAfresh": mp.douyin_profile("示例县发布", "1.2万", "示例县人民政府新闻办公室官方账号", [
            (mp.at(AS_OF, 400), "置顶视频", True), (mp.at(AS_OF, 2), "示例县新闻", False), (mp.at(AS_OF, 9), "旧视频", False)]),
        "/user/MS4wLjABAAAAwall": mp.DOUYIN_LOGIN_WALL,
        "/user/MS4wLjABAAAAchanged": mp.DOUYIN_CHANGED,
        "/c/user/token/MS4tok/": mp.toutiao_profile("示例县发布", [(mp.at(AS_OF, 16), "示例县通报")]),
    }
    with FixtureServer(routes) as srv:
        yield srv


def _read(server: FixtureServer, handle: str):
    ctx = GatherContext(timeout_s=5, delay_s=0)
    return adapter_for("douyin", ctx, server.base_url).read(handle, None)


def test_profile_rendered_by_javascript(server: FixtureServer) -> None:
    data = _read(server, "MS4wLjABAAAAfresh")
    p = data.profile
    assert (p.name, p.followers, p.verification) == ("示例县发布", 12000, "示例县人民政府新闻办公室官方账号")
    assert [(x.title, x.pinned, x.published_at) for x in data.posts] == [
        ("置顶视频", True, mp.at(AS_OF, 400)), ("示例县新闻", False, mp.at(AS_OF, 2)), ("旧视频", False, mp.at(AS_OF, 9))]
    assert data.posts_source == "timeline"


@pytest.mark.parametrize("handle, kind", [("MS4wLjABAAAAwall", FailureKind.LOGIN_WALL),
                                          ("MS4wLjABAAAAchanged", FailureKind.CHANGED_MARKUP),
                                          ("MS4wLjABAAAAmissing", FailureKind.NOT_FOUND)])
def test_failures(server: FixtureServer, handle: str, kind: FailureKind) -> None:
    ctx = GatherContext(timeout_s=1, delay_s=0)
    with pytest.raises(AdapterFailure) as info:
        adapter_for("douyin", ctx, server.base_url).read(handle, None)
    assert info.value.kind == kind


def test_toutiao_profile(server: FixtureServer) -> None:
    data = adapter_for("toutiao", GatherContext(timeout_s=5, delay_s=0), server.base_url).read("MS4tok", None)
    assert data.profile.name == "示例县发布" and data.profile.verified is None  # no 认证 element: unknown
    assert [(p.title, p.published_at) for p in data.posts] == [("示例县通报", mp.at(AS_OF, 16))]


def test_audit_reads_douyin_after_the_crawl(server: FixtureServer, tmp_path) -> None:  # noqa: ANN001
    """The browser adapter inside `govaudit audit` (after Scrapy's reactor ran in the same process)."""
    import json
    from datetime import date as _date

    import yaml

    from tests.conftest import run_cli

    today = _date.today()
    server.add("/user/MS4wLjABAAAAaudit", mp.douyin_profile("示例县发布", "3000", "示例县人民政府",
                                                          [(mp.at(today, 20), "旧视频", False)]))
    page = "<html><head><title>示例县人民政府</title></head><body>政务新媒体 抖音：示例县发布</body></html>"
    with FixtureServer({"/": Route(body=page.encode("utf-8"))}) as portal:
        reg = {"sites": [{"id": "1", "name": "示例县人民政府", "url": portal.base_url + "/",
                          "accounts": [{"platform": "douyin", "handle": "MS4wLjABAAAAaudit", "name": "示例县发布"}]}],
               "platforms": {"douyin": server.base_url}}
        (tmp_path / "s.yaml").write_text(yaml.safe_dump(reg, allow_unicode=True), encoding="utf-8")
        proc = run_cli("audit", "--sites", str(tmp_path / "s.yaml"), "--db", f"sqlite:///{tmp_path}/d.db",
                       "--out", str(tmp_path / "out"), "--as-of", today.isoformat(),
                       env={"GOVAUDIT_STATE_DIR": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr[-2000:]
    doc = json.loads((tmp_path / "out" / "1" / "findings.json").read_text(encoding="utf-8"))
    assert [(f["rule"], f["subject"]) for f in doc["findings"] if f["rule"].startswith("newmedia.")] == [
        ("newmedia.stale", "douyin:MS4wLjABAAAAaudit")]
    assert doc["accounts"][0]["followers"] == 3000 and doc["accounts"][0]["status"] == "ok"
