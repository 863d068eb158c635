"""How tall is a report.html with all its evidence loaded, and what does its first screen show?

Run: ``.venv/bin/python bench/report_height.py OUT/<site-id>/report.html [more.html …]``.
Loads each report in Chromium at 1280×800 (the desktop width the report is designed for), makes
every lazy image load (``loading=eager``, then waits until all images are complete), and prints
the document's height in CSS pixels, the number of images and their total pixel area, and the
text of the first screen (what a unit sees before scrolling). `--open-details` measures with every
collapsed part opened (the evidence tables, the full indicator table). Used for issue 22's acceptance
(the new report's height ≤ 1/3 of the old one's on the demo; docs/report.md).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from crawler.browser.launch import LAUNCH_ARGS, find_chromium  # noqa: E402

VIEWPORT = {"width": 1280, "height": 800}

_LOAD_ALL_JS = """async () => {
  for (const img of document.images) { img.loading = 'eager'; }
  await Promise.all([...document.images].map(img => img.complete ? null :
    new Promise(res => { img.addEventListener('load', res); img.addEventListener('error', res); })));
  return null;
}"""

_MEASURE_JS = """() => ({
  height: Math.max(document.documentElement.scrollHeight, document.body.scrollHeight),
  images: document.images.length,
  image_area: [...document.images].reduce((s, i) => s + i.getBoundingClientRect().width * i.getBoundingClientRect().height, 0),
  first_screen: document.body.innerText.slice(0, 2000),
})"""


async def measure(paths: list[Path], open_details: bool = False) -> list[dict]:
    from playwright.async_api import async_playwright

    out = []
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=find_chromium(), headless=True, args=list(LAUNCH_ARGS))
        try:
            for path in paths:
                page = await browser.new_page(viewport=VIEWPORT)
                await page.goto(path.resolve().as_uri(), wait_until="load")
                await page.evaluate(_LOAD_ALL_JS)
                if open_details:  # every collapsed part (evidence tables, the full indicator table) open
                    await page.evaluate("() => { for (const d of document.querySelectorAll('details')) d.open = true; }")
                figures = await page.evaluate(_MEASURE_JS)
                # What is visible without scrolling: the elements whose top lies within the first 800 px.
                figures["first_screen"] = await page.evaluate(
                    """(h) => [...document.querySelectorAll('h1,h2,h3,.total,.grade,.first-problems li')]
                         .filter(e => e.getBoundingClientRect().top < h && e.offsetParent !== null)
                         .map(e => e.innerText.trim().replace(/\\s+/g, ' ')).slice(0, 20)""", VIEWPORT["height"])
                out.append({"report": str(path), **figures})
                await page.close()
        finally:
            await browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true", help="print JSON instead of lines")
    parser.add_argument("--open-details", action="store_true", help="measure with every <details> opened")
    args = parser.parse_args()
    results = asyncio.run(measure(args.reports, args.open_details))
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=2))
        return
    for r in results:
        print(f"{r['report']}: height {r['height']} px, {r['images']} images, "
              f"{r['image_area'] / 1e6:.2f} Mpx of images")
        print("  first screen: " + " | ".join(r["first_screen"]))


if __name__ == "__main__":
    main()
