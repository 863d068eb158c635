"""content.cloaking — 针对搜索引擎的内容劫持（蜘蛛劫持、来路劫持）.

检查内容 / What it checks: the homepage and a few pages one link away, fetched again by the crawl as
Baiduspider, as Sogou's spider and as a browser arriving from a Baidu result page (`page_variants`),
against what the normal fetch showed (the stored HTML).

Why: 单项否决 V1 "发布或链接反动、暴力、色情等内容" and 安全攻击未及时处置 — indicators.md §2,
web.veto.illegal_content_or_link and web.veto.security_incident [V]; hijacked government sites
often show betting spam only to search-engine spiders or to visitors from a search engine [C].

Fires when: a variant carries spam — a title or text segment whose lexicon score reaches
`content.spam_min_score` — whose spam terms the normal view of the same page does not contain; or a
variant is redirected to another host whose page carries such spam.

Client-side (JavaScript) redirects of search-engine visitors are seen in the page itself: they are
content.spam_injection's `referrer_redirect` signature.

Does not fire when: the variants and the normal view differ only in ordinary text (a date, a
visitor counter, a rotated banner); the spam is in the normal view too (that is
content.spam_injection's finding); the variant fetch failed.

Not applicable when: the run fetched no variant. `not_measured` when the run did not gather variants
or every variant fetch failed.

Evidence: `variant` (baiduspider | sogou | search_referer), `user_agent`, `referer`, `final_url`,
`variant_title`, `normal_title`, `spam` (up to 5 segments of the variant with their `terms` and
`score`), `variant_only` (up to 10 text segments the variant shows and the normal view does not),
`normal_excerpt`, `variants` (every variant of the page that showed spam).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from checks.base import Finding, Params, Rule, RuleResult
from checks.content.lexicon import lexicon
from storage.html import crawler_view
from storage.snapshot import Snapshot

RULE = Rule(
    id="content.cloaking", name_zh="搜索引擎劫持（蜘蛛/来路劫持）", name_en="Cloaking for search engines",
    indicator="web.veto.illegal_content_or_link", reads=("pages", "page_variants"), params=("content.spam_min_score",),
)
_SEGMENTS = re.compile(r"\s{1,}|[。！？!?；;|_]")


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each page whose spider or search-referrer view carries spam the normal view does not."""
    min_score = int(params["content.spam_min_score"])
    if not snap.page_variants:
        return RuleResult.not_applicable("本次未抓取搜索引擎视角的页面 / no variant fetch in this run")
    measured = 0
    by_page: dict[str, list[dict]] = {}
    normals: dict[str, tuple[str | None, str]] = {}
    for v in snap.page_variants:
        if v.error or v.status is None or v.status >= 400:
            continue
        html = snap.html(v.url)
        if html is None:
            continue
        measured += 1
        spam = _spam_segments(v.title, v.text or "", min_score)
        if not spam:
            continue
        if v.url not in normals:
            normals[v.url] = crawler_view(html)
        normal_title, normal_text = normals[v.url]
        fresh = [s for s in spam if any(t.lower() not in normal_text.lower() for t in s["terms"])]
        if not fresh:
            continue
        normal_segments = set(_segments(normal_text))
        only = [s for s in dict.fromkeys(_segments(v.text or "")) if s not in normal_segments and len(s) > 1]
        by_page.setdefault(v.url, []).append({
            "variant": v.variant, "user_agent": v.user_agent, "referer": v.referer, "final_url": v.final_url,
            "redirected_off_site": (urlsplit(v.final_url or v.url).hostname or "") != (urlsplit(v.url).hostname or ""),
            "variant_title": v.title, "normal_title": normal_title, "spam": fresh[:5], "variant_only": only[:10],
            "normal_excerpt": normal_text[:200],
        })
    if measured == 0:
        return RuleResult.not_measured("搜索引擎视角的抓取全部失败 / every variant fetch failed")
    findings = []
    for url, views in by_page.items():
        first = views[0]
        names = "、".join(v["variant"] for v in views)
        findings.append(Finding(
            rule=RULE.id, subject=url, page=url,
            message=f"以搜索引擎身份（{names}）访问时页面出现违法信息“{first['spam'][0]['quote'][:60]}”，"
                    f"普通访问时没有。",
            evidence={**first, "variants": [v["variant"] for v in views]}))
    return RuleResult.of(findings)


def _segments(text: str) -> list[str]:
    return [s for s in _SEGMENTS.split(text) if s]


def _spam_segments(title: str | None, text: str, min_score: int) -> list[dict]:
    lex = lexicon()
    if not lex.might_contain(f"{title or ''} {text}"):
        return []
    out = []
    for seg in dict.fromkeys([title or "", *text.split(" ")]):
        if not seg or not lex.might_contain(seg):
            continue
        hits = lex.hits(seg)
        score = lex.score(hits)
        if score >= min_score:
            out.append({"quote": seg[:200], "terms": sorted({h.term for h in hits}), "score": score})
    return out
