"""整改时限: the day a problem's fix is due, counted in working days from the day it was found.

`due_date(start, working_days)` is the one way a deadline is computed. Here a working day is Monday to
Friday; the official holiday calendar with its 调休 days (`reports/calendar.py`, issue 15) replaces that
rule inside this function when the two branches are merged, so every caller gets holidays at once.
"""
from __future__ import annotations

from datetime import date, timedelta


def is_working_day(day: date) -> bool:
    """Monday to Friday (the holiday calendar of reports/calendar.py takes over at merge)."""
    return day.weekday() < 5


def due_date(start: date, working_days: int) -> date:
    """The `working_days`-th working day after `start` (`start` itself never counts); 0 → `start`."""
    if working_days < 0:
        raise ValueError(f"working days must not be negative: {working_days}")
    day, left = start, working_days
    while left:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day
