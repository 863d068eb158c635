"""What happens inside Chromium for one rendered page, after scrapy-playwright's `goto` (docs/browser.md).

`settle` runs as a scrapy-playwright page method: it lets an anti-bot challenge reload the page,
waits for script-filled lists, and for the homepage takes load timings, marks hidden links and a
full-page screenshot. It never raises: whatever went wrong is reported in its result, and the
page is closed by scrapy-playwright as usual.
"""
from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from typing import Any

from crawler.browser.deadline import bounded
from crawler.browser.visibility import LINK_VISIBILITY_JS
from crawler.page import _CHALLENGE

WALL_WAIT_S = 8.0  # a challenge script usually reloads within a second or two
LIST_WAIT_S = 3.0  # a script-filled list usually appears within a few hundred milliseconds
SCREENSHOT_MAX_HEIGHT = 6000
SCREENSHOT_QUALITY = 60

_TIMINGS_JS = """() => {
  const n = performance.getEntriesByType('navigation')[0];
  const paint = performance.getEntriesByType('paint').find(p => p.name === 'first-contentful-paint');
  if (!n) return null;
  return {ttfb_ms: n.responseStart, dom_content_loaded_ms: n.domContentLoadedEventEnd,
          load_ms: n.loadEventEnd, first_contentful_paint_ms: paint ? paint.startTime : null,
          transfer_bytes: n.transferSize};
}"""

# Marks each link of the rendered homepage with how a person sees it, so rules on hidden links
# (content.hidden_link) can read computed styles from the stored DOM: data-ga-hidden="reason".
_MARK_HIDDEN_JS = """() => {
  const W = document.documentElement.scrollWidth, H = document.documentElement.scrollHeight;
  const bg = el => { for (let e = el; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
      if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
  let hidden = 0;
  for (const a of document.querySelectorAll('a[href]')) {
    const s = getComputedStyle(a), r = a.getBoundingClientRect();
    let why = null;
    if (!a.checkVisibility({opacityProperty: true, visibilityProperty: true})) why = 'not_rendered';
    else if (r.width < 1 || r.height < 1) why = 'zero_size';
    else if (r.right + scrollX <= 0 || r.bottom + scrollY <= 0 || r.left + scrollX >= W || r.top + scrollY >= H) why = 'off_screen';
    else if (parseFloat(s.fontSize) < 2) why = 'tiny_font';
    else if (s.color === bg(a) && a.textContent.trim()) why = 'same_colour';
    if (why) { a.setAttribute('data-ga-hidden', why); hidden++; }
  }
  document.documentElement.setAttribute('data-ga-rendered', '1');
  return hidden;
}"""

_DATE = re.compile(r"(?:19|20)\d{2}\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)")


async def settle(page: Any, *, wall: bool, wait_list: bool, screenshot: str | None = None,
                 timings: bool = False, mark_links: bool = False, navigations: list | None = None) -> dict:
    """Let the page become what a person sees; returns facts (`passed_wall`, `status`, `cookies`, …)."""
    out: dict[str, Any] = {"errors": []}
    started = time.perf_counter()
    try:
        html = await _content(page)
        if wall:
            out["challenged"] = bool(_CHALLENGE.search(html[:20000]))
            html = await _wait_past_wall(page, html)
            out["passed_wall"] = not _CHALLENGE.search(html[:20000])
            out["cookies"] = [{"name": c["name"], "value": c["value"], "domain": c.get("domain"),
                               "path": c.get("path", "/")} for c in await bounded(page.context.cookies(page.url))]
        if wait_list or timings:
            await _wait_for_list(page)
        if timings:
            out["timings"] = await bounded(page.evaluate(_TIMINGS_JS), what="timings")
        if mark_links:
            # computed style of every outside link, for content.hidden_link (crawler/browser/visibility.py)
            out["link_visibility"] = await bounded(page.evaluate(LINK_VISIBILITY_JS), what="link visibility")
            out["hidden_links"] = await bounded(page.evaluate(_MARK_HIDDEN_JS), what="hidden links")
        if screenshot:
            out["screenshot"] = await take_screenshot(page, Path(screenshot))
    except Exception as exc:  # noqa: BLE001 - a broken page costs its own facts, never the crawl
        out["errors"].append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200] if str(exc) else ''}")
    shown = [n for n in navigations or () if not 300 <= n[1] < 400]
    if shown:
        out["status"] = shown[-1][1]  # the status of the page finally shown, not of the challenge
        out["navigations"] = [list(n) for n in shown[-5:]]
    out["settle_ms"] = round((time.perf_counter() - started) * 1000, 1)
    return out


async def _content(page: Any, tries: int = 6) -> str:
    """The page's HTML; retried while a navigation (a challenge's reload) replaces the document."""
    for _ in range(tries):
        try:
            return await bounded(page.content(), what="page.content()")
        except TimeoutError:
            raise  # a blocked page: no retry
        except Exception:  # noqa: BLE001 - "execution context was destroyed" during a reload
            await asyncio.sleep(0.2)
            try:
                await page.wait_for_load_state("domcontentloaded", timeout=3000)
            except Exception:  # noqa: BLE001
                pass
    return await bounded(page.content(), what="page.content()")


async def _wait_past_wall(page: Any, html: str) -> str:
    """Wait while the challenge script sets its cookie and reloads (up to WALL_WAIT_S)."""
    deadline = time.monotonic() + WALL_WAIT_S
    while _CHALLENGE.search(html[:20000]) and time.monotonic() < deadline:
        await asyncio.sleep(0.25)
        try:
            await page.wait_for_load_state("load", timeout=max(100, (deadline - time.monotonic()) * 1000))
        except Exception:  # noqa: BLE001 - still loading: look again
            pass
        html = await _content(page)
    return html


async def _wait_for_list(page: Any) -> None:
    """Wait until script-filled content stops growing (network quiet, text stable), up to LIST_WAIT_S."""
    deadline = time.monotonic() + LIST_WAIT_S
    try:
        await page.wait_for_load_state("networkidle", timeout=LIST_WAIT_S * 1000)
    except Exception:  # noqa: BLE001 - pages that poll never go idle
        pass
    last = -1
    while time.monotonic() < deadline:
        size = await bounded(page.evaluate("() => document.body ? document.body.innerText.length : 0"),
                             what="text length")
        if size == last:
            return
        last = size
        await asyncio.sleep(0.15)


async def take_screenshot(page: Any, path: Path, quality: int = SCREENSHOT_QUALITY) -> str:
    """A full-page JPEG (height capped at SCREENSHOT_MAX_HEIGHT px); returns the path written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    height = await bounded(page.evaluate(
        "() => Math.max(document.documentElement ? document.documentElement.scrollHeight : 0, "
        "document.body ? document.body.scrollHeight : 0)"), what="page height")
    width = (page.viewport_size or {"width": 1280})["width"]
    clip = {"x": 0, "y": 0, "width": width, "height": max(1, min(int(height or 800), SCREENSHOT_MAX_HEIGHT))}
    await bounded(page.screenshot(path=str(path), type="jpeg", quality=quality, full_page=True, clip=clip,
                                  animations="disabled", timeout=10000), 12.0, "screenshot")
    return str(path)
