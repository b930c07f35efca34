"""End to end: the branch calendar in the real bot process, its clock moved through days by a file."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import BACKENDS, database_url
from tests.live import LiveBot
from tests.test_e2e import GROUP, press, say, set_up

pytestmark = pytest.mark.e2e

THEME = "/rule 主题党日 | 每月第一个周五 09:00 | 2h | Room 3 | 全体 | 提前3天 09:00, 提前2小时"
DUES = "/rule 党费 | 每月20日 18:00 | 提前3天 09:00"
WAIT = 30  # several messages to one chat are spaced by a second each
SETTLE = 2.0  # seconds without any request: a few calendar passes (every 0.5 s) found nothing to do


def set_clock(path: Path, beijing: str) -> None:
    """Move the bot's clock to a Beijing wall-clock time, atomically (the bot reads the file any time)."""
    moment = datetime.fromisoformat(beijing).isoformat(timespec="seconds") + "+08:00"
    scratch = path.with_name(path.name + ".new")
    scratch.write_text(moment + "\n")
    os.replace(scratch, path)


def calendar_bot(fake, url: str, workdir: Path, clock: Path) -> LiveBot:
    return LiveBot(fake, url, workdir, CLOCK_FILE=str(clock), CALENDAR_INTERVAL_SECONDS="0.5",
                   REMINDER_GRACE_MINUTES="60")


async def stop_cleanly(bot: LiveBot) -> None:
    code = await bot.stop()
    output = bot.output()
    assert "Traceback" not in output, output[-3000:]
    assert code == 0, output[-3000:]


def messages_since(fake, mark: int, chat_id: int | None = None, contains: str = "") -> list:
    """Successful sendMessage calls since ``mark`` (to one chat, or to any) whose text holds ``contains``."""
    return [c for c in fake.calls[mark:]
            if c.method == "sendMessage" and c.ok and (chat_id is None or c.chat_id == chat_id)
            and contains in (c.text or "")]


async def bind(fake, sec, uid: int, name: str, first_name: str):
    """Add a full member by /add and have them open their personal invite link."""
    added = (await say(fake, sec, sec.id, f"/add {name} 正式", f"Added {name}"))["text"]
    user = fake.user(uid, first_name, language_code="en")
    await say(fake, user, user.id, f"/start {added.split('start=')[1].split()[0]}", f"Welcome, {name}")
    return user


@pytest.mark.parametrize("backend", BACKENDS)
async def test_theme_day_and_dues_reminders(fake, tmp_path, backend):
    clock = tmp_path / "now.txt"
    set_clock(clock, "2026-11-16 10:00")
    bot = calendar_bot(fake, await database_url(backend, tmp_path), tmp_path, clock)
    await bot.start()
    try:
        sec = await set_up(fake)
        zhang = await bind(fake, sec, 2, "张三", "San")
        wang = await bind(fake, sec, 3, "王五", "Wu")
        saved = (await say(fake, sec, sec.id, THEME, "Saved: #1"))["text"]
        assert "2026-12-04 09:00" in saved and "2027-01-01 09:00" in saved
        assert "#2 Party dues deadline" in (await say(fake, sec, sec.id, DUES, "Saved: #2"))["text"]
        assert "45.00 元" in (await say(fake, zhang, zhang.id, "/basis 4500", "Saved"))["text"]
        report = await say(fake, zhang, zhang.id, "/paid", "reports paying", reply_chat=sec.id)
        assert "Confirmed" in await press(fake, sec, report, dict(fake.buttons(report))["Confirm"])
        await fake.quiet(seconds=SETTLE)
        # 18 days ahead of the theme day and before the dues reminder: nothing from the calendar yet.
        assert not messages_since(fake, 0, GROUP, "Theme Party Day")
        assert not messages_since(fake, 0, contains="Reminder")

        # The dues reminder (3 days before the 20th, 09:00): the group hears the aggregate only.
        mark = fake.mark()
        set_clock(clock, "2026-11-17 09:01")
        group = await fake.wait_message(GROUP, contains="have paid", timeout=WAIT, after=mark)
        assert "1 of 3 have paid" in group["text"]
        assert "2026-11-20 18:00" in group["text"]
        for name in ("张三", "王五", "Li Secretary"):
            assert name not in group["text"]
        await fake.wait_message(wang.id, contains="your Party dues for 2026-11", timeout=WAIT, after=mark)
        await fake.wait_message(sec.id, contains="your Party dues for 2026-11", timeout=WAIT, after=mark)
        await fake.quiet(seconds=SETTLE)
        assert sorted(c.chat_id for c in messages_since(fake, mark, contains="your Party dues")) == [sec.id, wang.id]
        assert len(messages_since(fake, mark, GROUP)) == 1
        assert not messages_since(fake, mark, zhang.id)

        # Two weeks ahead of the first Friday of December: announced, with the buttons; and ten days
        # before the month ends, the officers hear what has not been held this month.
        mark = fake.mark()
        set_clock(clock, "2026-11-21 10:00")
        post = await fake.wait_message(GROUP, contains="Theme Party Day", timeout=WAIT, after=mark)
        assert "2026-12-04 09:00–11:00" in post["text"] and "Room 3" in post["text"]
        assert "Checked in 0/3" in post["text"]
        labels = dict(fake.buttons(post))
        assert set(labels) == {"Check in", "Ask for leave"}
        assert labels["Check in"].startswith("ci:") and labels["Ask for leave"].startswith("lv:")
        notice = await fake.wait_message(
            sec.id, contains="No Branch committee meeting has been held this month", timeout=WAIT,
            after=mark)
        assert "the month ends 2026-11-30" in notice["text"]
        await fake.quiet(seconds=SETTLE)
        assert len(messages_since(fake, mark, GROUP, "Theme Party Day")) == 1
        assert not messages_since(fake, mark, zhang.id) and not messages_since(fake, mark, wang.id)
        committee = messages_since(fake, mark, sec.id, "No Branch committee meeting")
        assert len(committee) == 1

        # 王五 asks for leave (not decided yet); 张三 and the secretary have not checked in.
        assert "asked you for the reason" in await press(fake, wang, post, labels["Ask for leave"])
        await say(fake, wang, wang.id, "Travelling", "Travelling", reply_chat=sec.id)
        await fake.quiet(seconds=SETTLE)

        # The 3-days-before reminder: the group, and privately those with something still to do.
        mark = fake.mark()
        set_clock(clock, "2026-12-01 09:05")
        reminder = await fake.wait_message(GROUP, contains="Reminder:", timeout=WAIT, after=mark)
        assert "Theme Party Day" in reminder["text"] and "2026-12-04 09:00–11:00" in reminder["text"]
        await fake.wait_message(sec.id, contains="Reminder, ", timeout=WAIT, after=mark)
        await fake.wait_message(zhang.id, contains="Reminder, ", timeout=WAIT, after=mark)
        await fake.quiet(seconds=SETTLE)
        assert sorted(c.chat_id for c in messages_since(fake, mark, contains="Reminder, ")) == [sec.id, zhang.id]
        assert len(messages_since(fake, mark, GROUP, "Reminder:")) == 1
        assert not messages_since(fake, mark, wang.id)
        private = messages_since(fake, mark, zhang.id, "Reminder, ")[0]
        assert "Theme Party Day" in private.text and "ask for leave" in private.text
        leave_button = [label for label, _ in fake.buttons(private.result)]
        assert leave_button == ["Ask for leave"]
    finally:
        await stop_cleanly(bot)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_downtime_catch_up_and_restart(fake, tmp_path, backend):
    clock = tmp_path / "now.txt"
    url = await database_url(backend, tmp_path)
    set_clock(clock, "2026-11-16 10:00")
    bot = calendar_bot(fake, url, tmp_path, clock)
    await bot.start()
    try:
        sec = await set_up(fake)
        zhang = await bind(fake, sec, 2, "张三", "San")
        await say(fake, sec, sec.id, THEME, "Saved: #1")
        mark = fake.mark()
        set_clock(clock, "2026-11-21 10:00")
        post = await fake.wait_message(GROUP, contains="Theme Party Day", timeout=WAIT, after=mark)
        assert "2026-12-04 09:00–11:00" in post["text"]
        await fake.quiet(seconds=SETTLE)
    finally:
        await stop_cleanly(bot)

    # Down when the 3-days-before reminder was due (2026-12-01 09:00); back 20 minutes later.
    set_clock(clock, "2026-12-01 09:20")
    start = fake.mark()
    bot = calendar_bot(fake, url, tmp_path, clock)
    await bot.start()
    try:
        await fake.wait_message(GROUP, contains="Reminder:", timeout=WAIT, after=start)
        await fake.wait_message(sec.id, contains="Reminder, ", timeout=WAIT, after=start)
        await fake.wait_message(zhang.id, contains="Reminder, ", timeout=WAIT, after=start)
        await fake.quiet(seconds=SETTLE)
    finally:
        await stop_cleanly(bot)
    assert len(messages_since(fake, start, GROUP, "Reminder:")) == 1
    assert sorted(c.chat_id for c in messages_since(fake, start, contains="Reminder, ")) == [sec.id, zhang.id]

    # Restarted again and again at the same time: nothing is sent twice.
    for _ in range(3):
        bot = calendar_bot(fake, url, tmp_path, clock)
        await bot.start()
        try:
            await fake.quiet(seconds=SETTLE)
        finally:
            await stop_cleanly(bot)
    assert len(messages_since(fake, start, GROUP, "Reminder:")) == 1
    assert len(messages_since(fake, start, contains="Reminder")) == 3

    # Down over the 2-hours-before reminder (2026-12-04 07:00) until 09:30, beyond the grace of an
    # hour: it is not sent late, and the officers are told instead.
    set_clock(clock, "2026-12-04 09:30")
    mark = fake.mark()
    bot = calendar_bot(fake, url, tmp_path, clock)
    await bot.start()
    try:
        told = await fake.wait_message(sec.id, contains="was not sent", timeout=WAIT, after=mark)
        assert "2026-12-04 07:00" in told["text"] and "Theme Party Day" in told["text"]
        await fake.quiet(seconds=SETTLE)
    finally:
        await stop_cleanly(bot)
    assert not messages_since(fake, mark, contains="Reminder")
    assert [c.chat_id for c in messages_since(fake, mark, contains="was not sent")] == [sec.id]
    assert not messages_since(fake, mark, zhang.id)
