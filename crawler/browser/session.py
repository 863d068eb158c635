"""One headless Chromium session per site for what needs a browser: a phone-size render, axe-core, and
search results that only appear with JavaScript. Playwright's sync API, Debian's Chromium (crawler.browser.launch)."""
from __future__ import annotations

import time
from pathlib import Path

from crawler.browser.deadline import AXE_CALL_S, bounded_sync
from crawler.browser.harden import context_proxy, launch_kwargs
from crawler.browser.settle import WALL_WAIT_S
from crawler.page import _CHALLENGE

AXE_JS = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 375, "height": 812}
PHONE_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/17.0 Mobile/15E148 Safari/604.1 govaudit")

# Measured in the page: the viewport meta, how wide the document is, and how large its visible text renders.
_MEASURE = """(phoneWidth) => {
  const vp = document.querySelector('meta[name="viewport" i]');
  const de = document.documentElement, body = document.body;
  const scrollWidth = Math.max(de.scrollWidth, body ? body.scrollWidth : 0);
  const scale = window.innerWidth ? phoneWidth / window.innerWidth : 1;
  const sizes = {}; let min = null;
  if (body) {
    const walker = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const text = walker.currentNode.textContent.replace(/\\s+/g, '');
      const el = walker.currentNode.parentElement;
      if (!text || !el || ['SCRIPT', 'STYLE', 'NOSCRIPT'].includes(el.tagName)) continue;
      const cs = getComputedStyle(el), r = el.getBoundingClientRect();
      if (cs.display === 'none' || cs.visibility === 'hidden' || r.width === 0 || r.height === 0) continue;
      const px = parseFloat(cs.fontSize) * scale;
      const bucket = (Math.round(px * 2) / 2).toFixed(1);
      sizes[bucket] = (sizes[bucket] || 0) + text.length;
      if (min === null || px < min) min = px;
    }
  }
  return {viewport: vp ? vp.getAttribute('content') : null, innerWidth: window.innerWidth, scrollWidth,
          minFont: min, sizes};
}"""

_AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return {version: axe.version, violations: r.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help, tags: v.tags, nodes: v.nodes.length,
    targets: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))};
}"""


def _content(page) -> str:  # noqa: ANN001
    """The page's HTML now (never cached: a challenge page is replaced by the real one when it reloads —
    a cache keyed on the page froze the first HTML, so every walled site failed its phone/axe/search render)."""
    try:
        return bounded_sync(page, "content")
    except TimeoutError:
        raise  # a blocked page: never "keep waiting"
    except Exception:  # noqa: BLE001 - navigating: no content yet
        return "__jsl_clearance"  # keep waiting


def _field(page, name: str):  # noqa: ANN001, ANN202 - a Playwright Locator
    """The form's input called `name` (crawled text): the inputs are tagged by script comparing the attribute
    as a value, and the locator names only that tag — no selector is ever built from the page's text."""
    bounded_sync(page, "evaluate", """(name) => {
      document.querySelectorAll('[data-govaudit-field]').forEach(e => e.removeAttribute('data-govaudit-field'));
      const hit = Array.from(document.querySelectorAll('form input')).find(e => e.getAttribute('name') === name);
      if (hit) hit.setAttribute('data-govaudit-field', '1');
    }""", name)
    return page.locator('[data-govaudit-field="1"]').first


def axe_source() -> str:
    return AXE_JS.read_text(encoding="utf-8")


class BrowserSession:
    """A launched Chromium; every method returns facts and never raises into the audit."""

    def __init__(self, timeout_s: float = 15.0, user_agent: str | None = None) -> None:
        from playwright.sync_api import sync_playwright

        self._pw = sync_playwright().start()
        try:
            self._browser = self._pw.chromium.launch(**launch_kwargs())
        except Exception:
            self._pw.stop()
            raise
        self._timeout_ms = timeout_s * 1000
        self._ua = user_agent
        # The site being gathered: its pages' contexts reach only what its EgressPolicy allows (set per site
        # by the gatherer; None: the strict policy — public addresses only).
        self.egress = None

    def close(self) -> None:
        try:
            self._browser.close()
        finally:
            self._pw.stop()

    def __enter__(self) -> BrowserSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _page(self, **ctx):  # noqa: ANN003, ANN202
        context = self._browser.new_context(ignore_https_errors=True, bypass_csp=True, proxy=context_proxy(self.egress),
                                            **ctx)
        context.set_default_timeout(self._timeout_ms)
        return context, context.new_page()

    def _open(self, page, url: str):  # noqa: ANN001, ANN202
        """Load a page and wait while an anti-bot challenge sets its cookie and reloads; a wall that
        never lets the browser through raises, so no rule judges the challenge page."""
        response = page.goto(url, wait_until="load")
        deadline = time.monotonic() + WALL_WAIT_S
        while _CHALLENGE.search(_content(page)[:20000]):
            if time.monotonic() > deadline:
                raise RuntimeError("antibot_wall: the challenge page never let the browser through")
            try:
                page.wait_for_load_state("load", timeout=1000)
                page.wait_for_timeout(250)
            except Exception:  # noqa: BLE001 - still reloading: look again
                pass
        return response

    def mobile(self, url: str, shot: Path | None) -> dict:
        """Render at 375×812 as a phone: viewport meta, document width, visible text sizes, a screenshot."""
        context, page = self._page(viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=1,
                                   user_agent=PHONE_UA)
        try:
            self._open(page, url)
            m = bounded_sync(page, "evaluate", _MEASURE, PHONE["width"])
            if shot is not None:
                bounded_sync(page, "screenshot", path=str(shot))
            return {"viewport_meta": m["viewport"], "viewport_width": PHONE["width"], "scroll_width": m["scrollWidth"],
                    "min_font_px": m["minFont"], "text_sizes": m["sizes"], "layout_width": m["innerWidth"]}
        except Exception as exc:  # noqa: BLE001 - a page the browser could not render is a fact
            return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
        finally:
            context.close()

    def axe(self, url: str, shot: Path | None) -> dict:
        """axe-core's violations on the page as a desktop browser shows it."""
        ua = {"user_agent": self._ua} if self._ua else {}
        context, page = self._page(viewport={"width": 1280, "height": 800}, **ua)
        try:
            self._open(page, url)
            bounded_sync(page, "add_script_tag", content=axe_source())
            result = bounded_sync(page, "evaluate", _AXE_RUN, seconds=AXE_CALL_S)
            if shot is not None:
                bounded_sync(page, "screenshot", path=str(shot))
            return {"axe_version": result["version"], "violations": result["violations"]}
        except Exception as exc:  # noqa: BLE001
            return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
        finally:
            context.close()

    def search(self, form_page: str, field: str, query: str, results_url: str | None, method: str,
               shot: Path | None) -> dict:
        """The results page as a browser shows it: a GET results URL loaded, or the form filled and sent."""
        ua = {"user_agent": self._ua} if self._ua else {}
        context, page = self._page(viewport={"width": 1280, "height": 800}, **ua)
        try:
            if method == "get" and results_url:
                response = self._open(page, results_url)
            else:
                self._open(page, form_page)
                # The field's name is crawled text: matched as a value, never written into a selector.
                box = _field(page, field)
                box.fill(query)
                with page.expect_navigation(wait_until="load"):
                    box.press("Enter")
                response = None
            try:
                page.wait_for_load_state("networkidle", timeout=5000)  # results filled in by script
            except Exception:  # noqa: BLE001 - a page that keeps polling still shows what it has
                pass
            if shot is not None:
                bounded_sync(page, "screenshot", path=str(shot), full_page=False)
            return {"status": response.status if response else None, "url": page.url,
                    "html": bounded_sync(page, "content")}
        except Exception as exc:  # noqa: BLE001
            return {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
        finally:
            context.close()
