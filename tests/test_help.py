"""/help: complete, for who asks and where, with example dates that are never in the past."""

from __future__ import annotations

import re
from datetime import date

from handlers.app import build_router
from handlers.kit.access import ALLOWED
from storage.rules.vocabulary import Role
from tests.memory import GROUP
from tests.test_activities import linked
from tests.test_flow import setup_branch

HIDDEN = {"start"}  # what a deep link or opening the chat sends, not something to type


def listed(text: str) -> set[str]:
    return set(re.findall(r"^/(\w+) —", text, re.M))


async def test_every_registered_command_is_in_the_help_of_someone_who_may_use_it(bot):
    sec = await setup_branch(bot)
    member = await linked(bot, sec, 2, "张三")
    leader = await linked(bot, sec, 3, "李四", extra="第一党小组")
    await bot.say(sec, "/grant 李四 党小组长")
    stranger = bot.user(9, "Stranger", lang="en")
    secretary_help = (await bot.say(sec, "/help"))[-1].text
    member_help = (await bot.say(member, "/help"))[-1].text
    leader_help = (await bot.say(leader, "/help"))[-1].text
    stranger_help = (await bot.say(stranger, "/help"))[-1].text
    assert "For officers" not in member_help and "For officers" in secretary_help
    for name, route in build_router().commands.items():
        if name in HIDDEN:
            continue
        if route.can is None:
            assert name in listed(member_help) or name in listed(stranger_help), name
        else:
            assert name in listed(secretary_help), name  # the secretary may do everything
            assert (name in listed(leader_help)) == (Role.GROUP_LEADER in ALLOWED[route.can]), name
    assert "/setup —" in stranger_help and "/setup —" not in member_help
    assert "/grant —" not in leader_help and "/new —" in leader_help


async def test_in_the_group_help_is_the_member_view_and_points_officers_to_the_private_chat(bot):
    sec = await setup_branch(bot)
    member = await linked(bot, sec, 2, "张三")
    in_group = (await bot.group(sec, "/help"))[-1]
    assert in_group.chat_id == GROUP.id
    assert "/checkin —" in in_group.text and "/new —" not in in_group.text and "/grant —" not in in_group.text
    assert "send /help to me in a private chat" in in_group.text
    member_in_group = (await bot.group(member, "/help"))[-1].text
    assert "/checkin —" in member_in_group and "private chat" not in member_in_group


async def test_example_dates_are_relative_to_today(bot):
    sec = await setup_branch(bot)
    for now in ("2026-11-27", "2031-03-05"):
        bot.clock.now = bot.clock.now.replace(year=int(now[:4]), month=int(now[5:7]), day=int(now[8:]))
        text = (await bot.say(sec, "/help"))[-1].text
        dates = [date.fromisoformat(d) for d in re.findall(r"\d{4}-\d{2}-\d{2}", text)]
        assert dates and all(d > bot.clock.now.date() for d in dates), text
        assert "/new 主题党日 | " + ("December" if now.startswith("2026") else "March") + " Theme Party Day |" in text


def test_no_message_carries_a_fixed_date():
    """A fixed example date falls in the past sooner or later; examples come from the clock."""
    from babel.messages.pofile import read_po

    with open("bot/locales/zh_CN/LC_MESSAGES/branchbot.po", "rb") as f:
        catalog = read_po(f)
    past_by_nature = ("join date",)  # 入党时间 is always in the past: its example may be fixed
    fixed = [m.id for m in catalog if m.id and re.search(r"\b20\d\d-\d\d", str(m.id))
             and not any(word in str(m.id) for word in past_by_nature)]
    assert fixed == []
