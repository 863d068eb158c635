"""Screenshots of the pages findings are about, taken after judging (证据截图, docs/browser.md).

The composition root plans and captures them once the runs are judged: each distinct page that a
finding points at (its `page`, else its subject when that is a URL) is loaded in Chromium — one
context per site, walls passed as in the crawl — and saved as a compressed JPEG under
`OUT/<site-id>/evidence/`. Beside the full page it saves the page's first screen and one crop per
element the findings point at — the locator terms the composition root hands over
(reports/evidence_targets.py: a link's URL, a visible string, the footer), each outlined in red and
cropped with a margin around it. The screenshots are facts of the run (storage/facts/evidence.py): the
findings document attaches each to the findings about its page. Only URLs the run itself fetched are
loaded, so the crawl's address rules (CONTRACT.md §3) hold here too.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.browser.deadline import bounded
from crawler.browser.harden import context_proxy, launch_kwargs
from crawler.browser.launch import CONTEXT_KWARGS
from crawler.egress import policy_for_site
from crawler.browser.settle import SCREENSHOT_QUALITY, settle, take_screenshot
from storage.facts import FactRow
from storage.facts.evidence import EvidenceShotFact, shot_page

log = logging.getLogger(__name__)

MAX_SHOTS_PER_SITE = 40
MAX_BYTES = 1_500_000  # a bigger JPEG is taken again at a lower quality and height
CONCURRENT_PAGES = 3


# Outlines the links a finding is about (a broken link's anchor, a dead image) so a person sees it at once.
_HIGHLIGHT_JS = """(urls) => {
  const wanted = new Set(urls); let n = 0;
  for (const el of document.querySelectorAll('a[href], area[href], img[src], iframe[src]')) {
    const url = (el.href || el.src || '').split('#')[0];
    if (wanted.has(url)) { el.style.outline = '3px solid #e00'; el.style.outlineOffset = '2px'; n++; }
  }
  return n;
}"""


# Finds each locator term on the page and returns its rectangle in page pixels (null when absent or
# invisible): a link or image by its URL, a visible string, the footer (the box of its visible content).
_LOCATE_JS = """(terms) => {
  const page = r => [r.left + scrollX, r.top + scrollY, r.width, r.height];
  const visible = r => r.width >= 1 && r.height >= 1;
  const byHref = url => { for (const el of document.querySelectorAll('a[href], area[href], img[src], iframe[src]')) {
      if ((el.href || el.src || '').split('#')[0] !== url) continue;
      const r = el.getBoundingClientRect(); if (visible(r)) return page(r); } return null; };
  const byText = s => { const w = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
    for (let n = w.nextNode(); n; n = w.nextNode()) {
      const i = n.nodeValue.indexOf(s); if (i < 0) continue;
      const p = n.parentElement; if (!p || /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|TITLE)$/.test(p.tagName)) continue;
      if (p.checkVisibility && !p.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
      const range = document.createRange(); range.setStart(n, i); range.setEnd(n, i + s.length);
      const r = range.getBoundingClientRect(); if (!visible(r)) continue;
      return page(r); } return null; };
  const footer = () => { let best = null, bottom = -1;
    for (const el of document.querySelectorAll('footer, [role=contentinfo], [id*=foot i], [class*=foot i], #bottom, .bottom')) {
      const r = el.getBoundingClientRect(); if (!visible(r) || r.width < 200) continue;
      const b = r.bottom + scrollY; if (b > bottom + 1) { best = el; bottom = b; } }
    if (!best) return null;
    let l = Infinity, t = Infinity, rr = -Infinity, bb = -Infinity;  // the box of its visible text and images
    const w = document.createTreeWalker(best, NodeFilter.SHOW_TEXT | NodeFilter.SHOW_ELEMENT);
    for (let n = w.currentNode; n; n = w.nextNode()) {
      let r = null;
      if (n.nodeType === 3 && n.nodeValue.trim()) { const g = document.createRange(); g.selectNodeContents(n); r = g.getBoundingClientRect(); }
      else if (n.nodeType === 1 && /^(IMG|IFRAME|SVG|CANVAS)$/i.test(n.tagName)) r = n.getBoundingClientRect();
      if (!r || !visible(r)) continue;
      l = Math.min(l, r.left); t = Math.min(t, r.top); rr = Math.max(rr, r.right); bb = Math.max(bb, r.bottom); }
    return l < rr ? [l + scrollX, t + scrollY, rr - l, bb - t] : page(best.getBoundingClientRect()); };
  return terms.map(term => { const i = term.indexOf(':'), kind = term.slice(0, i), value = term.slice(i + 1);
    if (kind === 'href') return byHref(value);
    if (kind === 'text') return byText(value);
    if (kind === 'region' && value === 'footer') return footer();
    return null; });
}"""

# Red boxes over located strings (an overlay on the root element, so the page's layout does not move);
# links are outlined in place by _HIGHLIGHT_JS instead. Called with [] to remove them again.
_BOX_JS = """(rects) => {
  for (const d of document.querySelectorAll('[data-ga-box]')) d.remove();
  for (const [l, t, w, h] of rects) { const d = document.createElement('div'); d.setAttribute('data-ga-box', '');
    d.style.cssText = `position:absolute;left:${l - 4}px;top:${t - 4}px;width:${w + 8}px;height:${h + 8}px;` +
      'border:3px solid #e00;box-sizing:border-box;z-index:2147483647;pointer-events:none;margin:0';
    document.documentElement.appendChild(d); }
  return rects.length;
}"""

SCREEN = "region:screen"
CROP_MARGIN = 24  # px of context around an element
CROP_MIN = (560, 200)  # a crop never smaller than this (width, height): enough to see where it is
CROP_MAX_HEIGHT = 640  # a tall element (a long footer) is shown from its top
SCREEN_HEIGHT = 800


@dataclass
class SitePlan:
    run_id: int
    evidence_dir: Path
    marks: dict[str, set[str]] = field(default_factory=dict)  # page URL → link targets to outline on it
    terms: dict[str, list[str]] = field(default_factory=dict)  # page URL → locator terms to crop, in order
    egress: Any = None  # the site's EgressPolicy: its context's proxy (crawler.egress.proxy); None: strict


def evidence_name(url: str, term: str | None = None) -> str:
    """The file name of a page's screenshot, or of its crop for a locator term (stable per URL and term)."""
    key = url if term is None else f"{url}\n{term}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:16] + ".jpg"


def crop_box(rect: Sequence[float], page_width: int, page_height: int) -> tuple[int, int, int, int]:
    """The crop around an element's rectangle (x, y, w, h): a margin, a minimum size around its centre,
    at most CROP_MAX_HEIGHT tall (from its top), kept inside the page."""
    x, y, w, h = (float(v) for v in rect)
    left, top, right, bottom = x - CROP_MARGIN, y - CROP_MARGIN, x + w + CROP_MARGIN, y + h + CROP_MARGIN
    for axis, least in ((0, CROP_MIN[0]), (1, CROP_MIN[1])):
        lo, hi = (left, right) if axis == 0 else (top, bottom)
        if hi - lo < least:
            grow = (least - (hi - lo)) / 2
            lo, hi = lo - grow, hi + grow
        if axis == 0:
            left, right = lo, hi
        else:
            top, bottom = lo, min(hi, lo + CROP_MAX_HEIGHT)

    def inside(lo: float, hi: float, size: int) -> tuple[int, int]:
        span = min(hi - lo, size)
        lo = min(max(lo, 0), size - span)
        return int(lo), max(1, round(span))

    cx, cw = inside(left, right, max(1, page_width))
    cy, ch = inside(top, bottom, max(1, page_height))
    return cx, cy, cw, ch


def plan_captures(run_id: int, evidence_dir: Path, fetched: set[str],
                  findings: Iterable[tuple[str, str | None, Sequence[str]]],
                  limit: int = MAX_SHOTS_PER_SITE) -> SitePlan:
    """Which pages of a run to screenshot: the fetched pages its findings — (subject, page, locator terms)
    in report order, those with a screenshot of their rule's own left out — are about, at most `limit`."""
    plan = SitePlan(run_id, evidence_dir)
    for subject, page, terms in findings:
        url = shot_page(page, subject, fetched)
        if url is None or (url not in plan.marks and len(plan.marks) >= limit):
            continue
        marks = plan.marks.setdefault(url, set())
        if subject != url and subject.startswith(("http://", "https://")):
            marks.add(subject)
        marks.update(t.removeprefix("href:") for t in terms if t.startswith("href:"))
        wanted = plan.terms.setdefault(url, [])
        wanted.extend(t for t in terms if t not in wanted and t != SCREEN)
    return plan


@dataclass
class PageShots:
    """What one page's capture saved: the full page, its first screen, and the crops by term."""

    page: Path
    screen: tuple[Path, tuple[int, ...]] | None = None
    crops: dict[str, tuple[Path, tuple[int, ...]]] = field(default_factory=dict)


def capture(plans: list[SitePlan], timeout_s: float = 15.0) -> list[FactRow]:
    """Screenshot the planned pages (one browser, one context per site); the screenshots as facts."""
    plans = [p for p in plans if p.marks]
    if not plans:
        return []
    shots = asyncio.run(_capture(plans, timeout_s))
    rows: list[FactRow] = []
    for plan in plans:
        for url in plan.marks:
            got = shots.get((plan.run_id, url))
            if got is None:
                continue
            rows.append(FactRow(plan.run_id, EvidenceShotFact(url=url, path=f"evidence/{got.page.name}",
                                                              marks=tuple(sorted(plan.marks[url])))))
            if got.screen is not None:
                rows.append(FactRow(plan.run_id, EvidenceShotFact(
                    url=url, path=f"evidence/{got.screen[0].name}", kind="screen", box=got.screen[1])))
            rows.extend(FactRow(plan.run_id, EvidenceShotFact(url=url, path=f"evidence/{path.name}", kind="element",
                                                              marks=(term,), box=box))
                        for term, (path, box) in got.crops.items())
    return rows


async def _capture(plans: list[SitePlan], timeout_s: float) -> dict[tuple[int, str], PageShots]:
    from playwright.async_api import async_playwright

    shots: dict[tuple[int, str], PageShots] = {}
    gate = asyncio.Semaphore(CONCURRENT_PAGES)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**launch_kwargs())
        try:
            for plan in plans:  # one context per site: a wall's cookie serves all its pages
                # The site's policy (the pipeline sets it); without one, what the planned pages' own host unlocks.
                egress = plan.egress or policy_for_site(next(iter(plan.marks)))
                context = await browser.new_context(**CONTEXT_KWARGS, proxy=context_proxy(egress))
                context.set_default_navigation_timeout(timeout_s * 1000)
                try:
                    done = await asyncio.gather(*(_shoot(context, gate, url, plan.evidence_dir, sorted(marks),
                                                         plan.terms.get(url, []))
                                                  for url, marks in plan.marks.items()))
                finally:
                    await context.close()
                shots.update({(plan.run_id, url): path for url, path in zip(plan.marks, done, strict=True) if path})
        finally:
            await browser.close()
    return shots


async def _shoot(context, gate: asyncio.Semaphore, url: str, folder: Path,  # noqa: ANN001
                 marks: list[str], terms: list[str]) -> PageShots | None:
    """Load one page as a person would, outline the links findings are about, save its screenshot, its
    first screen and a crop around each term found; None when nothing could be shown."""
    path = folder / evidence_name(url)
    async with gate:
        page = await context.new_page()
        try:
            navigations: list = []
            page.on("response", lambda r: navigations.append((r.url, r.status))
                    if r.request.is_navigation_request() and r.frame == page.main_frame else None)
            try:
                await page.goto(url, wait_until="load")
            except Exception as exc:  # noqa: BLE001 - a page that never loads is still shown as it is
                log.info("evidence: %s did not finish loading: %s", url, str(exc).splitlines()[0])
            await settle(page, wall=True, wait_list=True, navigations=navigations)
            if marks:
                try:
                    await bounded(page.evaluate(_HIGHLIGHT_JS, marks), what="highlight")
                except Exception:  # noqa: BLE001 - an unmarked screenshot is still evidence
                    pass
            located = await _locate(page, terms)
            await _boxes(page, [r for t, r in located.items() if t.startswith("text:")])
            await take_screenshot(page, path)
            if path.stat().st_size > MAX_BYTES:
                await take_screenshot(page, path, quality=35)
            return await _crops(page, url, folder, PageShots(path), located)
        except Exception as exc:  # noqa: BLE001 - one page's failure costs its screenshot only
            log.warning("evidence: %s: %s", url, exc)
            return None
        finally:
            try:
                await bounded(page.close(run_before_unload=False), what="page.close()")
            except Exception as exc:  # noqa: BLE001 - the context's close takes it with it
                log.info("evidence: closing %s: %s", url, exc)


async def _locate(page, terms: list[str]) -> dict[str, list[float]]:
    """term → its rectangle on the page, for the terms found."""
    if not terms:
        return {}
    try:
        rects = await bounded(page.evaluate(_LOCATE_JS, terms), what="locate")
    except Exception as exc:  # noqa: BLE001 - without crops the first screen still shows the page
        log.info("evidence: locating %d terms failed: %s", len(terms), str(exc).splitlines()[0])
        return {}
    return {term: rect for term, rect in zip(terms, rects, strict=True) if rect}


async def _crops(page, url: str, folder: Path, shots: PageShots,
                 located: dict[str, list[float]]) -> PageShots:
    """The first screen and one crop per located term (a failed crop costs that crop only)."""
    width = (page.viewport_size or {"width": 1280})["width"]
    height = int(await bounded(page.evaluate("() => Math.max(document.documentElement.scrollHeight, "
                                             "document.body ? document.body.scrollHeight : 0)"), what="height")
                 or SCREEN_HEIGHT)
    wanted = [(SCREEN, (0, 0, width, max(1, min(height, SCREEN_HEIGHT))))]
    wanted += [(term, crop_box(rect, width, height)) for term, rect in located.items()]
    for term, box in wanted:
        target = folder / evidence_name(url, term)
        # each crop boxes its own string only, so a crop never points at another finding's words
        await _boxes(page, [located[term]] if term.startswith("text:") else [])
        try:
            await bounded(page.screenshot(path=str(target), type="jpeg", quality=SCREENSHOT_QUALITY, full_page=True,
                                          clip=dict(zip(("x", "y", "width", "height"), box, strict=True)),
                                          animations="disabled", timeout=10000), 12.0, "screenshot")
        except Exception as exc:  # noqa: BLE001
            log.info("evidence: crop %s of %s failed: %s", term, url, str(exc).splitlines()[0])
            continue
        if term == SCREEN:
            shots.screen = (target, box)
        else:
            shots.crops[term] = (target, box)
    return shots


async def _boxes(page, rects: list[list[float]]) -> None:
    try:
        await bounded(page.evaluate(_BOX_JS, rects), what="boxes")
    except Exception as exc:  # noqa: BLE001 - an unboxed screenshot is still evidence
        log.info("evidence: boxing %d strings failed: %s", len(rects), str(exc).splitlines()[0])
