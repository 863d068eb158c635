"""The evaluation keys of schemes: the two shipped schemes load and add up; bad keys are errors with the
file and line; national-2019 is untouched (no parts, the same indicators)."""
from __future__ import annotations

from pathlib import Path

import pytest

from reports.scheme import ExternalItem, Indicator, ManualItem, RequestItem, SchemeError, load_scheme

GOOD = """\
id: test-eval
name: 测试考评
extends: national-2019
parts:
  - {id: a, name: 甲, weight: 0.6, points: 20}
  - {id: b, name: 乙, weight: 0.4, points: 10}
grades: [{name: 合格, min: 60}, {name: 不合格, min: 0}]
indicators:
  - {id: x.links, name: 链接, kind: deduction, part: a, max: 12, rules: [link.broken], deduct: {per_finding: 1}}
  - {id: x.manual, name: 人工, kind: manual, part: a, max: 8, scorers: [evaluator]}
  - {id: x.office, name: 公开办, kind: manual, part: b, max: 10, scorers: [office]}
  - {id: x.external, name: 外部扣分, kind: external}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_schemes_load_and_their_parts_add_up() -> None:
    zwgk = load_scheme("suizhou-2022-zwgk")
    assert [(p.id, p.weight_for("portal"), p.points) for p in zwgk.parts] == [("platform", 0.7, 100), ("daily", 0.3, 100)]
    assert zwgk.year == 2022 and "随政办函〔2022〕20号" in zwgk.edition
    assert {type(i) for i in zwgk.items} == {Indicator, ManualItem, RequestItem, ExternalItem}
    assert all(i.source and ("[U]" in i.source or "[V]" in i.source) for i in zwgk.items), "every item says its source"
    hubei = load_scheme("hubei-2022-wzxmt")
    assert [p.id for p in hubei.parts_for("portal")][-1] == "onsite"
    assert "onsite" not in [p.id for p in hubei.parts_for("department")]
    assert all(i.source for i in hubei.items) and all(p.source for p in hubei.parts)
    assert hubei.params["objection.window_working_days"] == 5


def test_national_2019_has_no_evaluation_keys_and_keeps_its_indicators() -> None:
    national = load_scheme("national-2019")
    assert not national.is_evaluation and national.items == [] and national.parts == []
    assert len(national.indicators) == 35  # 34 + web.veto.security_incident (content.defacement, issue 16)
    # an evaluation scheme extending it scores single runs exactly as it does
    assert [i.id for i in load_scheme("suizhou-2022-zwgk").indicators] == [i.id for i in national.indicators]


def test_a_good_evaluation_scheme(tmp_path: Path) -> None:
    s = load_scheme(str(_write(tmp_path, GOOD)))
    assert [i.id for i in s.scored("department")] == ["x.links", "x.manual", "x.office", "x.external"]
    assert s.grade_of(59.99) == "不合格" and s.grade_of(60) == "合格"


@pytest.mark.parametrize(("change", "message"), [
    (("max: 12, rules", "max: 11, rules"), r"s\.yaml:5: parts\.0: the indicators of part 'a' for portal are worth 19"),
    (("weight: 0.4", "weight: 0.5"), r"s\.yaml:4: parts: the weights of the parts for portal add up to 1\.1"),
    (("part: b, max: 10", "part: c, max: 10"), r"s\.yaml:11: indicators\.2\.part: unknown part 'c'"),
    (("scorers: [office]", "scorers: [mayor]"), r"s\.yaml:11: indicators\.2\.scorers\.0: Input should be"),
    (("kind: external}", "kind: external, document: x}"), r"s\.yaml:12: indicators\.3\.document: unknown key"),
    (("grades: [{name: 合格, min: 60}, {name: 不合格, min: 0}]", "grades: [{name: 不合格, min: 0}, {name: 合格, min: 60}]"),
     r"s\.yaml:7: grades: grades must be listed best first"),
    (("part: a, max: 12, ", "part: a, "), r"s\.yaml:9: indicators\.0: indicator x\.links is in part 'a' but has no 'max'"),
])
def test_bad_evaluation_keys_name_the_file_and_line(tmp_path: Path, change: tuple[str, str], message: str) -> None:
    with pytest.raises(SchemeError, match=message):
        load_scheme(str(_write(tmp_path, GOOD.replace(*change))))
