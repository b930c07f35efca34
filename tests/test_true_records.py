"""Records stay true for the day of the meeting, whatever the roster says later; the rule gaps closed."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from storage.models import Activity, AuditEntry, Member, MembershipChange
from storage.rules.vocabulary import MembershipEvent
from tests.memory import GROUP
from tests.test_activities import announce, linked
from tests.test_broadcast import compose
from tests.test_flow import setup_branch

LECTURE = "/new 党课 | Lecture | 2026-11-27 09:00 | 10:00 | Hall | 全体"


def beijing(text: str) -> datetime:
    """A Beijing wall-clock time as aware UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(timezone.utc)


async def history_of(bot, name):
    async with bot.db.session() as s:
        member = await s.scalar(select(Member).where(Member.name == name))
        rows = await s.scalars(select(MembershipChange).where(MembershipChange.member_id == member.id)
                               .order_by(MembershipChange.id))
        return [(r.event, r.status.value, r.party_group, r.active) for r in rows]


async def test_a_later_roster_change_never_rewrites_a_record(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三", status="预备", extra="第一党小组")
    post = await announce(bot, sec)  # 支部党员大会 09:00–11:00 for the whole branch
    bot.clock.advance(minutes=45)
    await bot.press(zhang, post, post.button("Check in"))
    bot.clock.advance(hours=3)
    before = (await bot.say(sec, "/record 1"))[-1].text
    assert "Expected: 2 (1 full, 1 probationary)" in before and "Absent: 1 — Secretary Li" in before
    # After the meeting: 王五 joins, 张三 becomes a full member in another group, then leaves the roster.
    await bot.say(sec, "/add 王五 正式")
    await bot.upload(sec, "roster.csv", "姓名,政治面貌,党小组\n张三,正式,第二党小组\n".encode())
    after = (await bot.say(sec, "/record 1"))[-1].text
    assert after == before  # 王五 is not shown absent; 张三 stays probationary on that day
    ask = (await bot.say(sec, "/remove 张三"))[-1]
    await bot.press(sec, ask, ask.button("Take off"))
    assert (await bot.say(sec, "/record 1"))[-1].text == before
    assert await history_of(bot, "张三") == [
        (MembershipEvent.ADDED, "probationary", "第一党小组", True),
        (MembershipEvent.CONVERTED, "full", "第二党小组", True),
        (MembershipEvent.TRANSFERRED_OUT, "full", "第二党小组", False),
    ]


async def test_an_undecided_request_is_no_leave_and_leave_is_asked_in_advance(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    wang = await linked(bot, sec, 3, "王五")
    post = await announce(bot, sec)
    await bot.press(zhang, post, post.button("Ask for leave"))
    await bot.say(zhang, "Travelling")  # nobody decides it
    await bot.press(wang, post, post.button("Ask for leave"))
    request = next(s for s in await bot.say(wang, "Ill") if s.chat_id == sec.id)
    await bot.press(sec, request, request.button("Refuse"))
    assert "on leave 0" in bot.last(GROUP.id).text
    bot.clock.advance(hours=1, minutes=5)  # 09:05: the meeting has started
    late = bot.user(4, "user4", lang="en")
    await linked(bot, sec, 4, "赵六")
    _, toast = await bot.press(late, post, post.button("Ask for leave"))
    assert "had to be asked before 2026-11-27 09:00" in toast
    bot.clock.advance(hours=3)
    record = (await bot.say(sec, "/record 1"))[-1].text
    assert "On leave: 0" in record
    assert "张三 (leave asked, not decided: Travelling)" in record
    assert "王五 (leave refused: Ill)" in record


async def test_leave_deadline_is_a_branch_setting(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await bot.say(sec, "/set leave_before_minutes 120")
    post = await announce(bot, sec)  # 09:00; now 08:00, so the deadline 07:00 has passed
    _, toast = await bot.press(zhang, post, post.button("Ask for leave"))
    assert "had to be asked before 2026-11-27 07:00" in toast


async def test_catch_up_is_owed_and_marked_done_by_the_member_or_an_officer(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    wang = await linked(bot, sec, 3, "王五")
    post = await announce(bot, sec)
    for person, reason in ((zhang, "Ill"), (wang, "Away")):
        await bot.press(person, post, post.button("Ask for leave"))
        request = next(s for s in await bot.say(person, reason) if s.chat_id == sec.id)
        await bot.press(sec, request, request.button("Approve"))
    bot.clock.advance(hours=4)
    sent = await bot.tick()
    record = next(s for s in sent if s.chat_id == sec.id and "attendance record" in s.text)
    assert "Catch-up (补课) owed: 张三, 王五" in record.text or "Catch-up (补课) owed: 张三、王五" in record.text
    reminder = next(s for s in sent if s.chat_id == zhang.id and "catch up" in s.text)
    _, toast = await bot.press(zhang, reminder, reminder.button("Caught up"))
    assert "has caught up" in toast
    _, toast = await bot.press(zhang, reminder, reminder.button("Caught up"))
    assert "owes no catch-up" in toast
    # 王五 cannot press 张三's button, and cannot mark it for someone else.
    _, toast = await bot.press(wang, reminder, reminder.button("Caught up"))
    assert "no longer valid" in toast
    assert "Only the" in (await bot.say(wang, "/makeup 张三 1"))[-1].text
    assert "has caught up" in (await bot.say(sec, "/makeup 王五 1"))[-1].text
    text = (await bot.say(sec, "/record 1"))[-1].text
    assert "owed" not in text and "Catch-up (补课) done:" in text
    async with bot.db.session() as s:
        actions = list(await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions.count("makeup.done") == 2 and "refused" in actions


async def test_the_six_month_line_warns_at_two_and_four_months_and_flags_at_six_once_each(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await linked(bot, sec, 3, "王五")  # never comes
    warnings = []
    for month in range(7):  # a lecture on the 10th of each month from December
        year, m = (2026, 12) if month == 0 else (2027, month)
        day = f"{year}-{m:02d}-10"
        bot.clock.now = beijing(f"{day} 08:00")
        sent = await bot.say(sec, f"/new 党课 | Lecture {month} | {day} 09:00 | 10:00 | Hall | 全体")
        post = next(s for s in sent if s.chat_id == GROUP.id)
        bot.clock.now = beijing(f"{day} 08:45")
        await bot.press(zhang, post, post.button("Check in"))
        await bot.press(sec, post, post.button("Check in"))
        bot.clock.now = beijing(f"{day} 12:00")
        warnings += [s for s in await bot.tick() if "organisational life" in s.text]
        bot.clock.now = beijing(f"{day} 18:00")  # a second tick the same day repeats nothing
        warnings += [s for s in await bot.tick() if "organisational life" in s.text]
    assert [s.chat_id for s in warnings] == [sec.id, sec.id, sec.id]  # privately, to the officers only
    assert all("王五" in s.text and "since 2026-12-10" in s.text for s in warnings)
    assert ["(2 months)" in warnings[0].text, "(4 months)" in warnings[1].text, "(6 months)" in warnings[2].text] == [True] * 3
    assert "please talk with them" in warnings[0].text and "has to decide" in warnings[2].text


async def test_a_group_leader_acts_only_on_their_own_group(bot):
    sec = await setup_branch(bot)
    leader = await linked(bot, sec, 2, "张三", extra="第一党小组")
    await linked(bot, sec, 3, "王五", extra="第二党小组")
    await linked(bot, sec, 4, "李四", extra="第一党小组")
    await bot.say(sec, "/grant 张三 党小组长")
    assert "only for your own group (第一党小组)" in (await bot.say(leader, LECTURE))[-1].text
    own = await bot.say(leader, LECTURE.replace("全体", "第一党小组"))
    assert any(s.chat_id == GROUP.id for s in own)
    bot.clock.advance(minutes=45)
    assert "only members of your own group" in (await bot.say(leader, "/checkin_for 王五 1"))[-1].text
    assert "李四 is checked in" in (await bot.say(leader, "/checkin_for 李四 1"))[-1].text
    await bot.say(leader, "/broadcast")
    who = (await bot.say(leader, "Bring your notebooks"))[-1]
    _, toast = await bot.press(leader, who, who.button("Everyone, privately"))
    assert "only to your own group" in toast
    # The secretary is not limited to one group.
    preview = await compose(bot, sec, "Bring your notebooks", "Everyone, privately")
    assert "It goes privately to 4 people" in preview.text


async def test_an_activist_checks_in_to_a_lecture_without_counting(bot):
    sec = await setup_branch(bot)
    activist = await linked(bot, sec, 3, "小李", status="积极分子")
    sent = await bot.say(sec, LECTURE)
    post = next(s for s in sent if s.chat_id == GROUP.id)
    bot.clock.advance(minutes=45)
    _, toast = await bot.press(activist, post, post.button("Check in"))
    assert "you are checked in" in toast
    assert "Checked in 0/1" in bot.last(GROUP.id).text  # not counted as expected
    record = (await bot.say(sec, "/record 1"))[-1].text
    assert "Expected: 1" in record and "Also present, not counted: 小李" in record


async def test_an_officers_check_in_for_someone_is_bounded_and_reported_when_the_record_went_out(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, "/add 李四 正式")
    await announce(bot, sec)
    bot.clock.advance(hours=4)  # over: the record goes to the officers
    assert any("attendance record" in s.text for s in await bot.tick())
    sent = await bot.say(sec, "/checkin_for 李四 1")
    assert any("李四 is checked in" in s.text for s in sent)
    assert any("has changed: Secretary Li checked 李四 in afterwards" in s.text for s in sent if s.chat_id == sec.id)
    await bot.say(sec, "/add 周七 正式")
    bot.clock.advance(hours=72)
    assert "it can no longer be changed" in (await bot.say(sec, "/checkin_for Secretary Li 1"))[-1].text
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "checkin.proxy")) == 1


async def test_a_general_meeting_is_for_the_whole_branch(bot):
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三", extra="第一党小组")
    reply = (await bot.say(sec, "/new 支部党员大会 | Q4 | 2026-11-27 09:00 | 11:00 | Room 3 | 第一党小组"))[-1].text
    assert "is for the whole branch" in reply
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Activity)) == 0


async def test_english_kind_names_are_understood_and_english_texts_use_english_brackets(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    reply = await bot.say(sec, "/new Theme Party Day | Study | 2026-11-27 09:00 | 11:00 | Room 3 | 全体")
    assert any("【Theme Party Day】Study" in s.text for s in reply)
    post = next(s for s in reply if s.chat_id == GROUP.id)
    await bot.press(zhang, post, post.button("Ask for leave"))
    request = next(s for s in await bot.say(zhang, "Ill") if s.chat_id == sec.id)
    await bot.press(sec, request, request.button("Approve"))
    record = (await bot.say(sec, "/record 1"))[-1].text
    assert "张三 (Ill)" in record and "（" not in record


async def test_the_announcement_says_when_check_in_opens_and_closes_without_anyone_pressing(bot):
    sec = await setup_branch(bot)
    post = await announce(bot, sec)  # 09:00–11:00, check-in opens 08:30
    assert "Check-in is open from" in post.text
    bot.clock.advance(minutes=45)
    await bot.tick()
    await bot.core.performer.flush()
    assert "Check-in is open now, until" in post.text
    bot.clock.advance(hours=3)
    await bot.tick()
    await bot.core.performer.flush()
    assert "Check-in closed at" in post.text
