"""Broadcasts: composing with a preview, audiences, 收到 tracking, nudges and the delivery report."""

from __future__ import annotations

from sqlalchemy import func, select

from handlers.kit.api import Chat, ChatType, Event, FileRef, Request
from storage.models import AuditEntry, Delivery, OutboxMessage
from tests.memory import GROUP
from tests.test_activities import announce, linked
from tests.test_flow import setup_branch


async def compose(bot, sec, text, audience_label, ack=True):
    await bot.say(sec, "/broadcast")
    who = (await bot.say(sec, text))[-1]
    ask = (await bot.press(sec, who, who.button(audience_label)))[0][-1]
    preview = (await bot.press(sec, ask, ask.button("Yes" if ack else "No")))[0][-1]
    return preview


async def test_private_broadcast_with_ack_ledger_nudges_and_report(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三", extra="第一党小组")
    wang = await linked(bot, sec, 3, "王五", extra="第一党小组")
    await bot.say(sec, "/add 赵六 正式 第二党小组")  # on the roster, never started the bot
    preview = await compose(bot, sec, "Study session moved to Friday.", "Everyone, privately")
    assert "Study session moved to Friday." in preview.text
    assert "It goes privately to 3 people." in preview.text
    assert "1 cannot be messaged privately" in preview.text and "赵六" in preview.text
    sent, _ = await bot.press(sec, preview, preview.button("Send"))
    copies = [s for s in sent if s.chat_id in (2, 3)]
    assert len(copies) == 2 and all("Study session moved to Friday." in c.text for c in copies)
    hint = next(s for s in sent if s.chat_id == GROUP.id)
    assert "赵六" in hint.text and "@branch_test_bot" in hint.text
    number = next(s for s in sent if s.chat_id == sec.id and "is on its way" in s.text).text.split("#")[1].split()[0]

    # 收到, once however many taps.
    zhang_copy = next(c for c in copies if c.chat_id == 2)
    _, toast = await bot.press(zhang, zhang_copy, zhang_copy.button("收到"))
    assert "noted as received" in toast
    _, toast = await bot.press(zhang, zhang_copy, zhang_copy.button("收到"))
    assert "already confirmed" in toast
    stranger = bot.user(99, "X", lang="en")
    _, toast = await bot.press(stranger, zhang_copy, zhang_copy.button("收到"))
    assert "not addressed to you" in toast

    # The report arrives once every copy is settled; only once.
    report = [s for s in await bot.upkeep() if s.chat_id == sec.id]
    assert len(report) == 1 and f"Notice #{number} is delivered." in report[0].text
    assert "Delivered privately: 3." in report[0].text  # the secretary has a copy too
    assert "never started the bot): 赵六" in report[0].text
    assert not [s for s in await bot.upkeep() if s.chat_id == sec.id]

    ledger = (await bot.say(sec, f"/acks {number}"))[-1]
    assert "1/4 confirmed" in ledger.text and "Confirmed: 张三" in ledger.text
    assert "Not yet: Secretary Li, 王五, 赵六" in ledger.text

    # Automatic reminders after 24 hours, at most twice, only to those who have not confirmed.
    bot.clock.advance(hours=23)
    assert [s for s in await bot.upkeep() if s.chat_id == 3] == []
    bot.clock.advance(hours=2)
    first = [s for s in await bot.upkeep() if s.chat_id in (1, 2, 3)]
    assert sorted(s.chat_id for s in first) == [1, 3] and "Reminder" in first[0].text
    bot.clock.advance(hours=25)
    assert sorted(s.chat_id for s in await bot.upkeep() if s.chat_id in (1, 2, 3)) == [1, 3]
    bot.clock.advance(hours=25)
    assert [s for s in await bot.upkeep() if s.chat_id in (1, 2, 3)] == []

    # Reminding by hand from the ledger: the same budget, so nobody is reminded a third time.
    ledger = (await bot.say(sec, f"/acks {number}"))[-1]
    sent, toast = await bot.press(sec, ledger, ledger.button("Remind"))
    assert "Nobody to remind now" in toast and [s for s in sent if s.chat_id in (1, 2, 3)] == []
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "broadcast.send")) == 1


async def test_group_post_audiences_and_refusals(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三", extra="第一党小组")
    await linked(bot, sec, 3, "王五", extra="第二党小组")
    # Members cannot broadcast.
    assert (await bot.say(zhang, "/broadcast"))[-1].text.startswith("Only the")
    preview = await compose(bot, sec, "Bring your Party badge.", "The group: one post")
    sent, _ = await bot.press(sec, preview, preview.button("Send"))
    post = next(s for s in sent if s.chat_id == GROUP.id)
    assert "Bring your Party badge." in post.text
    _, toast = await bot.press(zhang, post, post.button("收到"))
    assert "noted as received" in toast
    # One party group only.
    preview = await compose(bot, sec, "Group 2 meets at 3pm.", "Party group 第二党小组", ack=False)
    sent, _ = await bot.press(sec, preview, preview.button("Send"))
    assert [s.chat_id for s in sent if "Group 2 meets" in s.text] == [3]


async def test_not_checked_in_audience_and_a_cancelled_draft_sends_nothing(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await linked(bot, sec, 3, "王五")
    post = await announce(bot, sec)
    bot.clock.advance(minutes=45)
    await bot.press(zhang, post, post.button("Check in"))
    preview = await compose(bot, sec, "We are starting, where are you?", "Not checked in", ack=False)
    assert "It goes privately to 2 people." in preview.text  # the secretary and 王五
    sent, _ = await bot.press(sec, preview, preview.button("Send"))
    assert sorted(s.chat_id for s in sent if "where are you" in s.text) == [1, 3]
    draft = await compose(bot, sec, "Never mind", "Everyone, privately", ack=False)
    sent, _ = await bot.press(sec, draft, draft.button("Cancel"))
    assert [s.text for s in sent] == ["Stopped. Nothing was saved."]
    _, toast = await bot.press(sec, draft, draft.button("Send"))  # stale confirmation
    assert "no longer valid" in toast
    async with bot.db.session() as s:
        assert not await s.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.text.contains("Never mind")))


async def test_long_notice_is_refused_and_a_photo_notice_goes_by_file_id(bot):
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")
    await bot.say(sec, "/broadcast")
    assert "keep it under 3500" in (await bot.say(sec, "x" * 10_000))[-1].text
    photo = Request(next(bot.update_ids), Event.MESSAGE, Chat(1, ChatType.PRIVATE), sec, text="Today's poster",
                    photo=FileRef("AgACphoto123"))
    who = (await bot.send(photo))[-1]
    ask = (await bot.press(sec, who, who.button("Everyone, privately")))[0][-1]
    preview = (await bot.press(sec, ask, ask.button("No")))[0][-1]
    sent, _ = await bot.press(sec, preview, preview.button("Send"))
    photos = [s for s in sent if s.kind == "photo"]
    assert {s.chat_id for s in photos} == {1, 2} and photos[0].data == b"AgACphoto123"
    assert "Today's poster" in photos[0].text
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Delivery)) == 2
