"""Which Chromium to drive (CONTRACT.md §1): GOVAUDIT_CHROMIUM, Playwright's own, then Debian's."""
from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import weakref
from pathlib import Path
from typing import Any

from crawler.egress import private_from_public

# Flags for a headless Chromium on a closed network (no background connections, no sandbox as root).
LAUNCH_ARGS = (
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
)


class BrowserNotFound(RuntimeError):
    """No Chromium could be found; run `make setup` (installs Debian's chromium)."""


def find_chromium() -> str:
    """The path of the browser to launch, in the contract's order."""
    explicit = os.environ.get("GOVAUDIT_CHROMIUM")
    if explicit:
        if os.access(explicit, os.X_OK):
            return explicit
        raise BrowserNotFound(f"GOVAUDIT_CHROMIUM={explicit} is not an executable file")
    home = os.environ.get("PLAYWRIGHT_BROWSERS_PATH") or str(Path.home() / ".cache" / "ms-playwright")
    for candidate in sorted(glob.glob(f"{home}/chromium-*/chrome-linux*/chrome"), reverse=True):
        if os.access(candidate, os.X_OK):
            return candidate
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.access(candidate, os.X_OK):
            return candidate
    raise BrowserNotFound("no Chromium found: set GOVAUDIT_CHROMIUM or run `make setup` (installs Debian's chromium)")


# --- scrapy-playwright wiring (docs/browser.md) -----------------------------------------------------
# Pages never need these to show their text; a screenshot needs images (fonts come from the system).
ABORT_ALWAYS = frozenset({"media"})
ABORT_UNLESS_SCREENSHOT = frozenset({"image", "font"})
PAGES_PER_CONTEXT = 4  # matches CONCURRENT_REQUESTS_PER_DOMAIN: a few pages per site at a time


def playwright_settings(navigation_timeout_s: float, pages_per_context: int = PAGES_PER_CONTEXT) -> dict:
    """Scrapy settings that send `meta={"playwright": True}` requests to one shared headless Chromium."""
    return {
        "DOWNLOAD_HANDLERS": {
            "http": "crawler.browser.handler.BoundedPlaywrightHandler",
            "https": "crawler.browser.handler.BoundedPlaywrightHandler",
            "file": None, "s3": None, "ftp": None, "data": None,  # only http(s) is fetched (crawler/egress)
        },
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        # As an unprivileged user with its sandbox where the kernel allows, all traffic through the egress
        # proxy (crawler/browser/harden.py); each site's context gets its own policy's proxy.
        "PLAYWRIGHT_LAUNCH_OPTIONS": _hardened_launch_options(),
        "PLAYWRIGHT_BROWSER_PROVIDER": "crawler.browser.launch.SharedBrowserProvider",
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": pages_per_context,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": navigation_timeout_s * 1000,
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.browser.launch.should_abort",
        # The browser's own headers (its cookies above all: a wall's cookie set by script must reach
        # the reload), not Scrapy's.
        "PLAYWRIGHT_PROCESS_REQUEST_HEADERS": None,
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
    }


def _hardened_launch_options() -> dict:
    from crawler.browser.harden import launch_kwargs

    return launch_kwargs()


CONTEXT_KWARGS = {"viewport": {"width": 1280, "height": 800}, "locale": "zh-CN", "ignore_https_errors": True,
                  "java_script_enabled": True}

# Pages whose render ends in a screenshot (their images must load); weak, so closed pages drop out.
_SCREENSHOT_PAGES: weakref.WeakSet = weakref.WeakSet()


async def page_init(page: Any, request: Any) -> None:
    """scrapy-playwright page init callback: note main-frame navigations, allow images for screenshots."""
    navigations: list = request.meta.setdefault("ga_navigations", [])

    def on_response(response: Any) -> None:
        try:
            if response.request.is_navigation_request() and response.frame == page.main_frame:
                navigations.append((response.url, response.status))
        except Exception:  # noqa: BLE001 - a closing page must not break the crawl
            pass

    page.on("response", on_response)
    if request.meta.get("ga_screenshot"):
        _SCREENSHOT_PAGES.add(page)


def should_abort(request: Any) -> bool:
    """Skip media always, images and fonts unless the page will be screenshotted, and subresources
    on private addresses when the page itself is public (CONTRACT.md §3)."""
    kind = request.resource_type
    if not request.is_navigation_request() and _private_from_public(request):
        return True
    if kind in ABORT_ALWAYS:
        return True
    if kind in ABORT_UNLESS_SCREENSHOT:
        try:
            return request.frame.page not in _SCREENSHOT_PAGES
        except Exception:  # noqa: BLE001 - a service worker request has no frame
            return True
    return False


def _private_from_public(request: Any) -> bool:
    """A request of a page on a public host to a loopback/private IP or localhost (crawler.egress)."""
    try:
        origin = request.frame.page.url
    except Exception:  # noqa: BLE001 - no page: be safe
        origin = None
    return private_from_public(request.url, origin)


class _SharedBrowser:
    """A handle on the one browser of the process: a crawler's `close()` leaves it open for the others
    (the provider closes it when the last crawler closes)."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    async def close(self) -> None:
        return None


class SharedBrowserProvider:
    """A scrapy-playwright browser provider: all site crawlers of one process share one Chromium.

    Each site's crawler has its own download handler; without this, every site would launch its own
    browser. Contexts stay per site (named after the run), so cookies never cross sites.
    """

    _lock: asyncio.Lock | None = None
    _manager: Any = None
    _playwright: Any = None
    _browser: Any = None
    _users = 0

    def __init__(self, config: Any) -> None:
        self.config = config
        self._started = False

    async def start(self) -> None:
        cls = type(self)
        if cls._lock is None:
            cls._lock = asyncio.Lock()
        async with cls._lock:
            if cls._playwright is None:
                from playwright.async_api import async_playwright

                cls._manager = async_playwright()
                cls._playwright = await cls._manager.start()
            cls._users += 1
            self._started = True

    async def launch_browser(self) -> Any:
        cls = type(self)
        async with cls._lock:
            if cls._browser is None or not cls._browser.is_connected():
                cls._browser = await cls._playwright.chromium.launch(**self.config.launch_options)
            return _SharedBrowser(cls._browser)

    async def launch_persistent_context(self, context_kwargs: dict) -> Any:
        from scrapy.exceptions import NotSupported

        raise NotSupported("govaudit uses one shared browser with a context per site, no persistent contexts")

    async def close(self) -> None:
        cls = type(self)
        if not self._started:
            return
        self._started = False
        async with cls._lock:
            cls._users -= 1
            if cls._users > 0:
                return
            browser, cls._browser = cls._browser, None
            manager, cls._manager, cls._playwright = cls._manager, None, None
            cls._lock = None
        if browser is not None:
            with contextlib.suppress(Exception):
                await browser.close()
        if manager is not None:
            with contextlib.suppress(Exception):
                await manager.__aexit__()
