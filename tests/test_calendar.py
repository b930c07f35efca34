"""The branch calendar with a controllable clock: rules become activities, reminders go out once."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, text, update

from bot.core import BotCore
from handlers.kit.api import Chat, ChatType
from schedules.leader import LOCK, Leadership
from storage.models import Activity, Attendance, Branch, Member, ScheduledEvent, ScheduleRule
from storage.rules.vocabulary import Audience
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
    zhang = bot.user(2, "user2", lang="en")
    await bot.say(zhang, "/basis 4500")
    report = next(s for s in await bot.say(zhang, "/paid") if s.chat_id == sec.id)
    assert "still waiting" in (await bot.say(zhang, "/paid 2026-11"))[-1].text
    await bot.press(sec, report, report.button("Confirm"))
    bot.clock.now = at("2026-11-17 09:01")
    sent = await bot.tick()
    group = next(s for s in sent if s.chat_id == GROUP.id)
    assert "1 of 3 have paid" in group.text and "王五" not in group.text  # no names in the group
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
    assert any("No Branch committee meeting has been held this month" in t for t in to_sec)
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


async def end_the_leaders_session(db) -> None:
    """What a restarted server or a dropped network does to the connection holding the lock."""
    async with db.engine.connect() as admin:
        pid = await admin.scalar(text("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objid = :key"),
                                 {"key": LOCK})
        assert await admin.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})


async def test_a_leader_whose_connection_dies_hands_over_and_stops_without_an_error(db):
    if db.is_sqlite:
        return
    first, second = Leadership(db), Leadership(db)
    assert await first.hold()
    await end_the_leaders_session(db)
    assert await second.hold()  # the lock went with the session
    assert not await first.hold()  # the old leader notices and does not lead beside the new one
    await first.release()
    await second.release()

    # Cut off between its last tick and its stop: the stop still ends cleanly, and hands over.
    assert await first.hold()
    await end_the_leaders_session(db)
    await first.release()
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
    preview = (await bot.say(sec, "提前1天 09:00"))[-1]
    assert "Save this recurring date?" in preview.text and "2026-11-25 14:30" in preview.text
    saved = (await bot.press(sec, preview, preview.button("Save")))[0][-1].text
    assert saved.startswith("Saved: #1 Party group meeting: the last Wednesday of every month at 14:30")
    assert "2026-11-25 14:30" in saved
    bot.clock.now = at("2026-11-20 10:00")
    post = next(s for s in await bot.tick() if s.chat_id == GROUP.id)
    assert "2026-11-25 14:30–16:00" in post.text and "Party group 第一党小组" in post.text
    dues = (await bot.say(sec, "/rule"))[-1]
    await bot.press(sec, dues, dues.button("Party dues deadline"))
    await bot.say(sec, "每月20日 18:00")
    preview = (await bot.say(sec, "-"))[-1]
    assert "#2 Party dues deadline" in (await bot.press(sec, preview, preview.button("Save")))[0][-1].text


# --- compliance: what counts as held --------------------------------------------------------------

def notices(sent) -> list[str]:
    """The compliance notices the secretary (chat 1) received."""
    return [s.text for s in sent if s.chat_id == 1 and ("has been held" in s.text or "has held no" in s.text)]


async def held(bot, who, line: str, day: str, *, attend: bool = True) -> None:
    """``/new kind | title | for whom``, on ``day`` 09:00–10:00; ``who`` check in at 09:10 unless not ``attend``."""
    now = bot.clock.now
    kind, title, *audience = line.split(" | ")
    reply = (await bot.say(who[0], f"/new {kind} | {title} | {day} 09:00 | 10:00 | Hall | {(audience or ['全体'])[0]}"))
    assert "#" in reply[-1].text, reply[-1].text
    if attend:
        bot.clock.now = at(f"{day} 09:10")
        for user in who:
            assert "you are checked in" in (await bot.say(user, "/checkin"))[-1].text
    bot.clock.now = now


async def test_a_meeting_counts_only_once_it_has_ended_with_attendance(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    await held(bot, [sec], "支委会 | Committee | 支委", "2026-11-25")  # scheduled, not yet held
    await held(bot, [sec], "主题党日 | Theme day | 全体", "2026-11-17", attend=False)  # held, nobody checked in
    sent = notices(await bot.tick())
    assert sent == []  # not yet ten days before the month ends
    bot.clock.now = at("2026-11-21 10:00")
    sent = notices(await bot.tick())
    assert any(t.startswith("No Branch committee meeting has been held this month (the month ends 2026-11-30).")
               and "attendance is recorded" in t for t in sent)
    assert any(t.startswith("No Theme Party Day has been held this month") for t in sent)
    assert notices(await bot.tick()) == []  # told once
    # The next month: a committee meeting that took place with a check-in counts; one that was
    # cancelled afterwards does not.
    bot.clock.now = at("2026-12-01 10:00")
    await held(bot, [sec], "支委会 | Committee | 支委", "2026-12-02")
    await held(bot, [sec], "主题党日 | Theme day | 全体", "2026-12-04")
    async with bot.db.session() as s:
        await s.execute(update(Activity).where(Activity.title == "Theme day", Activity.starts_at > at("2026-12-01 00:00"))
                        .values(cancelled=True))
    bot.clock.now = at("2026-12-22 10:00")  # ten days before December ends
    sent = notices(await bot.tick())
    assert not any("Branch committee meeting" in t for t in sent)
    assert any(t.startswith("No Theme Party Day has been held this month (the month ends 2026-12-31)") for t in sent), sent


async def test_party_group_meetings_are_checked_for_each_group(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三", extra="第一党小组")
    await linked(bot, sec, 3, "王五", extra="第二党小组")
    await linked(bot, sec, 4, "赵六", status="积极分子", extra="第三党小组")  # no Party member in that group
    await bot.say(sec, "/add 钱七 正式 第四党小组")
    ask = (await bot.say(sec, "/remove 钱七"))[-1]  # the group has nobody active any more
    await bot.press(sec, ask, ask.button("Take off"))
    await bot.say(sec, "/new 党小组会 | Group one | 2026-11-18 09:00 | 10:00 | Hall | 第一党小组")
    bot.clock.now = at("2026-11-18 09:10")
    assert "you are checked in" in (await bot.say(zhang, "/checkin"))[-1].text
    bot.clock.now = at("2026-11-21 10:00")
    sent = [t for t in notices(await bot.tick()) if "Party group meeting" in t]
    # 第一党小组's meeting does not stand in for 第二党小组's.
    assert len(sent) == 1
    assert sent[0].startswith("Party group 第二党小组 has held no Party group meeting this month (the month ends 2026-11-30).")


async def test_a_branch_without_party_groups_is_not_told_about_group_meetings(bot):
    bot.clock.now = at("2026-11-21 10:00")
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")
    sent = notices(await bot.tick())
    assert any("Branch committee meeting" in t for t in sent)  # the other notices still come
    assert not any("Party group meeting" in t for t in sent)


async def test_a_general_meeting_counts_only_for_the_whole_branch(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    await bot.say(sec, "/add 李四 正式 第一党小组")  # the secretary joins 第一党小组
    ask = (await bot.say(sec, "/remove 李四"))[-1]
    await bot.press(sec, ask, ask.button("Take off"))
    async with bot.db.session() as s:
        await s.execute(update(Member).where(Member.telegram_user_id == 1).values(party_group="第一党小组"))
    # /new no longer makes a group's 支部党员大会; one kept from before (or written by hand) must not count.
    assert "is for the whole branch" in (await bot.say(sec, "/new 支部党员大会 | G | 2026-11-18 09:00 | 10:00 | Hall | 第一党小组"))[-1].text
    await held(bot, [sec], "支部党员大会 | Group general meeting | 全体", "2026-11-18")
    async with bot.db.session() as s:
        await s.execute(update(Activity).where(Activity.title == "Group general meeting")
                        .values(audience=Audience.GROUP, audience_group="第一党小组"))
    await held(bot, [sec], "党课 | Lecture | 全体", "2026-11-19")
    bot.clock.now = at("2026-12-02 10:00")
    sent = notices(await bot.tick())
    assert any(t.startswith("No General meeting of Party members has been held this quarter (the quarter ends 2026-12-31).")
               for t in sent)
    assert not any("Party lecture" in t for t in sent)  # any audience will do for a lecture
    # Held for the whole branch, it counts.
    bot.clock.now = at("2027-01-04 10:00")
    await held(bot, [sec], "支部党员大会 | General meeting | 全体", "2027-01-05")
    bot.clock.now = at("2027-03-02 10:00")
    sent = notices(await bot.tick())
    assert not any("General meeting" in t for t in sent)


async def test_yearly_meetings_are_checked_per_calendar_year(bot):
    bot.clock.now = at("2025-12-01 10:00")
    sec = await setup_branch(bot)
    await held(bot, [sec], "组织生活会 | Life meeting | 全体", "2025-12-10")  # last year's does not count
    bot.clock.now = at("2026-11-16 10:00")
    await held(bot, [sec], "民主评议 | Review | 全体", "2026-11-18")
    await held(bot, [sec], "谈心谈话 | Talks | 全体", "2026-11-19")
    bot.clock.now = at("2026-11-30 10:00")
    assert not any("this year" in t for t in notices(await bot.tick()))
    bot.clock.now = at("2026-12-01 10:00")
    sent = [t for t in notices(await bot.tick()) if "this year" in t]
    assert len(sent) == 1
    assert sent[0].startswith("No Organisational life meeting has been held this year (the year ends 2026-12-31).")
    assert not [t for t in notices(await bot.tick()) if "this year" in t]


async def test_a_branch_changes_or_switches_off_a_requirement_in_its_settings(bot):
    bot.clock.now = at("2026-11-21 10:00")
    sec = await setup_branch(bot)
    async with bot.db.session() as s:
        branch = await s.scalar(select(Branch))
        branch.settings = {**branch.settings, "meeting_rules": {"committee_meeting": "off", "party_lecture": "month"}}
    assert "Saved" in (await bot.group(sec, "/set checkin_before 15"))[-1].text  # keeps the overrides
    sent = notices(await bot.tick())
    assert not any("Branch committee meeting" in t for t in sent)
    assert any(t.startswith("No Party lecture has been held this month") for t in sent)
    assert any(t.startswith("No Theme Party Day has been held this month") for t in sent)


# --- one branch at a time -----------------------------------------------------------------------

OTHER_GROUP = Chat(-100600, ChatType.SUPERGROUP, "第二党支部群")


@pytest.mark.parametrize("breakage", ["recurrence", "timezone"])
async def test_a_broken_branch_is_skipped_and_the_others_keep_their_reminders(bot, caplog, breakage):
    bot.clock.now = at("2026-11-16 10:00")
    first = await setup_branch(bot)
    await bot.say(first, THEME)
    second = bot.user(7, "Wang", "Second", "en")
    bot.transport.admins.add((OTHER_GROUP.id, second.id))
    await bot.say(second, "/start")
    await bot.say(second, "/setup 第二党支部 | Wang Second", OTHER_GROUP)
    await bot.say(second, "/set language en", OTHER_GROUP)
    assert "Saved: #2" in (await bot.say(second, THEME))[-1].text
    broken = (update(ScheduleRule).where(ScheduleRule.id == 1).values(recurrence={"frequency": "fortnightly"})
              if breakage == "recurrence" else update(Branch).where(Branch.id == 1).values(timezone="Mars/Olympus"))
    async with bot.db.session() as s:
        await s.execute(broken)

    bot.clock.now = at("2026-11-21 10:00")
    with caplog.at_level(logging.ERROR, logger="schedules.engine"):
        sent = await bot.tick()
    assert [s.chat_id for s in sent if "Theme Party Day" in s.text and "Check in" in str(s.buttons)] == [OTHER_GROUP.id]
    assert not [s for s in sent if s.chat_id in (GROUP.id, first.id)]
    assert "the calendar of branch 1 failed" in caplog.text
    bot.clock.now = at("2026-12-01 09:05")
    sent = await bot.tick() + await bot.tick()
    assert [s.chat_id for s in sent if s.text.startswith("Reminder:")] == [OTHER_GROUP.id]  # exactly once
    assert [s.chat_id for s in sent if s.text.startswith("Reminder, ")] == [second.id]

    # Mended, the branch is taken up again on the next tick; the other one hears nothing twice.
    mended = (update(ScheduleRule).where(ScheduleRule.id == 1).values(recurrence={"frequency": "monthly", "weekday": 4,
                                                                                   "nth": 1, "at": "09:00"})
              if breakage == "recurrence" else update(Branch).where(Branch.id == 1).values(timezone="Asia/Shanghai"))
    async with bot.db.session() as s:
        await s.execute(mended)
    sent = await bot.tick()
    assert [s.chat_id for s in sent if s.text.startswith("Reminder:")] == [GROUP.id]
    assert not [s for s in sent if s.chat_id in (OTHER_GROUP.id, second.id)]


# --- /skip, /move and /stoprule on dates already made into activities ---------------------------

async def activity_row(bot) -> Activity:
    async with bot.db.session() as s:
        return await s.scalar(select(Activity))


async def test_skipping_an_announced_date_cancels_its_activity_and_tells_the_group(bot):
    bot.clock.now = at("2026-11-21 10:00")
    sec = await setup_branch(bot)
    await bot.say(sec, THEME)
    post = next(s for s in await bot.tick() if s.chat_id == GROUP.id)
    assert "2026-12-04 09:00" in post.text
    sent = await bot.say(sec, "/skip 1 2026-12-04")
    assert "“December Theme Party Day” on 2026-12-04 09:00 is cancelled." in [s.text for s in sent if s.chat_id == GROUP.id]
    assert (await activity_row(bot)).cancelled
    # Skipping it again tells the group nothing new.
    assert [s for s in await bot.say(sec, "/skip 1 2026-12-04") if s.chat_id == GROUP.id] == []


async def test_moving_an_activity_whose_checkin_opened_moves_its_window_and_keeps_who_is_expected(bot):
    bot.clock.now = at("2026-11-21 10:00")
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await bot.say(sec, THEME)
    post = next(s for s in await bot.tick() if s.chat_id == GROUP.id)
    bot.clock.now = at("2026-12-04 08:35")  # check-in opened at 08:30: who is expected is fixed
    await bot.tick()
    before = await activity_row(bot)
    assert before.roster_frozen_at is not None
    async with bot.db.session() as s:
        expected = set(await s.scalars(select(Attendance.member_id).where(
            Attendance.activity_id == before.id, Attendance.expected)))
    assert len(expected) == 2
    await bot.say(sec, "/add 王五 正式")  # joins the roster after the list was fixed

    sent = await bot.say(sec, "/move 1 2026-12-04 2026-12-11 14:00")
    assert "“December Theme Party Day” moves to 2026-12-11 14:00." in [s.text for s in sent if s.chat_id == GROUP.id]
    assert "2026-12-11 14:00–16:00" in post.text  # the announcement is redrawn
    moved = await activity_row(bot)
    assert (moved.starts_at, moved.ends_at) == (at("2026-12-11 14:00"), at("2026-12-11 16:00"))
    assert (moved.checkin_opens_at, moved.checkin_closes_at) == (at("2026-12-11 13:30"), at("2026-12-11 16:00"))
    assert moved.roster_frozen_at == before.roster_frozen_at
    async with bot.db.session() as s:
        assert set(await s.scalars(select(Attendance.member_id).where(
            Attendance.activity_id == moved.id, Attendance.expected))) == expected

    assert "No activity is open for check-in now" in (await bot.say(zhang, "/checkin"))[-1].text  # not at the old time
    bot.clock.now = at("2026-12-11 13:40")
    assert "you are checked in" in (await bot.say(zhang, "/checkin"))[-1].text
    assert "Checked in 1/2" in post.text


async def test_a_stopped_rule_makes_no_more_dates(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    await bot.say(sec, THEME)
    assert "#1 is stopped" in (await bot.say(sec, "/stoprule #1"))[-1].text
    async with bot.db.session() as s:
        assert not (await s.scalar(select(ScheduleRule))).active
    assert "There is no recurring date number 1" in (await bot.say(sec, "/stoprule 1"))[-1].text
    bot.clock.now = at("2026-11-30 10:00")
    assert [s for s in await bot.tick() if s.chat_id == GROUP.id] == []


async def test_each_answer_of_the_guided_rule_is_checked_at_its_step_and_the_dialog_keeps_the_rest(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    kinds = (await bot.say(sec, "/rule"))[-1]
    await bot.press(sec, kinds, kinds.button("Theme Party Day"))
    await bot.say(sec, "每月第一个周五 09:00")
    for bad in ("forever", "30h", "1m"):
        again = (await bot.say(sec, bad))[-1].text
        assert "cannot read the length" in again and "How long does it last?" in again
    assert "Where?" in (await bot.say(sec, "2h"))[-1].text
    who = (await bot.say(sec, "Room 3"))[-1]
    await bot.press(sec, who, who.button("Whole branch"))
    again = (await bot.say(sec, "whenever"))[-1].text
    assert "cannot read the reminders" in again and "When should I remind people?" in again
    preview = (await bot.say(sec, "提前2小时"))[-1]
    assert "Room 3" in preview.text and "120 minutes" in preview.text and "2026-12-04 09:00" in preview.text
    assert "Please use the buttons" in (await bot.say(sec, "hello"))[-1].text
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ScheduleRule)) == 0  # nothing before Save
    saved = (await bot.press(sec, preview, preview.button("Save")))[0][-1].text
    assert saved.startswith("Saved: #1 Theme Party Day")
    stale, toast = await bot.press(sec, preview, preview.button("Save"))
    assert "no longer valid" in toast


async def test_cancelling_the_guided_rule_at_its_preview_saves_nothing(bot):
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    kinds = (await bot.say(sec, "/rule"))[-1]
    await bot.press(sec, kinds, kinds.button("Party dues deadline"))
    await bot.say(sec, "每月20日 18:00")
    preview = (await bot.say(sec, "提前3天 09:00"))[-1]
    assert "Stopped" in (await bot.press(sec, preview, preview.button("Cancel")))[0][-1].text
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ScheduleRule)) == 0
