"""The dashboard in real Chromium (issue 18's acceptance): `govaudit serve`'s app on uvicorn over a real
audit of the demo portal (with the browser, so the screenshots are real). A supervisor logs in and sees both
sites; a unit logs in, sees only its site, opens a problem with its screenshot and submits 整改情况 + 整改链接 →
the problem is `rectifying`, and the supervisor sees it so. The planted `<script>` in a crawled title shows
as text and never runs. The overview and site pages are saved as screenshots (GOVAUDIT_TEST_ARTIFACTS, else
the test's tmp_path)."""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.service.world import PASSWORD, SCRIPT_TITLE, SITE_A, SITE_B, World, build_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FIX_LINK = "https://www.example.gov.cn/zgqk/2026/fix-1.html"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("dashboard-browser")
    return build_world(f"sqlite:///{tmp / 'govaudit.db'}", tmp, browser=True)


@pytest.fixture(scope="module")
def server(world: World):
    """The app on uvicorn on a free loopback port, with Secure cookies as `govaudit serve` sets them."""
    import uvicorn

    from govaudit.service.app import create_app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(world.url, out_dir=world.out), host="127.0.0.1", port=port,
                            log_level="warning", lifespan="off")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    from crawler.browser.launch import LAUNCH_ARGS, find_chromium

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), headless=True, args=list(LAUNCH_ARGS))
        yield browser
        browser.close()


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("GOVAUDIT_TEST_ARTIFACTS") or tmp_path / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _login(chromium, server: str, who: str):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/")
    assert page.url.endswith("/login")
    page.fill("input[name=name]", who)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("#whoami")
    assert who in page.inner_text("#whoami")
    return context, page, errors


def test_dashboard_in_chromium(chromium, server: str, world: World, artifacts: Path) -> None:
    # the supervisor: both sites, the chart drawn by the vendored ECharts under the CSP
    sup_ctx, sup, sup_errors = _login(chromium, server, "sup")
    cookie = next(c for c in sup_ctx.cookies() if c["name"] == "ga_session")
    assert cookie["httpOnly"] and cookie["secure"]
    links = sup.locator("#ranking a").all_inner_texts()
    assert "示例县人民政府" in links and len(links) == 2
    assert sup.locator(f'#ranking a[href="/sites/{SITE_B}"]').count() == 1
    sup.wait_for_selector("#trend[data-rendered='1'] canvas")
    sup.screenshot(path=str(artifacts / "overview.png"), full_page=True)

    # the planted <script> of a crawled title: shown as text, never run
    sup.goto(f"{server}/sites/{SITE_B}")
    assert sup.locator("td.message", has_text=SCRIPT_TITLE).count() >= 1
    assert sup.evaluate("typeof window.__pwned") == "undefined"
    assert not sup_errors, sup_errors

    # the unit: only its own site; the other's page is 404
    unit_ctx, unit, unit_errors = _login(chromium, server, "unit_a")
    assert unit.locator("#ranking a").all_inner_texts() == ["示例县人民政府"]
    assert unit.goto(f"{server}/sites/{SITE_B}").status == 404
    unit.goto(f"{server}/sites/{SITE_A}")
    unit.wait_for_selector("#site-trend[data-rendered='1'] canvas")
    unit.screenshot(path=str(artifacts / "site.png"), full_page=True)
    # a problem with its screenshot (taken by the audit's Chromium)
    row = unit.locator("table.problems tr", has=unit.locator("img.thumb")).first
    href = row.locator("a.problem-link").get_attribute("href")
    row.locator("a.problem-link").click()
    unit.wait_for_selector("#evidence")
    assert unit.url.endswith(href)
    assert unit.evaluate("document.getElementById('evidence').complete && "
                         "document.getElementById('evidence').naturalWidth") > 100
    unit.screenshot(path=str(artifacts / "problem.png"), full_page=True)
    assert unit.get_attribute("#problem-state", "data-state") == "open"
    unit.select_option("#rectify-form select[name=status]", "已整改")
    unit.fill("#rectify-form input[name=link]", FIX_LINK)
    unit.fill("#rectify-form textarea[name=note]", "已修复首页链接")
    unit.click("#rectify-form button[type=submit]")
    unit.wait_for_selector(".notice")
    assert unit.get_attribute("#problem-state", "data-state") == "rectifying"
    assert FIX_LINK in unit.inner_text("#events")
    assert not unit_errors, unit_errors

    # the supervisor sees it
    problem_id = int(href.rsplit("/", 1)[1])
    sup.goto(f"{server}/problems/{problem_id}")
    assert sup.get_attribute("#problem-state", "data-state") == "rectifying"
    sup.goto(f"{server}/sites/{SITE_A}")
    state = sup.locator(f'table.problems tr:has(a[href="/problems/{problem_id}"]) td[class^="state-"]')
    assert state.get_attribute("class") == "state-rectifying"
    for name in ("overview.png", "site.png", "problem.png"):
        assert (artifacts / name).stat().st_size > 10_000, name
    unit_ctx.close()
    sup_ctx.close()
