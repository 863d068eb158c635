"""The evaluations repository on SQLite and PostgreSQL: the state machine, the objection window on the
working-day calendar, replacement of entries (history kept), refusals that leave nothing written."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from storage import evaluations as repo
from storage import models as m
from storage.evaluations import EvaluationError
from storage.session import session_scope, upgrade

UNITS = [{"site_id": "4213000101", "name": "随县人民政府", "kind": "portal", "group": "县市区"},
         {"site_id": "4213000201", "name": "市教育局", "kind": "department", "group": "市直部门"}]


def _evaluation(url: str) -> int:
    upgrade(url)
    with session_scope(url) as s:
        return repo.create_evaluation(s, name="2022年考评", scheme="suizhou-2022-zwgk", as_of=date(2022, 12, 20),
                                      units=UNITS, by="编辑部")


def _rows(url: str, model) -> int:  # noqa: ANN001
    with session_scope(url) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_entries_replace_the_current_one_and_keep_the_history(db_url: str) -> None:
    ev = _evaluation(db_url)
    with session_scope(db_url) as s:
        repo.add_manual_score(s, ev, "4213000101", item="zwgk.key_work", points=12, scorer="张", role="evaluator", by="张")
        repo.add_manual_score(s, ev, "4213000101", item="zwgk.key_work", points=14, scorer="张", role="evaluator", by="张")
        repo.add_manual_score(s, ev, "4213000101", item="zwgk.key_work", points=13, scorer="李", role="evaluator", by="李")
        repo.add_external_deduction(s, ev, "4213000101", item="zwgk.external", points=1, document="通报A", by="办")
        repo.add_external_deduction(s, ev, "4213000101", item="zwgk.external", points=2, document="通报B", by="办")
        repo.add_request_case(s, ev, "4213000201", case_no="1", by="张", channel="online", sent_on=date(2022, 9, 30))
        repo.add_request_case(s, ev, "4213000201", case_no="1", by="张", channel="online", sent_on=date(2022, 9, 30),
                              received_on=date(2022, 9, 30), replied_on=date(2022, 11, 1))
    with session_scope(db_url) as s:
        assert sorted((x.scorer, x.points) for x in repo.manual_scores(s, ev)) == [("张", 14.0), ("李", 13.0)]
        assert len(repo.manual_scores(s, ev, current=False)) == 3
        assert sorted(x.document for x in repo.external_deductions(s, ev)) == ["通报A", "通报B"]
        [case] = repo.request_cases(s, ev)
        assert case.replied_on == date(2022, 11, 1) and len(repo.request_cases(s, ev, current=False)) == 2


def test_the_state_machine_and_the_objection_window(db_url: str) -> None:
    ev = _evaluation(db_url)
    with session_scope(db_url) as s, pytest.raises(EvaluationError, match="needs state objections"):
        repo.raise_objection(s, ev, "4213000101", text="x", by="县政府办", on=date(2022, 12, 22))
    with session_scope(db_url) as s:
        close = repo.publish(s, ev, by="编辑部", on=date(2022, 12, 23), window_working_days=5,
                             results=[{"unit_id": u.id, "total": 90.0, "grade": "优秀", "rank": 1, "group": u.group,
                                       "complete": True, "result": {}} for u in repo.units(s, ev)])
    assert close == date(2022, 12, 30)  # Fri 23 → 26, 27, 28, 29, 30
    with session_scope(db_url) as s, pytest.raises(EvaluationError, match="while it is provisional"):
        repo.add_manual_score(s, ev, "4213000101", item="zwgk.key_work", points=1, scorer="张", role="evaluator", by="张")
    with session_scope(db_url) as s, pytest.raises(EvaluationError, match="window closed on 2022-12-30"):
        repo.raise_objection(s, ev, "4213000101", text="迟到的异议", by="县政府办", on=date(2022, 12, 31))
    with session_scope(db_url) as s:
        obj = repo.raise_objection(s, ev, "4213000101", text="异议", by="县政府办", on=date(2022, 12, 30),
                                   item="zwgk.key_work")
    with session_scope(db_url) as s, pytest.raises(EvaluationError, match="not answered yet"):
        repo.finalize(s, ev, by="市政府办", on=date(2023, 1, 3), results=[])
    with session_scope(db_url) as s:
        new = repo.add_manual_score(s, ev, "4213000101", item="zwgk.key_work", points=15, scorer="王", role="evaluator",
                                    by="王", objection_id=obj)
        repo.answer_objection(s, obj, decision="accepted", text="成立", by="王", on=date(2023, 1, 3),
                              change={"kind": "manual", "entry": new})
    with session_scope(db_url) as s, pytest.raises(EvaluationError, match="already answered"):
        repo.answer_objection(s, obj, decision="rejected", text="x", by="王", on=date(2023, 1, 3))
    with session_scope(db_url) as s, pytest.raises(EvaluationError, match="open until 2022-12-30"):
        repo.finalize(s, ev, by="市政府办", on=date(2022, 12, 30), results=[])
    with session_scope(db_url) as s:
        repo.finalize(s, ev, by="市政府办", on=date(2023, 1, 3), results=[])
        assert repo.get_evaluation(s, ev).state == "final"
        assert [e.action for e in repo.events(s, ev)] == ["create", "publish", "object", "answer", "finalize"]
        assert len(repo.stored_results(s, ev, "provisional")) == 2
    with session_scope(db_url) as s, pytest.raises(EvaluationError, match="is final"):
        repo.add_external_deduction(s, ev, "4213000101", item="zwgk.external", points=1, document="d", by="x")


def test_a_refused_step_writes_nothing(db_url: str) -> None:
    ev = _evaluation(db_url)
    with pytest.raises(EvaluationError, match="not in evaluation"):
        with session_scope(db_url) as s:
            repo.add_manual_score(s, ev, "4213000101", item="zwgk.key_work", points=12, scorer="张", role="evaluator",
                                  by="张")
            repo.add_manual_score(s, ev, "9999999999", item="zwgk.key_work", points=12, scorer="张", role="evaluator",
                                  by="张")
    assert _rows(db_url, m.ManualScore) == 0
    with session_scope(db_url) as s, pytest.raises(EvaluationError, match="needs the document"):
        repo.add_external_deduction(s, ev, "4213000101", item="zwgk.external", points=1, document=" ", by="x")
    with session_scope(db_url) as s, pytest.raises(EvaluationError, match="before 发送日期"):
        repo.add_request_case(s, ev, "4213000101", case_no="1", by="x", channel="fax", sent_on=date(2022, 10, 9),
                              received_on=date(2022, 10, 8))
    with session_scope(db_url) as s, pytest.raises(EvaluationError, match="channel must be one of"):
        repo.add_request_case(s, ev, "4213000101", case_no="1", by="x", channel="email", sent_on=date(2022, 10, 9))
    assert _rows(db_url, m.ExternalDeduction) == 0 and _rows(db_url, m.RequestCase) == 0
