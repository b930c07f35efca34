"""Periods people ask for: a month (2026-11), a quarter (2026Q4) or a year (2026).

Pure: text in, dates out. ``end`` is exclusive, so a period is ``start <= day < end``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import NamedTuple


class Span(NamedTuple):
    start: date
    end: date  # the first day after the period
    label: str  # 2026-11, 2026Q4, 2026


def month_of(day: date) -> Span:
    return _month(day.year, day.month)


def quarter_of(day: date) -> Span:
    return _quarter(day.year, (day.month - 1) // 3 + 1)


def year_of(day: date) -> Span:
    return Span(date(day.year, 1, 1), date(day.year + 1, 1, 1), f"{day.year}")


def previous_month(day: date) -> Span:
    first = date(day.year, day.month, 1)
    return _month(first.year - (first.month == 1), 12 if first.month == 1 else first.month - 1)


def _month(year: int, month: int) -> Span:
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return Span(date(year, month, 1), end, f"{year}-{month:02d}")


def _quarter(year: int, quarter: int) -> Span:
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return Span(start, end, f"{year}Q{quarter}")


_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_QUARTER = re.compile(r"(\d{4})\s*(?:[-\s]?[Qq]|年\s*第?)\s*([1-4一二三四])\s*(?:季度?)?")
_YEAR = re.compile(r"(\d{4})\s*年?")
_WORDS = {
    "this month": month_of, "本月": month_of, "month": month_of,
    "this quarter": quarter_of, "本季度": quarter_of, "quarter": quarter_of,
    "this year": year_of, "今年": year_of, "本年": year_of, "year": year_of,
    "last month": previous_month, "上月": previous_month, "上个月": previous_month,
}
_CN_DIGIT = {"一": 1, "二": 2, "三": 3, "四": 4}


def parse_period(text: str, today: date) -> Span | None:
    """The period ``text`` names (2026-11, 2026年11月, 2026Q4, 2026年第四季度, 2026, 本月, last month),
    or None; empty text is the current month. Years outside 2000..today's next year are refused."""
    text = text.strip().translate(str.maketrans("０１２３４５６７８９－／", "0123456789-/"))
    if not text:
        return month_of(today)
    word = _WORDS.get(text.lower())
    if word is not None:
        return word(today)
    span = None
    if m := _QUARTER.fullmatch(text):
        q = m.group(2)
        span = _quarter(int(m.group(1)), _CN_DIGIT.get(q) or int(q))
    elif m := _MONTH.fullmatch(text):
        if 1 <= int(m.group(2)) <= 12:
            span = _month(int(m.group(1)), int(m.group(2)))
    elif m := _YEAR.fullmatch(text):
        span = year_of(date(int(m.group(1)), 1, 1))
    if span is None or not 2000 <= span.start.year <= today.year + 1:
        return None
    return span
