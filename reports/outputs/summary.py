"""Ranking of several sites' findings documents, and the labels every renderer shares."""
from __future__ import annotations

from typing import Any

from storage.vocabulary import GRADE_FAIL, GRADE_UNDECIDED

# Chinese labels shown to units and evaluators; the JSON keeps the English codes.
RULE_STATUS_ZH = {
    "pass": "通过",
    "fail": "发现问题",
    "not_applicable": "不适用",
    "not_measured": "未能检测",
    "error": "检查出错",
}
SEVERITY_ZH = {"veto": "否决", "deduction": "扣分", "info": "提示"}
INDICATOR_STATUS_ZH = {"ok": "未扣分", "deducted": "扣分", "vetoed": "否决", "not_judged": "未能判定"}
INDICATOR_KIND_ZH = {"veto": "单项否决", "deduction": "扣分指标", "bonus": "加分指标"}

# not_applicable means "nothing to judge"; these two mean "we could not judge", never a pass.
NOT_JUDGED = frozenset({"not_measured", "error"})


def grade(doc: dict[str, Any]) -> str | None:
    """The 合格/不合格 conclusion: the scheme's own grade, else 不合格 when vetoed, else unknown (None)."""
    score = doc["score"]
    if score.get("grade"):
        return score["grade"]
    # The pass mark belongs to the scheme, so without a grade only a veto decides.
    return GRADE_FAIL if score["vetoed"] else None


def rule_names(doc: dict[str, Any]) -> dict[str, str]:
    """Rule id → Chinese name, from whatever the document carries (findings' or rules' name_zh)."""
    names: dict[str, str] = {}
    for item in [*doc.get("rules", []), *doc.get("findings", [])]:
        if item.get("name_zh"):
            names.setdefault(item["rule"], item["name_zh"])
    return names


def label(code: str, doc: dict[str, Any]) -> str:
    """A readable name for a rule or indicator id: "中文名（id）" when the document knows the name."""
    names = {i["id"]: i["name"] for i in doc["score"]["indicators"] if i.get("name")}
    names.update(rule_names(doc))
    name = names.get(code)
    return f"{name}（{code}）" if name and name != code else code


def decided(doc: dict[str, Any]) -> bool:
    """Whether the document's result takes part in the ranking: a complete run whose grade is decided
    (an interrupted, failed or still running run, or one with undecided vetoes, is 未定 and ranked apart)."""
    state = (doc.get("run") or {}).get("state") or "complete"
    return state == "complete" and grade(doc) != GRADE_UNDECIDED


def ranked(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The documents in ranking order: decided results first (see `decided`), non-vetoed first, then by
    total descending, then by site id."""
    # A vetoed site is 不合格 whatever its points, so it never outranks a site that passed the vetoes;
    # an incomplete run (未定) never outranks a complete one, whatever its points.
    return sorted(docs, key=lambda d: (not decided(d), bool(d["score"]["vetoed"]), -float(d["score"]["total"]),
                                       d["site"]["id"]))


def rank(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Summary rows in ranking order (see ranked), the decided results numbered from 1; a 未定 result
    gets `rank` None (listed after them, ranked apart). One row per document."""
    rows = []
    position = 0
    for doc in ranked(docs):
        score = doc["score"]
        position += decided(doc)
        rows.append({
            "rank": position if decided(doc) else None,
            "state": (doc.get("run") or {}).get("state") or "complete",
            "id": doc["site"]["id"],
            "name": doc["site"]["name"],
            "url": doc["site"]["url"],
            "run": doc["run"]["id"],
            "as_of": doc["run"]["as_of"],
            "total": score["total"],
            "vetoed": score["vetoed"],
            "grade": grade(doc),
            "vetoes": list(score["vetoes"]),
            "findings": len(doc["findings"]),
            "rules_not_judged": sum(1 for r in doc["rules"] if r["status"] in NOT_JUDGED),
        })
    return rows
