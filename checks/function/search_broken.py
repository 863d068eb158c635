"""function.search_broken — 站内搜索不可用.

检查内容 / What it checks: the site search finds a page that is on the site. After the crawl the
gatherer finds the search box (a form with a text input on the homepage or on the page its 搜索
link leads to), asks it for the exact title of a recent article linked from the homepage, and
checks that the results page links to that article (plain HTTP first; a browser when the results
are filled in by script).

Why: 功能设计: 搜索 — site search complete and usable (indicators.md §4, web.ded.search [C]).

Fires when: the site has no search box at all (`reason: no_search`); the results page answers
4xx/5xx (`reason: error`); or the results page, as a browser shows it, does not list the article
(`reason: not_found`). An echo of the query ("搜索“…”共0条") is not a result: only links count.

Does not fire when: the results link to the article, or show its title as a link's text (with or
without highlight markup).

Not applicable when: never. `not_measured` when the homepage did not load, no article title could
be picked, the search could not be reached (timeout, connection), or the results need a browser
and the audit ran with `--no-browser`.

Evidence: `reason`, `query`, `query_source` (the article), `form_page`, `form_action`,
`results_url`, `status`, `via` (http | browser), `shared_search`; the screenshot of the results.
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from storage.snapshot import Snapshot

RULE = Rule(id="function.search_broken", name_zh="站内搜索不可用", name_en="Site search broken",
            indicator="web.ded.search", reads=("search",))

_MESSAGES = {
    "no_search": "首页未发现站内搜索功能。",
    "error": "站内搜索出错：检索“{query}”返回 {status}。",
    "not_found": "站内搜索检索本站文章标题“{query}”，结果中没有该文章。",
}
_UNMEASURED = {
    "blocked": "首页未能加载或搜索地址不允许访问",
    "no_query": "抓取中未找到可用作检索词的文章标题",
    "unreachable": "搜索地址连接失败或超时",
    "needs_browser": "搜索结果由脚本生成，需浏览器确认（--no-browser）",
}


def check(snap: Snapshot, params: Params) -> RuleResult:
    """One finding on the homepage when the search is missing, errs or misses a title that is on the site."""
    if not snap.search_probes:
        return RuleResult.not_measured("没有搜索检查记录 / no search probe")
    p = snap.search_probes[0]
    if p.outcome == "found":
        return RuleResult.of([])
    if p.outcome not in _MESSAGES:
        return RuleResult.not_measured(f"{_UNMEASURED.get(p.outcome, p.outcome)} / {p.outcome}: {p.error or ''}".strip())
    return RuleResult.of([Finding(
        rule=RULE.id, subject=snap.homepage_url, page=p.form_page or snap.homepage_url,
        message=_MESSAGES[p.outcome].format(query=p.query, status=p.status),
        evidence={"reason": p.outcome, "query": p.query, "query_source": p.query_source, "form_page": p.form_page,
                  "form_action": p.form_action, "results_url": p.results_url, "status": p.status, "via": p.via,
                  "shared_search": p.shared, "error": p.error},
        screenshot=p.screenshot,
    )])
