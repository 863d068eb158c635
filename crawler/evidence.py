"""Screenshots of the pages findings are about, taken after judging (证据截图, docs/browser.md).

The composition root calls `capture_findings` once the runs are judged: each distinct page that a
finding points at (its `page`, else its subject when that is a URL) is loaded in Chromium — one
context per site, walls passed as in the crawl — and saved as a compressed JPEG under
`OUT/<site-id>/evidence/`; the findings get `screenshot = "evidence/<file>"`. Only URLs the run
itself fetched are loaded, so the crawl's address rules (CONTRACT.md §3) hold here too.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from crawler.browser import CONTEXT_KWARGS, LAUNCH_ARGS, find_chromium
from crawler.render import settle, take_screenshot
from storage import models as m
from storage.session import session_scope

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
    site_id: str
    evidence_dir: Path
    pages: dict[str, list[int]] = field(default_factory=dict)  # URL → ids of the findings about it
    marks: dict[str, set[str]] = field(default_factory=dict)  # URL → link targets to outline on it


def evidence_name(url: str) -> str:
    """The file name of a page's screenshot (stable per URL)."""
    return hashlib.sha1(url.encode("utf-8")).hexdigest()[:16] + ".jpg"


def plan_captures(db_url: str, run_ids: list[int], out: Path, limit: int = MAX_SHOTS_PER_SITE) -> list[SitePlan]:
    """Which pages to screenshot for each run: the fetched pages its findings are about, at most `limit`."""
    plans = []
    with session_scope(db_url) as session:
        for run_id in run_ids:
            run = session.get(m.Run, run_id)
            fetched = set(session.scalars(select(m.Page.url).where(m.Page.run_id == run_id)))
            plan = SitePlan(run_id, run.site_id, out / run.site_id / "evidence")
            for f in session.scalars(select(m.Finding).where(m.Finding.run_id == run_id).order_by(m.Finding.id)):
                if f.screenshot:  # the rule's own evidence (a phone render, a search results page) stays
                    continue
                url = _page_of(f.page, f.subject, fetched)
                if url is None or (url not in plan.pages and len(plan.pages) >= limit):
                    continue
                plan.pages.setdefault(url, []).append(f.id)
                if f.subject != url and f.subject.startswith(("http://", "https://")):
                    plan.marks.setdefault(url, set()).add(f.subject)
            if plan.pages:
                plans.append(plan)
    return plans


def _page_of(page: str | None, subject: str, fetched: set[str]) -> str | None:
    for url in (page, subject):
        if url and url.startswith(("http://", "https://")) and url in fetched:
            return url
    return None


def capture_findings(db_url: str, run_ids: list[int], out: Path, timeout_s: float = 15.0,
                     limit: int = MAX_SHOTS_PER_SITE) -> int:
    """Screenshot the finding pages of the runs and store the paths on the findings; returns how many files."""
    plans = plan_captures(db_url, run_ids, out, limit)
    if not plans:
        return 0
    shots = asyncio.run(_capture(plans, timeout_s))
    written = 0
    with session_scope(db_url) as session:
        for plan in plans:
            for url, finding_ids in plan.pages.items():
                path = shots.get((plan.run_id, url))
                if path is None:
                    continue
                written += 1
                for fid in finding_ids:
                    session.get(m.Finding, fid).screenshot = f"evidence/{path.name}"
    return written


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
                                                         sorted(plan.marks.get(url, ())))
                                                  for url in plan.pages))
                finally:
                    await context.close()
                shots.update({(plan.run_id, url): path for url, path in zip(plan.pages, done, strict=True) if path})
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
