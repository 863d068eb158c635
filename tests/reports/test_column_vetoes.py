"""national-2019 turns column counts into V4 vetoes (≥ 5 stale, ≥ 10 long stale, ≥ 5 blank) and V3's homepage veto."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from checks.runner import run_rules
from reports.scheme import load_scheme
from reports.scoring import score
from tests.checks.snapshots import build

AS_OF = date(2022, 12, 20)
BASE = "http://www.example.gov.cn/"
RULES = ["site.homepage_not_updated", "column.stale", "column.blank"]


def _card(columns: list[dict], items: list[dict], home_age: int = 1):
    scheme = load_scheme("national-2019")
    home = {"url": BASE, "name": "首页", "level": 0, "items_seen": 1}
    items = [*items, {"column_url": BASE, "title": "首页新闻", "date": AS_OF - timedelta(days=home_age)}]
    snap = build({"as_of": AS_OF, "columns": [home, *columns], "column_items": items})
    results = run_rules(snap, RULES, scheme.params)
    return score(scheme, results), results


def _stale(n: int, kind: str, age: int, level: int = 1, prefix: str = "c") -> tuple[list[dict], list[dict]]:
    cols = [{"url": f"{BASE}{prefix}{i}/", "name": f"栏目{i}", "type": kind, "level": level, "items_seen": 1}
            for i in range(n)]
    items = [{"column_url": c["url"], "title": "旧信息", "date": AS_OF - timedelta(days=age)} for c in cols]
    return cols, items


def _ind(card, ind_id: str):
    return next(i for i in card.indicators if i.id == ind_id)


@pytest.mark.parametrize(("n", "vetoed"), [(4, False), (5, True)])
def test_stale_news_and_notice_columns_veto_at_five(n: int, vetoed: bool) -> None:
    news, news_items = _stale(n - 2, "news", 15, prefix="n")
    notice, notice_items = _stale(2, "notice", 184, prefix="t")
    card, results = _card(news + notice, news_items + notice_items)
    assert len(results["column.stale"].findings) == n
    assert ("web.veto.columns_stale" in card.veto_indicators) is vetoed
    assert card.vetoed is vetoed and (card.grade == "不合格") is vetoed


def test_second_level_notice_columns_do_not_count_for_v4_1() -> None:
    cols, items = _stale(5, "notice", 200, level=2)  # 二级: judged against 365 days, so not stale at all
    card, results = _card(cols, items)
    assert results["column.stale"].findings == [] and not card.vetoed


@pytest.mark.parametrize(("n", "vetoed"), [(9, False), (10, True)])
def test_long_stale_should_update_columns_veto_at_ten(n: int, vetoed: bool) -> None:
    cols, items = _stale(n, "personnel", 400)
    card, results = _card(cols, items)
    assert len(results["column.stale"].findings) == n
    assert all(f.evidence["limit_group"] == "other" for f in results["column.stale"].findings)
    assert ("web.veto.columns_stale" in card.veto_indicators) is vetoed


@pytest.mark.parametrize(("n", "vetoed"), [(4, False), (5, True)])
def test_blank_columns_veto_at_five(n: int, vetoed: bool) -> None:
    cols = [{"url": f"{BASE}b{i}/", "name": f"空栏目{i}", "type": "other", "level": 2, "items_seen": 0,
             "empty_marker": "暂无信息"} for i in range(n)]
    card, results = _card(cols, [])
    assert len(results["column.blank"].findings) == n
    assert ("web.veto.columns_stale" in card.veto_indicators) is vetoed
    assert (card.vetoes == ["column.blank"]) is vetoed


def test_blank_and_stale_do_not_add_up() -> None:
    # the three V4 counts are separate conditions: 4 stale + 4 blank is no veto
    cols, items = _stale(4, "news", 30)
    blank = [{"url": f"{BASE}b{i}/", "name": f"空{i}", "level": 1, "items_seen": 0, "empty_marker": "暂无信息"}
             for i in range(4)]
    card, _ = _card(cols + blank, items)
    assert not card.vetoed


@pytest.mark.parametrize(("age", "vetoed"), [(14, False), (15, True)])
def test_homepage_veto_strictly_after_two_weeks(age: int, vetoed: bool) -> None:
    card, _ = _card([], [], home_age=age)
    assert ("web.veto.homepage_stale" in card.veto_indicators) is vetoed


def test_deductions_for_news_and_first_level_policy() -> None:
    news, news_items = _stale(2, "news", 20, prefix="n")
    policy, policy_items = _stale(1, "policy", 200, prefix="p")
    policy2, policy2_items = _stale(1, "policy", 400, level=2, prefix="q")
    card, _ = _card(news + policy + policy2, news_items + policy_items + policy2_items)
    assert not card.vetoed
    assert _ind(card, "web.ded.news_update").deducted == 2.0
    assert _ind(card, "web.ded.policy_column_update").deducted == 5.0  # the 二级 one does not deduct here
    assert card.total == 93.0


def test_unmeasured_columns_leave_the_veto_undecided() -> None:
    cols = [{"url": f"{BASE}js/", "name": "部门动态", "type": "news", "level": 1, "items_seen": 0, "needs_render": True}]
    card, results = _card(cols, [])
    assert results["column.stale"].status == "not_measured"
    assert results["column.blank"].status == "not_measured"
    assert "web.veto.columns_stale" in card.undecided_vetoes and not card.vetoed
