"""Issue 20's acceptance: a full audit with the browser of a loopback site that points at an "intranet"
server (another loopback address, passed with --deny) in every way a page can — link, image, iframe,
script, stylesheet, 30x redirect, meta refresh, JS location redirect, window.open, WebSocket,
fetch/XHR, a search form, a name resolving to it, a rebinding name, RSS/Weibo/WeChat mirror redirects —
never reaches it: its accept log stays empty and its text is nowhere in what was stored or written.
The negative control: the same audit without --deny reaches it (the site's own /24 is unlocked), so the
test can fail. As root, every Chromium of the audit runs as another user (read from /proc)."""
from __future__ import annotations

import json
import os
import socket
import threading
import time
import zlib
from pathlib import Path

import pytest
import sqlalchemy as sa

from demo.server import FixtureServer, Route, redirect

SECRET = "INTRANET-SECRET-7731"
INTRA_HOST = "127.0.0.9"


class Intranet:
    """A TCP server that records every connection it accepts and answers with its secret page."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((INTRA_HOST, port))
        self.sock.listen(64)
        self.log: list[str] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return
            try:
                conn.settimeout(2)
                first = conn.recv(4096).split(b"\r\n", 1)[0].decode("latin-1")
                self.log.append(f"{peer} {first}")
                body = f"<html><body><h1>{SECRET}</h1><a href='/more'>{SECRET}</a></body></html>".encode()
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
                             + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()


def _html(text: str) -> Route:
    return Route(body=f"<!doctype html><html><head><meta charset='utf-8'><title>测试</title></head><body>{text}</body></html>".encode())


def _site_routes(p: int) -> dict[str, Route]:
    intra = f"http://{INTRA_HOST}:{p}"
    home = f"""
<h1>测试县人民政府</h1>
<a href="{intra}/link">内网链接</a>
<img src="{intra}/img.png" alt="图">
<iframe src="{intra}/frame"></iframe>
<script src="{intra}/s.js"></script>
<link rel="stylesheet" href="{intra}/c.css">
<a href="/redir">跳转</a> <iframe src="/redir"></iframe>
<a href="/meta.html">刷新</a> <iframe src="/meta.html"></iframe>
<a href="/js.html">脚本跳转</a> <iframe src="/js.html"></iframe>
<a href="http://intranet.test:{p}/named">名字</a> <iframe src="http://intranet.test:{p}/named-frame"></iframe>
<a href="http://rebind.test:{p}/rebound">重绑定</a>
<form action="http://intranet.test:{p}/search" method="get"><input name="q"><button>搜索</button></form>
<ul><li><a href="/art/1.html">关于开展2026年工作的通知</a> 2026-11-20</li></ul>
<script>
try {{ fetch("{intra}/fetch"); }} catch (e) {{}}
try {{ var x = new XMLHttpRequest(); x.open("GET", "{intra}/xhr"); x.send(); }} catch (e) {{}}
try {{ new WebSocket("ws://{INTRA_HOST}:{p}/ws"); }} catch (e) {{}}
try {{ window.open("{intra}/popup"); }} catch (e) {{}}
try {{ navigator.sendBeacon("{intra}/beacon", "x"); }} catch (e) {{}}
</script>"""
    feed_redirect = redirect(f"{intra}/feed.xml", 302)
    return {
        "/": _html(home),
        "/redir": redirect(f"{intra}/redirected", 302),
        "/meta.html": _html(f'<meta http-equiv="refresh" content="0;url={intra}/meta">刷新中'),
        "/js.html": _html(f'<script>location.href = "{intra}/jsloc";</script>跳转中'),
        "/art/1.html": _html("<h1>关于开展2026年工作的通知</h1><p>正文</p>"),
        "/feed.xml": feed_redirect,  # rss handle
        "/api/container/getIndex": redirect(f"{intra}/weibo", 302),  # weibo mirror
        "/mp/profile_ext": redirect(f"{intra}/wechat", 302),  # wechat mirror (with a stored session)
    }


class _ProcWatch:
    """Every Chromium process seen in /proc while the audit runs, with its real uid."""

    def __init__(self) -> None:
        self.seen: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                except OSError:
                    continue
                if b"chromium" in cmd.split(b"\0", 1)[0] and b"--type=" not in cmd or b"playwright_chromiumdev_profile" in cmd:
                    uid = int(next(line for line in status.splitlines() if line.startswith("Uid:")).split()[1])
                    self.seen[int(pid)] = uid
            time.sleep(0.2)

    def __enter__(self) -> _ProcWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)


def _stored_texts(db: Path) -> list[str]:
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.connect() as conn:
        # Bodies live in body_blob (content-addressed, docs/scale.md); page_body holds older runs'.
        rows = [*conn.execute(sa.text("select html_z from body_blob")), *conn.execute(sa.text("select html_z from page_body"))]
    engine.dispose()
    bodies = [zlib.decompress(r[0]).decode("utf-8", "replace") for r in rows]
    assert any("测试县人民政府" in b for b in bodies), "the site's own pages were not found in the stored bodies"
    return bodies


def _audit(cli, tmp: Path, *extra: str) -> tuple[Intranet, FixtureServer, Path, object]:  # noqa: ANN001
    site = FixtureServer({}, host="127.0.0.2").start()
    p = site.port
    for path, route in _site_routes(p).items():
        site.add(path, route)
    intranet = Intranet(p)
    hosts = {"intranet.test": INTRA_HOST, "rebind.test": {"answers": [["127.0.0.2"], [INTRA_HOST]]}}
    sessions = tmp / "sessions"
    sessions.mkdir(parents=True)
    (sessions / "wechat.json").write_text(json.dumps({"cookies": [
        {"name": "wap_sid2", "value": "SESSION-SHOULD-NOT-LEAVE", "domain": ".qq.com", "path": "/"}], "origins": []}))
    base = site.base_url
    (tmp / "sites.yaml").write_text(f"""
sites:
  - id: "4200000020"
    name: 测试县人民政府
    url: {base}/
    accounts:
      - {{platform: rss, handle: "{base}/feed.xml", name: 订阅}}
      - {{platform: weibo, handle: "1234567890", name: 微博}}
      - {{platform: wechat, handle: "MzA4ODUzNjAxOA==", name: 公众号}}
platforms:
  weibo: {base}
  wechat: {base}
""", encoding="utf-8")
    with _ProcWatch() as watch:
        res = cli("audit", "--sites", str(tmp / "sites.yaml"), "--db", f"sqlite:///{tmp / 'g.db'}", "--out",
                  str(tmp / "out"), "--as-of", "2026-11-27", "--max-pages", "30", *extra,
                  env={"GOVAUDIT_TEST_HOSTS": json.dumps(hosts), "GOVAUDIT_STATE_DIR": str(sessions),
                       "GOVAUDIT_CRAWL_WORKERS": "1"}, timeout=600)
    site.stop()
    intranet.close()
    assert res.returncode == 0, res.stderr[-3000:]
    return intranet, site, tmp, watch


@pytest.mark.browser
@pytest.mark.slow
def test_intranet_never_reached_with_deny(cli, tmp_path: Path) -> None:  # noqa: ANN001
    intranet, site, tmp, watch = _audit(cli, tmp_path / "deny", "--deny", f"{INTRA_HOST}/32")
    assert intranet.log == [], intranet.log
    assert ("GET", "/") in site.log  # the loopback site itself was audited
    assert any(path == "/redir" for _, path in site.log) and any(path == "/feed.xml" for _, path in site.log)
    for text in _stored_texts(tmp / "g.db"):
        assert SECRET not in text
    for f in (tmp / "out").rglob("*"):
        if f.is_file():
            assert SECRET.encode() not in f.read_bytes(), f
            assert b"SESSION-SHOULD-NOT-LEAVE" not in f.read_bytes(), f
    if os.geteuid() == 0:
        assert watch.seen, "no Chromium process was seen"
        assert all(uid != 0 for uid in watch.seen.values()), watch.seen


@pytest.mark.browser
@pytest.mark.slow
def test_without_deny_the_sites_own_network_is_reached(cli, tmp_path: Path) -> None:  # noqa: ANN001
    # The negative control: the intranet lies in the loopback site's own /24, so without --deny it is
    # fetched — the acceptance test above would see a leak.
    intranet, site, tmp, _ = _audit(cli, tmp_path / "open")
    assert ("GET", "/") in site.log
    assert intranet.log, "the control audit never reached the site's own network"
    assert any(SECRET in text for text in _stored_texts(tmp / "g.db"))
    reached = " ".join(intranet.log)
    for route in ("/frame", "/jsloc", "/meta", "/popup", "/ws", "/xhr", "/fetch", "/named-frame", "/redirected",
                  "/feed.xml", "/weibo", "/wechat", "/search"):
        assert route in reached, route  # each attack is live: only the policy stops it
