"""newmedia.not_listed — 政务新媒体未在门户网站公开.

检查内容 / What it checks: that every registered account appears, by name or id, on the pages of
the unit's portal that list its accounts (政务新媒体矩阵). Those pages are found by name among
the crawled pages: a title or text naming 政务新媒体, 新媒体矩阵, 官方微博, 微信公众号 …
(`checks/newmedia/listing.yaml`).

Why: nm.registry_published 备案并在门户公开 (indicators.md §7, §11): accounts are listed on the
government portal (name, platform, QR code) [C]; 123号 wording [U].

Fires when: the crawl completed, and no listing page mentions the account's registered name, the
name its platform shows, or its handle (uid, __biz, sec_uid, feed URL) — in the text, the HTML
(image alt, QR-code captions) or a link; also when the portal has no listing page at all
(`evidence.listing_pages` is then empty).

Does not fire when: any listing page names the account or links to it; the crawl was interrupted,
failed or stopped at its page limit (`--max-pages`: the listing page may not have been reached:
not measured).

Not applicable when: the site has no registered accounts. `not_measured` when the homepage was not crawled.

Evidence: `platform`, `handle`, `name`, `looked_for` (the strings searched), `listing_pages`
(up to 10 URLs searched).
"""
from __future__ import annotations

import html
from functools import cache
from pathlib import Path

import yaml

from checks.base import Finding, Params, Rule, RuleResult
from checks.newmedia.common import no_accounts
from storage.snapshot import Snapshot

RULE = Rule(id="newmedia.not_listed", name_zh="政务新媒体未在门户网站公开", name_en="Account not listed on the portal",
            indicator="nm.registry_published", reads=("accounts", "pages", "links"), whole_site=True)


@cache
def listing_words() -> tuple[str, ...]:
    data = yaml.safe_load((Path(__file__).parent / "listing.yaml").read_text(encoding="utf-8"))
    return tuple(data["words"])


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each account that no listing page of the portal names or links to."""
    if not snap.accounts:
        return no_accounts()
    home = snap.homepage
    if home is None or not home.ok or not home.crawled:
        return RuleResult.not_measured("首页未能抓取，无法查找政务新媒体栏目 / homepage not crawled")
    words = listing_words()
    listing = [p for p in snap.pages.values() if p.crawled and p.ok and p.is_html
               and any(w in (p.title or "") or w in (p.text or "") for w in words)]
    wanted = {p.url for p in listing}
    targets: dict[str, list[str]] = {u: [] for u in wanted}
    for link in snap.links:
        if link.source in wanted:
            targets[link.source].append(link.target)
    haystacks = {p.url: "\n".join((p.text or "", html.unescape(snap.html(p.url) or ""), " ".join(targets[p.url])))
                 for p in listing}
    findings: list[Finding] = []
    for acc in snap.accounts:
        needles = [n for n in dict.fromkeys([acc.registered_name, acc.name, acc.handle]) if n and len(n) >= 2]
        if any(n in hay for n in needles for hay in haystacks.values()):
            continue
        findings.append(Finding(
            rule=RULE.id, subject=acc.key, page=listing[0].url if listing else snap.homepage_url,
            message=(f"账号「{acc.registered_name or acc.name or acc.handle}」未在门户网站的政务新媒体栏目中公开。" if listing
                     else f"门户网站未发现政务新媒体栏目，账号「{acc.registered_name or acc.name or acc.handle}」未公开。"),
            evidence={"platform": acc.platform, "handle": acc.handle, "name": acc.registered_name or acc.name,
                      "looked_for": needles, "listing_pages": [p.url for p in listing[:10]]},
        ))
    limit = snap.options.get("max_pages")
    crawled = sum(1 for p in snap.pages.values() if p.crawled)
    if findings and limit and crawled >= int(limit):
        return RuleResult.not_measured(f"抓取达到页数上限（{crawled} 页），{len(findings)} 个账号未在已抓取的页面中找到，"
                                       "政务新媒体栏目可能未被访问 / crawl stopped at --max-pages")
    return RuleResult.of(findings)

