"""The printable 自查报告 as PDF: OUT/<site-id>/report.pdf (`govaudit report --run ID --format pdf`).

Rendered by Chromium's print-to-PDF (Playwright's `page.pdf`) from `reports/templates/selfcheck.html.j2`:
the browser the audit already drives (Debian's /usr/bin/chromium, found by the composition root and
passed in), so no second layout engine and no extra system libraries; Chromium embeds subsets of the
fonts it lays the text out with (WenQuanYi Zen Hei from fonts-wqy-zenhei, installed by `make setup`)
with their Unicode maps, so the Chinese text is selectable and searchable. Thumbnails go inline as
data: URIs. The content is `report_view(doc)`, as in report.html, report.docx and summary.xlsx.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from reports.outputs.html import environment
from reports.outputs.json import atomic_write, site_dir, validate
from reports.outputs.thumbnails import data_uri, evidence_file, thumbnail
from reports.outputs.view import report_view

THUMB_PX = (700, 400)  # about 62 × 36 mm at 280 dpi
FOOTER = ('<div style="font-size:8px;width:100%;text-align:center;color:#444">'
          '第 <span class="pageNumber"></span> 页，共 <span class="totalPages"></span> 页</div>')


def printable_html(doc: dict[str, Any], out_dir: Path) -> str:
    """The 自查报告 page Chromium prints (thumbnails read from OUT/<site-id>/ and inlined)."""
    view = report_view(doc)
    site_id = view["site"]["id"]
    thumbs = {p["number"]: data_uri(thumbnail(evidence_file(out_dir, site_id, p["image"]), *THUMB_PX))
              for p in view["problems"] if p["image"]}
    return environment().get_template("selfcheck.html.j2").render(**view, thumbs=thumbs)


def write_pdfs(docs: list[dict[str, Any]], out_dir: Path, chromium: str, args: Sequence[str] = ()) -> list[Path]:
    """Validate every doc and write OUT/<site-id>/report.pdf for each, with one Chromium (the executable
    and its launch arguments as the composition root finds them: crawler/browser/launch.py)."""
    from playwright.sync_api import sync_playwright

    for doc in docs:
        validate(doc)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=list(args))
        try:
            page = browser.new_page()
            page.route("**/*", lambda route: route.abort())  # the page is self-contained: nothing to fetch
            for doc in docs:
                page.set_content(printable_html(doc, Path(out_dir)), wait_until="load")
                pdf = page.pdf(format="A4", landscape=True, print_background=True, prefer_css_page_size=True,
                               display_header_footer=True, header_template="<div></div>", footer_template=FOOTER,
                               margin={"top": "14mm", "bottom": "16mm", "left": "14mm", "right": "14mm"})
                written.append(atomic_write(site_dir(doc, out_dir) / "report.pdf", pdf))
        finally:
            browser.close()
    return written
