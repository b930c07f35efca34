"""The pure rules of volunteer service: hours, days and people as typed, the day's 24 hours."""

from __future__ import annotations

from datetime import date, time

import pytest

from storage.rules.service import (
    DateProblem,
    Hours,
    HoursProblem,
    over_the_day,
    parse_day,
    parse_hours,
    parse_people,
    split_names,
)

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("typed, expected", [
    ("3h", Hours(180)), ("3小时", Hours(180)), ("３小时", Hours(180)), ("3.5h", Hours(210)), ("３．５", Hours(210)),
    ("半小时", Hours(30)), ("1个半小时", Hours(90)), ("两个半小时", Hours(150)), ("十小时", Hours(600)),
    ("90分钟", Hours(90)), ("24h", Hours(1440)),
    ("14:00-17:30", Hours(210, time(14), time(17, 30))), ("14：00～17：30", Hours(210, time(14), time(17, 30))),
    ("0", HoursProblem.NOT_POSITIVE), ("-2h", HoursProblem.NOT_POSITIVE), ("3.2h", HoursProblem.NOT_HALF_HOUR),
    ("45分钟", HoursProblem.NOT_HALF_HOUR), ("24.5h", HoursProblem.TOO_LONG), ("17:00-14:00", HoursProblem.END_BEFORE_START),
    ("25:00-26:00", HoursProblem.UNREADABLE), ("很久", HoursProblem.UNREADABLE), ("1e9h", HoursProblem.UNREADABLE),
])
def test_hours(typed, expected):
    assert parse_hours(typed) == expected


@pytest.mark.parametrize("typed, expected", [
    ("2026-11-27", date(2026, 11, 27)), ("2026年11月27日", date(2026, 11, 27)), ("11-27", date(2026, 11, 27)),
    ("12月25日", DateProblem.TOO_OLD),  # no year: the latest 12-25 not after today, a year ago
    ("今天", TODAY), ("昨天", date(2026, 11, 30)), ("2026-12-02", DateProblem.FUTURE),
    ("2026-10-02", DateProblem.TOO_OLD), ("2026-10-03", date(2026, 10, 3)), ("9999-01-01", DateProblem.UNREADABLE),
    ("2026-02-30", DateProblem.UNREADABLE), ("someday", DateProblem.UNREADABLE),
])
def test_days(typed, expected):
    assert parse_day(typed, TODAY, 59) == expected


def test_people_names_and_the_day():
    assert [parse_people(t) for t in ("5", "5人", "５位", "五人", "0", "-1", "许多", "9" * 20)] == [5, 5, 5, 5, 0, None, None, None]
    assert split_names("张三、李四，Li  Ming;张三") == ["张三", "李四", "Li Ming"]
    assert not over_the_day(240, 1200) and over_the_day(270, 1200)
