"""Periods people name for a summary or a ledger: a month (2026-11), a quarter (2026Q4) or a year (2026).

Pure: ``parse_period(text, today)`` gives the period's first day, the first day after it (``end``
is exclusive, as in ``storage.rules.meetings.period_containing``) and a label, or None when the
text names no period. Full-width digits and Chinese forms (2026年11月, 2026年第四季度) are read too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

MONTH, QUARTER, YEAR = "month", "quarter", "year"
EXAMPLES = ("2026-11", "2026Q4", "2026")

_QUARTER_WORDS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_MONTH = re.compile(r"(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*月?")
_QUARTER = re.compile(r"(\d{4})\s*(?:[-/ ]?\s*q\s*([1-4])|年?\s*第?\s*([一二三四1-4])\s*季度?)")
_YEAR = re.compile(r"(\d{4})\s*年?(?:度)?")
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Span:
    """[start, end): whole days, branch-local."""

    kind: str  # MONTH, QUARTER or YEAR
    start: date
    end: date  # the first day after the period
    label: str  # 2026-11, 2026Q4, 2026

    @property
    def last_day(self) -> date:
        return date.fromordinal(self.end.toordinal() - 1)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


def month(year: int, number: int) -> Span:
    start = date(year, number, 1)
    end = date(year + number // 12, number % 12 + 1, 1)
    return Span(MONTH, start, end, f"{year:04d}-{number:02d}")


def quarter(year: int, number: int) -> Span:
    first = 3 * (number - 1) + 1
    start = date(year, first, 1)
    end = date(year + 1, 1, 1) if number == 4 else date(year, first + 3, 1)
    return Span(QUARTER, start, end, f"{year:04d}Q{number}")


def year(number: int) -> Span:
    return Span(YEAR, date(number, 1, 1), date(number + 1, 1, 1), f"{number:04d}")


def month_before(day: date) -> Span:
    """The month before the one holding ``day``: what the summary of the 1st is about."""
    return month(day.year - 1, 12) if day.month == 1 else month(day.year, day.month - 1)


def quarter_before(day: date) -> Span:
    """The last quarter that ended before ``day``."""
    number = (day.month - 1) // 3
    return quarter(day.year - 1, 4) if number == 0 else quarter(day.year, number)


def parse_period(text: str, today: date) -> Span | None:
    """The period ``text`` names; ``today`` is for words relative to it (上月/last month, 本月, 本季度, 今年).

    None when the text is not a period, or names a year outside 2000–2100.
    """
    cleaned = unicodedata.normalize("NFKC", text or "").strip().lower()
    if not cleaned:
        return None
    relative = {
        "上月": month_before(today), "上个月": month_before(today), "last month": month_before(today),
        "本月": month(today.year, today.month), "this month": month(today.year, today.month),
        "本季度": quarter(today.year, (today.month - 1) // 3 + 1),
        "this quarter": quarter(today.year, (today.month - 1) // 3 + 1),
        "今年": year(today.year), "本年": year(today.year), "this year": year(today.year),
        "去年": year(today.year - 1), "last year": year(today.year - 1),
    }
    if cleaned in relative:
        return relative[cleaned]
    if found := _QUARTER.fullmatch(cleaned):
        number = _QUARTER_WORDS[found.group(2) or found.group(3)]
        return _checked(int(found.group(1)), lambda y: quarter(y, number))
    if found := _MONTH.fullmatch(cleaned):
        number = int(found.group(2))
        if not 1 <= number <= 12:
            return None
        return _checked(int(found.group(1)), lambda y: month(y, number))
    if found := _YEAR.fullmatch(cleaned):
        return _checked(int(found.group(1)), year)
    return None


def _checked(number: int, make) -> Span | None:
    return make(number) if FIRST_YEAR <= number <= LAST_YEAR else None
