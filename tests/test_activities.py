"""Activities: creation by dialog and by one line, check-in rules, QR codes, leave and records."""

from __future__ import annotations

import asyncio
import io

import pytest
from sqlalchemy import func, select

from handlers.kit.api import Event, Request
from storage.models import Activity, Attendance, Conversation
from tests.conftest import RACING
from tests.memory import GROUP, UNLIMITED
from tests.test_flow import setup_branch

NEW = "/new 支部党员大会 | November meeting | 2026-11-27 09:00 | 11:00 | Room 3 | 全体"


async def linked(bot, sec, uid, name, status="正式", extra=""):
    link = (await bot.say(sec, f"/add {name} {status} {extra}".strip()))[-1].text.split("start=")[1].split()[0]
    user = bot.user(uid, f"user{uid}", lang="en")
    await bot.say(user, f"/start {link}")
    return user


async def count(bot, model):
    async with bot.db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def results(bot):
    """Attendance rows that say something: check-ins and leave (the expected list alone is no result)."""
    async with bot.db.session() as s:
        return await s.scalar(select(func.count()).select_from(Attendance).where(Attendance.status != "absent"))


async def announce(bot, sec, line=NEW):
    sent = await bot.say(sec, line)
    return next(s for s in sent if s.chat_id == GROUP.id)


async def test_one_line_creation_refuses_bad_fields_with_a_reason(bot):
    sec = await setup_branch(bot)
    cases = {
        "/new 主题党日 | T | tomorrow | 11:00 | R | 全体": "cannot read the start",
        "/new 主题党日 | T | 2026-02-30 09:00 | 11:00 | R | 全体": "cannot read the start",
        "/new 主题党日 | T | 2026-11-27 09:00 | 08:00 | R | 全体": "end must come after the start",
        "/new 主题党日 | T | 2025-11-27 09:00 | 11:00 | R | 全体": "in the past",
        "/new 野餐 | T | 2026-11-27 09:00 | 11:00 | R | 全体": "not a kind of activity",
        "/new 主题党日 | T | 2026-11-27 09:00 | 11:00 | R | 第九党小组": "neither 全体, 支委 nor a Party group",
        "/new 主题党日 | " + "长" * 10_000 + " | 2026-11-27 09:00 | 11:00 | R | 全体": "title must be 1 to 100",
        "/new 主题党日 | T | 2026-11-27 09:00": "in one line",
    }
    for line, expected in cases.items():
        reply = (await bot.say(sec, line))[-1].text
        assert expected in reply, (line[:60], reply)
    assert await count(bot, Activity) == 0
    assert not [s for s in bot.to(GROUP.id) if "【" in s.text]


async def test_guided_dialog_survives_a_restart_and_creates_the_activity(bot):
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三", extra="第一党小组")
    kinds = (await bot.say(sec, "/new"))[-1]
    await bot.press(sec, kinds, kinds.button("Party group meeting"))
    await bot.say(sec, "Group study")
    assert "cannot read the start" in (await bot.say(sec, "soon"))[-1].text
    # A restart between two answers: the state is in the database, a new core carries on.
    await bot.core.close()
    from bot.core import BotCore
    bot.core = BotCore(bot.transport, bot.db, clock=bot.clock, limits=UNLIMITED)
    await bot.say(sec, "11-27 14:00")
    await bot.say(sec, "90分钟")
    who = (await bot.say(sec, "-"))[-1]
    confirm = (await bot.press(sec, who, who.button("第一党小组")))[0][-1]
    assert "For: Party group 第一党小组" in confirm.text and "2026-11-27 14:00–2026-11-27 15:30" in confirm.text
    sent, _ = await bot.press(sec, confirm, confirm.button("Create and announce"))
    group_post = next(s for s in sent if s.chat_id == GROUP.id)
    assert "Checked in 0/1" in group_post.text  # only 张三 is in 第一党小组
    assert await count(bot, Conversation) == 0
    # Pressing the confirmation again does not create a second one.
    _, toast = await bot.press(sec, confirm, "nc:ok")
    assert "no longer valid" in toast
    assert await count(bot, Activity) == 1


async def test_checkin_rules(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    activist = await linked(bot, sec, 3, "小李", status="积极分子")
    post = await announce(bot, sec)
    checkin = post.button("Check in")
    bot.clock.advance(minutes=45)  # 08:45 in Beijing: open
    _, toast = await bot.press(activist, post, checkin)
    assert "you do not need to check in" in toast
    # The same update delivered twice is handled once.
    request = Request(777, Event.CALLBACK, GROUP, zhang, callback_id="x1", callback_data=checkin, message_id=post.message_id)
    await bot.send(request)
    assert await bot.send(request) == []
    assert [t for t in bot.transport.toasts if t[0] == "x1"][0][1].endswith("you are checked in to “November meeting”.")
    # More taps: still one row (taps at once: test_taps_at_once_store_one_row).
    for _ in range(2):
        _, toast = await bot.press(zhang, post, checkin)
        assert "you have already checked in" in toast
    assert await results(bot) == 1
    # After the end nobody can check in.
    bot.clock.advance(hours=3)
    assert "has closed" in (await bot.say(sec, f"/checkin {post.text.split('#')[1].split()[0]}"))[-1].text
    # A forged activity number in the button is refused.
    _, toast = await bot.press(zhang, post, "ci:99999")
    assert "no longer valid" in toast


@pytest.mark.parametrize("db", RACING, indirect=True)
async def test_taps_at_once_store_one_row(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    post = await announce(bot, sec)
    bot.clock.advance(minutes=45)
    taps = [Request(next(bot.update_ids), Event.CALLBACK, GROUP, zhang, callback_id=f"t{i}",
                    callback_data=post.button("Check in"), message_id=post.message_id) for i in range(5)]
    await asyncio.gather(*(bot.core.process(t) for t in taps))
    assert await results(bot) == 1
    toasts = [t[1] for t in bot.transport.toasts if t[0].startswith("t")]
    assert len(toasts) == 5 and sum("you are checked in" in t for t in toasts) == 1
    assert sum("you have already checked in" in t for t in toasts) == 4


async def test_onsite_activity_takes_qr_checkins_and_mobile_members_remotely(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    post = await announce(bot, sec, NEW + " | 现场")
    bot.clock.advance(minutes=45)
    _, toast = await bot.press(zhang, post, post.button("Check in"))
    assert "scan the QR code" in toast
    qr = (await bot.say(sec, "/qr"))[-1]
    assert qr.kind == "photo" and qr.data.startswith(b"\x89PNG")
    link = qr.text.split("start=")[1].split()[0]
    assert "you are checked in" in (await bot.say(zhang, f"/start {link}"))[-1].text
    assert "not valid" in (await bot.say(zhang, f"/start {link[:-2]}xx"))[-1].text
    # A mobile member (流动党员) may use the button.
    wang = await linked(bot, sec, 4, "王五")
    async with bot.db.session() as s:
        from storage.models import Member
        (await s.scalar(select(Member).where(Member.name == "王五"))).mobile = True
    _, toast = await bot.press(wang, post, post.button("Check in"))
    assert "you are checked in" in toast


async def test_qr_code_decodes_to_the_checkin_link(bot):
    sec = await setup_branch(bot)
    await announce(bot, sec, NEW + " | 现场")
    qr = (await bot.say(sec, "/qr"))[-1]
    import segno  # the same link, made again, gives the same picture
    link = qr.text.split("check in: ")[1].strip()
    again = io.BytesIO()
    segno.make(link, error="m").save(again, kind="png", scale=12, border=4)
    assert again.getvalue() == qr.data


async def test_leave_reason_too_long_is_refused_and_nothing_changes(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    post = await announce(bot, sec)
    await bot.press(zhang, post, post.button("Ask for leave"))
    reply = (await bot.say(zhang, "x" * 10_000))[-1].text
    assert "between 1 and 300 characters; yours has 10000" in reply
    assert await count(bot, Attendance) == 0
    await bot.say(zhang, "Business trip")
    async with bot.db.session() as s:
        row = await s.scalar(select(Attendance))
    assert (row.status, row.leave_reason) == ("leave_requested", "Business trip")


async def test_leave_button_for_someone_who_never_started_the_bot_opens_a_deep_link(bot):
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")
    post = await announce(bot, sec)
    from storage.models import UserPref
    async with bot.db.session() as s:
        (await s.get(UserPref, 2)).private_chat_open = False
    _, url = await bot.press(bot.user(2, "user2", lang="en"), post, post.button("Ask for leave"))
    assert url.startswith("https://t.me/branch_test_bot?start=lv-")


async def test_refused_leave_counts_as_absent_and_reasons_stay_with_keepers(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    publicist = await linked(bot, sec, 3, "宣传员")
    await bot.say(sec, "/grant 宣传员 宣传委员")
    post = await announce(bot, sec)
    await bot.press(zhang, post, post.button("Ask for leave"))
    request = next(s for s in await bot.say(zhang, "Family matter") if s.chat_id == sec.id)
    sent, _ = await bot.press(sec, request, request.button("Refuse"))
    assert any(s.chat_id == 2 and "not approved" in s.text for s in sent)
    bot.clock.advance(hours=1)
    record = (await bot.say(sec, "/record"))[-1].text
    # Check-in is still open: nobody is absent yet, and the refused leave shows with the name.
    assert "not final" in record and "Not yet checked in: 3" in record and "张三 (leave refused: Family matter)" in record
    # The publicity member sees the record but not private reasons.
    await bot.press(zhang, post, post.button("Check in"))  # 张三 came after all
    leave_free = (await bot.say(publicist, "/record"))[-1].text
    assert "Family matter" not in leave_free and "Present: 1" in leave_free


async def test_general_meeting_record_tells_quorum_and_is_sent_when_it_ends(bot):
    sec = await setup_branch(bot)
    users = [await linked(bot, sec, 10 + i, f"党员{i}") for i in range(4)]
    post = await announce(bot, sec)
    bot.clock.advance(minutes=45)
    for user in users[:2]:
        await bot.press(user, post, post.button("Check in"))

    def records(sent):
        return [s for s in sent if s.chat_id == sec.id and "attendance record" in s.text]

    assert records(await bot.tick()) == []  # not over yet
    bot.clock.advance(hours=3)
    first = records(await bot.tick())
    assert records(await bot.tick()) == []  # a second run sends nothing more
    assert len(first) == 1
    assert "Full (voting) members present: 2/5, quorum NOT reached." in first[0].text


async def test_commands_in_the_wrong_chat_and_unknown_commands(bot):
    sec = await setup_branch(bot)
    assert "in a private chat" in (await bot.group(sec, "/new"))[-1].text
    assert "in the branch group" in (await bot.say(sec, "/setup X"))[-1].text
    assert "do not know the command /frobnicate" in (await bot.say(sec, "/frobnicate"))[-1].text
    assert await bot.group(sec, "/frobnicate") == []  # in a group it may be for another bot


async def test_chinese_by_default_and_english_on_request(bot):
    sec = bot.user(1, "李", "书记", "zh-hans")
    bot.transport.admins.add((GROUP.id, 1))
    await bot.say(sec, "/start")
    replies = await bot.group(sec, "/setup 第一党支部 | 李明")
    assert next(r for r in replies if r.chat_id == GROUP.id).text.startswith("本群已设置为支部“第一党支部”")
    assert next(r for r in replies if r.chat_id == sec.id).text.startswith("你是“第一党支部”的书记")
    post = next(s for s in await bot.say(sec, NEW) if s.chat_id == GROUP.id)
    assert [b.text for b in post.buttons[0]] == ["签到", "请假"]
    assert "已签到 0/1" in post.text
    # Someone whose app speaks another language gets the branch default; /lang changes it.
    visitor = bot.user(2, "Hans", lang="de")
    assert "还不在任何支部的名册中" in (await bot.say(visitor, "/me"))[-1].text
    assert "I will speak English with you." == (await bot.say(visitor, "/lang en"))[-1].text
    assert "not on any branch roster" in (await bot.say(visitor, "/me"))[-1].text


async def test_onsite_only_activity_refuses_remote_checkin_even_for_mobile_members(bot):
    sec = await setup_branch(bot)
    wang = await linked(bot, sec, 4, "王五")
    async with bot.db.session() as s:
        from storage.models import Member
        (await s.scalar(select(Member).where(Member.name == "王五"))).mobile = True
    post = await announce(bot, sec, NEW + " | 仅现场")
    bot.clock.advance(minutes=45)
    _, toast = await bot.press(wang, post, post.button("Check in"))
    assert "scan the QR code" in toast
    assert await count(bot, Attendance) == 0
    assert "may only be 现场" in (await bot.say(sec, NEW + " | 远程"))[-1].text


async def test_an_officer_cannot_check_in_someone_not_expected(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, "/add 小李 积极分子")
    await announce(bot, sec)
    bot.clock.advance(minutes=45)
    assert "小李 is not expected there" in (await bot.say(sec, "/checkin_for 小李"))[-1].text
    assert await count(bot, Attendance) == 0
