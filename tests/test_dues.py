"""The dues ledger through the bot: amounts by the table, self-reports confirmed, payments, waivers, corrections."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from handlers.kit.api import Chat, ChatType, Event, Request
from storage.dues import ledger as dues_ledger
from storage.dues import payments as dues_payments
from storage.models import AuditEntry, DuesAllocation, DuesAmount, DuesPayment, Member, MembershipChange
from storage.roster import members
from storage.roster.members import MemberData
from storage.rules.vocabulary import PartyStatus
from tests.conftest import RACING
from tests.memory import GROUP
from tests.test_activities import linked
from tests.test_calendar import at
from tests.test_flow import setup_branch

DUES = "/rule 党费 | 每月20日 18:00 | 提前3天 09:00"


async def branch_of_three(bot):
    bot.clock.now = at("2026-11-10 10:00")
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    wang = await linked(bot, sec, 3, "王五")
    return sec, zhang, wang


async def last_text(bot, user, text):
    """The last answer to ``user`` (others may be told too)."""
    return [s for s in await bot.say(user, text) if s.chat_id == user.id][-1].text


async def test_self_report_then_confirm(bot):
    sec, zhang, _ = await branch_of_three(bot)
    assert "pays 45.00 元 a month (employed)" in await last_text(bot, zhang, "/basis 4500")
    sent = await bot.say(zhang, "/paid 2026-11 45 微信")
    assert "Noted: #1, 2026-11, 45.00 元" in sent[0].text
    [ask] = [s for s in sent if s.chat_id == sec.id]
    assert "张三 reports paying Party dues: #1, 2026-11, 45.00 元" in ask.text
    tap = ask.button("Confirm")
    out, toast = await bot.press(sec, ask, tap)
    assert "Confirmed by" in toast
    assert any(s.chat_id == zhang.id and "#1 for 2026-11 (45.00 元) is confirmed" in s.text for s in out)
    again, toast = await bot.press(sec, ask, tap)
    assert "already been decided" in toast and not [s for s in again if s.chat_id == zhang.id]
    text = await last_text(bot, zhang, "/dues")
    assert "Paid through: 2026-11" in text and "Owed: nothing" in text and "confirmed" in text


async def backdate(bot, name: str, since: str) -> None:
    """As if ``name`` had been on the roster since ``since`` (a Beijing date)."""
    async with bot.db.session() as s:
        member = await s.scalar(select(Member).where(Member.name == name))
        await s.execute(update(MembershipChange).where(MembershipChange.member_id == member.id)
                        .values(at=at(f"{since} 10:00")))


async def book(bot, first: str, last: str):
    async with bot.db.read() as s:
        branch_id = await s.scalar(select(Member.branch_id).limit(1))
        ledger = await dues_ledger.ledger(s, branch_id, first, last)
        names = {m.name: m.id for m in ledger.members.values()}
        return ledger, names


async def test_a_rejected_report_asks_the_reason_and_tells_the_member(bot):
    sec, zhang, _ = await branch_of_three(bot)
    await bot.say(zhang, "/basis 学生")
    [ask] = [s for s in await bot.say(zhang, "/paid") if s.chat_id == sec.id]
    assert "#1, 2026-11, 0.20 元" in ask.text
    _, toast = await bot.press(sec, ask, ask.button("Reject"))
    assert "Why is #1 rejected?" in toast
    [again] = await bot.say(sec, "x" * 301)  # asked again; nothing is decided yet
    assert again.text == "Please keep it between 1 and 300 characters; yours has 301. Try again, or send /cancel."
    sent = await bot.say(sec, "没有收到转账")
    assert "#1 is rejected" in sent[0].text
    assert [s.text for s in sent if s.chat_id == zhang.id] == [
        "Your Party dues report #1 for 2026-11 was not confirmed: 没有收到转账. Please talk to Secretary Li, "
        "or report it again with /paid."]
    text = await last_text(bot, zhang, "/dues")
    assert "rejected (reason: 没有收到转账)" in text and "Owed: 2026-11, 0.20 元 in all" in text
    _, toast = await bot.press(sec, ask, ask.button("Confirm"))
    assert "already been decided" in toast


async def test_recorded_in_bulk_with_what_each_owes(bot):
    sec, zhang, wang = await branch_of_three(bot)
    await bot.say(zhang, "/basis 4500")
    await bot.say(wang, "/basis 退休 3800")
    sent = await bot.say(sec, "/duespay 张三、王五 | 2026-11 | - | 现金")
    assert "#1 张三 2026-11 45.00 元" in sent[0].text and "#2 王五 2026-11 19.00 元" in sent[0].text
    assert any(s.chat_id == wang.id and "recorded your Party dues payment #2 for 2026-11 (19.00 元)" in s.text for s in sent)
    overview = await last_text(bot, sec, "/duesmonth 2026-11")
    assert "Expected: 3 members, 64.00 元 + 1 amounts not known yet" in overview
    assert "Collected: 64.00 元 (2 of 3 settled)" in overview
    assert "· Secretary Li amount not known yet" in overview and "张三" not in overview.split("Outstanding")[1]
    async with bot.db.read() as s:
        recorded = await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "dues.record"))
    assert recorded == 2
    # A name not on the roster records nothing at all.
    assert "nobody called “赵六”" in await last_text(bot, sec, "/duespay 张三、赵六 | 2026-12")
    ledger, names = await book(bot, "2026-12", "2026-12")
    assert ledger.line(names["张三"], "2026-12").paid == 0


async def test_paid_ahead_then_the_basis_rises(bot):
    sec, zhang, _ = await branch_of_three(bot)
    await bot.say(zhang, "/basis 4500")
    await bot.say(sec, "/duespay 张三 | 2026-11~2027-01 | 135 | 微信")
    text = await last_text(bot, zhang, "/dues")
    assert "Paid through: 2027-01" in text and "Owed: nothing" in text
    assert "from 2026-12, 张三 pays 90.00 元" in await last_text(bot, sec, "/duesset 张三 | 在职 6000 | 2026-12")
    ledger, names = await book(bot, "2026-11", "2027-01")
    lines = [ledger.line(names["张三"], m) for m in ("2026-11", "2026-12", "2027-01")]
    assert [(x.owed, x.paid, x.outstanding) for x in lines] == [
        (Decimal("45.00"), Decimal("45.00"), Decimal("0.00")), (Decimal("90.00"), Decimal("45.00"), Decimal("45.00")),
        (Decimal("90.00"), Decimal("45.00"), Decimal("45.00"))]


async def test_back_payment_inside_and_beyond_six_months(bot):
    sec, zhang, _ = await branch_of_three(bot)
    await backdate(bot, "张三", "2025-06-01")
    await bot.say(sec, "/duesset 张三 | 在职 4500 | 2025-06")
    assert "Recorded:" in await last_text(bot, sec, "/duespay 张三 | 2026-05 | 45")  # six months back: by the rule
    reply = await last_text(bot, sec, "/duespay 张三 | 2026-04 | 45")
    assert "more than 6 months back" in reply and "needs a reason" in reply
    assert "recorded by the 组织委员 with a reason" in await last_text(bot, zhang, "/paid 2026-04 45")
    reply = await last_text(bot, sec, "/duespay 张三 | 2026-01~2026-04 | 180 | 现金 | 补交原因：外出务工")
    assert "Back-payment beyond 6 months, with the reason: 补交原因：外出务工" in reply
    async with bot.db.read() as s:
        entries = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "dues.record")))
        overrides = [e.details.get("override") for e in entries]
        reasons = [p.override_reason for p in await s.scalars(select(DuesPayment).order_by(DuesPayment.id))]
    assert overrides == [None, "补交原因：外出务工"] and reasons == [None, "补交原因：外出务工"]


async def test_proxy_payment_records_both(bot):
    sec, zhang, wang = await branch_of_three(bot)
    await bot.say(zhang, "/basis 4500")
    sent = await bot.say(wang, "/paid 2026-11 45 代 张三")
    [ask] = [s for s in sent if s.chat_id == sec.id]
    assert "王五 reports paying Party dues: #1, 2026-11, 45.00 元. For 张三 (代缴)." in ask.text
    out, _ = await bot.press(sec, ask, ask.button("Confirm"))
    assert sorted(s.chat_id for s in out if "is confirmed" in s.text) == [zhang.id, wang.id]
    async with bot.db.read() as s:
        payment = await s.get(DuesPayment, 1)
        payer = (await s.get(Member, payment.payer_id)).name
        member = (await s.get(Member, payment.member_id)).name
    assert (member, payer) == ("张三", "王五")
    assert "(paid by 王五)" in await last_text(bot, zhang, "/dues")


async def test_a_waiver_settles_without_payment(bot):
    sec, zhang, _ = await branch_of_three(bot)
    await bot.say(zhang, "/basis 4500")
    reply = await last_text(bot, sec, "/dueswaive 张三 | 2026-11~2026-12 | 支委会决定：重病住院")
    assert "Waived (减免) w1: 张三, 2026-11~2026-12" in reply
    ledger, names = await book(bot, "2026-11", "2026-12")
    line = ledger.line(names["张三"], "2026-11")
    assert (line.owed, line.paid, line.waived, line.outstanding, line.settled) == (
        Decimal("45.00"), 0, Decimal("45.00"), 0, True)
    overview = await last_text(bot, sec, "/duesmonth 2026-11")
    assert "Waived (减免): 张三" in overview and "Collected: 0.00 元 (1 of 3 settled)" in overview
    assert "reversed" in await last_text(bot, sec, "/duesfix w1 搞错了")
    ledger, names = await book(bot, "2026-11", "2026-11")
    assert ledger.line(names["张三"], "2026-11").outstanding == Decimal("45.00")


async def test_a_correction_reverses_and_nothing_is_edited(bot):
    sec, zhang, _ = await branch_of_three(bot)
    await bot.say(zhang, "/basis 4500")
    await bot.say(sec, "/duespay 张三 | 2026-11 | 45")
    await bot.say(sec, "/duespay 张三 | 2026-11 | 45")  # recorded twice by mistake
    ledger, names = await book(bot, "2026-11", "2026-11")
    assert ledger.line(names["张三"], "2026-11").extra == Decimal("45.00")
    sent = await bot.say(sec, "/duesfix #2 recorded twice")
    assert "#2 is reversed by #3 (recorded twice)" in sent[0].text
    assert any(s.chat_id == zhang.id and "corrected your Party dues payment #2" in s.text for s in sent)
    assert "reversed already" in await last_text(bot, sec, "/duesfix #2 again")
    ledger, names = await book(bot, "2026-11", "2026-11")
    line = ledger.line(names["张三"], "2026-11")
    assert (line.paid, line.extra, line.outstanding) == (Decimal("45.00"), 0, 0)
    async with bot.db.read() as s:
        amounts = [p.amount_fen for p in await s.scalars(select(DuesPayment).order_by(DuesPayment.id))]
    assert amounts == [4500, 4500, -4500]
    assert "#3 correction of #2" in await last_text(bot, sec, "/duesof 张三")


async def test_a_probationary_member_owes_from_admission_and_one_who_left_owes_nothing_after(bot):
    bot.clock.now = at("2026-03-10 10:00")
    sec = await setup_branch(bot)
    async with bot.db.session() as s:
        branch_id = await s.scalar(select(Member.branch_id).limit(1))
        await members.import_roster(s, branch_id, [MemberData("新人", PartyStatus.ACTIVIST),
                                                   MemberData("老王", PartyStatus.FULL)], bot.clock.now)
    bot.clock.now = at("2026-06-18 10:00")
    async with bot.db.session() as s:  # admitted as a probationary member in June
        await members.import_roster(s, branch_id, [MemberData("新人", PartyStatus.PROBATIONARY)], bot.clock.now)
    bot.clock.now = at("2026-09-05 10:00")
    async with bot.db.session() as s:  # transferred out in September
        await members.remove(s, await members.by_name(s, branch_id, "老王"), bot.clock.now)
    bot.clock.now = at("2026-11-10 10:00")
    ledger, names = await book(bot, "2026-01", "2026-12")
    owed = lambda name: [line.month for line in ledger.of_member(names[name]) if line.owing]  # noqa: E731
    assert owed("新人") == [f"2026-{m:02d}" for m in range(6, 13)]
    assert owed("老王") == [f"2026-{m:02d}" for m in range(3, 10)]
    await bot.say(sec, "/duesset 新人 | 学生")
    assert "before their membership (from 2026-06)" in await last_text(bot, sec, "/duespay 新人 | 2026-05 | 0.2")
    assert "Recorded:" in await last_text(bot, sec, "/duespay 新人 | 2026-06 | 0.2")


async def test_bad_input_gets_a_sentence_and_changes_nothing(bot):
    sec, zhang, _ = await branch_of_three(bot)
    for text, answer in (("/basis -3000", "cannot be negative"), ("/basis abc", "“abc” is not an amount"),
                         ("/basis 30.123", "more than two decimals"), ("/basis 99999999999", "more than any monthly"),
                         ("/paid 2026-11 -5", "cannot be negative"), ("/paid 2026-11 0", "more than 0 元"),
                         ("/paid 2026-11 50000", "far more than the dues table asks"),
                         ("/paid 2028-06", "too far ahead"), ("/paid 2026-01", "before their membership"),
                         ("/paid 十一月", "I cannot read “十一月”"),
                         ("/duespay 张三 | 2026-11 | 三十", "“三十” is not an amount")):
        user = sec if text.startswith("/dues") else zhang
        assert answer in await last_text(bot, user, text), text
    async with bot.db.read() as s:
        assert await s.scalar(select(func.count()).select_from(DuesPayment)) == 0
        assert await s.scalar(select(func.count()).select_from(DuesAmount)) == 0
    # What a Chinese user types is taken.
    assert "basis" not in await last_text(bot, zhang, "/basis 3000,00")
    for typed, amount in (("3000,00", "15.00"), ("3千", "15.00"), ("３０００", "15.00"), ("3,000.01", "30.00")):
        assert f"pays {amount} 元 a month" in await last_text(bot, zhang, f"/basis {typed}"), typed
    # Personal figures are not for the group.
    reply = (await bot.group(zhang, "/dues"))[-1]
    assert reply.chat_id == GROUP.id and "元" not in reply.text


async def test_only_the_secretary_and_the_organizer_see_others_dues(bot):
    sec, zhang, wang = await branch_of_three(bot)
    await bot.say(sec, "/grant 王五 组织委员")
    assert "Only the" in await last_text(bot, zhang, "/duesmonth")
    assert "Party dues for 2026-11" in await last_text(bot, wang, "/duesmonth")
    async with bot.db.read() as s:
        refused = await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "refused"))
    assert refused >= 1


async def test_migrated_marks_are_confirmed_at_what_was_owed(bot):
    sec, zhang, _ = await branch_of_three(bot)
    await bot.say(zhang, "/basis 4500")
    async with bot.db.session() as s:  # as the migration leaves a /paid mark: "what was owed", pending
        member = await s.scalar(select(Member).where(Member.name == "张三"))
        await dues_payments.record(s, member, ["2026-11"], None, method="unknown", status="pending", source="migrated",
                                   by=member.id, now=bot.clock.now)
        (await s.scalars(select(DuesAllocation))).one().amount_fen = None
        (await s.scalars(select(DuesPayment))).one().amount_fen = None
    [pending] = await bot.say(sec, "/duespending")
    assert "#1 2026-11 amount not known yet, not said — waiting for confirmation" in pending.text
    await bot.press(sec, pending, pending.button("Confirm"))
    ledger, names = await book(bot, "2026-11", "2026-11")
    assert ledger.line(names["张三"], "2026-11").paid == Decimal("45.00")


async def test_the_deadline_reminder_goes_to_those_who_owe_with_the_amount(bot):
    sec, zhang, wang = await branch_of_three(bot)
    await bot.say(sec, DUES)
    await bot.say(zhang, "/basis 4500")
    await bot.say(wang, "/basis 学生")
    await bot.say(sec, "/duesset Secretary Li | 在职 8000")
    await bot.say(sec, "/duespay 张三 | 2026-11")
    bot.clock.now = at("2026-11-17 09:01")
    sent = await bot.tick()
    [group] = [s for s in sent if s.chat_id == GROUP.id]
    assert "Party dues for 2026-11 are due by 2026-11-20 18:00: 1 of 3 have paid." in group.text
    assert "王五" not in group.text and "元" not in group.text
    private = {s.chat_id: s.text for s in sent if s.chat_id > 0}
    assert sorted(private) == [sec.id, wang.id]
    assert "due by 2026-11-20 18:00: 0.20 元" in private[wang.id] and "120.00 元" in private[sec.id]
    assert await bot.tick() == []


async def test_with_publicity_on_the_group_hears_who_has_not_paid_but_no_amounts(bot):
    sec, zhang, wang = await branch_of_three(bot)
    await bot.say(sec, "/set publicity 1")
    await bot.say(sec, DUES)
    await bot.say(zhang, "/basis 4500")
    await bot.say(sec, "/duespay 张三 | 2026-11")
    bot.clock.now = at("2026-11-17 09:01")
    [group] = [s for s in await bot.tick() if s.chat_id == GROUP.id]
    assert "Not paid yet (党务公开): Secretary Li, 王五" in group.text and "元" not in group.text


async def test_arrears_warn_at_two_and_four_months_and_flag_at_six_once_each(bot):
    sec, zhang, wang = await branch_of_three(bot)
    for name in ("张三", "王五"):
        await backdate(bot, name, "2026-01-01")
    await bot.say(sec, "/duesset 张三 | 在职 4500 | 2026-01")
    await bot.say(sec, "/duesset 王五 | 在职 4500 | 2026-01")
    await bot.say(sec, "/duesset Secretary Li | 学生")
    await bot.say(sec, "/duespay Secretary Li | 2026-11~2027-03")
    await bot.say(sec, "/duespay 张三、王五 | 2026-05~2026-08")
    await bot.say(sec, "/dueswaive 王五 | 2026-09~2026-12 | 支委会决定：重病")  # waived months never count
    bot.clock.now = at("2026-11-10 10:05")  # September and October unpaid: two months
    sent = await bot.tick()
    warned = [(s.chat_id, s.text) for s in sent if "Party dues" in s.text and "not paid" in s.text]
    assert sorted(c for c, _ in warned) == [sec.id, zhang.id]
    assert any(c == zhang.id and "2026-09~2026-10 are not paid (90.00 元)" in t for c, t in warned)
    assert any(c == sec.id and "张三 has not paid Party dues for 2 months (2026-09~2026-10, 90.00 元)" in t
               for c, t in warned)
    bot.clock.advance(days=1)
    assert not [s for s in await bot.tick() if "not paid" in s.text]  # each stage once
    bot.clock.now = at("2027-01-04 10:05")  # four months
    sent = [s for s in await bot.tick() if "not paid" in s.text]
    assert sorted(s.chat_id for s in sent) == [sec.id, zhang.id] and any("for 4 months" in s.text for s in sent)
    bot.clock.now = at("2027-03-02 10:05")  # six months: the flag
    sent = [s for s in await bot.tick() if "six months" in s.text]
    assert sorted(s.chat_id for s in sent) == [sec.id, zhang.id]
    assert any("the branch has to decide about 张三 now" in s.text for s in sent if s.chat_id == sec.id)
    assert not any(s.chat_id == wang.id for s in sent)  # 王五's months were waived, then January, February: two
    bot.clock.advance(days=1)
    assert not [s for s in await bot.tick() if "six months" in s.text]


async def test_once_a_year_members_are_asked_to_confirm_their_basis(bot):
    sec, zhang, wang = await branch_of_three(bot)
    await bot.say(zhang, "/basis 4500")
    bot.clock.now = at("2027-01-04 10:05")
    sent = [s for s in await bot.tick() if "once a year" in s.text]
    assert sorted(s.chat_id for s in sent) == [sec.id, zhang.id, wang.id]
    ask = next(s for s in sent if s.chat_id == zhang.id)
    assert "Now: 45.00 元 a month, basis 4500.00 元" in ask.text
    _, toast = await bot.press(zhang, ask, ask.button("Still right"))
    assert "Confirmed" in toast
    assert "confirmed by the member, from 2027-01" in await last_text(bot, zhang, "/dues")
    bot.clock.advance(days=3)
    assert not [s for s in await bot.tick() if "once a year" in s.text]


@pytest.mark.parametrize("db", RACING, indirect=True)
async def test_a_confirmation_tapped_twice_at_once_confirms_once(bot):
    sec, zhang, _ = await branch_of_three(bot)
    await bot.say(zhang, "/basis 4500")
    [ask] = [s for s in await bot.say(zhang, "/paid 2026-11 45") if s.chat_id == sec.id]
    data = ask.button("Confirm")
    mk = lambda: Request(next(bot.update_ids), Event.CALLBACK, Chat(sec.id, ChatType.PRIVATE), sec,  # noqa: E731
                         callback_id=f"cb{next(bot.update_ids)}", callback_data=data, message_id=ask.message_id)
    await asyncio.gather(bot.core.process(mk()), bot.core.process(mk()))
    await bot.core.performer.flush()
    while await bot.core.sender.drain_once():
        pass
    told = [s for s in bot.transport.sent if s.chat_id == zhang.id and "is confirmed" in s.text]
    assert len(told) == 1
    async with bot.db.read() as s:
        confirms = await s.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "dues.confirm"))
    assert confirms == 1


async def test_what_i_owe_for_months_already_paid_is_not_recorded_again(bot):
    sec, zhang, _ = await branch_of_three(bot)
    await bot.say(zhang, "/basis 4500")
    await bot.say(sec, "/duespay 张三 | 2026-11")
    assert "张三 owes nothing more for 2026-11" in await last_text(bot, zhang, "/paid")
    assert "owes nothing more" in await last_text(bot, sec, "/duespay 张三 | 2026-11")
    assert "Recorded:" in await last_text(bot, sec, "/duespay 张三 | 2026-11 | 100")  # a voluntary payment
    ledger, names = await book(bot, "2026-11", "2026-11")
    assert ledger.line(names["张三"], "2026-11").extra == Decimal("100.00")
