"""Every rule: module path = id, documented, listed in the contract, has cases, and its parameters exist."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from checks.registry import get_rules
from reports.scheme import load_scheme

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT.parent / "shared" / "CONTRACT.md"
HEADINGS = ("检查内容 / What it checks", "Why:", "Fires when:", "Does not fire when:", "Not applicable when:")
RULES = sorted(get_rules())


@pytest.mark.parametrize("rule_id", RULES)
def test_module_path_is_id(rule_id: str) -> None:
    entry = get_rules()[rule_id]
    assert entry.module == "checks." + rule_id
    assert entry.rule.id == rule_id


@pytest.mark.parametrize("rule_id", RULES)
def test_docstring_headings(rule_id: str) -> None:
    doc = get_rules()[rule_id].doc
    assert doc.startswith(rule_id + " — ")
    for heading in HEADINGS:
        assert heading in doc, f"{rule_id}: docstring lacks {heading!r}"


@pytest.mark.parametrize("rule_id", RULES)
def test_has_fail_and_pass_cases(rule_id: str) -> None:
    path = ROOT / "tests" / "checks" / "cases" / f"{rule_id}.yaml"
    extra = ROOT / "tests" / "checks" / f"test_{rule_id.replace('.', '_')}.py"
    names = list(yaml.safe_load(path.read_text(encoding="utf-8"))) if path.exists() else []
    if not names:
        assert extra.exists(), f"{rule_id}: no cases file and no test module"
        return
    assert any(n.startswith("fail") for n in names), f"{rule_id}: no fail case"
    assert any(n.startswith(("pass", "not_")) for n in names), f"{rule_id}: no pass case"


@pytest.mark.parametrize("rule_id", RULES)
def test_params_in_national_scheme(rule_id: str) -> None:
    params = load_scheme("national-2019").params
    for param in get_rules()[rule_id].rule.params:
        assert param in params, f"{rule_id}: parameter {param} missing from national-2019"


def _table_ids(text: str) -> set[str]:
    return set(re.findall(r"^\| `([a-z_]+\.[a-z_0-9]+)` \|", text, re.MULTILINE))


def test_every_rule_has_a_row_in_the_readme() -> None:
    """The README's rule table is the user's reference: rules beyond the contract are added there."""
    assert set(RULES) <= _table_ids((ROOT / "README.md").read_text(encoding="utf-8"))


@pytest.mark.skipif(not CONTRACT.exists(), reason="../shared/CONTRACT.md not beside the checkout")
def test_readme_keeps_the_contract_rows() -> None:
    """Every contract rule we implement is listed; ids beyond the contract never reuse a contract id's name."""
    contract = _table_ids(CONTRACT.read_text(encoding="utf-8"))
    assert set(RULES) & contract <= _table_ids((ROOT / "README.md").read_text(encoding="utf-8"))


def test_national_scheme_judges_every_registered_rule() -> None:
    assert set(load_scheme("national-2019").rule_ids) == set(RULES)
