"""content.hidden_link — 暗链（对访客隐藏的外站链接）.

检查内容 / What it checks: the links of every crawled page that point to another site, and whether a
person can see them. Statically, from inline styles and the page's own `<style>` rules: display:none,
visibility:hidden, opacity:0, the hidden attribute, off-screen positioning or text-indent (≤ −500px),
zero size with overflow hidden, an effective font-size below 1px, text in the background's colour,
clip, and zero-size or absurdly fast `<marquee>`. When the run holds rendered-DOM facts
(`link_visibility`, computed style from the browser), those decide instead for the pages they cover.

Why: 单项否决 V1 "发布或链接反动、暴力、色情等内容" — indicators.md §2 and web.veto.illegal_content_or_link
[V]; 暗链 are the usual way such links are planted [C].

Fires when: a hidden link points to a host outside the site and outside the trusted list
(checks/data/trusted_hosts.yaml: gov.cn, Party and state media …), and either its text or URL is spam
(lexicon score ≥ `content.spam_min_score`) or its host is under a free TLD spam networks use
(`suspicious_tlds`: .tk .ml .ga .cf .gq); or, outside any menu, its text carries any spam term
(隐藏的博彩链接) or it is hidden by a trick layouts do not use (off-screen, zero font, same colour as the
background, marquee tricks).

Does not fire when: the hidden links are internal (a collapsed mobile menu, tab panes, drop-downs of
the site's own columns); an outside link with plain text is hidden the way drop-downs, tabs, accordions,
image replacement and CMS credits are (display:none, visibility, opacity, zero size, clip,
text-indent) — e.g. Hanweb's hidden "Produced By 大汉网络" link or a hidden 纠错 entry; the link sits in
a menu (ul/li/nav/select or a menu-like class); an image link inside a font-size:0 wrapper; a white
link on a background image; the link is visible.

Not applicable when: never; `not_measured` when no crawled page body was stored.

Evidence: `links` (up to 20: `href`, `text`, `hidden` how it is hidden, `path` of the hiding
element, `source` static | rendered), `count`.
"""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from checks.base import Finding, Params, Rule, RuleResult
from checks.content.dom import MENU_LIKE, Styles, element_path
from checks.content.hosts import outside
from checks.content.lexicon import lexicon
from checks.content.pages import crawled_html, no_pages_reason, page_tree
from storage.snapshot import Snapshot

RULE = Rule(
    id="content.hidden_link", name_zh="暗链", name_en="Hidden outbound link",
    indicator="web.veto.illegal_content_or_link", reads=("pages", "links"), params=("content.spam_min_score",),
)
_MENU_TAGS = {"ul", "ol", "li", "nav", "select", "menu", "dl"}
_MENU_CLASS = re.compile(r"menu|nav|drop|sub|tab|slide|banner|swiper|popup|pop|qr|ewm|code|share|link", re.I)
MAX_LINKS = 20


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each page that hides links to outside sites from its visitors."""
    min_score = int(params["content.spam_min_score"])
    site_hosts = {(urlsplit(u).hostname or "").lower() for u in (snap.homepage_url, snap.site.url)}
    rendered = _rendered(snap)
    by_page: dict[str, list[dict]] = {}
    read = 0
    foreign: dict[str, bool] = {}  # target → outside the site (asked once per target; one pass over the links)
    outbound = set()
    for ln in snap.links:
        if ln.tag == "a":
            away = foreign.get(ln.target)
            if away is None:
                away = foreign[ln.target] = outside(ln.target, site_hosts)
            if away:
                outbound.add(ln.source)
    for url, html in crawled_html(snap):
        read += 1
        if url in rendered:
            found = [fact for fact in rendered[url] if outside(fact["href"], site_hosts)
                     and _counts(fact, fact.pop("in_menu"), min_score)]
        elif url in outbound:
            found = _static(html, url, site_hosts, min_score)
        else:
            continue
        if found:
            by_page[url] = found
    if read == 0:
        return RuleResult.not_measured(no_pages_reason(snap))
    findings = [
        Finding(rule=RULE.id, subject=url, page=url,
                message=f"页面含 {len(links)} 个对访客隐藏的外站链接（暗链），如 {links[0]['href']}（{links[0]['hidden']}）。",
                evidence={"links": links[:MAX_LINKS], "count": len(links)})
        for url, links in by_page.items()
    ]
    return RuleResult.of(findings)


def _static(html: str, url: str, site_hosts: set[str], min_score: int) -> list[dict]:
    tree = page_tree(html)
    styles = None
    found: list[dict] = []
    for a in tree.iter("a"):
        raw = (a.get("href") or "").strip()
        if not raw.lower().startswith(("http:", "https:", "//")):
            continue  # relative links stay on the site
        href = urljoin(url, raw)
        if not outside(href, site_hosts):
            continue
        if styles is None:
            styles = Styles(tree)
        why = styles.hidden_reason(a)
        if why is None:
            continue
        reason, hider = why
        fact = {"href": href, "text": " ".join((a.text_content() or a.get("title") or "").split())[:80],
                "hidden": reason, "path": element_path(hider), "source": "static"}
        if _counts(fact, _in_menu(a, hider), min_score):
            found.append(fact)
    return found


def _counts(fact: dict, in_menu: bool, min_score: int) -> bool:
    """Is this hidden outside link a 暗链? Yes when its text or URL is spam or it points to a free TLD
    spam networks use; outside menus also when it carries any spam term or is hidden by a trick
    layouts do not use (off-screen, zero font, same colour, marquee). A link hidden the way
    drop-downs, tabs and CMS credits are (display:none …) with plain text is not."""
    lex = lexicon()
    score = lex.score(lex.hits(f"{fact.get('text') or ''} {fact['href']}"))
    host = (urlsplit(fact["href"]).hostname or "").lower()
    if score >= min_score or host.rsplit(".", 1)[-1] in lex.suspicious_tlds:
        return True
    if in_menu:
        return False
    return score > 0 or not fact["hidden"].startswith(MENU_LIKE)


def _in_menu(a, hider) -> bool:  # noqa: ANN001 - lxml elements
    """The link sits in a menu-like structure: up to the hiding element and two levels above it (the
    item that opens a drop-down)."""
    above = -1
    for node in [a, *a.iterancestors()]:
        if node.tag in ("body", "html") or above >= 2:
            break
        if node.tag in _MENU_TAGS or _MENU_CLASS.search(f"{node.get('class') or ''} {node.get('id') or ''}"):
            return True
        if node is hider or above >= 0:
            above += 1
    return False


def _rendered(snap: Snapshot) -> dict[str, list[dict]]:
    """Rendered-DOM facts per page, when the run gathered them (computed style beats static reading)."""
    if "link_visibility" not in snap.facts:
        return {}
    out: dict[str, list[dict]] = {}
    for fact in snap.link_visibility:
        if fact.hidden:
            out.setdefault(fact.page, []).append({"href": fact.href, "text": fact.text or "", "hidden": fact.hidden,
                                                  "path": fact.path or "", "source": "rendered",
                                                  "in_menu": fact.in_menu})
        else:
            out.setdefault(fact.page, [])
    return out
