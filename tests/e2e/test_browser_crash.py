"""Chromium dies in the middle of a crawl: at most that page's render is lost, the run goes on and
later pages are rendered by a relaunched browser."""
from __future__ import annotations

import json
import os
import signal
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path

import pytest

from demo.server import FixtureServer, Route
from tests.conftest import run_cli
from tests.crawler.jssite import page

pytestmark = [pytest.mark.browser, pytest.mark.slow]

JS_LIST = ('<ul id="list" class="list"></ul><script>fetch("/api/items.json").then(r=>r.json()).then(xs=>'
           '{document.getElementById("list").innerHTML=xs.map(x=>"<li>"+x+"<span>2026-11-20</span></li>").join("")})'
           "</script>")


def _descendants(root: int) -> dict[int, str]:
    """pid → command line of every process below `root` (this test's own children only)."""
    parents, cmdlines = {}, {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
                cmdlines[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: dict[int, str] = {}
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in found:
                found[child] = cmdlines.get(child, "")
                frontier.append(child)
    return found


def _kill_our_browser() -> int:
    """Kill the Chromium browser process started (through the CLI child) by this test; returns its pid."""
    for pid, cmd in _descendants(os.getpid()).items():
        if "--disable-component-update" in cmd and "--type=" not in cmd and "chrom" in cmd:
            os.kill(pid, signal.SIGKILL)
            return pid
    return 0


def test_browser_crash_costs_one_page(tmp_path: Path) -> None:
    killed: list[int] = []

    def crash(method: str, path: str, headers: Mapping[str, str]) -> Route:
        if "Chrome" in (headers.get("User-Agent") or "") and not killed:
            time.sleep(2)  # let the homepage render finish first
            killed.append(_kill_our_browser())
        return page("崩溃栏目", JS_LIST + '<a href="/after/">下一页</a>')

    routes = {
        "/": page("崩溃测试县人民政府", '<a href="/crash/">栏目一</a>'),
        "/crash/": Route(answer=crash),
        "/after/": Route(body=page("过渡页", '<a href="/late/">栏目二</a>').body, delay=4),
        "/late/": page("栏目二", JS_LIST),
        "/api/items.json": Route(body=json.dumps(["条目甲", "条目乙", "条目丙"], ensure_ascii=False).encode(),
                                 content_type="application/json"),
    }
    with FixtureServer(routes, "127.0.0.1") as site:
        (tmp_path / "sites.yaml").write_text(f'sites:\n  - id: "9900000003"\n    name: 崩溃\n    url: {site.base_url}/\n',
                                             encoding="utf-8")
        proc = run_cli("audit", "--sites", str(tmp_path / "sites.yaml"), "--db", f"sqlite:///{tmp_path}/a.db",
                       "--out", str(tmp_path / "out"), timeout=200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert killed and killed[0], "the browser process was not found"
    with sqlite3.connect(tmp_path / "a.db") as conn:
        rows = {url.removeprefix(site.base_url): (rendered, json.loads(flags), status) for url, rendered, flags, status
                in conn.execute("SELECT url, rendered, flags, status FROM page")}
        (state, stats) = conn.execute("SELECT state, stats FROM run").fetchone()
    assert state == "complete"
    # The page being rendered when the browser died is either rendered again by a relaunched
    # browser (scrapy-playwright retries a closed target) or kept as its plain download.
    crashed_rendered, crashed_flags, crashed_status = rows["/crash/"]
    assert crashed_status == 200 and (crashed_rendered or "render_failed" in crashed_flags)
    assert rows["/late/"][0] == 1, "a page after the crash was not rendered by a relaunched browser"
    assert rows["/after/"][2] == 200  # found through the crashed page's links
    assert json.loads(stats)["browser"]["failed"] <= 1
