"""Reporting volunteer service: the dialog, the one-line form, photos and albums, teammates, edits, activities."""

from __future__ import annotations

import asyncio
import itertools

import pytest
from sqlalchemy import func, select

from handlers.kit.api import Event, FileRef, Request
from handlers.kit.context import Context
from handlers.kit.events import ServiceReported
from handlers.service import describe_report
from storage.models import (
    AuditEntry,
    Household,
    MediaGroupItem,
    ServiceCategory,
    ServicePhoto,
    ServiceReport,
    ServiceTeammate,
)
from storage.rules.vocabulary import HouseholdKind
from tests.conftest import RACING
from tests.memory import GROUP, Harness, Sent
from tests.test_activities import linked
from tests.test_flow import setup_branch

LINE = "/serve 2026-11-27 | 3h | 关爱空巢老人 | 幸福村 | 5人 | 打扫卫生、陪老人聊天"


async def rows(bot, model, *where):
    async with bot.db.session() as s:
        return list(await s.scalars(select(model).where(*where).order_by(model.id)))


async def count(bot, model):
    async with bot.db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


async def member_of(bot, sec):
    """The secretary reports too: they are a member like any other."""
    return sec


async def submit(bot, user):
    preview = bot.last(user.id)
    sent, toast = await bot.press(user, preview, preview.button("Submit"))
    return sent, toast


async def test_guided_dialog_end_to_end_with_photos_one_by_one(bot):
    sec = await setup_branch(bot)
    seen: list = []
    bot.core.env.events.subscribe(ServiceReported, lambda ctx, e: _record(seen, e))
    first = (await bot.say(sec, "/serve"))[-1]
    assert "On which day" in first.text
    assert "not come yet" in (await bot.say(sec, "2026-12-05"))[-1].text
    assert "How long" in (await bot.say(sec, "今天"))[-1].text
    for wrong, answer in (("0", "more than 0"), ("-2h", "more than 0"), ("2.2h", "half-hour steps"),
                          ("25h", "A day has 24 hours"), ("很久", "cannot read the hours")):
        assert answer in (await bot.say(sec, wrong))[-1].text
    category_question = (await bot.say(sec, "14:00-17:30"))[-1]
    assert "What kind of service" in category_question.text
    assert {b.text for row in category_question.buttons for b in row} == {
        "关爱空巢老人", "关爱留守儿童", "排解矛盾纠纷", "宣传政策法规", "推进移风易俗", "其他"}
    sent, _ = await bot.press(sec, category_question, category_question.button("关爱留守儿童"))
    assert "Where was it" in sent[-1].text
    assert "How many people" in (await bot.say(sec, "幸福村小学"))[-1].text
    assert "cannot read" in (await bot.say(sec, "很多"))[-1].text
    assert "What did you do" in (await bot.say(sec, "１２人"))[-1].text
    assert "at most 1000" in (await bot.say(sec, "字" * 10_000))[-1].text
    photos_question = (await bot.say(sec, "辅导作业"))[-1]
    assert "Send up to 10 photos" in photos_question.text
    assert "Photo 1 of at most 10" in (await bot.photo(sec, "a"))[-1].text
    assert "Photo 2 of at most 10" in (await bot.photo(sec, "b"))[-1].text
    assert "not a photo" in (await bot.upload(sec, "scan.pdf", b"%PDF"))[-1].text
    team = (await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Done")))[0][-1]
    assert "Did other members serve with you" in team.text
    preview = (await bot.press(sec, team, team.button("Just me")))[0][-1]
    assert "Your report, as it stands" in preview.text
    for line in ("Date: 2026-11-27", "Hours: 3.5 (14:00–17:30)", "Category: 关爱留守儿童", "Place: 幸福村小学",
                 "People served: 12", "What was done: 辅导作业", "Photos: 2"):
        assert line in preview.text
    sent, toast = await submit(bot, sec)
    assert toast == "Submitted."
    assert "Submitted as report #1" in sent[-1].text
    [report] = await rows(bot, ServiceReport)
    assert (report.minutes, report.people_served, report.status, report.place) == (210, 12, "pending", "幸福村小学")
    assert report.starts_at.hour == 6 and report.ends_at.hour == 9  # 14:00 and 17:30 Beijing, in UTC
    assert [p.file_unique_id for p in await rows(bot, ServicePhoto)] == ["uniq-a", "uniq-b"]
    assert await count(bot, MediaGroupItem) == 0
    assert [(e.report_id, e.resubmitted) for e in seen] == [(1, False)]


async def _record(seen, event):
    seen.append(event)


async def test_restart_in_the_middle_of_the_dialog_loses_nothing(db):
    first = Harness(db)
    sec = await setup_branch(first)
    await first.say(sec, "/serve")
    await first.say(sec, "2026-11-26")
    await first.say(sec, "3小时")
    await first.core.close()
    again = Harness(db)  # a new process: only the database is left
    again.update_ids = itertools.count(1000)
    asked = (await again.say(sec, "hello"))[-1]
    assert "not one of the branch's kinds of service" in asked.text  # still at the category step
    sent = await again.say(sec, "宣传政策法规")
    assert "Where was it" in sent[-1].text
    for answer in ("村委会", "30人", "宣讲惠民政策"):
        await again.say(sec, answer)
    await again.photo(sec, "x", album="G1")
    await again.core.close()
    third = Harness(db)
    third.update_ids = itertools.count(2000)
    third.transport.started.add(sec.id)
    earlier = Sent(sec.id, "", None, 1)
    sent, _ = await third.press(sec, earlier, "svp:done")
    assert "Did other members" in sent[-1].text
    sent, _ = await third.press(sec, earlier, "sva:alone")
    preview = sent[-1]
    assert "Date: 2026-11-26" in preview.text and "Hours: 3" in preview.text and "Photos: 1" in preview.text
    assert "Category: 宣传政策法规" in preview.text
    await third.core.close()


def _private(user):
    from handlers.kit.api import Chat, ChatType
    return Chat(user.id, ChatType.PRIVATE)


async def test_one_line_form_lands_in_the_preview_and_photos_can_be_added(bot):
    sec = await setup_branch(bot)
    preview = (await bot.say(sec, LINE))[-1]
    assert "Your report, as it stands" in preview.text and "Hours: 3" in preview.text and "Photos: 0" in preview.text
    asked, _ = await bot.press(sec, preview, preview.button("Add photos"))
    assert "Send up to 10 photos" in asked[-1].text
    await bot.photo(sec, "p1")
    preview = (await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Done")))[0][-1]
    assert "Photos: 1" in preview.text
    sent, _ = await submit(bot, sec)
    assert "Submitted as report #1" in sent[-1].text


@pytest.mark.parametrize("line, answer", [
    ("/serve 2026-11-27 | 3h | 关爱空巢老人", "in one line"),
    ("/serve 2026-12-25 | 3h | 关爱空巢老人 | 幸福村 | 5人 | 打扫", "has not come yet"),
    ("/serve 2026-09-01 | 3h | 关爱空巢老人 | 幸福村 | 5人 | 打扫", "up to 60 days back"),
    ("/serve 2026-13-01 | 3h | 关爱空巢老人 | 幸福村 | 5人 | 打扫", "cannot read the date"),
    ("/serve 2026-11-27 | 0h | 关爱空巢老人 | 幸福村 | 5人 | 打扫", "more than 0"),
    ("/serve 2026-11-27 | -1小时 | 关爱空巢老人 | 幸福村 | 5人 | 打扫", "more than 0"),
    ("/serve 2026-11-27 | 1.2h | 关爱空巢老人 | 幸福村 | 5人 | 打扫", "half-hour steps"),
    ("/serve 2026-11-27 | 30h | 关爱空巢老人 | 幸福村 | 5人 | 打扫", "A day has 24 hours"),
    ("/serve 2026-11-27 | 18:00-14:00 | 关爱空巢老人 | 幸福村 | 5人 | 打扫", "end must come after"),
    ("/serve 2026-11-27 | 3h | 养花 | 幸福村 | 5人 | 打扫", "not one of the branch's kinds"),
    ("/serve 2026-11-27 | 3h | 关爱空巢老人 | 幸福村 | 许多 | 打扫", "number of people"),
    ("/serve 2026-11-27 | 3h | 关爱空巢老人 | 幸福村 | 5人 | " + "字" * 3000, "at most 1000"),
    ("/serve 2026-11-27 | 3h | 关爱空巢老人 | " + "村" * 150 + " | 5人 | 打扫", "at most 100"),
    ("/serve 2026-11-27 | 3h | 关爱空巢老人 | 幸福村 | 5人 | 打扫 | 无名氏", "nobody called “无名氏”"),
])
async def test_one_line_refusals_say_what_to_fix_and_change_nothing(bot, line, answer):
    sec = await setup_branch(bot)
    reply = (await bot.say(sec, line))[-1].text
    assert answer in reply
    assert "/serve date | hours" in reply  # and how to write it
    assert await count(bot, ServiceReport) == 0
    assert "not waiting for an answer" in (await bot.say(sec, "hello"))[-1].text  # no dialog was opened


@pytest.mark.parametrize("typed, minutes", [("3小时", 180), ("3.5h", 210), ("半小时", 30), ("３．５小时", 210),
                                            ("两个半小时", 150), ("14：00～17：30", 210), ("90分钟", 90)])
async def test_hours_as_a_chinese_user_types_them(bot, typed, minutes):
    sec = await setup_branch(bot)
    await bot.say(sec, f"/serve 11月27日 | {typed} | 关爱空巢老人 | 幸福村 | ５人 | 打扫")
    await submit(bot, sec)
    [report] = await rows(bot, ServiceReport)
    assert report.minutes == minutes and report.people_served == 5


async def test_more_than_24_hours_a_day_counting_other_reports_is_refused(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, "/serve 2026-11-27 | 20h | 关爱空巢老人 | 幸福村 | 5人 | 上午")
    await submit(bot, sec)
    await bot.say(sec, "/serve 2026-11-27 | 4.5h | 关爱空巢老人 | 幸福村 | 5人 | 下午")
    sent, toast = await submit(bot, sec)
    assert toast == "Not submitted."
    assert "more than 24 hours of service on 2026-11-27 (20 h are reported already)" in sent[-1].text
    assert await count(bot, ServiceReport) == 1
    # Another day is fine; and once the first is withdrawn, its hours no longer count.
    first = (await rows(bot, ServiceReport))[0]
    replies = await bot.say(sec, "/myreports")
    await bot.press(sec, replies[-1], replies[-1].button("Withdraw"))
    await bot.say(sec, "/serve 2026-11-27 | 4.5h | 关爱空巢老人 | 幸福村 | 5人 | 下午")
    sent, toast = await submit(bot, sec)
    assert toast == "Submitted."
    async with bot.db.session() as s:
        assert (await s.get(ServiceReport, first.id)).status == "withdrawn"


async def test_a_second_submission_of_the_same_report_is_one_report(bot):
    sec = await setup_branch(bot)
    preview = (await bot.say(sec, LINE))[-1]
    await bot.press(sec, preview, preview.button("Submit"))
    _, toast = await bot.press(sec, preview, preview.button("Submit"))  # a double tap
    assert "no longer valid" in toast
    again = (await bot.say(sec, LINE))[-1]  # the same line sent again
    sent, toast = await bot.press(sec, again, again.button("Submit"))
    assert toast == "Already submitted."
    assert "already, as report #1" in sent[-1].text
    assert await count(bot, ServiceReport) == 1
    # A redelivered update (same update_id) is handled once.
    third = (await bot.say(sec, LINE.replace("5人", "6人")))[-1]
    press = Request(900, Event.CALLBACK, _private(sec), sec, callback_id="r1", callback_data=third.button("Submit"),
                    message_id=third.message_id)
    await bot.send(press)
    await bot.send(press)
    assert await count(bot, ServiceReport) == 2


@pytest.mark.parametrize("db", RACING, indirect=True)
async def test_concurrent_submits_store_one_report(bot):
    sec = await setup_branch(bot)
    preview = (await bot.say(sec, LINE))[-1]
    taps = [Request(next(bot.update_ids), Event.CALLBACK, _private(sec), sec, callback_id=f"t{i}",
                    callback_data=preview.button("Submit"), message_id=preview.message_id) for i in range(4)]
    await asyncio.gather(*(bot.core.process(t) for t in taps))
    assert await count(bot, ServiceReport) == 1


async def test_an_album_of_three_is_answered_once_and_attached_in_one_step(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, LINE)
    await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Add photos"))
    answers = []
    for name in ("a", "b", "c"):
        answers += await bot.photo(sec, name, album="ALBUM3")
    assert len(answers) == 1 and "Receiving your album" in answers[0].text
    await bot.photo(sec, "b", album="ALBUM3")  # redelivered photo: nothing new, nothing said
    assert await count(bot, MediaGroupItem) == 3
    preview = (await bot.press(sec, answers[0], answers[0].button("Done")))[0][-1]
    assert "Photos: 3" in preview.text
    await submit(bot, sec)
    assert [p.position for p in await rows(bot, ServicePhoto)] == [0, 1, 2]
    assert await count(bot, MediaGroupItem) == 0


async def test_an_eleventh_photo_is_refused(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, LINE)
    await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Add photos"))
    answers = []
    for i in range(11):  # an album of 11 (forged: Telegram sends at most 10)
        answers += await bot.photo(sec, f"p{i}", album="ALBUM11")
    assert len(answers) == 2
    assert "Receiving your album" in answers[0].text
    assert "at most 10 photos; this one was not added" in answers[1].text
    assert "at most 10 photos" in (await bot.photo(sec, "single"))[-1].text
    preview = (await bot.press(sec, answers[0], answers[0].button("Done")))[0][-1]
    assert "Photos: 10" in preview.text
    await submit(bot, sec)
    assert await count(bot, ServicePhoto) == 10


async def test_a_non_photo_file_or_sticker_during_the_photo_step_gets_a_sentence(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, LINE)
    await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Add photos"))
    assert "not a photo, so it was not added" in (await bot.upload(sec, "roster.csv", b"a,b\n"))[-1].text
    sticker = Request(next(bot.update_ids), Event.MESSAGE, _private(sec), sec)
    assert "Only photos" in (await bot.send(sticker))[-1].text
    assert await count(bot, MediaGroupItem) == 0


async def test_change_from_the_preview_returns_to_it(bot):
    sec = await setup_branch(bot)
    preview = (await bot.say(sec, LINE))[-1]
    menu = (await bot.press(sec, preview, preview.button("Change")))[0][-1]
    asked = (await bot.press(sec, menu, menu.button("Hours")))[0][-1]
    assert "How long" in asked.text
    preview = (await bot.say(sec, "2.5h"))[-1]
    assert "Your report, as it stands" in preview.text and "Hours: 2.5" in preview.text
    menu = (await bot.press(sec, preview, preview.button("Change")))[0][-1]
    categories = (await bot.press(sec, menu, menu.button("Category")))[0][-1]
    preview = (await bot.press(sec, categories, categories.button("其他")))[0][-1]
    assert "Category: 其他" in preview.text
    sent, _ = await bot.press(sec, preview, preview.button("Cancel"))
    assert "Nothing was saved" in sent[-1].text
    assert await count(bot, ServiceReport) == 0


async def test_team_report_confirm_and_decline(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    li = await linked(bot, sec, 3, "李四")
    await bot.say(sec, LINE + " | 张三、李四")
    await submit(bot, sec)
    assert "teammates are asked to confirm" in bot.last(sec.id).text
    ask_zhang = bot.last(zhang.id)
    assert "Secretary Li reported volunteer service with you" in ask_zhang.text and "幸福村" in ask_zhang.text
    decline = ask_zhang.button("Decline")
    _, toast = await bot.press(li, ask_zhang, ask_zhang.button("Confirm"))  # someone else's button
    assert "no longer valid" in toast
    _, toast = await bot.press(zhang, ask_zhang, ask_zhang.button("Confirm"))
    assert "Confirmed" in toast
    assert "张三 confirmed" in bot.last(sec.id).text
    _, toast = await bot.press(zhang, ask_zhang, decline)
    assert "answered this already" in toast
    ask_li = bot.last(li.id)
    _, toast = await bot.press(li, ask_li, ask_li.button("Decline"))
    assert "Declined" in toast
    assert "李四 declined" in bot.last(sec.id).text
    statuses = {t.member_id: t.status for t in await rows(bot, ServiceTeammate)}
    assert sorted(statuses.values()) == ["confirmed", "declined"]
    # The confirmed teammate's day now holds 3 hours: 22 more are refused for them.
    await bot.say(zhang, "/serve 2026-11-27 | 22h | 关爱空巢老人 | 幸福村 | 5人 | 另一件事")
    sent, toast = await submit(bot, zhang)
    assert "more than 24 hours" in sent[-1].text
    # Someone who never opened their invite link cannot be asked: the reporter is told.
    await bot.say(sec, "/add 王五 正式")
    await bot.say(sec, LINE.replace("5人", "7人") + " | 王五")
    await submit(bot, sec)
    assert "王五 cannot be asked yet" in bot.last(sec.id).text
    # 无 means nobody else.
    await bot.say(sec, "/serve")
    for answer in ("今天", "1h"):
        await bot.say(sec, answer)
    await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("其他"))
    for answer in ("村里", "1人", "帮忙"):
        await bot.say(sec, answer)
    await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Skip"))
    assert "Your report, as it stands" in (await bot.say(sec, "无"))[-1].text
    # Naming yourself is refused.
    assert "only the others" in (await bot.say(sec, LINE + " | Secretary Li"))[-1].text


async def test_edit_and_withdraw_until_reviewed(bot):
    sec = await setup_branch(bot)
    seen: list = []
    bot.core.env.events.subscribe(ServiceReported, lambda ctx, e: _record(seen, e))
    await bot.say(sec, LINE)
    sent, _ = await submit(bot, sec)
    confirmation = sent[-1]
    preview = (await bot.press(sec, confirmation, confirmation.button("Edit")))[0][-1]
    assert "Report #1, as it will be resubmitted" in preview.text
    menu = (await bot.press(sec, preview, preview.button("Change")))[0][-1]
    await bot.press(sec, menu, menu.button("Place"))
    preview = (await bot.say(sec, "光明村"))[-1]
    sent, _ = await bot.press(sec, preview, preview.button("Submit"))
    assert "Report #1 is changed and waits for review again" in sent[-1].text
    [report] = await rows(bot, ServiceReport)
    assert report.place == "光明村" and report.status == "pending"
    assert [(e.report_id, e.resubmitted) for e in seen] == [(1, False), (1, True)]
    # A reviewer asks for a change: still editable; once approved, no more.
    async with bot.db.session() as s:
        row = await s.get(ServiceReport, 1)
        row.status, row.review_note = "changes", "请补充照片"
    listed = await bot.say(sec, "/myreports")
    assert "change asked: 请补充照片" in listed[-1].text
    sent, _ = await bot.press(sec, listed[-1], listed[-1].button("Edit"))
    assert any("The reviewer asked: 请补充照片" in s.text for s in sent)
    async with bot.db.session() as s:
        (await s.get(ServiceReport, 1)).status = "approved"
    sent, _ = await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Submit"))
    assert "has been reviewed already" in sent[-1].text
    _, toast = await bot.press(sec, confirmation, confirmation.button("Withdraw"))
    assert "has been reviewed already" in toast
    assert (await rows(bot, ServiceReport))[0].status == "approved"
    assert "no reports waiting" in (await bot.say(sec, "/myreports"))[-1].text


def _cards(sent):
    return [s for s in sent if "Volunteer service report" in s.text]


async def test_a_reviewer_is_asked_and_the_reply_promises_their_decision(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await bot.say(zhang, LINE)
    sent, _ = await submit(bot, zhang)
    assert [s.text for s in sent if s.chat_id == zhang.id] == ["Submitted as report #1. The branch officers will review it; I will tell you their decision."]
    assert [s.chat_id for s in _cards(sent)] == [sec.id]


async def test_a_secretary_who_alone_reviews_is_told_to_give_someone_the_role(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, LINE)
    sent, toast = await submit(bot, sec)
    reply = sent[-1].text
    assert toast == "Submitted." and "will review it" not in reply
    assert reply.startswith("Submitted as report #1.\nIt is saved and waits: nobody else in the branch may review it yet.")
    assert "for example /grant 张三 组织委员." in reply
    assert _cards(sent) == []  # nobody is sent a card
    # Resubmitted after an edit: the same.
    preview = (await bot.press(sec, sent[-1], sent[-1].button("Edit")))[0][-1]
    menu = (await bot.press(sec, preview, preview.button("Change")))[0][-1]
    await bot.press(sec, menu, menu.button("Place"))
    preview = (await bot.say(sec, "光明村"))[-1]
    sent, _ = await bot.press(sec, preview, preview.button("Submit"))
    assert sent[-1].text.startswith("Report #1 is changed and waits for review again.\nIt is saved and waits: nobody else")
    assert _cards(sent) == []
    # In Chinese.
    await bot.say(sec, "/lang zh")
    preview = (await bot.say(sec, LINE.replace("2026-11-27", "2026-11-26")))[-1]
    sent, _ = await bot.press(sec, preview, preview.button("提交"))
    assert sent[-1].text.startswith("已提交，编号 #2。\n记录已保存，正在等待审核，但支部里暂时没有其他人能审核它。")
    assert "例如 /grant 张三 组织委员。" in sent[-1].text and _cards(sent) == []
    assert [r.status for r in await rows(bot, ServiceReport)] == ["pending", "pending"]
    # Once another officer has the role, both wait in their /reviews.
    wang = await linked(bot, sec, 3, "王五")
    await bot.say(sec, "/grant 王五 组织委员")
    listing = (await bot.say(wang, "/reviews"))[-1].text
    assert "2 volunteer-service reports wait for your review" in listing
    assert "#1 Secretary Li · 2026-11-27" in listing and "#2 Secretary Li · 2026-11-26" in listing


async def test_reviewers_who_cannot_be_messaged_yet_are_named_and_find_the_report_later(bot):
    sec = await setup_branch(bot)
    # The secretary hands over to two who cannot be messaged yet: Xiaoming Chen came in by /join in the
    # group and never opened a private chat; 王五 has not opened their invite link.
    newcomer = bot.user(5, "Xiaoming", "Chen", "en")
    ask = next(r for r in await bot.group(newcomer, "/join") if r.chat_id == sec.id)
    await bot.press(sec, ask, ask.button("full member"))
    link = (await bot.say(sec, "/add 王五 正式"))[-1].text.split("start=")[1].split()[0]
    await bot.say(sec, "/grant Xiaoming Chen 书记")
    await bot.say(sec, "/grant 王五 书记")
    await bot.say(sec, "/revoke Secretary Li 书记")
    await bot.say(sec, LINE)
    sent, _ = await submit(bot, sec)
    reply = sent[-1].text
    assert "will review it" not in reply and "nobody" not in reply
    assert reply.startswith("Submitted as report #1.\nIt is saved, but Xiaoming Chen、王五 cannot be asked to review it "
                            "yet: they have not opened their invite link or a private chat with the bot.")
    assert "they find it with /reviews" in reply
    assert _cards(sent) == []
    # 王五 opens the invite link; /reviews lists the report.
    wang = bot.user(3, "王五", lang="en")
    await bot.say(wang, f"/start {link}")
    listing = (await bot.say(wang, "/reviews"))[-1].text
    assert "1 volunteer-service reports wait for your review" in listing and "#1 Secretary Li" in listing
    # The calendar's reminder reaches the one who can be messaged now.
    bot.clock.advance(days=3, hours=1)
    assert [s.chat_id for s in await bot.tick() if "has waited 3 days for review" in s.text] == [wang.id]


async def test_someone_else_cannot_edit_or_withdraw_a_report(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    await bot.say(sec, LINE)
    sent, _ = await submit(bot, sec)
    _, toast = await bot.press(zhang, sent[-1], sent[-1].button("Withdraw"))
    assert "no longer valid" in toast
    stranger = bot.user(77, "Stranger", lang="en")
    _, toast = await bot.press(stranger, sent[-1], sent[-1].button("Edit"))
    assert "not on any branch roster" in toast
    assert (await rows(bot, ServiceReport))[0].status == "pending"


async def test_reporting_is_for_members(bot):
    await setup_branch(bot)
    stranger = bot.user(77, "Stranger", lang="en")
    assert "not on any branch roster" in (await bot.say(stranger, LINE))[-1].text
    assert "private chat" in (await bot.group(stranger, "/serve"))[-1].text


async def test_categories_are_data_the_secretary_keeps(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    assert "关爱空巢老人、关爱留守儿童" in (await bot.say(zhang, "/categories"))[-1].text
    assert "Only the" in (await bot.say(zhang, "/addcategory 环境整治"))[-1].text
    assert "Added “环境整治”" in (await bot.say(sec, "/addcategory 环境整治"))[-1].text
    assert "already a kind" in (await bot.say(sec, "/addcategory 环境整治"))[-1].text
    assert "Retired “其他”" in (await bot.say(sec, "/retirecategory 其他"))[-1].text
    assert "no kind of service “其他” in use" in (await bot.say(sec, "/retirecategory 其他"))[-1].text
    question = (await bot.say(zhang, "/serve 今天"))[-1]  # args but not a line: the usage
    assert "/serve date | hours" in question.text
    await bot.say(zhang, "/serve")
    await bot.say(zhang, "今天")
    buttons = {b.text for row in (await bot.say(zhang, "2h"))[-1].buttons for b in row}
    assert "环境整治" in buttons and "其他" not in buttons
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ServiceCategory)) == 7
        actions = [a for a in await s.scalars(select(AuditEntry.action)) if a.startswith("service.")]
        refused = await s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "refused", AuditEntry.target == "manage_service"))
    assert actions == ["service.category_add", "service.category_retire"] and refused == 1


async def test_household_visit_and_someone_elses_household(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    async with bot.db.session() as s:
        members = {m.name: m for m in await s.scalars(select(__import__("storage.models", fromlist=["Member"]).Member))}
        mine = Household(branch_id=1, member_id=members["Secretary Li"].id, label="王奶奶（空巢）",
                         kind=HouseholdKind.EMPTY_NEST, created_at=bot.clock.now)
        theirs = Household(branch_id=1, member_id=members["张三"].id, label="李爷爷", kind=HouseholdKind.OTHER,
                           created_at=bot.clock.now)
        s.add_all([mine, theirs])
        await s.flush()
        mine_id, theirs_id = mine.id, theirs.id
    await bot.say(sec, "/serve")
    for answer in ("今天", "2h"):
        await bot.say(sec, answer)
    await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("关爱空巢老人"))
    for answer in ("幸福村", "1人", "陪聊"):
        await bot.say(sec, answer)
    await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Skip"))
    link = (await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Just me")))[0][-1]
    assert "visit to one of your households" in link.text
    _, toast = await bot.press(sec, link, f"svl:h{theirs_id}")  # forged: 张三's household
    assert "not one of yours" in toast
    preview = (await bot.press(sec, link, link.button("王奶奶")))[0][-1]
    assert "Visit to: 王奶奶（空巢）" in preview.text
    await submit(bot, sec)
    assert (await rows(bot, ServiceReport))[0].household_id == mine_id
    assert zhang  # 张三 was never asked anything
    assert not [s for s in bot.to(zhang.id) if "household" in s.text]


async def test_theme_day_invites_who_checked_in_once_and_the_organiser_files_for_everyone(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    li = await linked(bot, sec, 3, "李四")
    created = await bot.say(sec, "/new 主题党日 | 十一月主题党日 | 2026-11-27 09:00 | 11:00 | 幸福村 | 全体")
    post = next(s for s in created if s.chat_id == GROUP.id)
    bot.clock.advance(minutes=45)
    await bot.press(zhang, post, post.button("Check in"))
    await bot.press(sec, post, post.button("Check in"))
    bot.clock.advance(hours=3)
    sent = await bot.tick()
    invites = [s for s in sent if "Did you do volunteer service there" in s.text]
    assert sorted(s.chat_id for s in invites) == [sec.id, zhang.id]  # 李四 did not check in
    for _ in range(2):  # the calendar runs again, a restart: nothing twice
        assert not [s for s in await bot.tick() if "volunteer service" in s.text]
    invite = next(s for s in invites if s.chat_id == zhang.id)
    sent, _ = await bot.press(zhang, invite, invite.button("Report my service"))
    assert "the date and place are filled in" in sent[0].text and "How long" in sent[-1].text
    _, toast = await bot.press(li, invite, invite.button("Report my service"))
    assert "did not check in" in toast
    team = next(s for s in bot.to(sec.id) if "One team report for everyone" in str(s.buttons))
    sent, _ = await bot.press(sec, team, team.button("One team report"))
    await bot.say(sec, "2h")
    await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("推进移风易俗"))
    for answer in ("5人", "宣传移风易俗"):
        await bot.say(sec, answer)
    preview = (await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Skip")))[0][-1]
    assert "Activity: 十一月主题党日" in preview.text and "Teammates: 张三" in preview.text
    assert "Place: 幸福村" in preview.text and "Date: 2026-11-27" in preview.text
    await submit(bot, sec)
    [report] = await rows(bot, ServiceReport)
    assert report.activity_id == 1 and report.place == "幸福村"
    assert [t.member_id for t in await rows(bot, ServiceTeammate)] == [2]
    assert "named you as a teammate" in bot.last(zhang.id).text


async def test_the_age_limit_is_a_branch_setting(bot):
    sec = await setup_branch(bot)
    line = "/serve 2026-09-01 | 3h | 关爱空巢老人 | 幸福村 | 5人 | 打扫"
    assert "up to 60 days back" in (await bot.say(sec, line))[-1].text
    assert "Saved" in (await bot.group(sec, "/set service_max_age 120"))[-1].text
    assert "Your report, as it stands" in (await bot.say(sec, line))[-1].text


@pytest.mark.parametrize("db", RACING, indirect=True)
async def test_photos_of_an_album_handled_at_once_are_all_kept(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, LINE)
    await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Add photos"))
    photos = [Request(next(bot.update_ids), Event.MESSAGE, _private(sec), sec, photo=FileRef(f"f{i}", None, "image/jpeg", 9,
                      f"u{i}"), media_group_id="RACE") for i in range(6)]
    mark = len(bot.transport.sent)
    await asyncio.gather(*(bot.core.process(p) for p in photos))
    assert await count(bot, MediaGroupItem) == 6
    answers = [s for s in bot.transport.sent[mark:] if s.chat_id == sec.id]
    assert [s.text for s in answers] == ["Receiving your album. Tap Done when all its photos show here."]  # once
    preview = (await bot.press(sec, bot.last(sec.id), bot.last(sec.id).button("Done")))[0][-1]
    assert "Photos: 6" in preview.text


async def test_a_stored_report_reads_as_its_preview(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, LINE)
    await submit(bot, sec)
    async with bot.db.session() as s:
        ctx = Context(request=Request(1, Event.MESSAGE, _private(sec), sec), session=s, env=bot.core.env,
                      now=bot.clock.now, locale="en")
        text = await describe_report(ctx, ctx.t, await s.get(ServiceReport, 1))
        chinese = await describe_report(ctx, bot.core.env.catalogs.gettext("zh_CN"), await s.get(ServiceReport, 1))
    assert "Hours: 3\nCategory: 关爱空巢老人\nPlace: 幸福村\nPeople served: 5" in text
    assert "地点：幸福村" in chinese
