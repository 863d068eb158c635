"""Composite scoring on hand-built inputs (hubei-2022-wzxmt): weights per site kind, part vetoes (fail and
zero), not-measured items leaving the unit unranked until an evaluator reviews them, judges' mean, ranking."""
from __future__ import annotations

from datetime import date

from checks.base import Finding, RuleResult, Status
from reports.evaluation.compute import rank, score_unit
from reports.evaluation.inputs import Entry, RunInfo, UnitInputs
from reports.scheme import load_scheme

AS_OF = date(2022, 12, 20)
HUBEI = load_scheme("hubei-2022-wzxmt")
MANUAL_DEPT = {"wz.info.content": 27, "wz.interaction.quality": 36, "wz.intensive.integration": 32,
               "wz.newmedia.content": 18, "wz.management.registry": 30, "wz.management.zhaocuo": 24,
               "wz.management.routine": 40}


def _unit(kind: str = "department", site: str = "4213000201", findings: dict | None = None,
          statuses: dict | None = None, manual: dict | None = None, state: str = "complete") -> UnitInputs:
    results = {}
    ids = {}
    n = 0
    for rule in dict.fromkeys([*HUBEI.evaluation_rule_ids, *HUBEI.rule_ids]):
        fs = [Finding(rule=rule, subject=s, message=f"{rule} {s}", evidence=dict(e)) for s, e in (findings or {}).get(rule, [])]
        for f in fs:
            n += 1
            ids[(f.rule, f.subject)] = n
        status = (statuses or {}).get(rule, Status.FAIL if fs else Status.PASS)
        results[rule] = RuleResult(status, fs, "no IPv6 route" if status == Status.NOT_MEASURED else None)
    entries = [Entry(id=i, item=item, points=points, by="张", role=_role(item), scorer=scorer)
               for i, (item, points, scorer) in enumerate(
                   [(k, v, "张") for k, v in (MANUAL_DEPT if manual is None else manual).items()], start=1)]
    return UnitInputs(unit_id=1, site_id=site, name=site, kind=kind, group="市直部门" if kind == "department" else "县市区",
                      run=RunInfo(id=7, state=state, judged_scheme="national-2019", judged_as_of=AS_OF,
                                  families=frozenset({"pages", "links"})),
                      results=results, finding_ids=ids, manual=entries)


def _role(item: str) -> str:
    return "office" if item.startswith("wz.management.") else "judge" if item.startswith("wz.onsite.") else "evaluator"


def test_a_clean_department_scores_its_manual_points_through_the_weights() -> None:
    r = score_unit(HUBEI, _unit(), AS_OF)
    assert r.complete, r.reasons
    parts = {p.id: p.score for p in r.parts}
    # machine items at their maximum, manual points as entered
    assert parts == {"info": 97.0, "interaction": 96.0, "intensive": 92.0, "function": 100.0, "newmedia": 98.0,
                     "management": 94.0}
    # 0.30·97 + 0.15·96 + 0.15·100 + 0.10·92 + 0.15·98 + 0.15·94
    assert r.total == 96.5 and r.grade == "优秀"


def test_a_fail_veto_grades_the_unit_and_a_zero_veto_empties_its_part() -> None:
    home = "http://www.example.gov.cn/"
    r = score_unit(HUBEI, _unit(findings={"site.homepage_not_updated": [(home, {})],
                                          "newmedia.stale": [("weibo:1", {})],
                                          "link.broken": [(home + "a.html", {"on_homepage": True}),
                                                          (home + "b.html", {"on_homepage": False})]}), AS_OF)
    parts = {p.id: (p.score, p.vetoed) for p in r.parts}
    assert parts["info"] == (87.0, "fail")  # 首页更新 −10; the veto grades, it does not zero
    assert parts["newmedia"] == (0.0, "zero")  # 98 − 10 = 88, then zeroed
    assert parts["function"] == (98.9, None)  # link.broken −1 (homepage) −0.1
    # 0.30·87 + 0.15·96 + 0.15·98.9 + 0.10·92 + 0 + 0.15·94 = 78.635 → 78.64 (四舍五入)
    assert r.total == 78.64 and r.grade == "不合格"
    vetoes = [t for t in r.trace if t["basis"] == "veto"]
    assert {t["rule"] for t in vetoes if t.get("rule")} == {"site.homepage_not_updated", "newmedia.stale"}
    assert all(t["finding"] for t in vetoes if t.get("rule"))
    links = [t for t in r.trace if t["item"] == "wz.function.links"]
    assert sorted(t["points"] for t in links) == [-1.0, -0.1] and all(t["run"] == 7 for t in links)


def test_a_rule_not_measured_leaves_the_unit_unranked_until_an_evaluator_reviews_it() -> None:
    unit = _unit(statuses={"function.no_ipv6": Status.NOT_MEASURED})
    r = score_unit(HUBEI, unit, AS_OF)
    assert not r.complete and r.total is None and r.grade is None
    assert any("function.no_ipv6" in why and "not_measured" in why for why in r.reasons)
    assert next(p for p in r.parts if p.id == "function").score is None
    unit.manual.append(Entry(id=99, item="wz.function.ipv6", points=3, by="张", role="evaluator", scorer="张",
                             note="人工核验：已支持IPv6访问，部分栏目未适配"))
    r = score_unit(HUBEI, unit, AS_OF)
    assert r.complete and next(p for p in r.parts if p.id == "function").score == 98.0
    [review] = [t for t in r.trace if t["item"] == "wz.function.ipv6"]
    assert review["basis"] == "scorer" and review["scorer"] == "张" and "人工复核" in review["text"]


def test_an_interrupted_run_is_never_ranked_as_if_complete() -> None:
    done, stopped = _unit(site="4213000201"), _unit(site="4213000202", state="interrupted")
    ranked = rank([score_unit(HUBEI, stopped, AS_OF), score_unit(HUBEI, done, AS_OF)])
    assert [(r.site_id, r.rank, r.complete) for r in ranked["市直部门"]] == [("4213000201", 1, True),
                                                                          ("4213000202", None, False)]
    assert "interrupted" in ranked["市直部门"][1].reasons[0]


def test_a_county_adds_the_on_site_review_averaging_the_judges() -> None:
    manual = {**MANUAL_DEPT, "wz.onsite.innovation": 24, "wz.onsite.progress": 27}
    unit = _unit(kind="portal", site="4213000101", manual=manual)
    unit.manual += [Entry(id=50, item="wz.onsite.intensive", points=36, by="会务", role="judge", scorer="评委一"),
                    Entry(id=51, item="wz.onsite.intensive", points=40, by="会务", role="judge", scorer="评委二")]
    r = score_unit(HUBEI, unit, AS_OF)
    assert r.complete, r.reasons
    parts = {p.id: (p.score, p.weight) for p in r.parts}
    assert parts["onsite"] == (89.0, 0.10)  # mean(36, 40) + 24 + 27
    assert parts["info"] == (97.0, 0.25)
    # 0.25·97 + 0.15·96 + 0.15·100 + 0.10·92 + 0.15·98 + 0.10·94 + 0.10·89
    assert r.total == 95.85
    judges = [t for t in r.trace if t["item"] == "wz.onsite.intensive"]
    assert sorted((t["scorer"], t["points"]) for t in judges) == [("评委一", 18.0), ("评委二", 20.0)]
