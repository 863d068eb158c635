"""Screenshots of the pages findings are about, taken after judging (证据截图, docs/browser.md).

The composition root plans and captures them once the runs are judged: each distinct page that a
finding points at (its `page`, else its subject when that is a URL) is loaded in Chromium — one
context per site, walls passed as in the crawl — and saved as a compressed JPEG under
`OUT/<site-id>/evidence/`. The screenshots are facts of the run (storage/facts/evidence.py): the
findings document attaches each to the findings about its page. Only URLs the run itself fetched are
loaded, so the crawl's address rules (CONTRACT.md §3) hold here too.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from crawler.browser.launch import CONTEXT_KWARGS, LAUNCH_ARGS, find_chromium
from crawler.browser.settle import settle, take_screenshot
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


@dataclass
class SitePlan:
    run_id: int
    evidence_dir: Path
    marks: dict[str, set[str]] = field(default_factory=dict)  # page URL → link targets to outline on it


def evidence_name(url: str) -> str:
    """The file name of a page's screenshot (stable per URL)."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16] + ".jpg"


def plan_captures(run_id: int, evidence_dir: Path, fetched: set[str], findings: Iterable[tuple[str, str | None]],
                  limit: int = MAX_SHOTS_PER_SITE) -> SitePlan:
    """Which pages of a run to screenshot: the fetched pages its findings — (subject, page) pairs, in
    report order, those with a screenshot of their rule's own left out — are about, at most `limit`."""
    plan = SitePlan(run_id, evidence_dir)
    for subject, page in findings:
        url = shot_page(page, subject, fetched)
        if url is None or (url not in plan.marks and len(plan.marks) >= limit):
            continue
        marks = plan.marks.setdefault(url, set())
        if subject != url and subject.startswith(("http://", "https://")):
            marks.add(subject)
    return plan


def capture(plans: list[SitePlan], timeout_s: float = 15.0) -> list[FactRow]:
    """Screenshot the planned pages (one browser, one context per site); the screenshots as facts."""
    plans = [p for p in plans if p.marks]
    if not plans:
        return []
    shots = asyncio.run(_capture(plans, timeout_s))
    return [FactRow(plan.run_id, EvidenceShotFact(url=url, path=f"evidence/{path.name}",
                                                  marks=tuple(sorted(plan.marks[url]))))
            for plan in plans for url in plan.marks if (path := shots.get((plan.run_id, url))) is not None]


async def _capture(plans: list[SitePlan], timeout_s: float) -> dict[tuple[int, str], Path]:
    from playwright.async_api import async_playwright

    shots: dict[tuple[int, str], Path] = {}
    gate = asyncio.Semaphore(CONCURRENT_PAGES)
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=find_chromium(), headless=True, args=list(LAUNCH_ARGS))
        try:
            for plan in plans:  # one context per site: a wall's cookie serves all its pages
                context = await browser.new_context(**CONTEXT_KWARGS)
                context.set_default_navigation_timeout(timeout_s * 1000)
                try:
                    done = await asyncio.gather(*(_shoot(context, gate, url, plan.evidence_dir / evidence_name(url),
                                                         sorted(marks))
                                                  for url, marks in plan.marks.items()))
                finally:
                    await context.close()
                shots.update({(plan.run_id, url): path for url, path in zip(plan.marks, done, strict=True) if path})
        finally:
            await browser.close()
    return shots


async def _shoot(context, gate: asyncio.Semaphore, url: str, path: Path,  # noqa: ANN001
                 marks: list[str]) -> Path | None:
    """Load one page as a person would, outline the links findings are about, save its screenshot;
    None when nothing could be shown."""
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
                    await page.evaluate(_HIGHLIGHT_JS, marks)
                except Exception:  # noqa: BLE001 - an unmarked screenshot is still evidence
                    pass
            await take_screenshot(page, path)
            if path.stat().st_size > MAX_BYTES:
                await take_screenshot(page, path, quality=35)
            return path
        except Exception as exc:  # noqa: BLE001 - one page's failure costs its screenshot only
            log.warning("evidence: %s: %s", url, exc)
            return None
        finally:
            await page.close()
