"""The official working-day calendar (工作日): weekends, 法定节假日 and 调休 working weekends.

Deadlines of the 政府信息公开条例 (20 个工作日 to answer a 依申请公开 request, one extension of 20,
补正 within 7) and of the evaluations (湖北: objections within 5 个工作日) count working days on the
calendar the 国务院办公厅 publishes each year, not Monday–Friday. The years come from
`storage/data/holidays-cn.yaml` (each with the notice it transcribes); `GOVAUDIT_HOLIDAYS` names a
file of the same shape whose years replace or extend them (the next year's notice before govaudit
ships it). A day of a year the calendar does not hold raises `CalendarError`: a deadline is never
guessed from weekdays alone.

It lives in `storage/` (the bottom layer, importing nothing of ours) because storage-level code needs
it: the evaluations repository refuses an objection after its window closed, and the problems
repository (issue 14) dates rectification deadlines. Reports and checks import it from here.

Counting: the day of the event (receipt of a request, publication of a result) is not counted
(期间开始的当日不计入); `due_date(start, n)` is the n-th working day after `start`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from storage import safeyaml

DATA = Path(__file__).parent / "data" / "holidays-cn.yaml"
ENV = "GOVAUDIT_HOLIDAYS"


class CalendarError(ValueError):
    """A day outside the years the calendar holds, or a bad holiday file (the message names it)."""


@dataclass(frozen=True)
class YearRule:
    """One year's arrangement: the days off (放假调休) and the weekend days worked (调休上班), with the source."""

    year: int
    off: frozenset[date]
    work: frozenset[date]
    source: str
    url: str | None = None


@dataclass(frozen=True)
class WorkCalendar:
    """Working days on the official calendar for the years it holds."""

    years: dict[int, YearRule] = field(default_factory=dict)

    def covers(self, day: date) -> bool:
        return day.year in self.years

    def source(self, day: date) -> str:
        """The notice that fixes this day's year (for reports and error messages)."""
        return self._rule(day).source

    def is_workday(self, day: date) -> bool:
        """A working day: Monday–Friday not off, or a weekend day declared a working day (调休上班)."""
        self._rule(day)
        # a notice may fix days of the year before (2023's 元旦 starts on 2022-12-31): look in every year
        if any(day in r.work for r in self.years.values()):
            return True
        if any(day in r.off for r in self.years.values()):
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (n ≥ 0; n = 0 is `start` itself)."""
        if n < 0:
            raise ValueError("n must be ≥ 0")
        day = start
        self._rule(day)
        while n:
            day += timedelta(days=1)
            if self.is_workday(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 when end ≤ start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += self.is_workday(day)
        return count

    def _rule(self, day: date) -> YearRule:
        try:
            return self.years[day.year]
        except KeyError:
            held = ", ".join(str(y) for y in sorted(self.years)) or "none"
            raise CalendarError(f"{day.isoformat()}: the working-day calendar has no data for {day.year} "
                                f"(years held: {held}; add the year's 国务院办公厅 notice to a file named by "
                                f"{ENV})") from None


def load_calendar(*paths: str | Path) -> WorkCalendar:
    """The bundled years, then each file's years replacing or adding to them."""
    years: dict[int, YearRule] = {}
    for path in (DATA, *paths):
        years.update(_read(Path(path)))
    return WorkCalendar(years)


@lru_cache(maxsize=4)
def _default(override: str | None) -> WorkCalendar:
    return load_calendar(*([override] if override else []))


def default_calendar() -> WorkCalendar:
    """The bundled calendar, with the years of the file `GOVAUDIT_HOLIDAYS` names (if set)."""
    return _default(os.environ.get(ENV) or None)


def due_date(start: date, working_days: int, calendar: WorkCalendar | None = None) -> date:
    """The last day of a period of `working_days` 工作日 that begins after `start` (the start day is not
    counted): e.g. a request received on 2022-09-30 must be answered by due_date(that day, 20) = 2022-11-02.
    Raises CalendarError when the period reaches a year the calendar does not hold."""
    return (calendar or default_calendar()).add_working_days(start, working_days)


def is_workday(day: date, calendar: WorkCalendar | None = None) -> bool:
    return (calendar or default_calendar()).is_workday(day)


def _read(path: Path) -> dict[int, YearRule]:
    try:
        data = safeyaml.load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CalendarError(f"{path}: cannot read the holiday file: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise CalendarError(f"{path}: not UTF-8 text") from None
    except yaml.YAMLError as exc:
        raise CalendarError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("years"), dict):
        raise CalendarError(f"{path}: expected a mapping with 'years:'")
    out = {}
    for year, entry in data["years"].items():
        where = f"{path}: years.{year}"
        if not isinstance(year, int) or not isinstance(entry, dict) or not entry.get("source"):
            raise CalendarError(f"{where}: each year needs a 'source' (the notice it transcribes)")
        unknown = set(entry) - {"source", "url", "holidays", "workdays"}
        if unknown:
            raise CalendarError(f"{where}: unknown key {sorted(map(str, unknown))[0]!r}")
        off = frozenset(d for item in entry.get("holidays") or [] for d in _days(item, where))
        work = frozenset(d for item in entry.get("workdays") or [] for d in _days(item, where))
        bad = sorted(d for d in work if d.weekday() < 5)
        if bad:
            raise CalendarError(f"{where}: workdays: {bad[0]} is a weekday (only weekend days are declared working days)")
        if off & work:
            raise CalendarError(f"{where}: {min(off & work)} is both off and a working day")
        out[year] = YearRule(year=year, off=off, work=work, source=str(entry["source"]), url=entry.get("url"))
    return out


def _days(item: Any, where: str) -> list[date]:
    """One date, or every date of a "YYYY-MM-DD..YYYY-MM-DD" range."""
    try:
        if isinstance(item, date):
            return [item]
        text = str(item)
        first, _, last = text.partition("..")
        a = date.fromisoformat(first.strip())
        b = date.fromisoformat(last.strip()) if last else a
    except ValueError:
        raise CalendarError(f"{where}: not a date or a range YYYY-MM-DD..YYYY-MM-DD: {item!r}") from None
    if b < a:
        raise CalendarError(f"{where}: range {item!r} ends before it starts")
    return [a + timedelta(days=i) for i in range((b - a).days + 1)]
