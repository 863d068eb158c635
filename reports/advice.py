"""整改建议: what a unit does about a finding, with the requirement it breaks and that requirement's source.

The advice is data (`reports/data/advice.yaml`, one entry per rule, optionally per subject), attached
to every finding of the findings document (`advice` key) and shown by every output. A rule without
an entry — a rule added later — still gets a plain instruction naming it, so no problem is ever
listed without advice; `tests/reports/test_advice.py` keeps every registered rule covered.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

ADVICE_FILE = Path(__file__).resolve().parent / "data" / "advice.yaml"
TAGS = ("V", "C", "U")
_KEYS = {"advice", "requirement", "source", "tag", "subjects"}
_SUBJECT_KEYS = {"advice", "requirement", "source"}


class AdviceFileError(ValueError):
    """The advice file is malformed (names the file, the rule and the key)."""


@cache
def advice_table(path: Path = ADVICE_FILE) -> dict[str, dict[str, Any]]:
    """The advice file, checked: rule id → {advice, requirement, source, tag, subjects}."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(raw, dict):
        raise AdviceFileError(f"{path}: expected a mapping of rule ids")
    table: dict[str, dict[str, Any]] = {}
    for rule, entry in raw.items():
        where = f"{path}: {rule}"
        if not isinstance(entry, dict):
            raise AdviceFileError(f"{where}: expected a mapping")
        unknown = set(entry) - _KEYS
        if unknown:
            raise AdviceFileError(f"{where}: unknown key {min(unknown)!r}")
        for key in ("advice", "requirement", "source"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise AdviceFileError(f"{where}: {key} must be a non-empty text")
        if entry.get("tag") not in TAGS:
            raise AdviceFileError(f"{where}: tag must be one of {', '.join(TAGS)}")
        subjects = entry.get("subjects") or {}
        for subject, override in subjects.items():
            if not isinstance(override, dict) or not override.get("advice") or set(override) - _SUBJECT_KEYS:
                raise AdviceFileError(f"{where}: subjects.{subject} needs advice (and only {sorted(_SUBJECT_KEYS)})")
        table[str(rule)] = {**entry, "subjects": {str(k): v for k, v in subjects.items()}}
    return table


def advice_for(rule: str, subject: str, rule_name: str | None = None) -> dict[str, str]:
    """The finding's 整改建议: {text, requirement, source, tag}; a subject's own entry overrides its rule's."""
    entry = advice_table().get(rule)
    if entry is None:
        return {"text": f"核实并整改“{rule_name or rule}”所列问题，整改后复查。",
                "requirement": "本检查项的指标依据尚未录入整改建议表。", "source": "待核", "tag": "U"}
    own = entry["subjects"].get(subject, {})
    return {"text": own.get("advice", entry["advice"]).strip(),
            "requirement": own.get("requirement", entry["requirement"]).strip(),
            "source": own.get("source", entry["source"]).strip(),
            "tag": entry["tag"]}
