"""The periods a secretary asks about: a month, a quarter, a half-year or a year, as typed.

One grammar for every command that takes a period (``/export roster 2026``, ``/summary 2026Q4``):

    2026-11   2026-1   2026/11   2026.11   2026年11月          a month
    2026Q4    2026q4   2026-Q4   2026年第4季度   2026年四季度   a quarter
    2026H2    2026h1   2026年上半年   2026年下半年              a half-year
    2026      2026年                                          a year
    本月 上月 本季度 今年 (this month, last month, this quarter, this year)   counted from today

Full-width digits and letters are read as their ASCII forms. Only years a branch can mean are
taken (storage.rules.dates.plausible_year). Pure: no database, no bot.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from storage.rules.dates import plausible_year


class Span(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


MONTHS = {Span.MONTH: 1, Span.QUARTER: 3, Span.HALF: 6, Span.YEAR: 12}
EXAMPLES = ("2026-11", "2026Q4", "2026H2", "2026")


@dataclass(frozen=True)
class Period:
    """[start, end): the first day of the period and the first day after it."""

    span: Span
    year: int
    index: int  # the month (1–12), quarter (1–4) or half (1–2); 1 for a year

    @property
    def start(self) -> date:
        return date(self.year, (self.index - 1) * MONTHS[self.span] + 1, 1)

    @property
    def end(self) -> date:
        month = self.index * MONTHS[self.span] + 1
        return date(self.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)

    @property
    def last(self) -> date:
        """The last day in the period."""
        return self.end - timedelta(days=1)

    @property
    def label(self) -> str:
        """The period as it is typed, in its normal form: 2026-11, 2026Q4, 2026H2, 2026 (also for file names)."""
        if self.span == Span.MONTH:
            return f"{self.year}-{self.index:02d}"
        if self.span == Span.QUARTER:
            return f"{self.year}Q{self.index}"
        if self.span == Span.HALF:
            return f"{self.year}H{self.index}"
        return str(self.year)

    def months(self) -> list[tuple[int, int]]:
        """(year, month) of each month in the period, in order."""
        first = self.start
        return [(first.year, first.month + i) for i in range(MONTHS[self.span])]

    def __contains__(self, day: date) -> bool:
        return self.start <= day < self.end


def month(year: int, month: int) -> Period:
    return Period(Span.MONTH, year, month)


def year(year: int) -> Period:
    return Period(Span.YEAR, year, 1)


def quarter(year: int, quarter: int) -> Period:
    return Period(Span.QUARTER, year, quarter)


def year_of(day: date) -> Period:
    return year(day.year)


def month_of(day: date) -> Period:
    return month(day.year, day.month)


def last_month(today: date) -> Period:
    return month_of(today.replace(day=1) - timedelta(days=1))


def quarter_of(day: date) -> Period:
    return containing(Span.QUARTER, day)


def containing(span: Span, day: date) -> Period:
    """The month, quarter, half-year or year ``day`` falls in."""
    return Period(span, day.year, (day.month - 1) // MONTHS[span] + 1)


def months_after(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s month."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


_CN_NUMBERS = {"一": 1, "二": 2, "三": 3, "四": 4}
_FORMS: tuple[tuple[re.Pattern[str], Span], ...] = tuple((re.compile(p, re.ASCII), s) for p, s in (
    (r"(\d{4})\s*(?:[-/.]\s*|年\s*)(\d{1,2})\s*月?", Span.MONTH),
    (r"(\d{4})\s*-?\s*q\s*([1-4])", Span.QUARTER),
    (r"(\d{4})\s*年?\s*第?\s*([1-4一二三四])\s*季度?", Span.QUARTER),
    (r"(\d{4})\s*-?\s*h\s*([12])", Span.HALF),
    (r"(\d{4})\s*年?\s*([上下])\s*半年", Span.HALF),
    (r"(\d{4})\s*年?\s*(?:度|全年)?", Span.YEAR),
))


_RELATIVE = {
    **dict.fromkeys(("本月", "这个月", "this month"), month_of),
    **dict.fromkeys(("上月", "上个月", "last month"), last_month),
    **dict.fromkeys(("本季度", "this quarter"), quarter_of),
    **dict.fromkeys(("今年", "本年", "this year"), year_of),
}


def parse_period(text: str, today: date) -> Period | None:
    """The period ``text`` names, or None when it names none a branch can mean (the caller says
    so, quoting ``EXAMPLES``)."""
    typed = unicodedata.normalize("NFKC", text).strip().lower()
    if typed in _RELATIVE:
        return _RELATIVE[typed](today)
    for pattern, span in _FORMS:
        found = pattern.fullmatch(typed)
        if found is None:
            continue
        number = int(found.group(1))
        if not plausible_year(number, today):
            return None
        if span == Span.YEAR:
            return year(number)
        raw = found.group(2)
        index = {"上": 1, "下": 2}.get(raw) or _CN_NUMBERS.get(raw) or int(raw)
        if span == Span.MONTH and not 1 <= index <= 12:
            return None
        return Period(span, number, index)
    return None
