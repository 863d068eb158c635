"""newmedia.serious_error — 政务新媒体发布内容存在严重表述错误.

检查内容 / What it checks: the title and text of every post read from the accounts, the way
`content.serious_error` reads a web page (`scan_text`, `checks/data/protected_names.yaml`): known
wrong forms, homophone and near-form variants of protected formulations, misspelt leaders' names and
wrong post–name pairs next to a post.

Why: 政务新媒体 veto M1 (安全、泄密事故等严重问题, incl. 严重表述错误) (indicators.md §3,
nm.veto.serious_error) [U wording]; as the websites' V1 [V].

Fires when: a post's title or text contains such an error (e.g. 习近凭, 中国特色社会主意, 李强总书记).

Does not fire when: the text uses the right form, or words that merely share characters (近平湖畔，
主意已定). Posts of accounts that could not be read are not judged. The unit's own leaders (read from
its website's 领导信息 page by the website rule) are not checked in posts.

Not applicable when: no post was read (no accounts, or none readable).

Evidence: `platform`, `handle`, `account`, `title`, `published`, `errors` (list of {wrong, right,
kind, context}; kind as in `content.serious_error`).
"""
from __future__ import annotations

from checks.base import Finding, Params, Rule, RuleResult
from checks.content.serious_error import scan_text
from storage.snapshot import Snapshot

RULE = Rule(id="newmedia.serious_error", name_zh="政务新媒体严重表述错误", name_en="Serious error in a post",
            indicator="nm.veto.serious_error", reads=("accounts",))


def find_errors(text: str) -> list[dict]:
    """The serious errors in a post's text, each with the text around it."""
    text = " ".join(text.split())
    return [{"wrong": e["wrong"], "right": e["right"], "kind": e["kind"], "context": e["quote"]}
            for e in scan_text(text)]


def check(snap: Snapshot, params: Params) -> RuleResult:
    """Report each post whose title or text contains a listed wrong form."""
    if not snap.posts:
        return RuleResult.not_applicable("未读取到任何账号发布内容 / no post was read")
    accounts = {a.key: a for a in snap.accounts}
    findings = []
    for post in snap.posts:
        errors = find_errors(f"{post.title or ''}\n{post.text or ''}")
        if not errors:
            continue
        acc = accounts.get(post.account)
        findings.append(Finding(
            rule=RULE.id, subject=post.url or post.account, page=post.url or (acc.url if acc else None),
            message=f"账号「{(acc.name or acc.registered_name) if acc else post.account}」发布内容存在严重表述错误："
                    + "；".join(f"「{e['wrong']}」应为「{e['right']}」" for e in errors) + "。",
            evidence={"platform": post.account.split(":", 1)[0], "handle": post.account.split(":", 1)[1],
                      "account": (acc.name or acc.registered_name) if acc else None, "title": post.title,
                      "published": post.published_at.isoformat() if post.published_at else None, "errors": errors},
        ))
    return RuleResult.of(findings)
