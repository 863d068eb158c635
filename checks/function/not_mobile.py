"""function.not_mobile — 未做移动端适配.

检查内容 / What it checks: the homepage rendered as a phone shows it (375×812, mobile, touch): a
viewport meta tag that sets `width=device-width`, a document no wider than the screen, and text
large enough to read without zooming.

Why: 功能设计: 移动端 — mobile version or adaptation (indicators.md §4, web.ded.mobile [U]). The
text-size line follows Lighthouse's legibility audit (12 px; at most 40% of the text below it).

Fires when: any of — no viewport meta or one without `width=device-width` (`no_viewport`); the
document is wider than the phone (375 px) + `mobile.overflow_tolerance_px` (`overflow`, the
page scrolls sideways); more than `mobile.max_small_text_ratio` of the visible characters render
below `mobile.min_font_px` (`small_text`).

Does not fire when: the page is responsive (device-width viewport, fits the width, readable text),
even if a few small captions remain.

Not applicable when: never. `not_measured` when the audit ran with `--no-browser` or the browser
could not render the homepage.

Evidence: `problems`, `viewport_meta`, `viewport_width`, `scroll_width`, `small_text_ratio`,
`min_font_px`; the phone-size screenshot.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from storage.snapshot import Snapshot

RULE = Rule(id="function.not_mobile", name_zh="未做移动端适配", name_en="Not mobile-friendly",
            indicator="web.ded.mobile", reads=("mobile",),
            params=("mobile.overflow_tolerance_px", "mobile.min_font_px",
                    "mobile.max_small_text_ratio"))

_TEXT = {"no_viewport": "未设置 width=device-width 的 viewport", "overflow": "手机宽度下页面横向溢出",
         "small_text": "手机上大部分文字过小"}


def check(snap: Snapshot, params: Params) -> RuleResult:
    """One finding on the homepage listing what keeps it from working on a phone."""
    render = next((r for r in snap.mobile_renders if r.url == snap.homepage_url), None)
    if render is None or render.error or render.scroll_width is None:
        return RuleResult.not_measured(f"手机尺寸渲染失败 / phone render failed: {render.error if render else 'none'}")
    meta = (render.viewport_meta or "").replace(" ", "").lower()
    total = sum(render.text_sizes.values())
    small = sum(n for px, n in render.text_sizes.items() if float(px) < params["mobile.min_font_px"])
    ratio = round(small / total, 3) if total else 0.0
    problems = []
    if "width=device-width" not in meta:
        problems.append("no_viewport")
    if render.scroll_width > (render.viewport_width or 375) + params["mobile.overflow_tolerance_px"]:
        problems.append("overflow")
    if ratio > params["mobile.max_small_text_ratio"]:
        problems.append("small_text")
    if not problems:
        return RuleResult.of([])
    return RuleResult.of([Finding(
        rule=RULE.id, subject=snap.homepage_url, page=snap.homepage_url,
        message="首页未做移动端适配：" + "；".join(_TEXT[p] for p in problems) + "。",
        evidence={"problems": problems, "viewport_meta": render.viewport_meta, "viewport_width": render.viewport_width,
                  "scroll_width": render.scroll_width, "small_text_ratio": ratio, "min_font_px": render.min_font_px},
        screenshot=render.screenshot,
    )])
