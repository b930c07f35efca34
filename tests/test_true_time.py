"""Announcements and records tell the truth about time; rule titles carry their month; no record
of an activity that ended during downtime is dropped without a word."""

from __future__ import annotations

from tests.memory import GROUP
from tests.test_activities import linked
from tests.test_calendar import THEME, at
from tests.test_flow import setup_branch

NEW = "/new 主题党日 | 学习 | 2026-11-27 09:00 | 11:00 | Room 3 | 全体"


async def test_the_announcement_says_when_checkin_is_open_as_it_is_when_drawn(bot):
    bot.clock.now = at("2026-11-26 10:00")
    sec = await setup_branch(bot)
    member = await linked(bot, sec, 2, "张三")
    await bot.say(sec, NEW)
    post = bot.last(GROUP.id)
    assert "Check-in is open from 2026-11-27 08:30 to 11:00." in post.text
    bot.clock.now = at("2026-11-27 08:40")
    await bot.say(member, "/checkin")
    assert "Check-in is open now, until 11:00." in post.text and "opens" not in post.text and "1/2" in post.text
    bot.clock.now = at("2026-11-27 11:05")
    await bot.say(sec, "/checkin_for Secretary Li 1")  # a late proxy check-in redraws it once more
    assert "Check-in closed at 11:00." in post.text and "open now" not in post.text


async def test_record_of_a_running_activity_is_not_final_and_nobody_is_absent_yet(bot):
    bot.clock.now = at("2026-11-26 10:00")
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")
    await bot.say(sec, NEW)
    bot.clock.now = at("2026-11-27 09:10")
    running = (await bot.say(sec, "/record 1"))[-1].text
    assert "not final" in running and "Not yet checked in: 2 — " in running and "Absent" not in running
    bot.clock.now = at("2026-11-27 11:10")
    final = (await bot.say(sec, "/record 1"))[-1].text
    assert "not final" not in final and "Absent: 2 — " in final


async def test_activities_made_from_a_rule_carry_the_month_in_the_branch_language(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    await bot.say(sec, THEME)
    bot.clock.now = at("2026-11-21 10:00")
    post = next(s for s in await bot.tick() if s.chat_id == GROUP.id)
    assert "】December Theme Party Day  #1" in post.text


async def test_a_chinese_branch_names_the_month_in_chinese(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot, lang="zh")
    await bot.say(sec, THEME)
    bot.clock.now = at("2026-11-21 10:00")
    post = next(s for s in await bot.tick() if s.chat_id == GROUP.id)
    assert "【主题党日】十二月主题党日  #1" in post.text


async def test_records_due_during_a_long_downtime_are_sent_or_listed_to_the_officers(bot):
    bot.clock.now = at("2026-11-26 10:00")
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")
    await bot.say(sec, NEW)
    await bot.say(sec, "/new 党课 | Lecture | 2026-11-28 09:00 | 11:00 | Room 3 | 全体")
    # Down from before the first ended until three days after the second: both still go out.
    bot.clock.now = at("2026-12-01 12:00")
    sent = [s for s in await bot.tick() if s.chat_id == sec.id and "attendance record" in s.text]
    assert len(sent) == 2
    assert [s for s in await bot.tick() if "attendance record" in s.text] == []


async def test_records_far_too_late_to_send_are_named_to_the_officers_once(bot):
    bot.clock.now = at("2026-11-26 10:00")
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")
    await bot.say(sec, NEW)
    bot.clock.now = at("2027-01-15 12:00")
    told = [s for s in await bot.tick() if s.chat_id == sec.id]
    assert len(told) == 1 and "I was not running when these activities ended" in told[0].text
    assert "#1 学习 (2026-11-27 09:00)" in told[0].text
    assert [s for s in await bot.tick() if s.chat_id == sec.id] == []
