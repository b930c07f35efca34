"""The Party's rules as pure data and functions: no database, no bot."""

from __future__ import annotations

from datetime import date, datetime, timezone

from storage.rules import attendance, lapse
from storage.rules.vocabulary import ActivityKind, AttendanceStatus, PartyStatus, Role

START = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)


def test_quorum_is_more_than_half_and_more_than_four_fifths_for_an_election():
    assert not attendance.quorum_met(5, 10) and attendance.quorum_met(6, 10)
    assert attendance.quorum_met(8, 10) and not attendance.quorum_met(8, 10, election=True)
    assert attendance.quorum_met(9, 10, election=True)
    assert not attendance.quorum_met(0, 0)


def test_activists_may_come_to_what_is_open_to_them_but_are_never_expected():
    assert attendance.may_attend(ActivityKind.PARTY_LECTURE, PartyStatus.ACTIVIST)
    assert not attendance.may_attend(ActivityKind.GENERAL_MEETING, PartyStatus.ACTIVIST)
    assert PartyStatus.ACTIVIST not in attendance.EXPECTED_STATUSES
    assert attendance.VOTING_STATUSES == {PartyStatus.FULL}


def test_windows_and_deadlines():
    end = START.replace(hour=3)
    opens, closes = attendance.checkin_window(START, end, before_minutes=30, after_minutes=15)
    assert (opens.hour, opens.minute, closes.hour, closes.minute) == (0, 30, 3, 15)
    assert attendance.leave_deadline(START, before_minutes=60).hour == 0
    assert attendance.proxy_deadline(closes, hours=72).day == 30


def test_only_approved_leave_excuses_and_owes_a_catch_up():
    assert attendance.owes_makeup(AttendanceStatus.ON_LEAVE)
    for status in (AttendanceStatus.LEAVE_REQUESTED, AttendanceStatus.LEAVE_REFUSED, AttendanceStatus.ABSENT):
        assert not attendance.owes_makeup(status)


def test_a_group_leader_acts_on_their_own_group_only():
    assert attendance.party_group_scope({Role.GROUP_LEADER}, "第一党小组") == "第一党小组"
    assert attendance.party_group_scope({Role.GROUP_LEADER, Role.ORGANIZER}, "第一党小组") is None
    assert attendance.party_group_scope({Role.SECRETARY}, None) is None
    assert attendance.party_group_scope({Role.GROUP_LEADER}, None) == ""  # no group: nobody


def test_months_are_calendar_months():
    assert lapse.months_between(date(2026, 1, 31), date(2026, 3, 30)) == 1
    assert lapse.months_between(date(2026, 1, 31), date(2026, 3, 31)) == 2
    assert lapse.months_between(date(2026, 11, 27), date(2027, 5, 27)) == 6
    assert lapse.months_between(date(2026, 5, 1), date(2026, 4, 1)) == 0


def test_the_six_month_line_counts_months_not_activities():
    # Two missed lectures on consecutive days: a lapse of no months, no stage at all.
    found = lapse.lapse([(date(2026, 11, 17), False), (date(2026, 11, 18), False)], date(2026, 11, 18))
    assert found is not None and found.months == 0 and found.stage == 0
    history = [(date(2026, 1, 10), True), (date(2026, 2, 10), False), (date(2026, 3, 10), False)]
    assert lapse.lapse(history, date(2026, 4, 9)).stage == 0
    assert lapse.lapse(history, date(2026, 4, 10)).stage == 2
    assert lapse.lapse(history, date(2026, 6, 10)).stage == 4
    assert lapse.lapse(history, date(2026, 8, 10)).stage == 6
    assert lapse.lapse(history, date(2026, 8, 10)).since == date(2026, 2, 10)
    # Taking part again ends the lapse.
    assert lapse.lapse([*history, (date(2026, 4, 1), True)], date(2026, 12, 1)) is None
