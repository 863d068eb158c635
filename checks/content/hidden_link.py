"""content.hidden_link — 暗链（对访客隐藏的外站链接）.

检查内容 / What it checks: the links of every crawled page that point to another site, and whether a
person can see them. Statically, from inline styles and the page's own `<style>` rules: display:none,
visibility:hidden, opacity:0, the hidden attribute, off-screen positioning or text-indent (≤ −500px),
zero size with overflow hidden, font-size below 1px, text in the background's colour, clip, and
zero-size or absurdly fast `<marquee>`. When the run holds rendered-DOM facts (`link_visibility`,
computed style from the browser), those decide instead for the pages they cover.

Why: 单项否决 V1 "发布或链接反动、暴力、色情等内容" — indicators.md §2 and web.veto.illegal_content_or_link
[V]; 暗链 are the usual way such links are planted [C].

Fires when: a hidden link points to a host outside the site and outside the trusted list
(checks/data/trusted_hosts.yaml: gov.cn, Party and state media …), and either the hiding is a trick
menus never use (off-screen, zero size, font-size 0, same colour, clip, marquee), or the hidden block
is a bare block of outside links outside any menu (no ul/li/nav/select/menu ancestors), or the
link's text or URL carries spam (score ≥ `content.spam_min_score`).

Does not fire when: the hidden links are internal (a collapsed mobile menu, tab panes, drop-downs of
the site's own columns); a drop-down menu (ul/li) lists other government or media sites; the link
is visible.

Not applicable when: never; `not_measured` when no crawled page body was stored.

Evidence: `links` (up to 20: `href`, `text`, `hidden` how it is hidden, `path` of the hiding
element, `source` static | rendered), `count`.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml

from checks.base import Finding, Params, Rule, RuleResult
from checks.content.dom import element_path, hidden_reason, style_rules
from checks.content.lexicon import lexicon
from checks.content.pages import crawled_html, no_pages_reason
from checks.derived.html import parse
from storage.snapshot import Snapshot

RULE = Rule(
    id="content.hidden_link", name_zh="暗链", name_en="Hidden outbound link",
    indicator="web.veto.illegal_content_or_link", reads=("pages", "links"), params=("content.spam_min_score",),
)
MENU_TRICKS = ("display:none", "visibility:hidden", "opacity:0", "hidden属性")
_MENU_TAGS = {"ul", "ol", "li", "nav", "select", "menu", "dl"}
_MENU_CLASS = re.compile(r"menu|nav|drop|sub|tab|slide|banner|swiper|popup|pop|qr|ewm|code|share|link", re.I)
MAX_LINKS = 20


@cache
def _trusted() -> tuple[str, ...]:
    data = yaml.safe_load((Path(__file__).resolve().parent.parent / "data" / "trusted_hosts.yaml").read_text("utf-8"))
    return tuple(str(s).lower() for s in data["suffixes"])


def _base(host: str) -> str:
    parts = host.split(".")
    if len(parts) >= 3 and parts[-2] in ("gov", "com", "org", "net", "edu") and len(parts[-1]) == 2:
        return ".".join(parts[-3:])
    return ".".join(parts[-2:]) if not host.replace(".", "").isdigit() else host


def outside(href: str, site_hosts: set[str]) -> bool:
    """True when the link leaves the site for a host that is neither the site's nor trusted."""
    host = (urlsplit(href).hostname or "").lower()
    if not host or href.startswith(("javascript:", "mailto:", "tel:")):
        return False
    if host in site_hosts or any(_base(host) == _base(h) for h in site_hosts):
        return False
    return not any(host == s or host.endswith("." + s) for s in _trusted())


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each page that hides links to outside sites from its visitors."""
    min_score = int(params["content.spam_min_score"])
    site_hosts = {(urlsplit(u).hostname or "").lower() for u in (snap.homepage_url, snap.site.url)}
    rendered = _rendered(snap)
    by_page: dict[str, list[dict]] = {}
    read = 0
    outbound = {ln.source for ln in snap.links if ln.tag == "a" and outside(ln.target, site_hosts)}
    for url, html in crawled_html(snap):
        read += 1
        if url in rendered:
            # the browser-side collector marks links in menus and in blocks with other content as in_menu
            found = [fact for fact in rendered[url] if outside(fact["href"], site_hosts)
                     and _counts(fact, fact.pop("in_menu"), min_score, bare=True)]
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
    tree = parse(html)
    rules = None
    found: list[dict] = []
    for a in tree.iter("a"):
        href = urljoin(url, (a.get("href") or "").strip())
        if not outside(href, site_hosts):
            continue
        if rules is None:
            rules = style_rules(tree)
        why = hidden_reason(a, rules)
        if why is None:
            continue
        reason, hider = why
        fact = {"href": href, "text": " ".join((a.text_content() or a.get("title") or "").split())[:80],
                "hidden": reason, "path": element_path(hider), "source": "static"}
        if _counts(fact, _in_menu(a, hider), min_score, bare=_bare_link_block(hider)):
            found.append(fact)
    return found


def _counts(fact: dict, in_menu: bool, min_score: int, bare: bool = False) -> bool:
    """A hidden outside link is a 暗链 unless a menu could explain it and nothing in it is spam."""
    lex = lexicon()
    spam = lex.score(lex.hits(f"{fact.get('text') or ''} {fact['href']}")) >= min_score
    if spam or not fact["hidden"].startswith(MENU_TRICKS):
        return True
    return bare and not in_menu


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


def _bare_link_block(hider) -> bool:  # noqa: ANN001 - lxml element
    """The hiding element holds links and hardly any other text (a link farm, not content)."""
    anchors = list(hider.iter("a"))
    if not anchors:
        return False
    total = len(" ".join((hider.text_content() or "").split()))
    in_links = sum(len(" ".join((a.text_content() or "").split())) for a in anchors)
    return total - in_links <= max(10, total // 5)


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
