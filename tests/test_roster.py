"""Roster keeping: adding, /join approvals, invites, people leaving the group, roles."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from handlers.kit.api import Chat, ChatType, Event, Request
from storage.models import AuditEntry, JoinRequest, Member
from tests.conftest import RACING
from tests.memory import GROUP
from tests.test_flow import setup_branch


async def member(bot, name):
    async with bot.db.session() as s:
        return await s.scalar(select(Member).where(Member.name == name))


async def test_add_refuses_bad_input_and_duplicates(bot):
    sec = await setup_branch(bot)
    assert "Write: /add name status" in (await bot.say(sec, "/add 张三"))[-1].text
    assert "Write: /add name status" in (await bot.say(sec, "/add 张三 同志"))[-1].text
    reply = (await bot.say(sec, "/add 张三 预备 第一党小组 学生 13800138000"))[-1].text
    assert "Added 张三 (probationary member)" in reply and "start=inv-" in reply
    assert "already on the roster" in (await bot.say(sec, "/add 张三 正式"))[-1].text
    stored = await member(bot, "张三")
    assert (stored.status, stored.party_group, stored.phone) == ("probationary", "第一党小组", "13800138000")


async def test_members_cannot_do_officer_things_and_refusals_are_audited(bot):
    sec = await setup_branch(bot)
    link = (await bot.say(sec, "/add 张三 正式"))[-1].text.split("start=")[1].split()[0]
    zhang = bot.user(2, "San", "Zhang", "en")
    await bot.say(zhang, f"/start {link}")
    for command in ("/add 李四 正式", "/invites", "/new", "/grant 张三 组织委员", "/record", "/qr", "/roster"):
        reply = (await bot.say(zhang, command))[-1].text
        assert reply.startswith("Only the"), (command, reply)
    assert "Only the" in (await bot.upload(zhang, "r.csv", "姓名,政治面貌\n王五,正式\n".encode()))[-1].text
    assert await member(bot, "李四") is None and await member(bot, "王五") is None
    async with bot.db.session() as s:
        refused = await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "refused"))
    assert refused == 8


async def test_roles_are_granted_revoked_and_a_branch_keeps_a_secretary(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, "/add 张三 正式")
    assert "organisation committee member" in (await bot.say(sec, "/grant 张三 组织委员"))[-1].text
    assert "Write the name and the role" in (await bot.say(sec, "/grant 张三 司令"))[-1].text
    assert "nobody called “李四”" in (await bot.say(sec, "/grant 李四 组织委员"))[-1].text
    assert "no officer role" in (await bot.say(sec, "/revoke 张三 组织委员"))[-1].text
    assert "needs a secretary" in (await bot.say(sec, "/revoke Secretary Li 书记"))[-1].text


async def test_join_request_approved_in_private_and_person_told(bot):
    sec = await setup_branch(bot)
    newcomer = bot.user(5, "Xiaoming", "Chen", "en")
    replies = await bot.group(newcomer, "/join")
    assert any("is with the branch officers" in r.text for r in replies if r.chat_id == GROUP.id)
    ask = next(r for r in replies if r.chat_id == sec.id)
    # A second /join does not pester the officers again.
    again = await bot.group(newcomer, "/join")
    assert not [r for r in again if r.chat_id == sec.id]
    probationary = ask.button("probationary")  # an officer's second copy, still with buttons
    # The newcomer never opened a private chat: the answer goes to the group instead.
    sent, toast = await bot.press(sec, ask, ask.button("full member"))
    assert "Approved by Secretary Li" in toast
    assert any("was approved" in r.text and r.chat_id == GROUP.id for r in sent)
    stored = await member(bot, "Xiaoming Chen")
    assert stored.telegram_user_id == 5 and stored.status == "full"
    # The same button again, or a forged one, changes nothing.
    _, toast = await bot.press(sec, ask, probationary)
    assert "already been decided" in toast
    _, toast = await bot.press(sec, ask, "jn:999999:f")
    assert "no longer valid" in toast
    _, toast = await bot.press(sec, ask, "jn:abc")
    assert "no longer valid" in toast
    assert (await member(bot, "Xiaoming Chen")).status == "full"


async def test_join_binds_an_unlinked_roster_entry_with_the_same_name(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, "/add 陈小明 预备")
    newcomer = bot.user(5, "陈小明", None, "en")
    bot.transport.started.add(5)
    replies = await bot.group(newcomer, "/join")
    ask = next(r for r in replies if r.chat_id == sec.id)
    sent, _ = await bot.press(sec, ask, ask.button("on the roster"))
    assert any(r.chat_id == 5 and "Welcome, 陈小明" in r.text for r in sent)
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Member).where(Member.name == "陈小明")) == 1
        assert (await s.scalar(select(JoinRequest))).status == "approved"
    assert (await member(bot, "陈小明")).telegram_user_id == 5


async def test_a_decided_join_request_keeps_who_it_was_approved_as(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, "/add 陈小明 预备")
    for uid, name in ((5, "陈小明"), (6, "Stranger")):
        bot.transport.started.add(uid)
        ask = next(r for r in await bot.group(bot.user(uid, name, None, "en"), "/join") if r.chat_id == sec.id)
        await bot.press(sec, ask, ask.button("on the roster") if uid == 5 else ask.button("Reject"))
    async with bot.db.session() as s:
        decided = {r.telegram_user_id: (r.status, r.member_id) for r in await s.scalars(select(JoinRequest))}
    assert decided == {5: ("approved", (await member(bot, "陈小明")).id), 6: ("rejected", None)}


async def test_leaving_the_group_is_noticed_and_officers_told_privately(bot):
    sec = await setup_branch(bot)
    link = (await bot.say(sec, "/add 张三 正式"))[-1].text.split("start=")[1].split()[0]
    zhang = bot.user(2, "San", "Zhang", "en")
    await bot.say(zhang, f"/start {link}")
    request = Request(next(bot.update_ids), Event.MEMBER_LEFT, GROUP, zhang, member=zhang)
    sent = await bot.send(request)
    assert [r.chat_id for r in sent] == [sec.id] and "left the group" in sent[0].text
    assert (await member(bot, "张三")).left_reason == "left"
    # The same news again (service message and chat_member update both arrive): told once.
    assert await bot.send(Request(next(bot.update_ids), Event.MEMBER_LEFT, GROUP, sec, member=zhang, kicked=True)) == []
    roster = (await bot.say(sec, "/roster"))[-1].text
    assert "张三 · full member · linked · left the group" in roster


async def test_invite_links_expire_and_cannot_be_forged(bot):
    sec = await setup_branch(bot)
    link = (await bot.say(sec, "/add 张三 正式"))[-1].text.split("start=")[1].split()[0]
    zhang = bot.user(2, "San", "Zhang", "en")
    assert "not valid" in (await bot.say(zhang, "/start inv-forged"))[-1].text
    bot.clock.advance(days=15)
    assert "expired" in (await bot.say(zhang, f"/start {link}"))[-1].text
    assert (await member(bot, "张三")).telegram_user_id is None
    # A new link replaces the old one.
    fresh = (await bot.say(sec, "/invite 张三"))[-1].text.split("start=")[1].split()[0]
    assert "Welcome, 张三" in (await bot.say(zhang, f"/start {fresh}"))[-1].text


async def test_an_invite_binds_one_account(bot):
    sec = await setup_branch(bot)
    link = (await bot.say(sec, "/add 张三 正式"))[-1].text.split("start=")[1].split()[0]
    a, b = bot.user(2, "A", lang="en"), bot.user(3, "B", lang="en")
    assert "Welcome, 张三" in (await bot.say(a, f"/start {link}"))[-1].text
    assert "already been used" in (await bot.say(b, f"/start {link}"))[-1].text
    assert (await member(bot, "张三")).telegram_user_id == 2


@pytest.mark.parametrize("db", RACING, indirect=True)
async def test_same_invite_opened_twice_at_once_binds_one_account(bot):
    sec = await setup_branch(bot)
    link = (await bot.say(sec, "/add 张三 正式"))[-1].text.split("start=")[1].split()[0]
    a, b = bot.user(2, "A", lang="en"), bot.user(3, "B", lang="en")
    bot.transport.started.update({2, 3})
    mk = lambda u: Request(next(bot.update_ids), Event.MESSAGE, Chat(u.id, ChatType.PRIVATE), u,
                           text=f"/start {link}", command="start", args=link)
    await asyncio.gather(bot.core.process(mk(a)), bot.core.process(mk(b)))
    texts = [s.text for s in bot.transport.sent if s.chat_id in (2, 3)]
    assert sum("Welcome" in t for t in texts) == 1 and sum("already been used" in t for t in texts) == 1
    assert (await member(bot, "张三")).telegram_user_id in (2, 3)


async def test_group_upgraded_to_supergroup_keeps_its_branch(bot):
    sec = await setup_branch(bot)
    new_group = Chat(-100999, ChatType.SUPERGROUP, "第一党支部群")
    await bot.send(Request(next(bot.update_ids), Event.GROUP_MIGRATED, GROUP, sec, new_chat_id=new_group.id))
    reply = (await bot.say(sec, "/settings", new_group))[-1]
    assert reply.chat_id == new_group.id and "第一党支部" in reply.text


async def test_officers_are_told_when_the_bot_is_removed_from_the_group(bot):
    sec = await setup_branch(bot)
    sent = await bot.send(Request(next(bot.update_ids), Event.BOT_REMOVED, GROUP, sec))
    assert [s.chat_id for s in sent] == [sec.id] and "removed from the group" in sent[0].text
