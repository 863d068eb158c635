"""The working-day calendar: 2022's National Day and Spring Festival with their 调休 working weekends,
the 2023 元旦 block that starts in 2022, overrides, and years the calendar does not hold."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from storage.calendar import CalendarError, default_calendar, due_date, is_workday, load_calendar


def test_national_day_2022_counts_the_working_weekend_after_it() -> None:
    # received Fri 2022-09-30; 10-01..07 off; Sat 10-08 and Sun 10-09 are working days (国办发明电〔2021〕11号)
    assert not is_workday(date(2022, 10, 7))
    assert is_workday(date(2022, 10, 8)) and is_workday(date(2022, 10, 9))
    assert due_date(date(2022, 9, 30), 1) == date(2022, 10, 8)
    assert due_date(date(2022, 9, 30), 2) == date(2022, 10, 9)
    assert due_date(date(2022, 9, 30), 3) == date(2022, 10, 10)
    assert due_date(date(2022, 9, 30), 20) == date(2022, 11, 2)  # Mon–Fri alone would give 10-28
    # a 20-day extension runs on from the first deadline
    assert due_date(due_date(date(2022, 9, 30), 20), 20) == date(2022, 11, 30)


def test_spring_festival_2022_counts_the_working_weekend_before_it() -> None:
    # Sat 01-29 and Sun 01-30 worked; 01-31..02-06 off
    assert is_workday(date(2022, 1, 29)) and is_workday(date(2022, 1, 30))
    assert not is_workday(date(2022, 1, 31))
    assert not any(is_workday(date(2022, 2, d)) for d in range(1, 7))
    assert due_date(date(2022, 1, 28), 2) == date(2022, 1, 30)
    assert due_date(date(2022, 1, 28), 3) == date(2022, 2, 7)
    assert due_date(date(2022, 1, 28), 20) == date(2022, 3, 2)
    # the 湖北 objection window: 5 working days from a publication on Thu 2022-01-27 (01-28, 29, 30, 02-07, 08)
    assert due_date(date(2022, 1, 27), 5) == date(2022, 2, 8)


def test_year_boundary_and_2023_spring_festival() -> None:
    # 2023's 元旦 block (2022-12-31..2023-01-02) is fixed by the 2023 notice; 2023-01-28/29 worked
    assert not is_workday(date(2023, 1, 2))
    assert due_date(date(2022, 12, 30), 1) == date(2023, 1, 3)
    assert due_date(date(2023, 1, 20), 1) == date(2023, 1, 28)
    assert due_date(date(2023, 1, 20), 3) == date(2023, 1, 30)
    cal = default_calendar()
    assert cal.working_days_between(date(2022, 9, 30), date(2022, 11, 2)) == 20
    assert "国办发明电〔2022〕16号" in cal.source(date(2023, 1, 2))


def test_a_plain_week_and_zero_days() -> None:
    assert due_date(date(2022, 11, 14), 5) == date(2022, 11, 21)
    assert due_date(date(2022, 11, 14), 0) == date(2022, 11, 14)


def test_years_not_held_raise_never_guess(tmp_path: Path) -> None:
    with pytest.raises(CalendarError, match="no data for 2030"):
        due_date(date(2030, 3, 1), 5)
    with pytest.raises(CalendarError, match="no data for 2027"):
        due_date(date(2026, 12, 20), 20)  # the period runs into a year without a notice yet


def test_an_override_file_adds_a_year_and_bad_files_name_themselves(tmp_path: Path) -> None:
    extra = tmp_path / "h.yaml"
    extra.write_text("years:\n  2027:\n    source: test notice\n    holidays: [2027-01-01]\n"
                     "    workdays: [2027-01-02]\n", encoding="utf-8")
    cal = load_calendar(extra)
    assert not cal.is_workday(date(2027, 1, 1)) and cal.is_workday(date(2027, 1, 2))
    assert due_date(date(2026, 12, 31), 2, cal) == date(2027, 1, 4)
    bad = tmp_path / "bad.yaml"
    bad.write_text("years:\n  2027:\n    source: x\n    workdays: [2027-01-04]\n", encoding="utf-8")
    with pytest.raises(CalendarError, match=r"bad\.yaml: years\.2027: workdays: 2027-01-04 is a weekday"):
        load_calendar(bad)
    bad.write_text("years:\n  2027:\n    holidays: [2027-01-01]\n", encoding="utf-8")
    with pytest.raises(CalendarError, match="needs a 'source'"):
        load_calendar(bad)
