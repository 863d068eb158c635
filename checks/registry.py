"""The explicit list of rules; a rule's module path is its id (`link.broken` → checks/link/broken.py)."""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache

from checks.base import CheckFn, Rule

RULE_IDS: tuple[str, ...] = (
    "site.unreachable",
    "link.broken",
    "identity.missing",
    "identity.mismatch",
    "newmedia.stale",
    "newmedia.unreachable",
    "newmedia.not_listed",
    "newmedia.no_interaction",
    "newmedia.serious_error",
    "newmedia.naming",
    "disclosure.missing",
    "disclosure.annual_report_missing",
    "disclosure.annual_report_late",
    "disclosure.annual_report_inconsistent",
    "disclosure.metadata_incomplete",
    "disclosure.interpretation_unlinked",
    "interaction.missing",
    "interaction.unanswered",
    "column.stale",
    "column.blank",
    "site.homepage_not_updated",
    "identity.domain",
    "function.search_broken",
    "function.not_mobile",
    "function.accessibility",
    "function.no_ipv6",
    "function.no_service",
    "function.guide_incomplete",
    "intensive.platform",
    "content.spam_injection",
    "content.hidden_link",
    "content.cloaking",
    "content.defacement",
    "content.serious_error",
    "content.typo",
    "privacy.leak",
    "site.availability",
    "site.slow_homepage",
    "security.no_https",
)


@dataclass(frozen=True)
class RegisteredRule:
    rule: Rule
    check: CheckFn
    module: str
    doc: str


def module_name(rule_id: str) -> str:
    return "checks." + rule_id


@cache
def get_rules() -> dict[str, RegisteredRule]:
    """Import every rule module and pair its RULE with its check()."""
    rules: dict[str, RegisteredRule] = {}
    for rule_id in RULE_IDS:
        mod = importlib.import_module(module_name(rule_id))
        rule: Rule = mod.RULE
        if rule.id != rule_id:
            raise RuntimeError(f"{mod.__name__}: RULE.id {rule.id!r} differs from its module path")
        rules[rule_id] = RegisteredRule(rule=rule, check=mod.check, module=mod.__name__, doc=mod.__doc__ or "")
    return rules
