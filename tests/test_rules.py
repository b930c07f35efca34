"""The calendar logic of recurring rules: dates, time zones, moves, offsets, parsing and wording."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.rules.recurrence import (
    Frequency,
    Occurrence,
    Offset,
    Rule,
    describe_offset,
    describe_rule,
    occurrence_dates,
    occurrences,
    parse_offsets,
    parse_rule,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")

FIRST_FRIDAY = Rule(Frequency.MONTHLY, weekday=4, nth=1)
DUES_20TH = Rule(Frequency.MONTHLY, day=20, at=time(23, 59))
LAST_WEDNESDAY = Rule(Frequency.MONTHLY, weekday=2, nth=-1, at=time(14, 30))
QUARTERLY_2ND_TUESDAY = Rule(Frequency.QUARTERLY, weekday=1, nth=2, at=time(15, 0))
QUARTERLY_15TH = Rule(Frequency.QUARTERLY, day=15, at=time(14, 30))
DAY_31 = Rule(Frequency.MONTHLY, day=31)
FIFTH_FRIDAY = Rule(Frequency.MONTHLY, weekday=4, nth=5)


def year(y: int) -> tuple[date, date]:
    return date(y, 1, 1), date(y, 12, 31)


def days(y: int, *month_days: tuple[int, int]) -> list[date]:
    return [date(y, m, d) for m, d in month_days]


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# ---------------------------------------------------------------- a year of dates


def test_first_friday_of_every_month_2027():
    assert occurrence_dates(FIRST_FRIDAY, *year(2027)) == days(
        2027, (1, 1), (2, 5), (3, 5), (4, 2), (5, 7), (6, 4),
        (7, 2), (8, 6), (9, 3), (10, 1), (11, 5), (12, 3),
    )  # fmt: skip


def test_the_20th_of_every_month_2027():
    assert occurrence_dates(DUES_20TH, *year(2027)) == [date(2027, m, 20) for m in range(1, 13)]


def test_last_wednesday_of_every_month_2027():
    assert occurrence_dates(LAST_WEDNESDAY, *year(2027)) == days(
        2027, (1, 27), (2, 24), (3, 31), (4, 28), (5, 26), (6, 30),
        (7, 28), (8, 25), (9, 29), (10, 27), (11, 24), (12, 29),
    )  # fmt: skip


def test_quarterly_second_tuesday_of_the_first_month_2027():
    assert occurrence_dates(QUARTERLY_2ND_TUESDAY, *year(2027)) == days(2027, (1, 12), (4, 13), (7, 13), (10, 12))


def test_quarterly_in_the_second_and_third_month():
    second = Rule(Frequency.QUARTERLY, day=15, month_of_quarter=2)
    third = Rule(Frequency.QUARTERLY, weekday=4, nth=-1, month_of_quarter=3)
    assert occurrence_dates(second, *year(2027)) == days(2027, (2, 15), (5, 15), (8, 15), (11, 15))
    assert occurrence_dates(third, *year(2027)) == days(2027, (3, 26), (6, 25), (9, 24), (12, 31))


def test_dates_are_inclusive_at_both_ends_and_empty_when_reversed():
    assert occurrence_dates(DUES_20TH, date(2027, 1, 20), date(2027, 3, 20)) == days(2027, (1, 20), (2, 20), (3, 20))
    assert occurrence_dates(DUES_20TH, date(2027, 1, 21), date(2027, 3, 19)) == [date(2027, 2, 20)]
    assert occurrence_dates(DUES_20TH, date(2027, 3, 1), date(2027, 1, 1)) == []


def test_dates_across_a_year_boundary():
    assert occurrence_dates(FIRST_FRIDAY, date(2027, 11, 15), date(2028, 2, 10)) == [
        date(2027, 12, 3), date(2028, 1, 7), date(2028, 2, 4),
    ]  # fmt: skip


# ---------------------------------------------------------------- month ends and missing weekdays


def test_the_31st_falls_on_the_last_day_of_shorter_months():
    assert occurrence_dates(DAY_31, *year(2027)) == days(
        2027, (1, 31), (2, 28), (3, 31), (4, 30), (5, 31), (6, 30),
        (7, 31), (8, 31), (9, 30), (10, 31), (11, 30), (12, 31),
    )  # fmt: skip


def test_the_30th_in_february():
    rule = Rule(Frequency.MONTHLY, day=30)
    assert occurrence_dates(rule, date(2028, 2, 1), date(2028, 3, 31)) == [date(2028, 2, 29), date(2028, 3, 30)]
    assert occurrence_dates(rule, date(2027, 2, 1), date(2027, 2, 28)) == [date(2027, 2, 28)]
    assert occurrence_dates(Rule(Frequency.MONTHLY, day=29), date(2027, 2, 1), date(2027, 2, 28)) == [date(2027, 2, 28)]


def test_a_fifth_friday_only_in_months_that_have_one_and_never_spills_over():
    dates = occurrence_dates(FIFTH_FRIDAY, *year(2027))
    assert dates == days(2027, (1, 29), (4, 30), (7, 30), (10, 29), (12, 31))
    assert all(d.weekday() == 4 and d.day > 28 for d in dates)
    assert occurrence_dates(FIFTH_FRIDAY, date(2027, 2, 1), date(2027, 3, 31)) == []


def test_last_weekday_is_the_fifth_or_the_fourth():
    last_friday = Rule(Frequency.MONTHLY, weekday=4, nth=-1)
    assert occurrence_dates(last_friday, date(2027, 1, 1), date(2027, 2, 28)) == [date(2027, 1, 29), date(2027, 2, 26)]


# ---------------------------------------------------------------- time zones


def test_shanghai_wall_clock_becomes_utc():
    found = occurrences(FIRST_FRIDAY, "Asia/Shanghai", utc(2027, 1, 1), utc(2027, 4, 1))
    assert found == [
        Occurrence(date(2027, 1, 1), utc(2027, 1, 1, 1, 0), False),
        Occurrence(date(2027, 2, 5), utc(2027, 2, 5, 1, 0), False),
        Occurrence(date(2027, 3, 5), utc(2027, 3, 5, 1, 0), False),
    ]
    assert all(o.at.tzinfo is UTC for o in found)


def test_a_late_local_time_can_be_the_previous_utc_day():
    dues = occurrences(DUES_20TH, SHANGHAI, utc(2027, 1, 1), utc(2027, 2, 1))
    assert dues == [Occurrence(date(2027, 1, 20), utc(2027, 1, 20, 15, 59), False)]


def test_window_is_half_open_and_compared_as_instants():
    first = utc(2027, 1, 1, 1, 0)  # 2027-01-01 09:00 in Shanghai
    assert [o.key for o in occurrences(FIRST_FRIDAY, SHANGHAI, first, first + timedelta(days=40))] == [
        date(2027, 1, 1), date(2027, 2, 5),
    ]  # fmt: skip
    assert [o.key for o in occurrences(FIRST_FRIDAY, SHANGHAI, first - timedelta(days=1), first)] == []
    # the same instant written in Shanghai time
    start = datetime(2027, 1, 1, 9, 0, tzinfo=SHANGHAI)
    assert occurrences(FIRST_FRIDAY, SHANGHAI, start, start + timedelta(seconds=1))[0].key == date(2027, 1, 1)
    assert occurrences(FIRST_FRIDAY, SHANGHAI, start, start) == []


def test_new_york_dst_gap_takes_the_time_after_the_gap():
    # 2027-03-14 is the second Sunday of March: 02:00 EST jumps to 03:00 EDT, 02:30 does not exist.
    rule = Rule(Frequency.MONTHLY, weekday=6, nth=2, at=time(2, 30))
    [o] = occurrences(rule, "America/New_York", utc(2027, 3, 1), utc(2027, 4, 1))
    assert o.key == date(2027, 3, 14)
    # zoneinfo with fold=0 uses the pre-transition offset (-05:00): 07:30 UTC, which is 03:30 EDT.
    assert o.at == utc(2027, 3, 14, 7, 30)
    local = o.at.astimezone(NEW_YORK)
    assert (local.hour, local.minute, local.utcoffset()) == (3, 30, timedelta(hours=-4))


def test_new_york_ambiguous_time_takes_the_first_one():
    # 2027-11-07 is the first Sunday of November: 01:30 happens twice (EDT, then EST).
    rule = Rule(Frequency.MONTHLY, weekday=6, nth=1, at=time(1, 30))
    [o] = occurrences(rule, NEW_YORK, utc(2027, 11, 1), utc(2027, 12, 1))
    assert o.at == utc(2027, 11, 7, 5, 30)
    assert o.at.astimezone(NEW_YORK).utcoffset() == timedelta(hours=-4)


def test_new_york_summer_and_winter_offsets():
    found = occurrences(DUES_20TH, NEW_YORK, utc(2027, 1, 1), utc(2027, 8, 1))
    assert found[0].at == utc(2027, 1, 21, 4, 59)  # 23:59 EST is 04:59 UTC the next day
    assert found[6].at == utc(2027, 7, 21, 3, 59)  # 23:59 EDT
    assert [o.key for o in found] == [date(2027, m, 20) for m in range(1, 8)]


# ---------------------------------------------------------------- moved and skipped


def test_skipped_occurrences_disappear():
    found = occurrences(FIRST_FRIDAY, SHANGHAI, utc(2027, 1, 1), utc(2027, 5, 1), skipped={date(2027, 2, 5)})
    assert [o.key for o in found] == days(2027, (1, 1), (3, 5), (4, 2))


def test_moved_occurrence_keeps_its_key_and_is_sorted_by_its_new_moment():
    new = datetime(2027, 3, 12, 14, 0, tzinfo=SHANGHAI)  # the March one moved a week later, afternoon
    found = occurrences(FIRST_FRIDAY, SHANGHAI, utc(2027, 2, 1), utc(2027, 5, 1), moved={date(2027, 3, 5): new})
    assert found == [
        Occurrence(date(2027, 2, 5), utc(2027, 2, 5, 1, 0), False),
        Occurrence(date(2027, 3, 5), utc(2027, 3, 12, 6, 0), True),
        Occurrence(date(2027, 4, 2), utc(2027, 4, 2, 1, 0), False),
    ]
    assert found[1].at.tzinfo is UTC


def test_moving_before_another_occurrence_reorders():
    new = utc(2027, 1, 30, 1, 0)  # the February one brought forward into January
    found = occurrences(FIRST_FRIDAY, SHANGHAI, utc(2027, 1, 1), utc(2027, 3, 1), moved={date(2027, 2, 5): new})
    assert [(o.key, o.moved) for o in found] == [(date(2027, 1, 1), False), (date(2027, 2, 5), True)]
    assert found[1].at == new


def test_moved_out_of_the_window_disappears_and_moved_in_appears():
    window = (utc(2027, 3, 1), utc(2027, 4, 1))
    out = occurrences(FIRST_FRIDAY, SHANGHAI, *window, moved={date(2027, 3, 5): utc(2027, 4, 9, 1, 0)})
    assert out == []
    into = occurrences(FIRST_FRIDAY, SHANGHAI, *window, moved={date(2027, 4, 2): utc(2027, 3, 26, 1, 0)})
    assert into == [
        Occurrence(date(2027, 3, 5), utc(2027, 3, 5, 1, 0), False),
        Occurrence(date(2027, 4, 2), utc(2027, 3, 26, 1, 0), True),
    ]
    from_far_away = occurrences(FIRST_FRIDAY, SHANGHAI, *window, moved={date(2026, 1, 2): utc(2027, 3, 20)})
    assert [o.key for o in from_far_away] == [date(2027, 3, 5), date(2026, 1, 2)]


def test_skipped_wins_over_moved_and_stale_keys_are_ignored():
    window = (utc(2027, 1, 1), utc(2027, 4, 1))
    found = occurrences(
        FIRST_FRIDAY, SHANGHAI, *window,
        moved={date(2027, 2, 5): utc(2027, 2, 10), date(2027, 2, 6): utc(2027, 2, 11)},
        skipped={date(2027, 2, 5), date(2027, 3, 6)},
    )  # fmt: skip
    assert [o.key for o in found] == [date(2027, 1, 1), date(2027, 3, 5)]


def test_moved_within_the_window_boundaries():
    key = date(2027, 3, 5)
    end = utc(2027, 4, 1)
    assert occurrences(FIRST_FRIDAY, SHANGHAI, utc(2027, 3, 1), end, moved={key: end}) == []
    assert occurrences(FIRST_FRIDAY, SHANGHAI, end, utc(2027, 5, 1), moved={key: end})[0] == Occurrence(key, end, True)


def test_unknown_time_zone():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        occurrences(FIRST_FRIDAY, "Mars/Olympus", utc(2027, 1, 1), utc(2027, 2, 1))
    with pytest.raises(ValueError, match="unknown time zone"):
        Offset(hours=2).moment(utc(2027, 1, 1), "../etc")


def test_occurrences_refuse_naive_datetimes():
    with pytest.raises(ValueError, match="timezone-aware"):
        occurrences(FIRST_FRIDAY, SHANGHAI, datetime(2027, 1, 1), utc(2027, 2, 1))
    with pytest.raises(ValueError, match="timezone-aware"):
        occurrences(FIRST_FRIDAY, SHANGHAI, utc(2027, 1, 1), utc(2027, 2, 1), moved={date(2027, 1, 1): datetime(2027, 1, 2)})
    with pytest.raises(ValueError, match="moved keys must be dates"):
        occurrences(FIRST_FRIDAY, SHANGHAI, utc(2027, 1, 1), utc(2027, 2, 1), moved={utc(2027, 1, 1): utc(2027, 1, 2)})


# ---------------------------------------------------------------- offsets


def test_offset_days_at_a_local_time():
    occurrence = datetime(2027, 3, 5, 9, 0, tzinfo=SHANGHAI)
    assert Offset(days=3, at=time(9, 0)).moment(occurrence, SHANGHAI) == utc(2027, 3, 2, 1, 0)
    assert Offset(days=1, at=time(20, 0)).moment(occurrence, SHANGHAI) == utc(2027, 3, 4, 12, 0)


def test_offset_hours():
    occurrence = utc(2027, 3, 5, 1, 0)
    assert Offset(hours=2).moment(occurrence, SHANGHAI) == utc(2027, 3, 4, 23, 0)
    assert Offset(hours=2).moment(occurrence, SHANGHAI).tzinfo is UTC


def test_offset_uses_the_local_date_not_the_utc_date():
    occurrence = datetime(2027, 3, 5, 7, 0, tzinfo=SHANGHAI)  # still March 4 in UTC
    assert Offset(days=1, at=time(9, 0)).moment(occurrence, SHANGHAI) == datetime(2027, 3, 4, 9, 0, tzinfo=SHANGHAI)


def test_offset_across_month_and_year_boundaries():
    new_year = datetime(2028, 1, 2, 9, 0, tzinfo=SHANGHAI)
    assert Offset(days=3, at=time(9, 0)).moment(new_year, SHANGHAI) == utc(2027, 12, 30, 1, 0)
    assert Offset(days=2).moment(new_year, SHANGHAI) == datetime(2027, 12, 31, 9, 0, tzinfo=SHANGHAI)
    assert Offset(hours=10).moment(new_year, SHANGHAI) == datetime(2028, 1, 1, 23, 0, tzinfo=SHANGHAI)
    march = datetime(2028, 3, 1, 9, 0, tzinfo=SHANGHAI)
    assert Offset(days=1, at=time(18, 0)).moment(march, SHANGHAI) == datetime(2028, 2, 29, 18, 0, tzinfo=SHANGHAI)


def test_offset_days_keep_the_wall_clock_across_dst():
    occurrence = datetime(2027, 3, 15, 9, 0, tzinfo=NEW_YORK)  # EDT
    assert occurrence.astimezone(UTC) == utc(2027, 3, 15, 13, 0)
    two_days = Offset(days=2).moment(occurrence, NEW_YORK)  # 2027-03-13 09:00 EST
    assert two_days == utc(2027, 3, 13, 14, 0)
    assert two_days.astimezone(NEW_YORK).hour == 9
    assert Offset(hours=48).moment(occurrence, NEW_YORK) == utc(2027, 3, 13, 13, 0)  # 08:00 EST
    at_nine = Offset(days=2, at=time(9, 0)).moment(occurrence, "America/New_York")
    assert at_nine == two_days


def test_offset_into_a_dst_gap_and_with_days_and_hours():
    occurrence = datetime(2027, 3, 15, 2, 30, tzinfo=NEW_YORK)
    assert Offset(days=1).moment(occurrence, NEW_YORK) == utc(2027, 3, 14, 7, 30)  # 02:30 → 03:30 EDT
    assert Offset(days=1, at=time(2, 30)).moment(occurrence, NEW_YORK) == utc(2027, 3, 14, 7, 30)
    assert Offset(days=1, hours=2).moment(occurrence, NEW_YORK) == utc(2027, 3, 14, 5, 30)


def test_offset_of_an_occurrence_in_utc_is_computed_in_the_branch_zone():
    [o] = occurrences(FIRST_FRIDAY, SHANGHAI, utc(2027, 2, 1), utc(2027, 3, 1))
    assert Offset(days=3, at=time(9, 0)).moment(o.at, "Asia/Shanghai") == utc(2027, 2, 2, 1, 0)


def test_offset_validation():
    for bad in ({}, {"days": -1}, {"hours": -2}, {"at": time(9, 0)}, {"hours": 2, "at": time(9, 0)},
                {"days": 1.5}, {"days": True}, {"days": 1, "at": "09:00"}):  # fmt: skip
        with pytest.raises(ValueError):
            Offset(**bad)
    with pytest.raises(ValueError, match="timezone-aware"):
        Offset(hours=2).moment(datetime(2027, 1, 1, 9, 0), SHANGHAI)


# ---------------------------------------------------------------- rule validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"frequency": Frequency.MONTHLY}, "needs a day"),
        ({"frequency": Frequency.MONTHLY, "day": 5, "weekday": 4, "nth": 1}, "not both"),
        ({"frequency": Frequency.MONTHLY, "weekday": 4}, "go together"),
        ({"frequency": Frequency.MONTHLY, "nth": 1}, "go together"),
        ({"frequency": Frequency.MONTHLY, "day": 0}, "day must be 1..31"),
        ({"frequency": Frequency.MONTHLY, "day": 32}, "day must be 1..31"),
        ({"frequency": Frequency.MONTHLY, "weekday": 7, "nth": 1}, "weekday must be"),
        ({"frequency": Frequency.MONTHLY, "weekday": 4, "nth": 6}, "nth must be"),
        ({"frequency": Frequency.MONTHLY, "weekday": 4, "nth": 0}, "nth must be"),
        ({"frequency": Frequency.MONTHLY, "weekday": 4, "nth": -2}, "nth must be"),
        ({"frequency": Frequency.QUARTERLY, "day": 1, "month_of_quarter": 4}, "month_of_quarter must be 1..3"),
        ({"frequency": Frequency.MONTHLY, "day": 1, "month_of_quarter": 2}, "only to quarterly"),
        ({"frequency": "weekly", "day": 1}, "frequency must be"),
        ({"frequency": Frequency.MONTHLY, "day": 1, "at": "09:00"}, "datetime.time"),
        ({"frequency": Frequency.MONTHLY, "day": 1, "at": time(9, 0, tzinfo=UTC)}, "naive"),
        ({"frequency": Frequency.MONTHLY, "day": "1"}, "integer"),
    ],
)
def test_rule_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Rule(**kwargs)


def test_rule_accepts_frequency_as_text():
    assert Rule("quarterly", day=15).frequency is Frequency.QUARTERLY


# ---------------------------------------------------------------- JSON


RULES = [FIRST_FRIDAY, DUES_20TH, LAST_WEDNESDAY, QUARTERLY_2ND_TUESDAY, QUARTERLY_15TH, DAY_31, FIFTH_FRIDAY,
         Rule(Frequency.QUARTERLY, weekday=6, nth=-1, month_of_quarter=3, at=time(20, 0)),
         Rule(Frequency.MONTHLY, day=1, at=time(8, 15, 30))]  # fmt: skip
OFFSETS = [Offset(days=3, at=time(9, 0)), Offset(hours=2), Offset(days=1), Offset(days=1, hours=2),
           Offset(days=7, at=time(18, 30))]  # fmt: skip


@pytest.mark.parametrize("rule", RULES)
def test_rule_json_round_trip(rule):
    data = rule.to_json()
    assert list(data) == ["frequency", "day", "weekday", "nth", "month_of_quarter", "at"]
    assert Rule.from_json(json.loads(json.dumps(data))) == rule


def test_rule_json_shape():
    assert FIRST_FRIDAY.to_json() == {
        "frequency": "monthly", "day": None, "weekday": 4, "nth": 1, "month_of_quarter": 1, "at": "09:00",
    }  # fmt: skip
    assert Rule(Frequency.MONTHLY, day=1, at=time(8, 15, 30)).to_json()["at"] == "08:15:30"
    assert Rule.from_json({"frequency": "monthly", "day": 20}) == Rule(Frequency.MONTHLY, day=20)


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"day": 20},
        {"frequency": "monthly", "day": 20, "colour": "red"},
        {"frequency": "monthly", "day": 20, "at": "25:00"},
        {"frequency": "monthly", "day": 20, "at": 900},
        {"frequency": "monthly", "day": 40},
        {"frequency": "yearly", "day": 1},
    ],
)
def test_rule_from_bad_json(data):
    with pytest.raises(ValueError):
        Rule.from_json(data)


@pytest.mark.parametrize("offset", OFFSETS)
def test_offset_json_round_trip(offset):
    data = offset.to_json()
    assert list(data) == ["days", "hours", "at"]
    assert Offset.from_json(json.loads(json.dumps(data))) == offset


def test_offset_json_shape_and_bad_json():
    assert Offset(days=3, at=time(9, 0)).to_json() == {"days": 3, "hours": 0, "at": "09:00"}
    assert Offset(hours=2).to_json() == {"days": 0, "hours": 2, "at": None}
    for bad in ({}, {"hours": -1}, {"hours": 2, "minutes": 5}, {"days": 1, "at": "nine"}, "2h"):
        with pytest.raises(ValueError):
            Offset.from_json(bad)


# ---------------------------------------------------------------- parse_rule


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("每月第一个周五 09:00", FIRST_FRIDAY),
        ("每月第1个星期五 9:00", FIRST_FRIDAY),
        ("每月第一个礼拜五", FIRST_FRIDAY),
        ("每月最后一个周三 14:30", LAST_WEDNESDAY),
        ("每月20日", Rule(Frequency.MONTHLY, day=20)),
        ("每月20号 18:00", Rule(Frequency.MONTHLY, day=20, at=time(18, 0))),
        ("每月二十日 23:59", DUES_20TH),
        ("每季度第一个月15日 14:30", QUARTERLY_15TH),
        ("每季度 第二个周二 15:00", QUARTERLY_2ND_TUESDAY),
        ("每季度第二个月 第五个星期日", Rule(Frequency.QUARTERLY, weekday=6, nth=5, month_of_quarter=2)),
        ("每季最后一个月 最后一个星期天 晚上8点", Rule(Frequency.QUARTERLY, weekday=6, nth=-1, month_of_quarter=3,
                                             at=time(20, 0))),
        ("每月第三个周一 下午2点半", Rule(Frequency.MONTHLY, weekday=0, nth=3, at=time(14, 30))),
        ("每月第一个周五十点", Rule(Frequency.MONTHLY, weekday=4, nth=1, at=time(10, 0))),
        ("每月第四个周四 上午9点30分", Rule(Frequency.MONTHLY, weekday=3, nth=4, at=time(9, 30))),
        ("每月 31日 18：00", Rule(Frequency.MONTHLY, day=31, at=time(18, 0))),
        ("monthly first friday 09:00", FIRST_FRIDAY),
        ("Monthly First Friday", FIRST_FRIDAY),
        ("monthly 1st fri 9am", FIRST_FRIDAY),
        ("monthly on the 20th at 18:00", Rule(Frequency.MONTHLY, day=20, at=time(18, 0))),
        ("monthly on the 20th at 11:59 pm", DUES_20TH),
        ("quarterly 15th 14:30", QUARTERLY_15TH),
        ("quarterly second tuesday", Rule(Frequency.QUARTERLY, weekday=1, nth=2)),
        ("quarterly second tuesday 3pm", QUARTERLY_2ND_TUESDAY),
        ("the first month of each quarter, second Tuesday 15:00", QUARTERLY_2ND_TUESDAY),
        ("quarterly, 3rd month, last sun at 8", Rule(Frequency.QUARTERLY, weekday=6, nth=-1, month_of_quarter=3,
                                                      at=time(8, 0))),
        ("monthly last wednesday 14:30", LAST_WEDNESDAY),
        ("every month, 5th thursday at 7:05", Rule(Frequency.MONTHLY, weekday=3, nth=5, at=time(7, 5))),
        ("monthly on day 31 at noon", Rule(Frequency.MONTHLY, day=31, at=time(12, 0))),
        ("monthly 1st mon", Rule(Frequency.MONTHLY, weekday=0, nth=1)),
        ("the 2nd tues of every month", Rule(Frequency.MONTHLY, weekday=1, nth=2)),
    ],
)
def test_parse_rule(text, expected):
    assert parse_rule(text) == expected


@pytest.mark.parametrize(
    ("name", "weekday"),
    [
        ("周一", 0), ("星期二", 1), ("礼拜三", 2), ("周四", 3), ("星期五", 4), ("礼拜六", 5),
        ("周日", 6), ("星期日", 6), ("星期天", 6), ("礼拜天", 6),
    ],
)  # fmt: skip
def test_parse_rule_chinese_weekday_names(name, weekday):
    assert parse_rule(f"每月第二个{name}") == Rule(Frequency.MONTHLY, weekday=weekday, nth=2)


@pytest.mark.parametrize(
    ("name", "weekday"),
    [
        ("monday", 0), ("mon", 0), ("tuesday", 1), ("tue", 1), ("wednesday", 2), ("wed", 2),
        ("thursday", 3), ("thu", 3), ("friday", 4), ("fri", 4), ("saturday", 5), ("sat", 5),
        ("sunday", 6), ("sun", 6),
    ],
)  # fmt: skip
def test_parse_rule_english_weekday_names(name, weekday):
    assert parse_rule(f"monthly last {name}") == Rule(Frequency.MONTHLY, weekday=weekday, nth=-1)


@pytest.mark.parametrize(
    ("zh", "en", "nth"),
    [
        ("第一个", "first", 1), ("第1个", "1st", 1), ("第二个", "second", 2), ("第2个", "2nd", 2),
        ("第三个", "third", 3), ("第3个", "3rd", 3), ("第四个", "fourth", 4), ("第4个", "4th", 4),
        ("第五个", "fifth", 5), ("第5个", "5th", 5), ("最后一个", "last", -1),
    ],
)  # fmt: skip
def test_parse_rule_ordinals(zh, en, nth):
    expected = Rule(Frequency.MONTHLY, weekday=4, nth=nth)
    assert parse_rule(f"每月{zh}周五") == expected
    assert parse_rule(f"monthly {en} friday") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty rule"),
        ("   ", "empty rule"),
        ("hello world", "how often"),
        ("weekly monday", "how often"),
        ("每月", "which day"),
        ("monthly at 9:00", "which day"),
        ("monthly friday", "which 'friday'"),
        ("每月周五 9:00", "which '周五'"),
        ("每月第六个周五", "at most five"),
        ("monthly 6th friday", "at most five"),
        ("monthly 32nd", "day 32"),
        ("每月32日", "day 32"),
        ("每月20日 25:00", "not a time of day"),
        ("monthly 20th 13pm", "am/pm"),
        ("每月20日 9:00 10:00", "more than one time"),
        ("monthly 20", "bare number"),
        ("monthly quarterly 20th", "both monthly and quarterly"),
        ("每月第二个月 15日", "only fits a quarterly"),
        ("每季度第四个月 15日", "months 1..3"),
        ("每月20日 第一个周五", "more than one day"),
        ("monthly first friday please", "could not understand 'please'"),
        ("每月20日 开会", "could not understand '开会'"),
    ],
)
def test_parse_rule_rejects_with_a_helpful_message(text, message):
    with pytest.raises(ValueError, match=message) as caught:
        parse_rule(text)
    assert "e.g." in str(caught.value)


# ---------------------------------------------------------------- parse_offsets


@pytest.mark.parametrize(
    "text",
    [
        "提前3天 09:00, 提前2小时",
        "提前3天 09:00，提前2小时",
        "3天前9:00；2小时前",
        "3天前9:00;2小时前",
        "3 days before at 09:00, 2 hours before",
        "1d 09:00, 2h".replace("1d", "3d"),
        "提前三天上午9点、提前两个小时",
        "3 days before at 9am\n2 hrs before",
    ],
)
def test_parse_offsets_forms(text):
    assert parse_offsets(text) == [Offset(days=3, at=time(9, 0)), Offset(hours=2)]


def test_parse_offsets_more_forms():
    assert parse_offsets("1d 09:00, 2h") == [Offset(days=1, at=time(9, 0)), Offset(hours=2)]
    assert parse_offsets("提前1天") == [Offset(days=1)]
    assert parse_offsets("1 day before") == [Offset(days=1)]
    assert parse_offsets("1 hour before, 1 day 2 hours before") == [Offset(hours=1), Offset(days=1, hours=2)]
    assert parse_offsets("提前1天2小时") == [Offset(days=1, hours=2)]
    assert parse_offsets("提前7天 18:30") == [Offset(days=7, at=time(18, 30))]
    assert parse_offsets("2h, 2小时前") == [Offset(hours=2)]  # the same reminder once


@pytest.mark.parametrize("text", ["", "   ", " , ; ", None])
def test_parse_offsets_empty(text):
    assert parse_offsets(text) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("soon", "could not understand 'soon'"),
        ("3 weeks before", "could not understand '3 weeks'"),
        ("提前2小时 09:00", "goes with a number of days"),
        ("before at 09:00", "how many days or hours"),
        ("0h", "zero days and zero hours"),
        ("提前3天 25:00", "not a time of day"),
        ("3d 2d", "twice"),
        ("提前3天 09:00, whenever", "could not understand 'whenever'"),
    ],
)
def test_parse_offsets_rejects_with_a_helpful_message(text, message):
    with pytest.raises(ValueError, match=message) as caught:
        parse_offsets(text)
    assert "e.g." in str(caught.value)


# ---------------------------------------------------------------- describe


@pytest.mark.parametrize(
    ("rule", "zh", "en"),
    [
        (FIRST_FRIDAY, "每月第一个星期五 09:00", "the first Friday of every month at 09:00"),
        (LAST_WEDNESDAY, "每月最后一个星期三 14:30", "the last Wednesday of every month at 14:30"),
        (DUES_20TH, "每月20日 23:59", "the 20th of every month at 23:59"),
        (Rule(Frequency.MONTHLY, day=1), "每月1日 09:00", "the 1st of every month at 09:00"),
        (Rule(Frequency.MONTHLY, day=22), "每月22日 09:00", "the 22nd of every month at 09:00"),
        (Rule(Frequency.MONTHLY, day=13), "每月13日 09:00", "the 13th of every month at 09:00"),
        (QUARTERLY_15TH, "每季度第一个月 15日 14:30", "quarterly, on the 15th of the first month at 14:30"),
        (QUARTERLY_2ND_TUESDAY, "每季度第一个月 第二个星期二 15:00",
         "quarterly, on the second Tuesday of the first month at 15:00"),
        (Rule(Frequency.QUARTERLY, weekday=6, nth=-1, month_of_quarter=3, at=time(20, 0)),
         "每季度第三个月 最后一个星期日 20:00", "quarterly, on the last Sunday of the third month at 20:00"),
    ],
)  # fmt: skip
def test_describe_rule(rule, zh, en):
    assert describe_rule(rule, "zh_CN") == zh
    assert describe_rule(rule, "zh") == zh
    assert describe_rule(rule, "en") == en
    assert describe_rule(rule, "en_US") == en


@pytest.mark.parametrize("rule", RULES)
@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_described_rules_parse_back(rule, locale):
    assert parse_rule(describe_rule(rule, locale)) == rule


@pytest.mark.parametrize(
    ("offset", "zh", "en"),
    [
        (Offset(days=3, at=time(9, 0)), "提前3天 09:00", "3 days before at 09:00"),
        (Offset(days=1, at=time(18, 30)), "提前1天 18:30", "1 day before at 18:30"),
        (Offset(hours=2), "提前2小时", "2 hours before"),
        (Offset(hours=1), "提前1小时", "1 hour before"),
        (Offset(days=1), "提前1天", "1 day before"),
        (Offset(days=1, hours=2), "提前1天2小时", "1 day 2 hours before"),
    ],
)
def test_describe_offset(offset, zh, en):
    assert describe_offset(offset, "zh_CN") == zh
    assert describe_offset(offset, "en") == en
    assert parse_offsets(zh) == [offset]
    assert parse_offsets(en) == [offset]
