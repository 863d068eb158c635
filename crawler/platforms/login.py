"""`govaudit login <platform>`: open a headed Chromium once, let a person log in, store the session.

The session is Playwright's storage state (cookies and local storage) in
`<state dir>/<platform>.json` (mode 0600); adapters use it when it exists. The state directory is
`$GOVAUDIT_STATE_DIR`, else `~/.local/share/govaudit/sessions`.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from crawler.browser.harden import launch_kwargs

LOGIN_URLS = {"wechat": "https://mp.weixin.qq.com/", "douyin": "https://www.douyin.com/",
              "toutiao": "https://www.toutiao.com/", "weibo": "https://m.weibo.cn/"}


class LoginError(RuntimeError):
    """The login cannot happen here (no display, no browser, unknown platform)."""


def state_dir() -> Path:
    return Path(os.environ.get("GOVAUDIT_STATE_DIR") or Path.home() / ".local" / "share" / "govaudit" / "sessions")


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def login(platform: str, base_url: str | None, directory: Path, wait: Callable[[str], object]) -> Path:
    """Open the platform in a visible browser, wait for the person, then store the session."""
    if platform not in LOGIN_URLS:
        raise LoginError(f"login: unknown platform {platform!r} (one of: {', '.join(sorted(LOGIN_URLS))})")
    if not has_display():
        raise LoginError("login needs a display for the visible browser window (DISPLAY or WAYLAND_DISPLAY is not "
                         "set): run it on a desktop, or over `ssh -X`, or with `xvfb-run` and a VNC viewer")
    from playwright.sync_api import sync_playwright

    url = (base_url.rstrip("/") + "/") if base_url else LOGIN_URLS[platform]
    secure_dir(directory)
    target = directory / f"{platform}.json"
    with sync_playwright() as pw:
        # A person logs in to the platform's public host: the strict egress policy (public addresses only).
        browser = pw.chromium.launch(**launch_kwargs(headless=False, drop_args=("--disable-gpu",)))
        try:
            context = browser.new_context(locale="zh-CN")
            page = context.new_page()
            page.goto(url)
            wait(f"在打开的浏览器窗口中登录 {platform}，完成后回到这里按回车 / log in in the browser window, then press Enter: ")
            write_private(target, json.dumps(context.storage_state()))
        finally:
            browser.close()
    return target


def secure_dir(directory: Path) -> Path:
    """The sessions folder, created 0700 (and tightened to it when it exists)."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    directory.chmod(0o700)
    return directory


def write_private(target: Path, text: str) -> Path:
    """A session file created 0600 from the start (never readable by others, not even for a moment)."""
    secure_dir(target.parent)
    tmp = target.with_name(f".{target.name}.{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, target)
    return target
