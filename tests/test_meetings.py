"""The meeting requirements as data: the table, the periods, the warning lead, a branch's overrides,
and what counts as holding them. No database."""

from __future__ import annotations

from datetime import date

import pytest

from storage.rules.meetings import (
    REQUIRED,
    Held,
    Period,
    Requirement,
    parse_overrides,
    period_containing,
    requirements,
    standing,
    warn_now,
    windows,
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



# --- what counts as holding them ------------------------------------------------------------------

THEME = Requirement(ActivityKind.THEME_DAY, Period.MONTH)
GENERAL = Requirement(ActivityKind.GENERAL_MEETING, Period.QUARTER, Audience.BRANCH)
GROUPS = Requirement(ActivityKind.GROUP_MEETING, Period.MONTH, Audience.GROUP)
REVIEW = Requirement(ActivityKind.DEMOCRATIC_REVIEW, Period.YEAR)
Q4 = (date(2026, 10, 1), date(2027, 1, 1))


def branch(kind: ActivityKind, day: date, count: int = 1) -> Held:
    return Held(kind, Audience.BRANCH, None, day, count)


def group(name: str, day: date, kind: ActivityKind = ActivityKind.GROUP_MEETING) -> Held:
    return Held(kind, Audience.GROUP, name, day)


def test_the_periods_a_requirement_is_asked_about_are_whole():
    assert windows(*Q4, Period.MONTH) == [(date(2026, 10, 1), date(2026, 11, 1)),
                                          (date(2026, 11, 1), date(2026, 12, 1)),
                                          (date(2026, 12, 1), date(2027, 1, 1))]
    # A month asked about a yearly requirement: the whole year it is in.
    assert windows(date(2026, 11, 1), date(2026, 12, 1), Period.YEAR) == [(date(2026, 1, 1), date(2027, 1, 1))]
    assert windows(date(2026, 11, 1), date(2026, 11, 1), Period.MONTH) == []


def test_a_meeting_counts_in_the_period_it_was_held_in_each_period_once_at_least():
    held = [branch(ActivityKind.THEME_DAY, date(2026, 10, 9)), branch(ActivityKind.THEME_DAY, date(2026, 10, 23), 2),
            branch(ActivityKind.THEME_DAY, date(2026, 12, 1)), branch(ActivityKind.TALK, date(2026, 11, 5))]
    found = standing([THEME], Q4, [], held)
    assert [(s.start, s.end, s.held, s.required, s.met) for s in found] == [
        (date(2026, 10, 1), date(2026, 11, 1), 3, 1, True),
        (date(2026, 11, 1), date(2026, 12, 1), 0, 1, False),  # a talk is no theme day
        (date(2026, 12, 1), date(2027, 1, 1), 1, 1, True),
    ]
    assert [s.group for s in found] == [None, None, None]
    # One held the day before a period starts, or on the day it ends, is not in it.
    assert not standing([THEME], (date(2026, 11, 1), date(2026, 12, 1)), [],
                        [branch(ActivityKind.THEME_DAY, date(2026, 10, 31)),
                         branch(ActivityKind.THEME_DAY, date(2026, 12, 1))])[0].met


def test_a_whole_branch_requirement_is_met_only_by_a_meeting_of_the_whole_branch():
    held = [group("第一党小组", date(2026, 11, 18), ActivityKind.GENERAL_MEETING),
            group("第一党小组", date(2026, 11, 19), ActivityKind.THEME_DAY)]
    general, theme = standing([GENERAL, THEME], (date(2026, 11, 1), date(2026, 12, 1)), ["第一党小组"], held)
    assert (general.start, general.end, general.met) == (date(2026, 10, 1), date(2027, 1, 1), False)
    assert theme.met and theme.group is None  # any audience will do for a theme day, a group's too
    assert standing([GENERAL], Q4, [], [branch(ActivityKind.GENERAL_MEETING, date(2026, 12, 30))])[0].met


def test_each_party_group_needs_its_own_group_meeting():
    held = [group("第一党小组", date(2026, 11, 18)), group("第三党小组", date(2026, 11, 20)),
            branch(ActivityKind.GROUP_MEETING, date(2026, 11, 21))]  # for the whole branch: no group's
    november = (date(2026, 11, 1), date(2026, 12, 1))
    found = standing([GROUPS], november, ["第二党小组", "第一党小组", "第一党小组"], held)
    assert [(s.group, s.held, s.met) for s in found] == [("第一党小组", 1, True), ("第二党小组", 0, False)]
    # Listing also each group that held one (第三党小组 has no Party member left but held it).
    found = standing([GROUPS], november, ["第一党小组", "第二党小组"], held, groups_that_held=True)
    assert [(s.group, s.met) for s in found] == [("第一党小组", True), ("第三党小组", True), ("第二党小组", False)]
    # No party groups: nothing to hold.
    assert standing([GROUPS], november, [], held) == []


def test_the_groups_owing_may_differ_from_period_to_period():
    asked = []

    def groups(start: date, end: date) -> list[str]:
        asked.append(start)
        return ["第一党小组"] if start < date(2026, 12, 1) else ["第一党小组", "第二党小组"]

    held = [group("第二党小组", date(2026, 10, 5)), group("第二党小组", date(2026, 10, 5), ActivityKind.THEME_DAY)]
    found = standing([THEME, GROUPS], Q4, groups, held)
    assert [(s.requirement.kind, s.start.month, s.group) for s in found] == [
        (ActivityKind.THEME_DAY, 10, None), (ActivityKind.THEME_DAY, 11, None), (ActivityKind.THEME_DAY, 12, None),
        (ActivityKind.GROUP_MEETING, 10, "第一党小组"), (ActivityKind.GROUP_MEETING, 11, "第一党小组"),
        (ActivityKind.GROUP_MEETING, 12, "第一党小组"), (ActivityKind.GROUP_MEETING, 12, "第二党小组")]
    assert found[0].met  # 第二党小组's theme day counts for the branch
    assert not any(s.met for s in found[3:])  # but its group meeting in October is no one's it owed
    assert asked == [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]  # asked for group meetings only


def test_the_periods_asked_about_may_be_given_each_and_the_meetings_come_back_as_given():
    first = Held(ActivityKind.DEMOCRATIC_REVIEW, Audience.BRANCH, None, date(2026, 3, 2), ref="first")
    second = Held(ActivityKind.DEMOCRATIC_REVIEW, Audience.GROUP, "一组", date(2026, 11, 30), ref="second")
    # Only the review, and only up to the end of November (a summary that stops there).
    periods = {REVIEW: [(date(2026, 1, 1), date(2026, 12, 1))]}
    (review,) = standing([THEME, REVIEW], lambda r: periods.get(r, []), [], [second, first])
    assert (review.requirement, review.start, review.end) == (REVIEW, date(2026, 1, 1), date(2026, 12, 1))
    assert [h.ref for h in review.meetings] == ["second", "first"] and review.held == 2
    periods = {REVIEW: [(date(2026, 1, 1), date(2026, 11, 30))]}
    assert [h.ref for h in standing([REVIEW], lambda r: periods[r], [], [second, first])[0].meetings] == ["first"]
