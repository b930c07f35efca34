"""End to end: a month of Party dues in the real bot process, from the deadline reminder to the officer's overview."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS, database_url
from tests.test_e2e import GROUP, press, say, set_up
from tests.test_e2e_calendar import SETTLE, WAIT, bind, calendar_bot, messages_since, set_clock, stop_cleanly

pytestmark = pytest.mark.e2e

DUES = "/rule 党费 | 每月20日 18:00 | 提前3天 09:00"


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_month_of_dues_from_the_reminder_to_the_overview(fake, tmp_path, backend):
    clock = tmp_path / "now.txt"
    set_clock(clock, "2026-11-16 10:00")
    bot = calendar_bot(fake, await database_url(backend, tmp_path), tmp_path, clock)
    await bot.start()
    try:
        sec = await set_up(fake)
        zhang = await bind(fake, sec, 2, "张三", "San")
        wang = await bind(fake, sec, 3, "王五", "Wu")
        assert "45.00 元" in (await say(fake, zhang, zhang.id, "/basis 4500", "Saved"))["text"]
        assert "0.20 元" in (await say(fake, wang, wang.id, "/basis 学生", "Saved"))["text"]
        assert "120.00 元" in (await say(fake, sec, sec.id, "/duesset Li Secretary | 在职 8000", "Saved"))["text"]
        await say(fake, sec, sec.id, DUES, "Saved: #1")
        await fake.quiet(seconds=SETTLE)

        # The deadline reminder: totals in the group, each who owes privately with the amount.
        mark = fake.mark()
        set_clock(clock, "2026-11-17 09:01")
        group = await fake.wait_message(GROUP, contains="have paid", timeout=WAIT, after=mark)
        assert "Party dues for 2026-11 are due by 2026-11-20 18:00: 0 of 3 have paid." in group["text"]
        for who, amount in ((zhang, "45.00 元"), (wang, "0.20 元"), (sec, "120.00 元")):
            reminder = await fake.wait_message(who.id, contains="Reminder, ", timeout=WAIT, after=mark)
            assert amount in reminder["text"]
        await fake.quiet(seconds=SETTLE)

        # 张三 reports and is confirmed; 王五's report is rejected with a reason; the secretary pays cash.
        first = await say(fake, zhang, zhang.id, "/paid 45 微信", "reports paying", reply_chat=sec.id)
        confirm = dict(fake.buttons(first))["Confirm"]
        mark = fake.mark()
        assert "Confirmed" in await press(fake, sec, first, confirm)
        await fake.wait_message(zhang.id, contains="is confirmed", timeout=WAIT, after=mark)
        assert "already been decided" in await press(fake, sec, first, confirm)  # a second tap: one confirmation
        report = await say(fake, wang, wang.id, "/paid", "reports paying", reply_chat=sec.id)
        assert "Why is" in await press(fake, sec, report, dict(fake.buttons(report))["Reject"])
        told = await say(fake, sec, sec.id, "没有收到", "was not confirmed", reply_chat=wang.id)
        assert "没有收到" in told["text"]
        recorded = await say(fake, sec, sec.id, "/duespay Li Secretary | 2026-11 | - | 现金", "Recorded")
        assert "120.00 元" in recorded["text"]

        # The officer's overview of the month, privately.
        overview = (await say(fake, sec, sec.id, "/duesmonth 2026-11", "Party dues for 2026-11"))["text"]
        assert "Expected: 3 members, 165.20 元" in overview
        assert "Collected: 165.00 元 (2 of 3 settled)" in overview
        assert "· 王五 0.20 元" in overview
        mine = (await say(fake, zhang, zhang.id, "/dues", "Party dues of 张三"))["text"]
        assert "Paid through: 2026-11" in mine and "confirmed" in mine
        # Personal figures never went to the group.
        assert not [c for c in messages_since(fake, 0, GROUP) if "元" in (c.text or "")]
    finally:
        await stop_cleanly(bot)
