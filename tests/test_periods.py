"""The one grammar of periods (/export, /summary): months, quarters, half-years and years as typed."""

from __future__ import annotations

from datetime import date

import pytest

from storage.rules import periods
from storage.rules.periods import Span, parse_period

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("typed, span, start, end, label", [
    ("2026-11", Span.MONTH, date(2026, 11, 1), date(2026, 12, 1), "2026-11"),
    ("2026-1", Span.MONTH, date(2026, 1, 1), date(2026, 2, 1), "2026-01"),
    ("2026/12", Span.MONTH, date(2026, 12, 1), date(2027, 1, 1), "2026-12"),
    ("2026.02", Span.MONTH, date(2026, 2, 1), date(2026, 3, 1), "2026-02"),
    ("2026年11月", Span.MONTH, date(2026, 11, 1), date(2026, 12, 1), "2026-11"),
    ("２０２６－１１", Span.MONTH, date(2026, 11, 1), date(2026, 12, 1), "2026-11"),
    ("2026Q4", Span.QUARTER, date(2026, 10, 1), date(2027, 1, 1), "2026Q4"),
    ("2026q1", Span.QUARTER, date(2026, 1, 1), date(2026, 4, 1), "2026Q1"),
    ("2026-Q2", Span.QUARTER, date(2026, 4, 1), date(2026, 7, 1), "2026Q2"),
    ("2026 Q3", Span.QUARTER, date(2026, 7, 1), date(2026, 10, 1), "2026Q3"),
    ("２０２６Ｑ４", Span.QUARTER, date(2026, 10, 1), date(2027, 1, 1), "2026Q4"),
    ("2026年第4季度", Span.QUARTER, date(2026, 10, 1), date(2027, 1, 1), "2026Q4"),
    ("2026年三季度", Span.QUARTER, date(2026, 7, 1), date(2026, 10, 1), "2026Q3"),
    ("2026H2", Span.HALF, date(2026, 7, 1), date(2027, 1, 1), "2026H2"),
    ("2026h1", Span.HALF, date(2026, 1, 1), date(2026, 7, 1), "2026H1"),
    ("2026年上半年", Span.HALF, date(2026, 1, 1), date(2026, 7, 1), "2026H1"),
    ("2026下半年", Span.HALF, date(2026, 7, 1), date(2027, 1, 1), "2026H2"),
    ("2026", Span.YEAR, date(2026, 1, 1), date(2027, 1, 1), "2026"),
    ("2025年", Span.YEAR, date(2025, 1, 1), date(2026, 1, 1), "2025"),
    ("2025年度", Span.YEAR, date(2025, 1, 1), date(2026, 1, 1), "2025"),
    (" 2026 ", Span.YEAR, date(2026, 1, 1), date(2027, 1, 1), "2026"),
])
def test_every_form_reads_as_its_period(typed, span, start, end, label):
    period = parse_period(typed, TODAY)
    assert period is not None, typed
    assert (period.span, period.start, period.end, period.label) == (span, start, end, label)
    assert parse_period(period.label, TODAY) == period  # the label is itself a form


@pytest.mark.parametrize("typed, label", [("本月", "2026-12"), ("this month", "2026-12"), ("上月", "2026-11"),
                                          ("Last month", "2026-11"), ("本季度", "2026Q4"), ("今年", "2026")])
def test_words_for_periods_count_from_today(typed, label):
    assert parse_period(typed, TODAY).label == label


@pytest.mark.parametrize("typed", ["", "2026-13", "2026-0", "2026Q5", "2026Q0", "2026H3", "1999", "2037-01",
                                   "11-2026", "26Q4", "next month", "2026-11-05", "2026Q4x", "二〇二六"])
def test_what_is_no_period_is_refused(typed):
    assert parse_period(typed, TODAY) is None


def test_period_arithmetic():
    q4 = parse_period("2026Q4", TODAY)
    assert q4.last == date(2026, 12, 31)
    assert q4.months() == [(2026, 10), (2026, 11), (2026, 12)]
    assert date(2026, 12, 31) in q4 and date(2027, 1, 1) not in q4
    assert periods.last_month(date(2026, 1, 15)).label == "2025-12"
    assert periods.month_of(TODAY).label == "2026-12"
    assert periods.quarter_of(date(2026, 5, 31)).label == "2026Q2"
    assert periods.year(2026).months()[-1] == (2026, 12)
    assert parse_period("2026H2", TODAY).months() == [(2026, m) for m in range(7, 13)]
