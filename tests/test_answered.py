"""No message goes unanswered: plain text outside a dialog, /set with an unknown name, /remove."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import AuditEntry, Member
from tests.test_activities import linked
from tests.test_flow import setup_branch


async def test_plain_text_outside_a_dialog_in_private_gets_a_hint(bot):
    sec = await setup_branch(bot)
    member = await linked(bot, sec, 2, "张三")
    stranger = bot.user(9, "Stranger", lang="en")
    for who in (sec, member, stranger):
        reply = await bot.say(who, "hello?")
        assert len(reply) == 1 and "/help" in reply[0].text and reply[0].chat_id == who.id
    assert await bot.group(member, "hello everyone") == []  # the group's talk is not for the bot


async def test_set_with_an_unknown_name_says_so_and_lists_the_settings(bot):
    sec = await setup_branch(bot)
    reply = (await bot.say(sec, "/set checkin_befor 15"))[-1].text
    assert "There is no setting “checkin_befor”" in reply and "checkin_before" in reply and "timezone" in reply


async def test_remove_asks_to_confirm_and_keep_changes_nothing(bot):
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")
    ask = (await bot.say(sec, "/remove 张三"))[-1]
    assert "Take 张三" in ask.text
    async with bot.db.session() as s:
        assert (await s.scalar(select(Member).where(Member.name == "张三"))).active
    await bot.press(sec, ask, ask.button("Keep"))
    assert "stays on the roster" in ask.text
    async with bot.db.session() as s:
        assert (await s.scalar(select(Member).where(Member.name == "张三"))).active
    ask = (await bot.say(sec, "/remove 张三"))[-1]
    take_off = ask.button("Take off")
    await bot.press(sec, ask, take_off)
    assert "no longer on the roster" in ask.text
    async with bot.db.session() as s:
        assert not (await s.scalar(select(Member).where(Member.name == "张三"))).active
        assert await s.scalar(select(AuditEntry.target).where(AuditEntry.action == "roster.remove")) == "张三"
    _, toast = await bot.press(sec, ask, take_off)
    assert "no longer valid" in toast
