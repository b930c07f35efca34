"""The branch calendar with a controllable clock: rules become activities, reminders go out once."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import func, select

from bot.core import BotCore
from schedules.leader import Leadership
from storage.models import Activity, ScheduledEvent
from tests.memory import GROUP, UNLIMITED
from tests.test_activities import linked
from tests.test_flow import setup_branch

THEME = "/rule 主题党日 | 每月第一个周五 09:00 | 2h | Room 3 | 全体 | 提前3天 09:00, 提前2小时"


def at(text: str) -> datetime:
    """A Beijing wall-clock time as aware UTC."""
    from zoneinfo import ZoneInfo
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(timezone.utc)


async def test_theme_day_rule_announces_reminds_and_never_repeats(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    wang = await linked(bot, sec, 3, "王五")
    reply = (await bot.say(sec, THEME))[-1].text
    assert "Saved: #1" in reply and "2026-12-04 09:00" in reply and "2027-01-01 09:00" in reply
    assert [s for s in await bot.tick() if s.chat_id == GROUP.id] == []  # 18 days ahead: not yet
    bot.clock.now = at("2026-11-21 10:00")
    post = next(s for s in await bot.tick() if s.chat_id == GROUP.id)
    assert "2026-12-04 09:00–11:00" in post.text and post.button("Check in").startswith("ci:")
    assert await bot.tick() == []  # announced once

    # 王五 asks for leave; then the 3-days-before reminder reaches only those with something to do.
    await bot.press(wang, post, post.button("Ask for leave"))
    request = next(s for s in await bot.say(wang, "Travelling") if s.chat_id == sec.id)
    bot.clock.now = at("2026-12-01 09:05")
    sent = await bot.tick()
    assert any(s.chat_id == GROUP.id and s.text.startswith("Reminder:") for s in sent)
    assert sorted(s.chat_id for s in sent if s.text.startswith("Reminder, ")) == [1, 2]
    # A restart: a new core on the same database sends nothing again.
    await bot.core.close()
    bot.core = BotCore(bot.transport, bot.db, clock=bot.clock, limits=UNLIMITED)
    assert await bot.tick() == []
    # The live count of the announcement the calendar posted is kept up to date too.
    bot.clock.now = at("2026-12-04 08:40")
    await bot.press(zhang, post, post.button("Check in"))
    assert "Checked in 1/3 · on leave 0" in post.text  # a request nobody decided is no leave
    await bot.press(sec, request, request.button("Approve"))
    assert "Checked in 1/3 · on leave 1" in post.text
    bot.clock.now = at("2026-12-04 07:05")  # the 2-hours-before reminder (clock set back for the test)
    sent = await bot.tick()
    reminded = [s.chat_id for s in sent if s.chat_id > 0 and s.text.startswith("Reminder, ")]
    assert reminded == [1]  # only the secretary is still missing


async def test_downtime_catch_up_within_grace_and_skip_beyond_it(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")
    await bot.say(sec, THEME)
    bot.clock.now = at("2026-11-21 10:00")
    await bot.tick()
    # Down when the 3-days-before reminder was due at 09:00; back 20 minutes later: sent once.
    bot.clock.now = at("2026-12-01 09:20")
    assert len([s for s in await bot.tick() if s.chat_id == 2]) == 1
    assert await bot.tick() == []
    # Down over the 2-hours-before reminder (07:00) until 09:30: not sent late; officers told.
    bot.clock.now = at("2026-12-04 09:30")
    sent = await bot.tick()
    assert not [s for s in sent if s.text.startswith("Reminder")]
    assert [s.chat_id for s in sent if "was not sent" in s.text] == [1]
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ScheduledEvent).where(ScheduledEvent.outcome == "missed")) == 1


async def test_dues_deadline_reminds_only_those_who_have_not_paid(bot):
    bot.clock.now = at("2026-11-10 10:00")
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")
    await linked(bot, sec, 3, "王五")
    assert "#1 Party dues deadline" in (await bot.say(sec, "/rule 党费 | 每月20日 18:00 | 提前3天 09:00"))[-1].text
    assert "are paid" in (await bot.say(bot.user(2, "user2", lang="en"), "/paid"))[-1].text
    assert "already marked" in (await bot.say(bot.user(2, "user2", lang="en"), "/paid 2026-11"))[-1].text
    bot.clock.now = at("2026-11-17 09:01")
    sent = await bot.tick()
    group = next(s for s in sent if s.chat_id == GROUP.id)
    assert "2 of 3 have not marked them paid" in group.text and "王五" not in group.text  # no names in the group
    assert sorted(s.chat_id for s in sent if s.chat_id > 0) == [1, 3]


async def test_compliance_notice_and_follow_ups(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await linked(bot, sec, 3, "王五")
    # Two activities; 王五 misses both without leave, 张三 is on leave from the second.
    for day in ("2026-11-17", "2026-11-18"):
        await bot.say(sec, f"/new 党课 | Lecture {day} | {day} 09:00 | 10:00 | Hall | 全体")
    posts = [s for s in bot.to(GROUP.id) if "Lecture" in s.text]
    await bot.press(zhang, posts[1], posts[1].button("Ask for leave"))
    request = next(s for s in await bot.say(zhang, "Ill") if s.chat_id == 1)
    await bot.press(sec, request, request.button("Approve"))
    bot.clock.now = at("2026-11-17 12:00")
    first = await bot.tick()
    bot.clock.now = at("2026-11-18 12:00")
    second = await bot.tick()
    assert any(s.chat_id == 2 and "catch up" in s.text for s in second)
    # Two missed lectures on two days are no lapse: the six-month line is counted in months.
    assert not any("organisational life" in s.text for s in first + second)
    assert not any("has missed" in s.text for s in first)  # one absence is not yet a pattern
    bot.clock.now = at("2026-11-21 10:00")  # ten days before the month ends
    sent = await bot.tick()
    to_sec = [s.text for s in sent if s.chat_id == 1]
    assert any("No Branch committee meeting has been held or scheduled this month" in t for t in to_sec)
    assert not any("Party lecture" in t and "this quarter" in t for t in to_sec)  # two were held
    assert any("the month ends 2026-11-30" in t for t in to_sec)
    assert await bot.tick() == []


async def test_skip_and_move_one_occurrence(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    await bot.say(sec, THEME)
    assert "Give a date the rule falls on" in (await bot.say(sec, "/skip 1 2026-12-05"))[-1].text
    await bot.say(sec, "/skip 1 2027-01-01")
    reply = (await bot.say(sec, "/move 1 2026-12-04 2026-12-11 14:00"))[-1].text
    assert "moves to 2026-12-11 14:00" in reply
    listing = (await bot.say(sec, "/upcoming 3"))[-1].text
    assert "2026-12-11 14:00  #1 Theme Party Day (moved from 2026-12-04)" in listing
    assert "2027-01-01 09:00  #1 Theme Party Day (skipped)" in listing
    bot.clock.now = at("2026-11-30 10:00")
    post = next(s for s in await bot.tick() if s.chat_id == GROUP.id)
    assert "2026-12-11 14:00–16:00" in post.text
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Activity)) == 1


async def test_only_one_instance_leads_on_postgresql(db):
    if db.is_sqlite:
        assert await Leadership(db).hold() and await Leadership(db).hold()
        return
    first, second = Leadership(db), Leadership(db)
    assert await first.hold()
    assert not await second.hold()
    assert await first.hold()  # still leading
    await first.release()  # the leader stops (or dies: its connection closes)
    assert await second.hold()
    await second.release()


async def test_guided_dialog_adds_the_same_rule_as_the_one_line_form(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    await bot.say(sec, "/add 张三 正式 第一党小组")
    kinds = (await bot.say(sec, "/rule"))[-1]
    await bot.press(sec, kinds, kinds.button("Party group meeting"))
    assert "cannot read" in (await bot.say(sec, "sometimes"))[-1].text
    await bot.say(sec, "每月最后一个周三 14:30")
    await bot.say(sec, "90分钟")
    who = (await bot.say(sec, "-"))[-1]
    await bot.press(sec, who, who.button("第一党小组"))
    saved = (await bot.say(sec, "提前1天 09:00"))[-1].text
    assert saved.startswith("Saved: #1 Party group meeting: the last Wednesday of every month at 14:30")
    assert "2026-11-25 14:30" in saved
    bot.clock.now = at("2026-11-20 10:00")
    post = next(s for s in await bot.tick() if s.chat_id == GROUP.id)
    assert "2026-11-25 14:30–16:00" in post.text and "Party group 第一党小组" in post.text
    dues = (await bot.say(sec, "/rule"))[-1]
    await bot.press(sec, dues, dues.button("Party dues deadline"))
    await bot.say(sec, "每月20日 18:00")
    assert "#2 Party dues deadline" in (await bot.say(sec, "-"))[-1].text
