"""Public holidays and working days in China: which days a meeting should not fall on.

The State Council publishes each year's holidays and the weekend days worked in their place (调休)
late in the year before; the ``chinese-calendar`` library carries them for the years it knows.
A branch's own corrections come first: they fill a year the library does not know yet, and
override it where local practice differs. Pure: no database, no bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar

#: How far to look for the next working day (the Spring Festival with its weekends is ~9 days).
SEARCH_DAYS = 31
SETTINGS_KEY = "holidays"  # in a branch's settings JSON: {"off": [iso dates], "on": [iso dates]}


@dataclass(frozen=True)
class Corrections:
    """Days a branch has marked itself: ``off`` are holidays, ``on`` are working days."""

    off: frozenset[date] = field(default_factory=frozenset)
    on: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def from_json(cls, data: object) -> Corrections:
        """From the settings JSON; entries that are not ISO dates are ignored, not fatal."""
        if not isinstance(data, dict):
            return cls()

        def days(key: str) -> frozenset[date]:
            found = set()
            for text in data.get(key) or []:
                try:
                    found.add(date.fromisoformat(str(text)))
                except ValueError:
                    continue
            return frozenset(found)

        return cls(days("off"), days("on"))

    def to_json(self) -> dict[str, list[str]]:
        return {"off": sorted(d.isoformat() for d in self.off), "on": sorted(d.isoformat() for d in self.on)}

    def mark(self, day: date, *, off: bool) -> Corrections:
        """With ``day`` marked a holiday (``off``) or a working day; a mark replaces the other one."""
        if off:
            return Corrections(self.off | {day}, self.on - {day})
        return Corrections(self.off - {day}, self.on | {day})


def known(day: date) -> bool:
    """Whether the library has the official calendar of ``day``'s year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def public_holiday(day: date, corrections: Corrections = Corrections()) -> str | None:
    """The holiday ``day`` is part of ("National Day"), "" for a day the branch marked itself,
    or None for an ordinary day (weekends included: a rule on a Saturday is meant)."""
    if day in corrections.on:
        return None
    if day in corrections.off:
        return ""
    if not known(day):
        return None
    is_off, name = chinese_calendar.get_holiday_detail(day)
    return name if is_off and name else None


def working_day(day: date, corrections: Corrections = Corrections()) -> bool:
    """A day people work: the branch's marks, then the official calendar, else Monday to Friday."""
    if day in corrections.on:
        return True
    if day in corrections.off:
        return False
    if known(day):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def next_working_day(day: date, corrections: Corrections = Corrections()) -> date | None:
    """The first working day after ``day``, or None if none is found within ``SEARCH_DAYS``."""
    for step in range(1, SEARCH_DAYS + 1):
        candidate = day + timedelta(days=step)
        if working_day(candidate, corrections):
            return candidate
    return None
