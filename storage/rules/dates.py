"""Which dates and lengths a branch can mean, whatever is typed, in every time zone.

A year like 9999 or 0001 is no branch's business, and near either end of the calendar the
arithmetic every read does (check-in windows, reminders ahead, local times) overflows. So
only dates from FIRST_YEAR to YEARS_AHEAD years after today are taken, and lengths up to
MAX_DURATION; nothing outside them can be stored, so no stored value can break a later read.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

FIRST_YEAR = 2000
YEARS_AHEAD = 10
MAX_DURATION = timedelta(days=31)  # the longest length read at all; each caller has its own, smaller limit
MAX_REMINDER_DAYS = 366  # how far ahead of a date a reminder may come
MAX_REMINDER_HOURS = 24 * 31


def plausible_year(year: int, today: date) -> bool:
    return FIRST_YEAR <= year <= today.year + YEARS_AHEAD


def plausible(day: date | datetime, today: date) -> bool:
    """Whether ``day`` is a date a branch can mean (from 2000 to ten years ahead of ``today``)."""
    return plausible_year(day.year, today)
