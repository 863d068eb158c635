"""Scoring alone: vetoes first, per-indicator caps, the 60 and 80 gates, not-judged rules."""
from __future__ import annotations

from pathlib import Path

import pytest

from checks.base import Finding, RuleResult
from reports.scheme import SchemeError, load_scheme
from reports.scoring import score


def _scheme(tmp_path: Path, body: str, name: str = "s.yaml"):
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return load_scheme(str(path))


BASE = """
id: test
name: 测试方案
params: {links.other_deduction: 0.5, links.homepage_deduction: 2, cap: 3, veto.min: 2,
         availability.timeout_s: 15, identity.required: [icp], identity.site_code_pattern: '\\d{10}'}
indicators:
  - {id: links, name: 链接, kind: deduction, rules: [link.broken], cap: "{cap}",
     deduct: {per_finding: "{links.other_deduction}",
              cases: [{where: {on_homepage: true}, per_finding: "{links.homepage_deduction}"}]}}
  - {id: down, name: 无法访问, kind: veto, rules: [site.unreachable], veto: [{min_findings: 1}]}
  - {id: ident, name: 标识, kind: veto, rules: [identity.missing], veto: [{min_findings: "{veto.min}"}]}
"""


def _broken(n: int, on_homepage: bool = False) -> list[Finding]:
    return [Finding("link.broken", f"http://x/{on_homepage}/{i}", "m", evidence={"on_homepage": on_homepage})
            for i in range(n)]


def test_deductions_by_case_and_cap(tmp_path: Path) -> None:
    s = _scheme(tmp_path, BASE)
    card = score(s, {"link.broken": RuleResult.of(_broken(1, True) + _broken(1))})
    assert card.total == 97.5 and not card.vetoed and card.grade == "合格"
    assert card.severity[("link.broken", "http://x/True/0")] == "deduction"
    capped = score(s, {"link.broken": RuleResult.of(_broken(20))})
    assert capped.total == 97.0  # 20 × 0.5 = 10, capped at 3


def test_veto_on_any_finding_and_by_count(tmp_path: Path) -> None:
    s = _scheme(tmp_path, BASE)
    down = RuleResult.of([Finding("site.unreachable", "http://x/", "m", evidence={"status": 500})])
    card = score(s, {"site.unreachable": down})
    assert card.vetoed and card.grade == "不合格" and card.vetoes == ["site.unreachable"]
    assert card.total == 100.0  # the deduction part is still computed and shown
    one = RuleResult.of([Finding("identity.missing", "icp", "m", evidence={"element": "icp"})])
    assert not score(s, {"identity.missing": one}).vetoed  # below veto.min = 2
    two = RuleResult.of([Finding("identity.missing", e, "m", evidence={"element": e}) for e in ("icp", "psb")])
    assert score(s, {"identity.missing": two}).veto_indicators == ["ident"]


def test_veto_where_filters_on_evidence(tmp_path: Path) -> None:
    s = _scheme(tmp_path, BASE.replace("veto: [{min_findings: 1}]", "veto: [{min_findings: 1, where: {status: [500, 503]}}]"))
    f404 = RuleResult.of([Finding("site.unreachable", "http://x/", "m", evidence={"status": 404})])
    f503 = RuleResult.of([Finding("site.unreachable", "http://x/", "m", evidence={"status": 503})])
    assert not score(s, {"site.unreachable": f404}).vetoed
    assert score(s, {"site.unreachable": f503}).vetoed


def test_not_measured_veto_stays_undecided(tmp_path: Path) -> None:
    s = _scheme(tmp_path, BASE)
    card = score(s, {"site.unreachable": RuleResult.not_measured("wall")})
    assert not card.vetoed and card.undecided_vetoes == ["down"]
    assert next(i for i in card.indicators if i.id == "down").status == "not_judged"


def test_fail_below_60(tmp_path: Path) -> None:
    s = _scheme(tmp_path, BASE.replace('cap: "{cap}",', ""))
    card = score(s, {"link.broken": RuleResult.of(_broken(81))})  # 40.5 deducted
    assert card.total == 59.5 and card.grade == "不合格" and not card.vetoed
    card = score(s, {"link.broken": RuleResult.of(_broken(80))})
    assert card.total == 60.0 and card.grade == "合格"


def test_bonus_only_above_80(tmp_path: Path) -> None:
    body = BASE.replace('cap: "{cap}",', "") + """  - {id: plus, name: 加分, kind: bonus, rules: [identity.mismatch], deduct: {per_finding: 5}}
"""
    s = _scheme(tmp_path, body.replace("veto.min: 2,", "veto.min: 2, score.bonus_points: 30, score.bonus_above: 80,"))
    bonus = RuleResult.of([Finding("identity.mismatch", "site_code", "m", evidence={"x": 1})])
    card = score(s, {"identity.mismatch": bonus})
    assert card.total == 105.0 and card.severity[("identity.mismatch", "site_code")] == "info"
    low = score(s, {"identity.mismatch": bonus, "link.broken": RuleResult.of(_broken(41))})  # 79.5
    assert low.total == 79.5


def test_extends_overrides_params_and_indicators(tmp_path: Path) -> None:
    _scheme(tmp_path, BASE, "base.yaml")
    child = _scheme(tmp_path, f"""
id: child
name: 省级方案
extends: {tmp_path / 'base.yaml'}
params: {{links.other_deduction: 0.2}}
indicators:
  - {{id: down, name: 无法访问, kind: deduction, rules: [site.unreachable], deduct: {{per_finding: 10}}}}
""", "child.yaml")
    assert child.params["links.other_deduction"] == 0.2 and child.chain == ["test", "child"]
    down = RuleResult.of([Finding("site.unreachable", "http://x/", "m", evidence={"status": 500})])
    card = score(child, {"site.unreachable": down, "link.broken": RuleResult.of(_broken(1))})
    assert not card.vetoed and card.total == 89.8


@pytest.mark.parametrize(("body", "message"), [
    (BASE.replace("rules: [link.broken]", "rules: [link.brokn]"), "unknown rule 'link.brokn'"),
    (BASE.replace('"{cap}"', '"{nope}"'), "parameter 'nope' is not set"),
    (BASE.replace("kind: deduction", "kind: deductin", 1), "indicators.0.kind"),
    (BASE + "surprise: 1\n", "surprise"),
    (BASE.replace(" identity.required: [icp],", ""), "needs parameter 'identity.required'"),
])
def test_bad_schemes_name_the_problem(tmp_path: Path, body: str, message: str) -> None:
    with pytest.raises(SchemeError, match=message.replace("[", r"\[").replace(".", r"\.")):
        _scheme(tmp_path, body)


def test_national_2019_loads() -> None:
    s = load_scheme("national-2019")
    assert s.params["availability.timeout_s"] == 15 and "link.broken" in s.rule_ids
    with pytest.raises(SchemeError, match="unknown scheme"):
        load_scheme("national-2099")


def test_scheme_ref_reloads_bundled_and_file_schemes(tmp_path: Path) -> None:
    assert load_scheme("national-2019").ref == "national-2019"
    s = _scheme(tmp_path, BASE)
    assert load_scheme(s.ref).id == "test" and Path(s.ref).is_absolute()
