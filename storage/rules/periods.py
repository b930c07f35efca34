"""Which month, quarter or year someone means: ``2026-11``, ``2026Q4``, ``2026`` (also 2026年11月, 2026年).

Pure: text in, a period out. A period is [start, end) in local dates.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from storage.rules.meetings import MONTHS
from storage.rules.meetings import Period as Length

_MONTH = re.compile(r"(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?")
_QUARTER = re.compile(r"(\d{4})\s*(?:-\s*)?(?:Q|年第?)\s*([1-4一二三四])\s*(?:季度?)?", re.IGNORECASE)
_YEAR = re.compile(r"(\d{4})\s*年?(?:度)?")
_CHINESE = {"一": 1, "二": 2, "三": 3, "四": 4}


@dataclass(frozen=True)
class Period:
    kind: Length
    start: date  # the first day
    end: date  # the first day after

    @property
    def label(self) -> str:
        """The period written the way ``parse_period`` reads it back (used in buttons)."""
        if self.kind == Length.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind == Length.QUARTER:
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end


def _after(year: int, month: int, months: int) -> date:
    index = year * 12 + month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_after(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    return _after(day.year, day.month, months)


def of(kind: Length, year: int, first_month: int) -> Period:
    return Period(kind, date(year, first_month, 1), _after(year, first_month, MONTHS[kind]))


def last_month(today: date) -> Period:
    start = _after(today.year, today.month, -1)
    return of(Length.MONTH, start.year, start.month)


def parse_period(text: str, today: date) -> Period | None:
    """The month, quarter or year ``text`` names, or None when it names none (``today`` is for the
    caller's checks and for words like 上月 later on)."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    year = re.match(r"\d{4}", value)
    if not value or year is None or not FIRST_YEAR <= int(year[0]) <= LAST_YEAR:
        return None if value not in ("上月", "last month") else last_month(today)
    return _parse(value, today)


FIRST_YEAR, LAST_YEAR = 1949, 2199


def _parse(value: str, today: date) -> Period | None:
    if value in ("上月", "last month"):
        return last_month(today)
    if match := _QUARTER.fullmatch(value):
        quarter = _CHINESE.get(match[2]) or int(match[2])
        return of(Length.QUARTER, int(match[1]), (quarter - 1) * 3 + 1)
    if match := _MONTH.fullmatch(value):
        month = int(match[2])
        return of(Length.MONTH, int(match[1]), month) if 1 <= month <= 12 else None
    if match := _YEAR.fullmatch(value):
        return of(Length.YEAR, int(match[1]), 1)
    return None
