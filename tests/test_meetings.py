"""The meeting requirements as data: the table, the periods, the warning lead, a branch's overrides. No database."""

from __future__ import annotations

from datetime import date

import pytest

from storage.rules.meetings import (
    REQUIRED,
    Period,
    Requirement,
    parse_overrides,
    period_containing,
    requirements,
    warn_now,
)
from storage.rules.vocabulary import ActivityKind, Audience


def by_kind(reqs: list[Requirement]) -> dict[ActivityKind, Requirement]:
    return {r.kind: r for r in reqs}


def test_the_table_says_how_often_and_for_whom():
    table = by_kind(list(REQUIRED))
    assert {k: r.period for k, r in table.items()} == {
        ActivityKind.THEME_DAY: Period.MONTH,
        ActivityKind.COMMITTEE_MEETING: Period.MONTH,
        ActivityKind.GROUP_MEETING: Period.MONTH,
        ActivityKind.GENERAL_MEETING: Period.QUARTER,
        ActivityKind.PARTY_LECTURE: Period.QUARTER,
        ActivityKind.LIFE_MEETING: Period.YEAR,
        ActivityKind.DEMOCRATIC_REVIEW: Period.YEAR,
        ActivityKind.TALK: Period.YEAR,
    }
    assert table[ActivityKind.GENERAL_MEETING].audience == Audience.BRANCH  # the whole branch, not a group
    assert table[ActivityKind.GROUP_MEETING].per_group
    assert [k for k, r in table.items() if r.per_group] == [ActivityKind.GROUP_MEETING]
    assert ActivityKind.OTHER not in table


@pytest.mark.parametrize(
    ("day", "period", "start", "end"),
    [
        (date(2026, 11, 16), Period.MONTH, date(2026, 11, 1), date(2026, 12, 1)),
        (date(2026, 12, 31), Period.MONTH, date(2026, 12, 1), date(2027, 1, 1)),
        (date(2026, 11, 16), Period.QUARTER, date(2026, 10, 1), date(2027, 1, 1)),
        (date(2027, 3, 31), Period.QUARTER, date(2027, 1, 1), date(2027, 4, 1)),
        (date(2027, 4, 1), Period.QUARTER, date(2027, 4, 1), date(2027, 7, 1)),
        (date(2026, 1, 1), Period.YEAR, date(2026, 1, 1), date(2027, 1, 1)),
        (date(2026, 12, 31), Period.YEAR, date(2026, 1, 1), date(2027, 1, 1)),
        (date(2028, 2, 29), Period.MONTH, date(2028, 2, 1), date(2028, 3, 1)),
    ],
)
def test_the_period_holding_a_day(day, period, start, end):
    assert period_containing(day, period) == (start, end)


def test_officers_are_warned_ten_and_thirty_days_before_the_end_and_all_december():
    assert not warn_now(date(2026, 11, 20), Period.MONTH)
    assert warn_now(date(2026, 11, 21), Period.MONTH)  # ten days left, the 30th included
    assert warn_now(date(2026, 11, 30), Period.MONTH)
    assert not warn_now(date(2026, 12, 1), Period.QUARTER)  # 31 days left
    assert warn_now(date(2026, 12, 2), Period.QUARTER)
    assert not warn_now(date(2026, 11, 30), Period.YEAR)
    assert warn_now(date(2026, 12, 1), Period.YEAR)
    assert not warn_now(date(2026, 1, 15), Period.YEAR)


def test_a_branch_changes_a_period_or_switches_a_requirement_off():
    mine = by_kind(requirements({"party_lecture": "month", "talk": "off", "group_meeting": "quarter"}))
    assert mine[ActivityKind.PARTY_LECTURE].period == Period.MONTH
    assert ActivityKind.TALK not in mine
    # The period changes; who it is for does not.
    assert mine[ActivityKind.GROUP_MEETING] == Requirement(ActivityKind.GROUP_MEETING, Period.QUARTER, Audience.GROUP)
    assert mine[ActivityKind.GENERAL_MEETING] == Requirement(ActivityKind.GENERAL_MEETING, Period.QUARTER,
                                                             Audience.BRANCH)
    assert len(mine) == len(REQUIRED) - 1
    # A kind not in the table may be required too.
    assert requirements({"other": "year"})[-1] == Requirement(ActivityKind.OTHER, Period.YEAR)
    assert requirements(None) == requirements({}) == list(REQUIRED)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"lecture": "month"}, "'lecture' is not an activity kind"),
        ({"party_lecture": "weekly"}, "party_lecture is 'weekly'"),
        ({"party_lecture": None}, "party_lecture is None"),
        (["party_lecture"], "must map activity kinds"),
    ],
)
def test_a_bad_override_is_named(raw, message):
    with pytest.raises(ValueError, match=message):
        parse_overrides(raw)

