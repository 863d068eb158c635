"""content.serious_error — 严重表述错误（领导人姓名、职务、重要表述）.

检查内容 / What it checks: the title and text of every crawled page against the protected names,
posts and formulations of checks/data/protected_names.yaml (national leaders, their posts, key
political formulations) and against the unit's own leaders read from its 领导信息 page.

Why: 单项否决 V1 "严重表述错误" — indicators.md §2 and web.veto.serious_error [V]; the 2015 普查
named "领导人姓名错误" as its example.

Fires when: (1) a homophone (pypinyin) or near-form (形近字) variant of a protected person's name
stands directly before or after one of that person's posts (习近萍总书记, 国务院总理李墙); two-character
names only next to national posts; (2) a protected person's exact name is paired with an exclusive
post (总书记, 国家主席, 国务院总理, 委员长 …) the person never held (李强总书记); (3) a variant of a
protected formulation with at most its `max_diff` characters changed (中国特色社会注意); (4) a listed
wrong formulation (以习近平为核心的党中央); (5) a variant of the unit's own leader's name next to the
post the 领导信息 page gives that leader (县长张建桦 when the page lists 张建华 县长).

Does not fire when: the name or formulation is written correctly (a correct name beside a misspelt
one reports only the misspelt one); a similar name stands without a post (another person); a name
is paired with a post the person held earlier (赵乐际书记); the variant changes every character; a
name similar to a unit leader's stands next to another post (副县长张剑华 beside 县长张建华).

Not applicable when: never; `not_measured` when no crawled page body was stored.

Evidence: `errors` (up to 20: `kind` name | post | formulation | party_name | leader_name, `wrong`, `right` the
correct form, `quote` with context, `path` the element), `count`, `leaders` (the unit's leaders
read, with the page they came from).
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import yaml

from checks.base import Finding, Params, Rule, RuleResult
from checks.content.dom import element_path, text_blocks
from checks.content.lexicon import quote
from checks.content.pages import crawled_html, no_pages_reason, page_tree
from checks.content.protected import Person, is_variant, protected
from storage.facts.pages import PageFact
from storage.snapshot import Snapshot

RULE = Rule(id="content.serious_error", name_zh="严重表述错误", name_en="Serious misstatement",
            indicator="web.veto.serious_error", reads=("pages",))
MAX_ITEMS = 20
_CJK_GAP = re.compile(r"(?<=[\u4e00-\u9fa5])\s+(?=[\u4e00-\u9fa5])")


@cache
def _local() -> tuple[re.Pattern, re.Pattern, tuple[str, ...], re.Pattern]:
    data = yaml.safe_load((Path(__file__).resolve().parent.parent / "data" / "protected_names.yaml").read_text("utf-8"))
    posts = tuple(sorted(data["local_posts"], key=len, reverse=True))
    post_alt = "|".join(re.escape(p) for p in posts)
    surnames = re.escape(data["surnames"])
    pair = re.compile(rf"(?:^|[^\u4e00-\u9fa5])([{surnames}][\u4e00-\u9fa5]{{1,2}})\s*(?:同志)?\s*[,，:：、]?\s*"
                      rf"(?:[\u4e00-\u9fa5]{{0,8}}?)({post_alt})(?![\u4e00-\u9fa5])|"
                      rf"姓\s*名\s*[:：]\s*([{surnames}][\u4e00-\u9fa5]{{1,2}})(?![\u4e00-\u9fa5])")
    return re.compile(data["leader_pages"], re.IGNORECASE), pair, posts, re.compile(post_alt)


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each page with a misspelt leader's name, a wrong post–name pair or a wrong formulation."""
    if next(crawled_html(snap), None) is None:
        return RuleResult.not_measured(no_pages_reason(snap))
    page_rx = _local()[0]  # only the 领导信息 pages' bodies are read for the leaders

    def leader_page(url: str, page: PageFact) -> bool:
        return bool(page_rx.search(f"{url} {page.title}"))

    leaders = _unit_leaders(snap, crawled_html(snap, leader_page))
    findings: list[Finding] = []
    for url, html in crawled_html(snap):  # a second pass: the bodies are not all held
        fact = snap.pages[url]
        if fact.complete_text is not None:
            # the crawler's stored text (text nodes joined with spaces) is a cheap pre-filter
            pre = _CJK_GAP.sub("", f"{fact.title or ''}\n{fact.complete_text}")
            if not scan_text(pre, leaders):
                continue
        tree = page_tree(html)
        title = tree.find(".//title")
        blocks = ([(title, title.text_content() or "")] if title is not None else []) + text_blocks(tree)
        errors: list[dict] = []
        for block, text in blocks:
            text = " ".join(text.split())
            if len(text) >= 2:
                errors += [{**e, "path": element_path(block)} for e in scan_text(text, leaders)]
        if errors:
            first = errors[0]
            findings.append(Finding(
                rule=RULE.id, subject=url, page=url,
                message=f"严重表述错误：“{first['wrong']}”应为“{first['right']}”"
                        + (f"等 {len(errors)} 处。" if len(errors) > 1 else "。"),
                evidence={"errors": errors[:MAX_ITEMS], "count": len(errors),
                          "leaders": [{"name": p.name, "post": p.posts[0], "page": src} for p, src in leaders]}))
    return RuleResult.of(findings)


def scan_text(text: str, leaders: list[tuple[Person, str]] = ()) -> list[dict]:
    """The serious errors in one block of text (each a dict with kind, wrong, right, quote)."""
    prot = protected()
    out: list[dict] = []
    taken: list[tuple[int, int]] = []

    def add(kind: str, start: int, end: int, wrong: str, right: str) -> None:
        if any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        out.append({"kind": kind, "wrong": wrong, "right": right, "quote": quote(text, start, end)})

    def known_wrong(names: bool) -> None:
        if prot.wrong_rx is None:
            return
        known = {w: (right, kind) for w, right, kind in prot.wrong}
        for m in prot.wrong_rx.finditer(text):
            right, kind = known[m.group(0)]
            if (kind == "name") == names:
                add(kind, m.start(), m.end(), m.group(0), right)

    known_wrong(names=False)
    starts: set[tuple[int, int]] = set()
    for m in prot.piece_rx.finditer(text):
        for index, offset in prot.pieces[m.group(1)]:
            if m.start() - offset >= 0:
                starts.add((m.start() - offset, index))
    for start, index in sorted(starts):
        correct, max_diff, rx = prot.formulations[index]
        m = rx.match(text, start)
        if m and is_variant(m.group(0), correct, prot.near, max_diff):
            add("formulation", m.start(), m.end(), m.group(0), correct)
    for m in prot.post_rx.finditer(text):
        post, s, e = m.group(0), m.start(), m.end()
        for person in prot.persons:
            n = len(person.name)
            for cand, cs, ce, before in ((text[max(0, s - n):s], s - n, s, True), (text[e:e + n], e, e + n, False)):
                if cand == person.name:
                    if post in prot.exclusive_posts and post not in person.posts:
                        right = _holder(post) or "（该职务的现任者）"
                        add("post", min(cs, s), max(ce, e), text[min(cs, s):max(ce, e)],
                            f"{person.name}并非{post}（{post}：{right}）")
                elif post in person.check_posts and _near_miss(cand, person.name, prot.near):
                    fixed = person.name + post if before else post + person.name
                    add("name", min(cs, s), max(ce, e), text[min(cs, s):max(ce, e)], fixed)
    known_wrong(names=True)  # a listed misspelt name out of a post's reach (next to one, reported with it above)
    if leaders:
        local_posts = _local()[3]
        for m in local_posts.finditer(text):
            post, s, e = m.group(0), m.start(), m.end()
            for person, _src in leaders:
                if post != person.posts[0]:
                    continue  # another post: maybe another official with a similar name (县长张建华, 副县长张剑华)
                n = len(person.name)
                for cand, cs, ce in ((text[max(0, s - n):s], s - n, s), (text[e:e + n], e, e + n)):
                    if cand != person.name and _near_miss(cand, person.name, prot.near):
                        add("leader_name", min(cs, s), max(ce, e), text[min(cs, s):max(ce, e)],
                            text[min(cs, s):max(ce, e)].replace(cand, person.name))
    return out


def _near_miss(cand: str, name: str, near: dict) -> bool:
    """A misspelling of the name: all characters Chinese, the surname kept for two-character names."""
    if len(cand) != len(name) or not re.fullmatch(r"[\u4e00-\u9fa5]+", cand):
        return False
    if len(name) == 2 and cand[0] != name[0]:
        return False
    return is_variant(cand, name, near, len(name) - 1)


def _holder(post: str) -> str | None:
    for p in protected().persons:
        if post in p.posts and post in protected().exclusive_posts:
            return p.name
    return None


def _unit_leaders(snap: Snapshot, pages: Iterable[tuple[str, str]]) -> list[tuple[Person, str]]:
    """The unit's leaders (name, post) from its 领导信息 page(s), when the crawl found one."""
    page_rx, pair, _posts, post_rx = _local()
    national = {p.name for p in protected().persons}
    found: dict[str, tuple[Person, str]] = {}
    for url, html in pages:
        fact = snap.pages.get(url)
        if not page_rx.search(f"{url} {fact.title if fact else ''}"):
            continue
        for _block, text in text_blocks(page_tree(html)):
            text = " ".join(text.split())
            for m in pair.finditer(text):
                if m.group(1):
                    name, post = m.group(1), m.group(2)
                else:  # 姓名：刘晓燕 职务：副县长 — the post follows within the record
                    name, later = m.group(3), post_rx.search(text, m.end(), m.end() + 40)
                    post = later.group(0) if later else None
                if name and post and name not in national and name not in found:
                    found[name] = (Person(name, (post,), (post,)), url)
    return list(found.values())
