"""整改时限: the day a problem's fix is due, counted in working days from the day it was found.

`due_date(start, working_days)` is the one way a deadline is computed: on the official holiday calendar
with its 调休 working weekends (`storage/calendar.py`, data with sources in storage/data/holidays-cn.yaml).
A deadline that reaches a year the calendar does not hold yet is counted Monday to Friday for the days
of that year (and logged once), so a list of problems never fails for want of next year's notice.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import cache

from storage.calendar import CalendarError, default_calendar

log = logging.getLogger(__name__)


def is_working_day(day: date) -> bool:
    """A 工作日 on the official calendar (Monday to Friday in a year it does not hold)."""
    try:
        return default_calendar().is_workday(day)
    except CalendarError:
        _warn_once(day.year)
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


@cache
def _warn_once(year: int) -> None:
    log.warning("no holiday calendar for %s: 整改时限 counted Monday to Friday (storage/data/holidays-cn.yaml)", year)
