"""Committees (党委/党总支): set-up, join codes, links approved or refused, unlinking, refusals, notices."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.transport import Rejected
from handlers.kit.api import Chat, ChatType
from storage.models import AuditEntry, Broadcast, CommitteeLink, Delivery
from tests.memory import GROUP
from tests.test_activities import announce, linked
from tests.test_flow import setup_branch

SECOND = Chat(-100600, ChatType.SUPERGROUP, "第二党支部群")
THIRD = Chat(-100700, ChatType.SUPERGROUP, "第三党支部群")


async def branch_in(bot, uid, chat, name):
    """A branch set up in ``chat`` by its secretary ``uid`` (English)."""
    sec = bot.user(uid, f"Sec{uid}", lang="en")
    bot.transport.admins.add((chat.id, sec.id))
    await bot.say(sec, "/start")
    await bot.say(sec, f"/setup {name} | Secretary {uid}", chat)
    await bot.say(sec, "/set language en", chat)
    return sec


async def create_committee(bot, uid=500, name="街道党工委"):
    chair = bot.user(uid, f"Chair{uid}", lang="en")
    reply = (await bot.say(chair, f"/committee {name}"))[-1].text
    assert f"Committee “{name}” is set up" in reply
    code = re.search(r"/link ([A-Z0-9-]+)", reply)[1]
    return chair, code


async def link_and_decide(bot, sec, chair, code, approve=True):
    sent = await bot.say(sec, f"/link {code}")
    asked = [s for s in sent if s.chat_id == chair.id and "asks to be linked" in s.text]
    assert len(asked) == 1 and any("Asked" in s.text for s in sent if s.chat_id == sec.id)
    approve_data = asked[0].button("Approve")  # the buttons go once decided
    decided, toast = await bot.press(chair, asked[0], asked[0].button("Approve" if approve else "Refuse"))
    return asked[0], decided, toast, approve_data


async def audit_actions(bot):
    async with bot.db.session() as s:
        return [(e.action, e.details.get("reason")) for e in await s.scalars(select(AuditEntry).order_by(AuditEntry.id))]


async def links(bot):
    async with bot.db.session() as s:
        return [(lk.committee_id, lk.branch_id, lk.status) for lk in await s.scalars(select(CommitteeLink).order_by(CommitteeLink.id))]


async def test_create_link_approve_refuse_unlink_and_audit(bot):
    sec = await setup_branch(bot)
    sec2 = await branch_in(bot, 11, SECOND, "第二党支部")
    chair, code = await create_committee(bot)
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", code)

    request, decided, toast, approve_data = await link_and_decide(bot, sec, chair, code)
    assert "is now linked" in toast and "“第一党支部” is now linked to “街道党工委”." in request.text  # edited
    assert any(s.chat_id == sec.id and "approved" in s.text for s in decided)
    _, toast = await bot.press(chair, request, approve_data)  # a second tap changes nothing
    assert "already decided (approved)" in toast
    # Lower case and spaces in the code are fine; the second branch is refused.
    _, decided, toast, _ = await link_and_decide(bot, sec2, chair, code.lower().replace("-", " "), approve=False)
    assert "refused" in toast and any(s.chat_id == sec2.id and "refused to link" in s.text for s in decided)
    assert await links(bot) == [(1, 1, "approved"), (1, 2, "refused")]

    overview = (await bot.say(chair, "/committee"))[0].text
    assert "Linked branches: 1." in overview and "Officers: Chair500" in overview
    rollup = (await bot.say(chair, "/rollup 2026-11"))[-1].text
    assert "#1 第一党支部:" in rollup and "第二党支部" not in rollup

    # The branch unlinks itself; the committee hears of it.
    sent = await bot.say(sec, "/unlink")
    assert any(s.chat_id == sec.id and "no longer linked" in s.text for s in sent)
    assert any(s.chat_id == chair.id and "unlinked itself" in s.text for s in sent)
    assert "0 branches" in (await bot.say(chair, "/rollup 2026-11"))[-1].text
    # Linked again, then the committee's secretary takes it out.
    await link_and_decide(bot, sec, chair, code)
    sent = await bot.say(chair, "/committee_unlink 1")
    assert any(s.chat_id == sec.id and "took the branch “第一党支部” out" in s.text for s in sent)
    assert "No branch number 1 is linked" in (await bot.say(chair, "/committee_unlink 1"))[-1].text
    assert [a for a, _ in await audit_actions(bot) if a.startswith("committee.")] == [
        "committee.create", "committee.link_request", "committee.link_approve", "committee.link_request",
        "committee.link_refuse", "committee.rollup", "committee.unlink", "committee.rollup",
        "committee.link_request", "committee.link_approve", "committee.unlink"]


async def test_officers_are_invited_by_the_secretary_and_codes_can_be_renewed_and_revoked(bot):
    sec = await setup_branch(bot)
    chair, code = await create_committee(bot)
    overview = (await bot.say(chair, "/committee"))[0]
    sent, _ = await bot.press(chair, overview, overview.button("Invite an officer"))
    link = re.search(r"start=(cof-\S+)", sent[-1].text)[1]
    deputy = bot.user(501, "Deputy", lang="en")
    assert "now an officer of “街道党工委”" in (await bot.say(deputy, f"/start {link}"))[-1].text
    other = bot.user(502, "Other", lang="en")
    assert "not valid any more" in (await bot.say(other, f"/start {link}"))[-1].text  # used once
    # The deputy decides links, but cannot change the code or invite.
    _, toast = await bot.press(deputy, overview, overview.button("New join code"))
    assert "Only the committee's secretary" in toast
    # A new code: the old one stops working.
    sent, toast = await bot.press(chair, overview, overview.button("New join code"))
    assert "the old one no longer works" in toast
    new_code = re.search(r"/link ([A-Z0-9-]+)", sent[-1].text)[1]
    assert "No committee has this join code" in (await bot.say(sec, f"/link {code}"))[-1].text
    await bot.press(chair, overview, overview.button("Revoke the code"))
    assert "No committee has this join code" in (await bot.say(sec, f"/link {new_code}"))[-1].text
    assert "Join code: none (revoked)" in (await bot.say(chair, "/committee"))[0].text
    assert await links(bot) == []
    assert ("refused", "bad_join_code") in await audit_actions(bot)

    # An officer of two committees acts for the one chosen last; the newest one to begin with.
    await bot.say(deputy, "/committee 第二党委")
    overview = (await bot.say(deputy, "/committee"))[0]
    assert overview.text.startswith("Committee “第二党委”") and "you are its secretary" in overview.text
    _, toast = await bot.press(deputy, overview, overview.button("Act for “街道党工委”"))
    assert "You now act for “街道党工委”" in toast
    overview = (await bot.say(deputy, "/committee"))[0]
    assert overview.text.startswith("Committee “街道党工委”") and "you are its officer" in overview.text
    assert "New join code" not in str(overview.buttons)
    assert "already have a committee called “第二党委”" in (await bot.say(deputy, "/committee 第二党委"))[-1].text


async def test_chinese_rollup_reads_in_chinese(bot):
    chair = bot.user(500, "主任", lang="zh-hans")
    await bot.say(chair, "/committee 街道党工委")
    text = (await bot.say(chair, "/rollup 2026年10月"))[-1].text
    assert text.startswith("“街道党工委” 2026-10 汇总") and "0 个支部" in text


async def test_refusals_branch_secretaries_forged_buttons_and_a_second_committee(bot):
    sec = await setup_branch(bot)
    member = await linked(bot, sec, 2, "张三")
    sec2 = await branch_in(bot, 11, SECOND, "第二党支部")
    chair, code = await create_committee(bot)
    rival, rival_code = await create_committee(bot, 600, "另一个党委")

    # A branch secretary is no committee officer: no roll-up, no notice, no unlinking others.
    for command in ("/rollup", "/committee_notice", "/committee_unlink 1"):
        assert "Only officers of a committee" in (await bot.say(sec, command))[-1].text, command
    # Only the branch secretary links; a member may not.
    assert (await bot.say(member, f"/link {code}"))[-1].text.startswith("Only the")

    sent = await bot.say(sec, f"/link {code}")
    request = next(s for s in sent if s.chat_id == chair.id)
    data = request.button("Approve")
    # Forged or foreign presses: a stranger, the officer of another committee, a made-up link, bad data.
    for presser in (member, rival, sec):
        _, toast = await bot.press(presser, request, data)
        assert "not an officer of this committee" in toast
    _, toast = await bot.press(chair, request, "cml:999:1")
    assert "no longer valid" in toast
    for forged in ("cml:1:2", "cml:01:1", "cml:1", "cmc:1:del", "cmr:0:1:2026", "cmr:1:1:", "cmr:1:1:2026-13x"):
        _, toast = await bot.press(chair, request, forged)
        assert "no longer valid" in toast or "cannot read" in toast, forged
    _, toast = await bot.press(rival, request, "cmc:1:inv")  # the rival's button for our committee
    assert "not an officer of this committee" in toast
    assert await links(bot) == [(1, 1, "pending")]

    # A pending or approved link blocks a second committee's code.
    reply = (await bot.say(sec, f"/link {rival_code}"))[-1].text
    assert "already linked to (or waiting for) “街道党工委”" in reply
    await bot.press(chair, request, data)
    reply = (await bot.say(sec, f"/link {rival_code}"))[-1].text
    assert "already linked to (or waiting for) “街道党工委”. Send /unlink first" in reply
    assert await links(bot) == [(1, 1, "approved")]
    # The rival sees nothing of the branch; the second branch's secretary sees nothing of the first.
    assert "0 branches" in (await bot.say(rival, "/rollup 2026-11"))[-1].text
    assert "Only officers of a committee" in (await bot.say(sec2, "/rollup 2026-11"))[-1].text
    refusals = [r for a, r in await audit_actions(bot) if a == "refused"]
    assert refusals.count("not_committee_officer") >= 8 and "linked_elsewhere" in refusals and "role" in refusals


async def test_committee_officers_see_aggregates_never_names_or_reasons(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await linked(bot, sec, 3, "王五")
    chair, code = await create_committee(bot)
    await link_and_decide(bot, sec, chair, code)
    post = await announce(bot, sec)  # a 支部党员大会 today, 09:00-11:00 Beijing
    await bot.press(zhang, post, post.button("Ask for leave"))
    request = next(s for s in await bot.say(zhang, "Hospital visit for my mother") if s.chat_id == sec.id)
    await bot.press(sec, request, request.button("Approve"))
    bot.clock.advance(minutes=45)
    await bot.press(sec, post, post.button("Check in"))
    bot.clock.advance(hours=3)

    rollup = (await bot.say(chair, "/rollup 2026-11"))[-1].text
    assert "members 3 (full 3, probationary 0), activists 0" in rollup
    assert "activities 1: general meetings 1" in rollup
    assert "attendance 33.3% (1/3)" in rollup  # the secretary present, 张三 on leave, 王五 absent
    assert "⚠️ #1" in rollup  # short: attendance under 80%, and meetings missing in November
    for private in ("张三", "王五", "Hospital", "Secretary Li"):
        assert private not in rollup
    # Personal records stay with the branch: the committee's officer is on no roster.
    assert "not on any branch roster" in (await bot.say(chair, "/record 1"))[-1].text
    # The branch's own secretary, also made an officer of the committee, sees the reasons of their branch.
    overview = (await bot.say(chair, "/committee"))[0]
    invite = re.search(r"start=(cof-\S+)", (await bot.press(chair, overview, overview.button("Invite an officer")))[0][-1].text)[1]
    await bot.say(sec, f"/start {invite}")
    assert "Hospital visit for my mother" in (await bot.say(sec, "/record 1"))[-1].text
    assert "Hospital" not in (await bot.say(sec, "/rollup 2026-11"))[-1].text


async def test_rollup_periods_pages_and_bad_input(bot):
    chair, code = await create_committee(bot)
    assert "cannot read “2026-13” as a period" in (await bot.say(chair, "/rollup 2026-13"))[-1].text
    assert "2027 has not begun yet" in (await bot.say(chair, "/rollup 2027"))[-1].text
    assert "for 2026-10," in (await bot.say(chair, "/rollup"))[-1].text  # last month by default
    # Many branches with long names: pages that each fit one message.
    from storage.committee import committees as store
    from storage.models import Branch
    async with bot.db.session() as s:
        committee = await store.get(s, 1)
        for i in range(120):
            branch = Branch(chat_id=-200000 - i, name=f"{i:03d} " + "很长的支部名称" * 12, timezone="Asia/Shanghai",
                            locale="en", settings={}, created_at=bot.clock.now)
            s.add(branch)
            await s.flush()
            await store.request_link(s, committee.id, branch.id, 1, bot.clock.now)
            row = await store.open_link(s, branch.id)
            await store.decide(s, row, True, chair.id, bot.clock.now)
    first = (await bot.say(chair, "/rollup 2026Q4"))[-1]
    assert len(first.text) <= 4096 and "120 branches" in first.text and "Page 1 of" in first.text
    pages = int(re.search(r"Page 1 of (\d+)", first.text)[1])
    assert pages > 1
    seen, message = set(), first
    for page in range(pages):
        seen |= set(re.findall(r"#(\d+) ", message.text))
        assert len(message.text) <= 4096
        if page + 1 < pages:
            await bot.press(chair, message, message.button("Next"))  # the message is edited in place
    assert len(seen) == 120
    await bot.press(chair, message, message.button("Only those falling short"))
    assert "falling short" in message.text


async def test_notice_to_secretaries_and_to_groups_with_the_delivery_report(bot):
    sec = await setup_branch(bot)
    sec2 = await branch_in(bot, 11, SECOND, "第二党支部")
    sec3 = await branch_in(bot, 12, THIRD, "第三党支部")
    outsider = await branch_in(bot, 13, Chat(-100800, ChatType.SUPERGROUP, "外"), "不相关支部")
    chair, code = await create_committee(bot)
    for s in (sec, sec2, sec3):
        await link_and_decide(bot, s, chair, code)
    bot.transport.started.discard(sec3.id)  # blocked the bot since

    await bot.say(chair, "/committee_notice")
    who = (await bot.say(chair, "Year-end assessment materials are due on 15 December."))[-1]
    preview = (await bot.press(chair, who, who.button("Every branch secretary")))[0][-1]
    assert "It goes privately to the secretaries of 3 branches." in preview.text
    sent, _ = await bot.press(chair, preview, preview.button("Send"))
    copies = [s for s in sent if "Year-end assessment" in s.text]
    assert sorted(c.chat_id for c in copies) == [sec.id, sec2.id]  # 13, not linked, gets nothing
    assert "— Chair500, 街道党工委" in copies[0].text
    assert any(s.chat_id == chair.id and "is on its way" in s.text for s in sent)
    report = [s for s in await bot.upkeep() if s.chat_id == chair.id]
    assert len(report) == 1 and "is delivered." in report[0].text
    assert "Delivered privately: 2." in report[0].text
    assert "Blocked the bot or cannot be reached: Secretary 12 (第三党支部)" in report[0].text
    assert not [s for s in await bot.upkeep() if s.chat_id == chair.id]  # once

    bot.transport.failures[SECOND.id] = [Rejected("Bad Request: chat not found")]
    await bot.say(chair, "/committee_notice")
    who = (await bot.say(chair, "Theme day on Friday: 垃圾分类."))[-1]
    preview = (await bot.press(chair, who, who.button("Every branch group")))[0][-1]
    assert "It goes to the groups of 3 branches, one post each." in preview.text
    sent, _ = await bot.press(chair, preview, preview.button("Send"))
    posts = [s for s in sent if "垃圾分类" in s.text]
    assert sorted(p.chat_id for p in posts) == sorted([GROUP.id, THIRD.id])
    report = [s for s in await bot.upkeep() if s.chat_id == chair.id]
    assert "Posted in 2 of 3 branch groups." in report[0].text
    assert "Not posted: 第二党支部 (Bad Request: chat not found)" in report[0].text
    assert outsider.id not in [s.chat_id for s in sent]
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Broadcast).where(Broadcast.committee_id == 1)) == 2
        assert await s.scalar(select(func.count()).select_from(Delivery)) == 3  # one per secretary
    assert [a for a, _ in await audit_actions(bot) if a == "committee.notice"] == ["committee.notice"] * 2
    # A branch officer cannot open a committee notice's ledger.
    assert "no notice number 1" in (await bot.say(sec, "/acks 1"))[-1].text
