"""link.broken — 链接不可用（死链）.

检查内容 / What it checks: every distinct link target of the crawled pages (links, images,
scripts, stylesheets, frames, attachments), internal and external.

Why: 功能设计/可用性 (indicators.md §4, web.ded.broken_links): 2015 普查 scale −1 per broken link on the
homepage, −0.1 elsewhere [C]; the 2019 values are scheme parameters [U].

Fires when: the target answered 4xx/5xx, failed with a DNS, connect, TLS, reset or timeout error,
ran into a redirect loop or more redirects than allowed, or answered 200 with an error page
(软404: an error phrase in the title, or in a short body), or was redirected to an error page, or
was redirected — together with at least two other distinct links — to the same root page (missing
URLs sent to the homepage).

Does not fire when: a redirect ends on a working page (also one or two links redirected to a root
page, and `/index.html` → `/`); a HEAD that is refused works with GET; an article merely mentions
"404"; an anti-bot wall answered (not measured); a timeout or reset was not retried in the
browser (flag `needs_render`: not measured); the target was not
fetched (outside the crawl's limits, or a private address the site may not point at).

Not applicable when: the crawl found no links. `not_measured` when no target could be measured,
or when no links were found because the homepage answered an anti-bot wall (no browser, or the
browser did not pass it).

Evidence: `status`, `error` (dns, connect, tls, timeout, reset, redirect_loop, too_many_redirects),
`error_detail`, `soft_404` (the phrase, or the redirect funnel), `final_url`, `redirects`,
`on_homepage`, `pages` (up to 20 linking pages), `pages_count`, `tag`, `anchor`; `carried_over`
({"checked_on": day}) when an incremental re-audit carried the target's check result over from an
earlier run instead of asking again (docs/incremental.md).
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.derived.fetch import FAILED_ERRORS, behind_wall, redirect_funnels, soft_404, unconfirmed_failure
from storage.facts.pages import PageFact
from storage.snapshot import Snapshot
from storage.vocabulary import carried_check

RULE = Rule(
    id="link.broken", name_zh="链接不可用", name_en="Broken link",
    indicator="web.ded.broken_links", reads=("pages", "links"),
)
MAX_PAGES_LISTED = 20


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each link target that is dead, with every page that links to it."""
    sources = snap.sources_of
    if not sources:
        home = snap.homepage
        if home is not None and behind_wall(home):  # the wall hid the links: nothing was measured
            return RuleResult.not_measured(f"首页返回反爬虫验证页（HTTP {home.status}），未能抓取链接")
        return RuleResult.not_applicable("未发现任何链接 / no links were found")
    first_link = snap.first_link_of  # with sources_of, one pass over the links
    funnels = redirect_funnels(snap.pages)
    findings: list[Finding] = []
    measured = walled = 0
    for target, pages in sources.items():
        fetched = snap.pages.get(target)
        if fetched is None or (fetched.error and fetched.error not in FAILED_ERRORS):
            continue
        if behind_wall(fetched) or unconfirmed_failure(fetched):
            walled += 1
            continue
        measured += 1
        why = _why_broken(fetched)
        if why is None and target in funnels:
            why = f"页面被重定向（{funnels[target]}）"
        if why is None:
            continue
        link = first_link[target]
        findings.append(Finding(
            rule=RULE.id, subject=target, page=pages[0],
            message=f"链接不可用：{why}（{len(pages)} 个页面链接到它）。",
            evidence={
                "status": fetched.status, "error": fetched.error, "error_detail": fetched.error_detail,
                "soft_404": soft_404(fetched) or funnels.get(target), "final_url": fetched.final_url,
                "redirects": [list(r) for r in fetched.redirects],
                "on_homepage": snap.homepage_url in pages, "pages": pages[:MAX_PAGES_LISTED],
                "pages_count": len(pages), "tag": link.tag, "anchor": (link.text or "")[:80],
                **({"carried_over": carried} if (carried := carried_check(fetched.flags, target)) else {}),
            },
        ))
    # Targets never fetched: past the crawl's link-check caps (links.max_checks_per_*) or an interrupted run.
    unchecked = sum(1 for target in sources if target not in snap.pages)
    if unchecked:
        for f in findings:
            f.evidence["targets_unchecked"] = unchecked
    if not findings and measured == 0 and walled:
        return RuleResult.not_measured(f"{walled} 个链接目标返回反爬虫验证页或未经浏览器复核，未能检测")
    result = RuleResult.of(findings)
    if walled:
        result.reason = (f"{walled} 个链接目标返回反爬虫验证页或未经浏览器复核，未计入 / "
                         "behind anti-bot walls or not retried in a browser, not measured")
    if unchecked:
        note = (f"{unchecked} 个链接目标未检测（超过每页/每站/每次检测上限或抓取未完成）/ "
                f"{unchecked} link target(s) not checked (link-check caps or an unfinished crawl)")
        result.reason = f"{result.reason}; {note}" if result.reason else note
    return result


def _why_broken(page: PageFact) -> str | None:
    if page.error in FAILED_ERRORS:
        return f"请求失败（{page.error}）"
    if page.status is not None and page.status >= 400:
        return f"HTTP {page.status}"
    phrase = soft_404(page)
    if phrase:
        return f"页面显示为错误页（{phrase}）"
    return None
