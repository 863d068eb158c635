"""Per-rule cases as data: tests/checks/cases/<rule id>.yaml, one test per named case.

`pytest -k link.broken` runs one rule's cases. A case: `snapshot` (see snapshots.build), optional
`params` (merged over national-2019's), and `expect`: `status`, optional `findings` (the exact
set of subjects; each may give `evidence` keys that must match) and optional `reason` (a
substring of the reason).
"""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from checks.runner import run_rules
from reports.scheme import load_scheme
from tests.checks.snapshots import build

CASES = Path(__file__).parent / "cases"


def _cases():
    for path in sorted(CASES.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        rule = data.pop("rule")
        assert path.stem == rule, f"{path.name}: file name must be the rule id"
        for name, case in data.items():
            yield pytest.param(rule, case, id=f"{rule}-{name}")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if {"rule", "case"} <= set(metafunc.fixturenames):
        metafunc.parametrize(("rule", "case"), list(_cases()))


def test_case(rule: str, case: dict) -> None:
    params = {**load_scheme("national-2019").params, **case.get("params", {})}
    result = run_rules(build(case["snapshot"]), [rule], params)[rule]
    expect = case["expect"]
    assert result.status == expect["status"], result.reason
    if "reason" in expect:
        assert expect["reason"] in (result.reason or "")
    if "findings" in expect:
        got = {f.subject: f for f in result.findings}
        assert set(got) == {e["subject"] for e in expect["findings"]}
        for e in expect["findings"]:
            for key, value in e.get("evidence", {}).items():
                assert got[e["subject"]].evidence.get(key) == value, (e["subject"], key)
    for f in result.findings:
        assert f.message and f.evidence, "every finding carries a message and evidence"
