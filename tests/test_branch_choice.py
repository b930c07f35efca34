"""Someone on two rosters chooses, in a private chat, which branch they act for."""

from __future__ import annotations

from sqlalchemy import select

from handlers.kit.api import Chat, ChatType
from storage.models import AuditEntry, Branch, UserPref
from tests.test_flow import setup_branch

SECOND = Chat(-100600, ChatType.SUPERGROUP, "第二党支部群")
THIRD = Chat(-100700, ChatType.SUPERGROUP, "第三党支部群")


async def other_branch(bot, chat: Chat, uid: int, name: str, founder: str):
    sec = bot.user(uid, "Sec", str(uid), "en")
    bot.transport.admins.add((chat.id, sec.id))
    await bot.say(sec, "/start")
    await bot.say(sec, f"/setup {name} | {founder}", chat)
    await bot.say(sec, "/set language en", chat)
    return sec


async def link(bot, sec, user, name: str) -> None:
    token = (await bot.say(sec, f"/add {name} 正式"))[-1].text.split("start=")[1].split()[0]
    await bot.say(user, f"/start {token}")


async def branch_id(bot, name: str) -> int:
    async with bot.db.session() as s:
        return await s.scalar(select(Branch.id).where(Branch.name == name))


async def chosen(bot, user) -> int | None:
    async with bot.db.session() as s:
        pref = await s.get(UserPref, user.id)
        return pref.current_branch_id if pref else None


async def two_rosters(bot):
    """张三 is an ordinary member of 第一党支部 and the 组织委员 of 第二党支部."""
    first_sec = await setup_branch(bot)
    second_sec = await other_branch(bot, SECOND, 20, "第二党支部", "王书记")
    zhang = bot.user(2, "San", "Zhang", "en")
    await link(bot, first_sec, zhang, "张三")
    await link(bot, second_sec, zhang, "张三")
    await bot.say(second_sec, "/grant 张三 组织委员")
    await bot.say(second_sec, "/add 赵六 预备")
    return first_sec, second_sec, zhang


async def test_branch_switches_and_later_private_commands_follow_it(bot):
    _, _, zhang = await two_rosters(bot)
    second = await branch_id(bot, "第二党支部")

    listing = (await bot.say(zhang, "/branch"))[-1]
    assert "rosters of 2 branches" in listing.text and "you act for “第一党支部”" in listing.text
    assert [[b.text for b in row] for row in listing.buttons] == [["✓ 第一党支部"], ["第二党支部"]]

    _, toast = await bot.press(zhang, listing, listing.button("第二党支部"))

    assert toast == "You now act for “第二党支部” in this chat. /branch switches again."
    assert listing.text == toast and listing.buttons[1][0].text == "✓ 第二党支部"
    assert await chosen(bot, zhang) == second
    profile = (await bot.say(zhang, "/me"))[-1].text
    assert profile.startswith("张三, 第二党支部") and "Roles: organisation committee member" in profile
    # An officer command acts on the chosen branch: 张三 is an officer there, not in 第一党支部.
    roster = (await bot.say(zhang, "/roster"))[-1].text
    assert roster.startswith("Roster of “第二党支部” (3 people)") and "赵六" in roster
    assert "Secretary Li" not in roster
    async with bot.db.session() as s:
        assert "branch.choose" in set(await s.scalars(select(AuditEntry.action)))

    # In a group, the group's branch applies whatever was chosen.
    in_first_group = (await bot.group(zhang, "/settings"))[-1].text
    assert in_first_group.startswith("Only the")
    in_second_group = (await bot.say(zhang, "/settings", SECOND))[-1].text
    assert in_second_group.startswith("Settings of “第二党支部”")

    # And back.
    again = (await bot.say(zhang, "/branch"))[-1]
    await bot.press(zhang, again, again.button("第一党支部"))
    assert (await bot.say(zhang, "/me"))[-1].text.startswith("张三, 第一党支部")
    assert (await bot.say(zhang, "/roster"))[-1].text.startswith("Only the")


async def test_a_forged_button_for_a_branch_one_is_not_on_is_refused(bot):
    _, _, zhang = await two_rosters(bot)
    await other_branch(bot, THIRD, 30, "第三党支部", "刘书记")
    third = await branch_id(bot, "第三党支部")
    listing = (await bot.say(zhang, "/branch"))[-1]
    before = await chosen(bot, zhang)

    for forged in (f"br:{third}", "br:999999", "br:abc", "br:", f"br:{third}:1"):
        _, toast = await bot.press(zhang, listing, forged)
        assert toast == "This button is no longer valid.", forged

    assert await chosen(bot, zhang) == before
    assert (await bot.say(zhang, "/me"))[-1].text.startswith("张三, 第一党支部")
    # Nor can someone else use 张三's button to pick 张三's branch for themselves.
    stranger = bot.user(9, "Stranger", lang="en")
    await bot.say(stranger, "/start")
    _, toast = await bot.press(stranger, listing, listing.button("第二党支部"))
    assert toast == "This button is no longer valid."
    assert await chosen(bot, stranger) is None


async def test_first_private_command_says_which_branch_once(bot):
    _, _, zhang = await two_rosters(bot)

    first = await bot.say(zhang, "/me")

    notice = "You are on the rosters of 2 branches; this is for “第一党支部”. Send /branch to choose another one."
    assert [s.text for s in first][0] == notice
    assert first[-1].text.startswith("张三, 第一党支部")
    assert await chosen(bot, zhang) == await branch_id(bot, "第一党支部")
    for command in ("/me", "/roster", "/me"):
        assert all(notice not in s.text for s in await bot.say(zhang, command)), command


async def test_one_roster_only(bot):
    sec = await setup_branch(bot)

    reply = (await bot.say(sec, "/branch"))[-1]
    me = await bot.say(sec, "/me")

    assert reply.text == "You are on the roster of “第一党支部” only; everything you do with me is for it."
    assert reply.buttons is None
    assert len(me) == 1  # no notice for someone on one roster
    visitor = bot.user(9, "Visitor", lang="en")
    assert "not on any branch roster" in (await bot.say(visitor, "/branch"))[-1].text
    assert "in a private chat" in (await bot.group(sec, "/branch"))[-1].text
