"""newmedia.serious_error — 政务新媒体发布内容存在严重表述错误.

检查内容 / What it checks: the title and text of every post read from the accounts, against a
dictionary of wrong forms of protected names and official formulations
(`checks/newmedia/serious_errors.yaml`, each with the right form).

Why: 政务新媒体 veto M1 (安全、泄密事故等严重问题, incl. 严重表述错误) (indicators.md §3,
nm.veto.serious_error) [U wording]; as the websites' V1 [V].

Fires when: a post's title or text contains a listed wrong form (e.g. 习近凭, 中国特色社会主意).

Does not fire when: the text uses the right form; a wrong form is not in the dictionary (the
dictionary lists only forms that cannot occur inside correct text). Posts of accounts that could
not be read are not judged.

Not applicable when: no post was read (no accounts, or none readable).

Evidence: `platform`, `handle`, `account`, `title`, `published`, `errors` (list of {wrong, right,
kind, context}).
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml

from checks.base import Finding, Params, Rule, RuleResult
from storage.snapshot import Snapshot

RULE = Rule(id="newmedia.serious_error", name_zh="政务新媒体严重表述错误", name_en="Serious error in a post",
            indicator="nm.veto.serious_error", reads=("accounts",))


@cache
def dictionary() -> tuple[dict, ...]:
    data = yaml.safe_load((Path(__file__).parent / "serious_errors.yaml").read_text(encoding="utf-8"))
    return tuple(data["entries"])


def find_errors(text: str) -> list[dict]:
    """Every listed wrong form in `text`, with 12 characters of context either side."""
    out = []
    for entry in dictionary():
        at = text.find(entry["wrong"])
        if at >= 0:
            out.append({"wrong": entry["wrong"], "right": entry["right"], "kind": entry["kind"],
                        "context": text[max(0, at - 12): at + len(entry["wrong"]) + 12]})
    return out


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
