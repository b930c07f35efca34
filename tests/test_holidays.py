"""Public holidays and working days, pure: the official calendar, and a branch's own corrections."""

from __future__ import annotations

from datetime import date

from storage.rules.holidays import Corrections, known, next_working_day, public_holiday, working_day


def test_the_official_calendar_names_holidays_and_adjusted_working_days():
    assert public_holiday(date(2026, 10, 1)) == "National Day"
    assert public_holiday(date(2026, 10, 5)) == "National Day"
    assert public_holiday(date(2026, 10, 9)) is None  # an ordinary Friday
    assert public_holiday(date(2026, 11, 28)) is None  # a Saturday is no public holiday
    assert working_day(date(2026, 10, 10))  # a Saturday worked in lieu (调休)
    assert not working_day(date(2026, 10, 7))
    assert next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert next_working_day(date(2026, 2, 16)) is not None and next_working_day(date(2026, 2, 16)) > date(2026, 2, 20)


def test_a_year_the_library_does_not_know_uses_the_branch_table_and_otherwise_weekdays():
    day = date(2031, 10, 1)
    assert not known(day)
    assert public_holiday(day) is None and working_day(day)  # nothing known: an ordinary Wednesday
    table = Corrections().mark(day, off=True).mark(date(2031, 10, 2), off=True).mark(date(2031, 10, 4), off=False)
    assert public_holiday(day, table) == ""
    assert next_working_day(day, table) == date(2031, 10, 3)
    assert next_working_day(date(2031, 10, 3), table) == date(2031, 10, 4)  # a Saturday marked a working day
    assert working_day(date(2031, 10, 5), table) is False  # Sunday


def test_corrections_override_the_library_and_survive_json():
    table = Corrections().mark(date(2026, 10, 1), off=False).mark(date(2026, 10, 9), off=True)
    assert public_holiday(date(2026, 10, 1), table) is None
    assert not working_day(date(2026, 10, 9), table)
    assert table.mark(date(2026, 10, 9), off=False).off == frozenset()  # a mark replaces the other
    assert Corrections.from_json(table.to_json()) == table
    assert Corrections.from_json({"off": ["2026-13-01", 5, "2026-10-02"]}) == Corrections(frozenset({date(2026, 10, 2)}))
    assert Corrections.from_json("garbage") == Corrections()


# --- the calendar points out a rule's date on a holiday and offers the next working day ---------

from sqlalchemy import select  # noqa: E402

from storage.models import AuditEntry  # noqa: E402
from tests.test_calendar import at  # noqa: E402
from tests.test_flow import setup_branch  # noqa: E402

FIRST_OF_MONTH = "/rule 党课 | 每月1日 09:00 | 2h | Room 3 | 全体 | 提前1天 09:00"


def told(sent, chat_id=1):
    return [s for s in sent if s.chat_id == chat_id and "public holiday" in s.text]


async def test_a_rule_date_on_a_public_holiday_is_pointed_out_once_and_moved_by_a_button(bot):
    bot.clock.now = at("2026-09-02 10:00")
    sec = await setup_branch(bot)
    await bot.say(sec, FIRST_OF_MONTH)
    bot.clock.now = at("2026-09-05 10:00")
    notice = told(await bot.tick())
    assert len(notice) == 1
    assert "falls on 2026-10-01 09:00, a public holiday (National Day)" in notice[0].text
    assert "next working day, 2026-10-08 09:00" in notice[0].text
    bot.clock.now = at("2026-09-06 10:00")
    assert told(await bot.tick()) == []  # once
    keep = notice[0].button("Keep")
    await bot.press(sec, notice[0], notice[0].button("Move to 10-08 09:00"))
    assert "moves to 2026-10-08 09:00" in notice[0].text
    upcoming = (await bot.say(sec, "/upcoming 2"))[-1].text
    assert "2026-10-08 09:00  #1" in upcoming and "(moved from 2026-10-01)" in upcoming
    _, toast = await bot.press(sec, notice[0], keep)
    assert "no longer valid" in toast  # the date has been moved: the other button is stale


async def test_keeping_the_holiday_date_changes_nothing_and_is_audited(bot):
    bot.clock.now = at("2026-09-02 10:00")
    sec = await setup_branch(bot)
    await bot.say(sec, FIRST_OF_MONTH)
    notice = told(await bot.tick())[0]
    await bot.press(sec, notice, notice.button("Keep"))
    assert "stays on 2026-10-01" in notice.text
    assert "moved" not in (await bot.say(sec, "/upcoming 2"))[-1].text
    async with bot.db.session() as s:
        assert await s.scalar(select(AuditEntry.target).where(AuditEntry.action == "rule.keep_holiday")) == "#1"


async def test_the_secretary_corrects_a_year_the_library_does_not_know(bot):
    bot.clock.now = at("2031-09-02 10:00")
    sec = await setup_branch(bot)
    await bot.say(sec, FIRST_OF_MONTH)
    assert told(await bot.tick()) == []  # 2031-10-01 is unknown: an ordinary Wednesday
    member_refused = (await bot.say(bot.user(5, "Nobody", lang="en"), "/holiday 2031-10-01"))[-1].text
    assert "not on any branch roster" in member_refused
    await bot.say(sec, "/holiday 2031-10-02")
    assert "is now a day off" in (await bot.say(sec, "/holiday 2031-10-01"))[-1].text
    assert "is now a working day" in (await bot.say(sec, "/workday 2031-10-04"))[-1].text  # a Saturday worked
    assert "Write the date like" in (await bot.say(sec, "/holiday 1999-10-01"))[-1].text
    listed = (await bot.say(sec, "/holiday"))[-1].text
    assert "2031-10-01 day off" in listed and "2031-10-04 working day" in listed
    bot.clock.now = at("2031-09-03 10:00")
    notice = told(await bot.tick())
    assert len(notice) == 1 and "a holiday you marked" in notice[0].text
    assert "next working day, 2031-10-03 09:00" in notice[0].text
