"""The hostile-input fault server (issue 21, helper hostile): every case beside its negative twin.

`routes()` is one FixtureServer route table (demo/server.py). Each hostile case has a twin that is the same
thing done harmlessly, which must keep working exactly as before:

| case (path)                 | what it does                                                    | twin              |
|-----------------------------|-----------------------------------------------------------------|-------------------|
| /blocked/                   | homepage whose script blocks the main thread 50 ms after `load` | /twin/            |
| /feed/trickle.xml           | a 146-byte RSS feed sent one byte per TRICKLE_S                 | /feed/ok.xml      |
| /css/                       | 1 MB of `<style>` without a brace (the old regexes: quadratic)  | /css-twin/        |
| /deep/                      | 300 unclosed `<font>`, then spam                                | /deep-twin/       |
| /deeper/                    | 3,000 unclosed `<font>` (past libxml2's hard limit), no spam    | /deep-twin/       |
| /links/                     | a page of LINKS outside links (link-check caps)                 | /few-links/       |
| /slow/                      | a site of SLOW_PAGES slow pages (run deadline)                  | /twin/            |
| /walled/                    | a cookie wall a browser passes (the render `@cache`)            | /twin/            |
"""
from __future__ import annotations

from collections.abc import Mapping

from demo.server import Route

TRICKLE_S = 0.05  # 146 bytes → 7.3 s in all, each byte well inside any idle timeout
LINKS = 120
SLOW_PAGES = 200
SPAM = "澳门新葡京娱乐城 百家乐官网 注册送38元彩金 真人视讯 365沙巴体育注册"
FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>tttttttt</title>'
        b"<item><title>a</title><pubDate>2026-11-20</pubDate></item></channel></rss>")
assert len(FEED) == 146, len(FEED)


def html(title: str, body: str, head: str = "") -> bytes:
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>{head}</head>'
            f"<body><h1>{title}</h1>{body}<div class='footer'>主办：示例县人民政府办公室</div></body></html>"
            ).encode("utf-8")


BLOCKING_JS = "<script>addEventListener('load', () => setTimeout(() => { for (;;) {} }, 50));</script>"
HARMLESS_JS = "<script>addEventListener('load', () => setTimeout(() => { document.title += ''; }, 50));</script>"


def hostile_css(size: int = 1_000_000) -> str:
    """`size` bytes of CSS without a brace: each start position of the old `([^{}]+)\\{` ran to the end."""
    return "a" * size


def wall(ok: Route, cookie: str = "ga_wall") -> Route:
    """A script challenge answered until the request carries `cookie` (set by the script, then a reload)."""
    script = (f"<html><head><title>安全验证</title></head><body><script>document.cookie='{cookie}=1; path=/';"
              "setTimeout(() => location.reload(), 100);</script>__jsl_clearance</body></html>")

    def answer(method: str, path: str, headers: Mapping[str, str]) -> Route:
        return ok if f"{cookie}=" in (headers.get("Cookie") or "") else Route(status=521, body=script.encode())
    return Route(answer=answer)


def routes(ext: str = "http://127.0.0.2:1") -> dict[str, Route]:
    """Every case and its twin; `ext` is the base URL of an outside host (the link-cap case links there)."""
    article = "<p>" + "本站信息公开工作有序推进，各项政务公开事项按时办理。" * 10 + "</p>"
    out: dict[str, Route] = {
        # a page that blocks its main thread after load / its twin with a harmless timer
        "/blocked/": Route(body=html("阻塞测试站", article, BLOCKING_JS)),
        "/twin/": Route(body=html("正常测试站", article, HARMLESS_JS)),
        # trickled feed / the same feed at once
        "/feed/trickle.xml": Route(body=FEED, content_type="application/rss+xml", trickle=TRICKLE_S),
        "/feed/ok.xml": Route(body=FEED, content_type="application/rss+xml"),
        # 1 MB of hostile CSS / ordinary CSS; both hide nothing and carry no spam
        "/css/": Route(body=html("样式测试站", article, f"<style>{hostile_css()}</style>")),
        "/css-twin/": Route(body=html("样式对照站", article, "<style>.a{color:#333}" * 100 + "</style>")),
        # 300 unclosed <font> then spam / the same spam-free; 3,000: cut by libxml2 (parse_truncated)
        "/deep/": Route(body=html("嵌套测试站", article + "<font>" * 300 + f"<p>{SPAM}</p>")),
        "/deep-twin/": Route(body=html("嵌套对照站", article + "<font>" * 300 + "<p>欢迎访问</p>")),
        "/deeper/": Route(body=html("深嵌套测试站", article + "<font>" * 3000 + f"<p>{SPAM}</p>")),
        # link-check caps: many outside links / a few
        "/links/": Route(body=html("链接测试站", article + "".join(
            f'<a href="{ext}/t{i}.html">外链{i}</a>' for i in range(LINKS)))),
        "/few-links/": Route(body=html("链接对照站", article + "".join(
            f'<a href="{ext}/f{i}.html">外链{i}</a>' for i in range(5)))),
        # a slow site: 200 pages, 1 s each (run deadline)
        "/slow/": Route(body=html("慢速测试站", article + "".join(
            f'<a href="/slow/p{i}.html">文章{i}</a>' for i in range(SLOW_PAGES)))),
        **{f"/slow/p{i}.html": Route(body=html(f"文章{i}", article), delay=1.0) for i in range(SLOW_PAGES)},
        # a cookie wall in front of a normal page
        "/walled/": wall(Route(body=html("验证后测试站", article))),
    }
    return out


def ext_routes() -> dict[str, Route]:
    """The outside host's pages: every link target exists."""
    return {**{f"/t{i}.html": Route(body=html(f"外部{i}", "ok")) for i in range(LINKS)},
            **{f"/f{i}.html": Route(body=html(f"外部{i}", "ok")) for i in range(5)}}
