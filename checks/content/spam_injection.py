"""content.spam_injection — 网页被植入赌博、色情等违法信息.

检查内容 / What it checks: every crawled page's title, meta tags, 信息公开 metadata cells (发布机构,
索引号 …), links, text blocks (visible or hidden) and document.write strings, scored with the
weighted spam lexicon (checks/data/spam_lexicon.yaml); and the page's HTML for injection templates.

Why: 单项否决 V1 "发布或链接反动、暴力、色情等内容" and 安全攻击 (挂马、篡改) — indicators.md §2,
web.veto.illegal_content_or_link and web.veto.security_incident [V]; hijacked pages carry betting
spam such as a 发布机构 cell reading "365沙巴体育注册_365足球外围网站官网".

Fires when: one field's lexicon score reaches `content.spam_min_score` (terms and patterns such as
娱乐城, 百家乐, 体育注册, 足球外围, 菠菜平台, 注册送彩金; each distinct entry counted once); or the page
carries an injection signature: a run of at least `content.junk_tag_min_run` consecutive empty
elements of several tag names sharing one random id (`<legend id="h4sia"></legend>…`), a script that
redirects or rewrites the page for visitors coming from a search engine or for spiders, or a
document.write of hidden links to other sites.

Does not fire when: the terms stand next to enforcement wording (打击网络赌博, 开设赌场罪, 反诈提醒 —
the lexicon's `anti_context` within `anti_window` characters); a weak term stands alone (体育彩票
官网, 棋牌室, a year such as 2024体育中考); ids are merely repeated on non-empty elements.

Not applicable when: never; `not_measured` when no crawled page body was stored.

Evidence: `hits` (up to 10: `field` — title, `meta:<name>`, `metadata:<label>`, link, text,
script:document.write —, `path` the element's XPath, `quote` the text with context, `terms`,
`score`, `hidden` how it is hidden if it is, `href` for links), `signatures` (`kind` junk_tags |
referrer_redirect | spider_script | document_write_hidden_links, `detail`, `quote`), `score` (the
highest field score).
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.content.pages import crawled_html, no_pages_reason
from checks.content.spam import scan_html
from storage.snapshot import Snapshot

RULE = Rule(
    id="content.spam_injection", name_zh="网页被植入违法信息", name_en="Injected spam",
    indicator="web.veto.illegal_content_or_link", reads=("pages",),
    params=("content.spam_min_score", "content.junk_tag_min_run"),
)
MAX_HITS = 10


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each page carrying spam in one of its fields, or an injection template's traces."""
    min_score, min_run = int(params["content.spam_min_score"]), int(params["content.junk_tag_min_run"])
    findings: list[Finding] = []
    read = 0
    for url, html in crawled_html(snap):
        read += 1
        fact = snap.pages[url]
        scan = scan_html(html, url, min_run, min_score, fact.title, fact.complete_text)
        hits = sorted(scan.spam_fields(min_score), key=lambda f: (f.field == "text", -f.score))
        if not hits and not scan.signatures:
            continue
        where = "；".join(f"{h.field}“{h.text[:60]}”" for h in hits[:2]) or scan.signatures[0]["detail"]
        findings.append(Finding(
            rule=RULE.id, subject=url, page=url,
            message=f"页面被植入赌博/色情等违法信息：{where}",
            evidence={"hits": [h.as_evidence() for h in hits[:MAX_HITS]], "signatures": scan.signatures,
                      "score": max((h.score for h in hits), default=0)},
        ))
    if read == 0:
        return RuleResult.not_measured(no_pages_reason(snap))
    return RuleResult.of(findings)
