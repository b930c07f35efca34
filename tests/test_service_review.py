"""Reviewing volunteer-service reports: the card with photos by file id, approve / reject / ask for a
change, what each member is told, refusals, /reviews, reminders of reports left waiting."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from handlers.kit.api import Chat, ChatType, Event, Request
from storage.models import AuditEntry, OutboxMessage, ServiceReport, ServiceReview
from storage.rules.vocabulary import ServiceStatus
from tests.conftest import RACING
from tests.service_helpers import make_report, resubmit, submitted
from tests.test_activities import linked
from tests.test_flow import setup_branch


async def branch_with_officers(bot):
    """Secretary Li (1); 张三 (2) and 李四 (4, 党小组长) in 第一党小组; 王五 (3, 组织委员); 赵六 (5, 党小组长 of
    第二党小组); 孙七 (6), a member; 周八 (7) 宣传委员."""
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三", extra="第一党小组")
    wang = await linked(bot, sec, 3, "王五", extra="第二党小组")
    li = await linked(bot, sec, 4, "李四", extra="第一党小组")
    zhao = await linked(bot, sec, 5, "赵六", extra="第二党小组")
    sun = await linked(bot, sec, 6, "孙七", extra="第二党小组")
    zhou = await linked(bot, sec, 7, "周八", extra="第二党小组")
    await bot.say(sec, "/grant 王五 组织委员")
    await bot.say(sec, "/grant 李四 党小组长")
    await bot.say(sec, "/grant 赵六 党小组长")
    await bot.say(sec, "/grant 周八 宣传委员")
    return sec, zhang, wang, li, zhao, sun, zhou


def card_of(sent, chat_id):
    return next(s for s in sent if s.chat_id == chat_id and s.buttons and "Volunteer service report" in s.text)


async def status_of(bot, report_id):
    async with bot.db.session() as s:
        return (await s.get(ServiceReport, report_id)).status


async def reviews_of(bot, report_id):
    async with bot.db.session() as s:
        return list(await s.scalars(select(ServiceReview).where(ServiceReview.report_id == report_id)))


async def test_card_with_album_goes_to_the_reviewers_and_approval_is_told_once(bot):
    sec, zhang, wang, li, zhao, sun, zhou = await branch_with_officers(bot)
    rid = await make_report(bot, "张三", photos=3)
    sent = await submitted(bot, rid)
    # The secretary, the 组织委员 and 张三's own 党小组长; not the other group's leader, the 宣传委员, members.
    assert sorted({s.chat_id for s in sent}) == [1, 3, 4]
    for chat in (1, 3, 4):
        album, card = [s for s in sent if s.chat_id == chat]
        assert album.kind == "album" and album.files == [f"AgACAgUAAx{rid}p{i}" for i in range(3)]
        assert f"Volunteer service report #{rid} from 张三" in card.text
        assert "2026-11-26 · 3 hours · 关爱空巢老人" in card.text and "People served: 5" in card.text
        assert "Photos: 3, above." in card.text and "张三's approved hours in 2026-11: 0" in card.text
    # A redelivered event queues no second card.
    assert await submitted(bot, rid) == []

    card = card_of(sent, 1)
    replies, toast = await bot.press(sec, card, card.button("Approve"))
    assert toast == "Approved by Secretary Li."
    assert "Approved by Secretary Li." in card.text and card.buttons is None  # the card was redrawn
    told = [s for s in replies if s.chat_id == 2]
    assert len(told) == 1 and "Secretary Li approved your volunteer service of 2026-11-26 (3 hours, 关爱空巢老人)" in told[0].text
    assert "Your approved hours in 2026-11: 3" in told[0].text
    assert await status_of(bot, rid) == ServiceStatus.APPROVED

    # The same card tapped again, and another officer's card: no second decision.
    _, toast = await bot.press(sec, card, f"vap:{rid}")
    assert "already been decided: approved" in toast
    other = card_of(sent, 3)
    replies, toast = await bot.press(wang, other, other.button("Reject"))
    assert "already been decided: approved" in toast and not [s for s in replies if s.chat_id == 2]
    assert [r.decision for r in await reviews_of(bot, rid)] == [ServiceStatus.APPROVED]
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "service.approved")) == 1

    # One photo goes with sendPhoto by its file id; the next card shows this month's approved hours.
    rid2 = await make_report(bot, "张三", photos=1, minutes=90)
    sent = await submitted(bot, rid2)
    photo = next(s for s in sent if s.chat_id == 3 and s.kind == "photo")
    assert photo.data == f"AgACAgUAAx{rid2}p0".encode() and photo.filename is None  # re-sent, not uploaded
    assert "张三's approved hours in 2026-11: 3" in card_of(sent, 3).text and "1.5 hours" in card_of(sent, 3).text


async def test_reject_and_ask_for_change_take_a_reason_privately_and_tell_the_member(bot):
    sec, zhang, wang, li, zhao, sun, zhou = await branch_with_officers(bot)
    rid = await make_report(bot, "张三")
    card = card_of(await submitted(bot, rid), 3)
    replies, _ = await bot.press(wang, card, card.button("Reject"))
    assert f"Why is report #{rid} from 张三 rejected?" in replies[-1].text
    assert await status_of(bot, rid) == ServiceStatus.PENDING  # nothing decided yet
    too_long = await bot.say(wang, "x" * 501)
    assert "between 1 and 500 characters; yours has 501" in too_long[-1].text
    replies = await bot.say(wang, "不是志愿服务，是本职工作")
    assert any("Rejected by 王五: 不是志愿服务，是本职工作" in s.text for s in replies if s.chat_id == 3)
    told = next(s for s in replies if s.chat_id == 2)
    assert "王五 did not approve your volunteer service of 2026-11-26" in told.text
    assert "Reason: 不是志愿服务，是本职工作" in told.text
    assert "Rejected by 王五" in card.text
    async with bot.db.session() as s:
        report = await s.get(ServiceReport, rid)
        assert report.status == ServiceStatus.REJECTED and report.fingerprint is None
        assert report.review_note == "不是志愿服务，是本职工作" and report.reviewed_by is not None

    # Ask for a change, by 张三's 党小组长; /cancel first changes nothing.
    rid2 = await make_report(bot, "张三", minutes=120)
    card = card_of(await submitted(bot, rid2), 4)
    await bot.press(li, card, card.button("Ask for a change"))
    assert "Stopped" in (await bot.say(li, "/cancel"))[-1].text
    await bot.press(li, card, card.button("Ask for a change"))
    replies = await bot.say(li, "请补充服务对象人数")
    told = next(s for s in replies if s.chat_id == 2)
    assert "李四 asks you to change your volunteer service of 2026-11-26 (2 hours, 关爱空巢老人): 请补充服务对象人数" in told.text
    assert await status_of(bot, rid2) == ServiceStatus.CHANGES
    # A change-requested report cannot be approved until resubmitted.
    _, toast = await bot.press(sec, card_of(bot.transport.sent, 1), f"vap:{rid2}")
    assert "already been decided: a change was asked for" in toast

    # The member edits and resubmits: a fresh card, and this time it is approved.
    bot.clock.advance(minutes=5)
    sent = await resubmit(bot, rid2)
    fresh = card_of(sent, 1)
    assert "Status: waiting for review" in fresh.text
    _, toast = await bot.press(sec, fresh, fresh.button("Approve"))
    assert toast == "Approved by Secretary Li."
    assert [r.decision for r in await reviews_of(bot, rid2)] == [ServiceStatus.CHANGES, ServiceStatus.APPROVED]


async def test_those_who_may_not_review_are_refused_and_audited(bot):
    sec, zhang, wang, li, zhao, sun, zhou = await branch_with_officers(bot)
    rid = await make_report(bot, "张三")
    card = card_of(await submitted(bot, rid), 1)
    _, toast = await bot.press(sun, card, card.button("Approve"))  # a member
    assert "Only the" in toast
    _, toast = await bot.press(zhou, card, card.button("Approve"))  # 宣传委员: not in the table
    assert "Only the" in toast
    _, toast = await bot.press(zhao, card, card.button("Approve"))  # another group's leader
    assert "only the reports of your own group (第二党小组)" in toast
    _, toast = await bot.press(sec, card, "vap:99999")  # forged
    assert "no longer valid" in toast
    _, toast = await bot.press(sec, card, "vap:abc")
    assert "no longer valid" in toast
    # An officer of another branch.
    other_group = Chat(-100600, ChatType.SUPERGROUP, "第二党支部群")
    wu = bot.user(20, "Wu", lang="en")
    bot.transport.admins.add((other_group.id, wu.id))
    await bot.say(wu, "/start")
    await bot.say(wu, "/setup 第二党支部 | Secretary Wu", other_group)
    _, toast = await bot.press(wu, card, f"vap:{rid}")
    assert "no longer valid" in toast
    # Nobody reviews their own report.
    own = await make_report(bot, "Secretary Li")
    sent = await submitted(bot, own)
    assert 1 not in {s.chat_id for s in sent} and {3} <= {s.chat_id for s in sent}
    _, toast = await bot.press(sec, card, f"vap:{own}")
    assert "cannot review your own report" in toast
    assert await status_of(bot, rid) == ServiceStatus.PENDING and await status_of(bot, own) == ServiceStatus.PENDING
    async with bot.db.session() as s:
        refusals = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "refused")))
    reasons = [r.details.get("reason") for r in refusals]
    assert reasons.count("role") >= 2 and "scope" in reasons and "other_branch" in reasons
    assert await reviews_of(bot, rid) == []


async def test_reviews_lists_what_each_officer_may_review_and_opens_a_card(bot):
    sec, zhang, wang, li, zhao, sun, zhou = await branch_with_officers(bot)
    first = await make_report(bot, "张三", photos=2)
    await submitted(bot, first)
    second = await make_report(bot, "孙七", category="宣传政策法规", minutes=60)
    await submitted(bot, second)
    listing = (await bot.say(sec, "/reviews"))[-1]
    assert "2 volunteer-service reports wait for your review" in listing.text
    assert f"#{first} 张三 · 2026-11-26 · 3 hours · 关爱空巢老人" in listing.text and f"#{second} 孙七" in listing.text
    mine = (await bot.say(li, "/reviews"))[-1]  # 李四 leads 第一党小组: only 张三's
    assert f"#{first} 张三" in mine.text and "孙七" not in mine.text
    assert "Only the" in (await bot.say(sun, "/reviews"))[-1].text
    opened, toast = await bot.press(sec, listing, listing.button(f"Open #{first}"))
    assert toast == f"Here is report #{first}."
    assert [s.kind for s in opened] == ["album", "text"] and "Approve" in str(opened[-1].buttons)
    await bot.press(sec, opened[-1], opened[-1].button("Approve"))
    assert f"#{first} 张三" not in (await bot.say(sec, "/reviews"))[-1].text
    _, toast = await bot.press(sec, listing, listing.button(f"Open #{first}"))
    assert "already been decided" in toast
    await bot.press(sec, listing, listing.button(f"Open #{second}"))
    assert "No volunteer-service report is waiting" in (await bot.say(li, "/reviews"))[-1].text


async def test_reports_left_waiting_are_reminded_once_per_period(bot):
    sec, zhang, wang, li, zhao, sun, zhou = await branch_with_officers(bot)
    rid = await make_report(bot, "张三")
    await submitted(bot, rid)
    bot.clock.advance(days=2, hours=23)
    assert [s for s in await bot.tick() if "waited" in s.text] == []
    bot.clock.advance(hours=2)
    reminded = [s for s in await bot.tick() if "waited" in s.text]
    assert sorted(s.chat_id for s in reminded) == [1, 3, 4]
    assert f"report #{rid} from 张三 (2026-11-26, 3 hours, 关爱空巢老人) has waited 3 days" in reminded[0].text
    assert [s for s in await bot.tick() if "waited" in s.text] == []  # once per period
    bot.clock.advance(days=1)
    assert [s for s in await bot.tick() if "waited" in s.text] == []
    bot.clock.advance(days=2)
    again = [s for s in await bot.tick() if "waited" in s.text]
    assert sorted(s.chat_id for s in again) == [1, 3, 4] and "waited 6 days" in again[0].text
    opened, _ = await bot.press(wang, again[0] if again[0].chat_id == 3 else again[1], f"vop:{rid}")
    await bot.press(wang, opened[-1], opened[-1].button("Approve"))
    bot.clock.advance(days=3)
    assert [s for s in await bot.tick() if "waited" in s.text] == []
    # Switched off: never reminded.
    await bot.group(sec, "/set review_reminder 0")
    await submitted(bot, await make_report(bot, "孙七"))
    bot.clock.advance(days=10)
    assert [s for s in await bot.tick() if "waited" in s.text] == []


@pytest.mark.parametrize("db", RACING, indirect=True)
async def test_two_officers_deciding_at_once_make_one_decision(bot):
    sec, zhang, wang, li, zhao, sun, zhou = await branch_with_officers(bot)
    rid = await make_report(bot, "张三")
    sent = await submitted(bot, rid)
    taps = [Request(next(bot.update_ids), Event.CALLBACK, Chat(user.id, ChatType.PRIVATE), user, callback_id=f"t{i}",
                    callback_data=f"vap:{rid}", message_id=card_of(sent, user.id).message_id)
            for i, user in enumerate([sec, wang, li, sec, wang])]
    await asyncio.gather(*(bot.core.process(t) for t in taps))
    assert len(await reviews_of(bot, rid)) == 1
    toasts = [t[1] for t in bot.transport.toasts if t[0].startswith("t")]
    assert sum("Approved by" in t for t in toasts) == 1 and sum("already been decided" in t for t in toasts) == 4
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.purpose == "service-decided")) == 1


async def test_the_member_is_told_in_their_own_language(bot):
    sec, zhang, wang, li, zhao, sun, zhou = await branch_with_officers(bot)
    await bot.say(zhang, "/lang zh")
    rid = await make_report(bot, "张三")
    card = card_of(await submitted(bot, rid), 1)  # the secretary reads English
    replies, _ = await bot.press(sec, card, card.button("Approve"))
    told = next(s for s in replies if s.chat_id == 2)
    assert "Secretary Li已审核通过您 2026-11-26 的志愿服务（3 小时，关爱空巢老人）" in told.text
    assert "您在 2026-11 已通过的时长：3 小时" in told.text
    mine = (await bot.say(zhang, "/hours"))[-1].text
    assert "本月（2026-11）：3 小时" in mine and "关爱空巢老人 — 已通过" in mine


async def test_a_group_leader_without_a_group_reviews_nobody(bot):
    sec = await setup_branch(bot)
    wu = await linked(bot, sec, 8, "吴九")  # no party group
    await linked(bot, sec, 9, "郑十")  # no party group either
    await bot.say(sec, "/grant 吴九 党小组长")
    rid = await make_report(bot, "郑十")
    sent = await submitted(bot, rid)
    assert {s.chat_id for s in sent} == {1}
    _, toast = await bot.press(wu, card_of(sent, 1), f"vap:{rid}")
    assert "only the reports of your own group (-)" in toast
    assert "No volunteer-service report is waiting" in (await bot.say(wu, "/reviews"))[-1].text
    assert await status_of(bot, rid) == ServiceStatus.PENDING
