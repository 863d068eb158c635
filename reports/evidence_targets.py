"""What a finding's evidence screenshot is cropped to: locator terms from `reports/data/evidence_locators.yaml`.

A term is a plain string — `href:<url>`, `text:<string>`, `region:footer` or `region:screen` — so the
evidence step can look for it on the page without knowing about rules (it records which terms it found
and where), and the findings document can match a finding to its crop by computing the same terms.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

LOCATORS_FILE = Path(__file__).resolve().parent / "data" / "evidence_locators.yaml"
SCREEN = "region:screen"
REGIONS = ("footer", "screen")
KINDS = ("href", "text", "region")
MAX_TEXT = 40  # a longer string is looked for by its start: page text wraps and collapses differently


class LocatorFileError(ValueError):
    """The locator file is malformed (names the file and the rule)."""


@cache
def locator_table(path: Path = LOCATORS_FILE) -> dict[str, tuple[str, ...]]:
    """rule id → its locator specs (`kind:value`), checked."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    table: dict[str, tuple[str, ...]] = {}
    for rule, specs in raw.items():
        if not isinstance(specs, list) or not all(isinstance(s, str) for s in specs):
            raise LocatorFileError(f"{path}: {rule}: expected a list of `kind:value` terms")
        for spec in specs:
            kind, _, value = spec.partition(":")
            if kind not in KINDS or not value:
                raise LocatorFileError(f"{path}: {rule}: {spec!r} is not href:, text: or region:")
            if kind == "region" and value not in REGIONS:
                raise LocatorFileError(f"{path}: {rule}: unknown region {value!r}")
            if kind != "region" and value != "subject" and not value.startswith("evidence."):
                raise LocatorFileError(f"{path}: {rule}: {spec!r} must read `subject` or `evidence.…`")
        table[str(rule)] = tuple(specs)
    return table


def _resolve(path: str, subject: str, evidence: dict[str, Any]) -> Any:
    if path == "subject":
        return subject
    value: Any = evidence
    for part in path.removeprefix("evidence.").split("."):
        key, first = (part[:-2], True) if part.endswith("[]") else (part, False)
        value = value.get(key) if isinstance(value, dict) else None
        if first:
            value = value[0] if isinstance(value, list) and value else None
        if value is None:
            return None
    return value


def locator_terms(rule: str, subject: str, evidence: dict[str, Any] | None) -> list[str]:
    """The terms a finding's crop is looked for by, in order (without the first-screen fallback)."""
    terms: list[str] = []
    for spec in locator_table().get(rule, ()):
        kind, _, value = spec.partition(":")
        if kind == "region":
            term = spec
        else:
            found = _resolve(value, subject, evidence or {})
            if not isinstance(found, str) or not found.strip():
                continue
            found = " ".join(found.split())
            if kind == "href" and not found.startswith(("http://", "https://")):
                continue
            term = f"{kind}:{found[:MAX_TEXT] if kind == 'text' else found}"
        if term not in terms:
            terms.append(term)
    return terms
