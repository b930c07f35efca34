"""End to end: the summary of November on 1 December, with its chart, from the real bot process."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS, database_url
from tests.test_e2e import GROUP, say, set_up
from tests.test_e2e_calendar import SETTLE, WAIT, bind, calendar_bot, set_clock, stop_cleanly

pytestmark = pytest.mark.e2e


def photos(fake, mark: int, chat_id: int) -> list:
    return [c for c in fake.calls[mark:] if c.method == "sendPhoto" and c.ok and c.chat_id == chat_id]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_first_of_the_month_summary_with_its_chart(fake, tmp_path, backend):
    clock = tmp_path / "now.txt"
    set_clock(clock, "2026-11-16 10:00")
    url = await database_url(backend, tmp_path)
    bot = calendar_bot(fake, url, tmp_path, clock)
    await bot.start()
    try:
        sec = await set_up(fake)
        zhang = await bind(fake, sec, 2, "张三", "San")
        wang = await bind(fake, sec, 3, "王五", "Wu")
        await say(fake, sec, sec.id, "/new 主题党日 | 十一月主题党日 | 2026-11-20 09:00 | 10:00 | Hall | 全体", "#1")
        set_clock(clock, "2026-11-20 09:10")
        await say(fake, zhang, zhang.id, "/checkin", "you are checked in")
        await say(fake, sec, sec.id, "/checkin", "you are checked in")
        await fake.quiet(seconds=SETTLE)

        mark = fake.mark()
        set_clock(clock, "2026-12-01 09:00")
        group = await fake.wait_for(lambda c: c.method == "sendPhoto" and c.ok and c.chat_id == GROUP,
                                    timeout=WAIT + 30, after=mark)
        detail = await fake.wait_for(lambda c: c.method == "sendPhoto" and c.ok and c.chat_id == sec.id,
                                     timeout=WAIT, after=mark)
        await fake.quiet(seconds=SETTLE)
    finally:
        await stop_cleanly(bot)
    chart = group.params["_file_bytes"]
    assert group.params["_uploaded"] and chart.startswith(b"\x89PNG") and len(chart) > 10_000
    assert group.params["_file_name"].endswith("2026-11.png")
    caption = group.result["caption"]
    assert "activity summary of the month 2026-11" in caption
    assert "Attendance: 2 of 3 expected were present (66.7%); 0 on leave." in caption
    for name in ("张三", "王五", "Li Secretary"):
        assert name not in caption
    assert detail.params["_file_bytes"] == chart
    assert "王五 (absent)" in detail.result["caption"] + "".join(
        c.text or "" for c in fake.calls[mark:] if c.method == "sendMessage" and c.chat_id == sec.id)
    assert not photos(fake, mark, zhang.id) and not photos(fake, mark, wang.id)

    # A restart on the 1st: nothing is sent again.
    mark = fake.mark()
    again = calendar_bot(fake, url, tmp_path, clock)
    await again.start()
    try:
        set_clock(clock, "2026-12-01 09:30")
        await fake.quiet(seconds=SETTLE * 2)
    finally:
        await stop_cleanly(again)
    assert not photos(fake, mark, GROUP) and not photos(fake, mark, sec.id)
    assert not [c for c in fake.calls[mark:] if c.method == "sendMessage" and "summary" in (c.text or "")]
