"""The founder of a branch gives their real name at /setup: in one line, or privately when asked."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import AuditEntry, Branch, Member, MemberRole
from tests.memory import GROUP


def founder(bot):
    user = bot.user(1, "Li", "Secretary", "en")
    bot.transport.admins.add((GROUP.id, user.id))
    return user


async def stored(bot) -> tuple[list[Branch], list[tuple[str, str | None, int | None, list[str]]]]:
    async with bot.db.session() as s:
        branches = list(await s.scalars(select(Branch)))
        members = [
            (m.name, m.telegram_name, m.telegram_user_id, sorted(r.role for r in m.roles))
            for m in await s.scalars(select(Member))
        ]
    return branches, members


async def answer(bot, user, name: str) -> list:
    """Answer the real-name question and confirm the preview; what the confirmation sent."""
    preview = (await bot.say(user, name))[-1]
    assert "as its secretary?" in preview.text, preview.text
    sent, _ = await bot.press(user, preview, preview.button("Set up"))
    return sent


async def test_one_line_form_stores_the_real_name(bot):
    sec = founder(bot)
    await bot.say(sec, "/start")

    sent = await bot.group(sec, "/setup 第一党支部 | 张 三")

    group = next(s for s in sent if s.chat_id == GROUP.id).text
    assert group.startswith("本群已设置为支部“第一党支部”") and "书记：张 三。" in group  # the branch's language
    assert any(s.chat_id == sec.id and "You are the secretary" in s.text for s in sent)
    branches, members = await stored(bot)
    assert [b.name for b in branches] == ["第一党支部"]
    # The roster goes by the real name; the Telegram name is kept beside it.
    assert members == [("张 三", "Li Secretary", sec.id, ["secretary"])]


async def test_one_line_form_takes_a_full_width_bar(bot):
    sec = founder(bot)
    await bot.say(sec, "/start")

    await bot.group(sec, "/setup 第一党支部｜张三")

    _, members = await stored(bot)
    assert [m[0] for m in members] == ["张三"]


async def test_blank_or_overlong_name_in_one_line_is_refused_and_nothing_created(bot):
    sec = founder(bot)
    await bot.say(sec, "/start")

    for command in ("/setup 第一党支部 |", "/setup 第一党支部 | \u3000 ", "/setup 第一党支部 | " + "张" * 51):
        (reply,) = await bot.group(sec, command)
        assert reply.text == (
            "Write your real name as it stands on the roster (at most 50 characters) after a bar, "
            "for example: /setup 第一党支部 | 张三"
        ), command

    assert await stored(bot) == ([], [])


async def test_dialog_form_asks_privately_and_stores_the_name_after_the_answer(bot):
    sec = founder(bot)
    await bot.say(sec, "/start")

    sent = await bot.group(sec, "/setup 第一党支部")

    assert "I have asked you in a private chat" in next(s for s in sent if s.chat_id == GROUP.id).text
    ask = next(s for s in sent if s.chat_id == sec.id)
    assert "send me your real name" in ask.text and "“第一党支部”" in ask.text
    assert await stored(bot) == ([], [])  # nothing until the founder answers

    sent = await answer(bot, sec, "张三")

    assert "书记：张三。" in next(s for s in sent if s.chat_id == GROUP.id).text
    assert "You are the secretary of “第一党支部”" in next(s for s in sent if s.chat_id == sec.id).text
    branches, members = await stored(bot)
    assert [(b.name, b.chat_id) for b in branches] == [("第一党支部", GROUP.id)]
    assert members == [("张三", "Li Secretary", sec.id, ["secretary"])]
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "branch.setup")) == 1
    # The dialog is over: more text is not a name.
    await bot.say(sec, "李四")
    assert (await stored(bot))[1] == members


async def test_founder_who_never_started_the_bot_gets_a_deep_link(bot):
    sec = founder(bot)  # has only ever spoken in the group

    (reply,) = await bot.group(sec, "/setup 第一党支部")

    assert reply.chat_id == GROUP.id
    assert "open a private chat with me" in reply.text and "/setup 第一党支部 | 张三" in reply.text
    assert reply.button("Open a private chat") == "https://t.me/branch_test_bot?start=setup"

    opened = await bot.say(sec, "/start setup")
    assert "send me your real name" in opened[-1].text
    await answer(bot, sec, "张三")

    _, members = await stored(bot)
    assert members == [("张三", "Li Secretary", sec.id, ["secretary"])]


async def test_blank_or_overlong_answer_is_refused_and_asked_again(bot):
    sec = founder(bot)
    await bot.say(sec, "/start")
    await bot.group(sec, "/setup 第一党支部")

    for bad in ("\u3000", "张" * 51):
        (reply,) = await bot.say(sec, bad)
        assert reply.text == "Send your real name as it stands on the roster, at most 50 characters, for example 张三."
        assert await stored(bot) == ([], [])

    await answer(bot, sec, "  张三  ")
    assert (await stored(bot))[1] == [("张三", "Li Secretary", sec.id, ["secretary"])]


async def test_someone_else_following_the_link_sets_nothing_up(bot):
    sec = founder(bot)
    await bot.group(sec, "/setup 第一党支部")
    other = bot.user(2, "Other", lang="en")

    reply = (await bot.say(other, "/start setup"))[-1].text
    await bot.say(other, "王五")

    assert "No branch is waiting to be set up by you" in reply
    assert await stored(bot) == ([], [])


async def test_answer_after_the_group_was_set_up_meanwhile_changes_nothing(bot):
    sec = founder(bot)
    await bot.say(sec, "/start")
    await bot.group(sec, "/setup 第一党支部")
    deputy = bot.user(2, "Deputy", lang="en")
    bot.transport.admins.add((GROUP.id, deputy.id))
    await bot.group(deputy, "/setup 第一党支部 | 王五")

    reply = (await answer(bot, sec, "张三"))[-1].text

    assert "meanwhile been set up as the branch “第一党支部”" in reply
    branches, members = await stored(bot)
    assert len(branches) == 1 and [m[0] for m in members] == ["王五"]
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(MemberRole)) == 1


async def test_the_name_dialog_ends_with_a_preview_and_cancel_saves_nothing(bot):
    sec = founder(bot)
    await bot.say(sec, "/start")
    await bot.group(sec, "/setup 第一党支部")
    preview = (await bot.say(sec, "张三"))[-1]
    assert "“第一党支部”" in preview.text and "张三" in preview.text
    assert await stored(bot) == ([], [])  # nothing before the confirmation
    assert "Please use the buttons" in (await bot.say(sec, "李四"))[-1].text
    sent, _ = await bot.press(sec, preview, preview.button("Cancel"))
    assert "Nothing was saved" in sent[-1].text
    assert await stored(bot) == ([], [])
    _, toast = await bot.press(sec, preview, preview.button("Set up"))
    assert "no longer valid" in toast and await stored(bot) == ([], [])
