"""The dues ledger through the bot: amounts by the table, self-reports confirmed, payments, waivers, corrections."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import AuditEntry, DuesPayment
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
    return (await bot.say(user, text))[-1].text


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
