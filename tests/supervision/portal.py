"""Changes to the running demo portal's homepage between audits: a news update, a hijack, a redesign."""
from __future__ import annotations

from demo.portal import DemoPortal
from demo.server import Route

SPAM_TITLE = "365沙巴体育注册_足球外围网站官网"


def _serve_home(demo: DemoPortal, body: bytes) -> None:
    route = Route(body=body, content_type="text/html; charset=utf-8")
    demo.server.add("/", route)
    demo.server.add("/index.html", route)


def original_home(demo: DemoPortal) -> bytes:
    return demo.portal.routes["/"].body


def restore_home(demo: DemoPortal) -> None:
    _serve_home(demo, original_home(demo))


def news_update(demo: DemoPortal) -> None:
    """An ordinary update: a new article tops the 要闻动态 block and the banner rotates."""
    body = original_home(demo).decode("utf-8")
    at = body.index("<ul>", body.index("要闻动态")) + len("<ul>")
    item = '<li><a href="/xwzx/new.html" title="县领导调研冬季农业生产">县领导调研冬季农业生产</a><span>2026-11-27</span></li>'
    body = body[:at] + item + body[at:]
    body = body.replace("</body>", '<div class="banner"><img src="/images/winter.jpg" alt="冬日风光"></div></body>')
    _serve_home(demo, body.encode("utf-8"))


def hijack(demo: DemoPortal) -> None:
    """The seed's case: title and body replaced with gambling spam, a script from the spammer's host."""
    body = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{SPAM_TITLE}</title>"
            '<meta name="keywords" content="365沙巴体育注册,足球外围,百家乐,澳门新葡京娱乐城">'
            '<script src="http://cdn.bet-example.com/tj.js"></script></head><body>'
            "<h1>365沙巴体育注册 足球外围网站官网</h1><p>澳门新葡京娱乐城 百家乐 真人视讯 电子游艺 注册送38元彩金 "
            "体育投注 最高返水 菠菜平台 信誉第一 24小时在线客服</p></body></html>")
    _serve_home(demo, body.encode("utf-8"))


def redesign(demo: DemoPortal) -> None:
    """A legitimate redesign: a new title and template, every block rewritten, a new CDN for its scripts."""
    body = ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>示例县人民政府门户网站（新版）</title>"
            '<script src="https://cdn.example-cdn.com/ui/2.0/ui.js"></script></head><body>'
            "<div class=\"top\">欢迎访问新版门户 无障碍浏览 长者模式 English</div>"
            "<div class=\"main\"><h2>今日示例</h2><ul><li><a href=\"/xwzx/\">示例县召开新闻发布会介绍经济运行</a></li>"
            "<li><a href=\"/tzgg/\">示例县发布冬季出行提示</a></li></ul><h2>我要办</h2><ul><li><a href=\"/bsfw/\">个人办事 法人办事 "
            "主题集成服务</a></li></ul><h2>我要问</h2><ul><li><a href=\"/hdjl/\">咨询投诉 意见征集 在线访谈</a></li></ul></div>"
            "<div class=\"foot\">版权所有 示例县人民政府办公室 新版网站运维电话 0000-0000000</div></body></html>")
    _serve_home(demo, body.encode("utf-8"))
