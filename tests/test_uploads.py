"""Heavy and hostile roster uploads: read in a worker process, outside the writer's turn."""

from __future__ import annotations

import asyncio
import time

from tests.test_activities import announce, linked
from tests.test_flow import setup_branch
from tests.test_sheets import bomb


async def test_thousands_of_bad_rows_get_a_short_reply_and_the_whole_report_as_a_file(bot):
    sec = await setup_branch(bot)
    lines = ["姓名,政治面貌", "张三,正式"] + [f"人{i},同志" for i in range(3000)] + ["李四,#N/A"]
    sent = await bot.upload(sec, "roster.csv", "\n".join(lines).encode())

    reply = next(s for s in sent if s.kind == "text")
    assert "3001 problems in 3001 rows" in reply.text and "1 added" in reply.text
    assert reply.text.count("Row ") == 5 and len(reply.text) < 1500
    report = next(s for s in sent if s.kind == "document")
    assert report.chat_id == sec.id and report.filename == "problems.csv"
    text = report.data.decode("utf-8")
    assert text.startswith("\ufeffRow,Problem\r\n")
    assert len(text.splitlines()) == 3002
    assert "formula error #N/A" in text.splitlines()[-1]


async def test_a_bomb_is_refused_quickly_while_check_ins_go_on(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    post = await announce(bot, sec)
    bot.clock.advance(minutes=45)  # check-in is open
    await bot.upload(sec, "warm.csv", "姓名,政治面貌\n王五,正式\n".encode())  # the worker is up

    worst = 0.0
    stop = asyncio.Event()

    async def watch() -> None:  # how late the loop wakes a sleeper
        nonlocal worst
        while not stop.is_set():
            before = time.monotonic()
            await asyncio.sleep(0.01)
            worst = max(worst, time.monotonic() - before - 0.01)

    watcher = asyncio.create_task(watch())
    started = time.monotonic()
    upload = asyncio.create_task(bot.upload(sec, "bomb.xlsx", bomb(600)))
    await asyncio.sleep(0.05)
    _, toast = await bot.press(zhang, post, post.button("Check in"))
    pressed = time.monotonic() - started
    sent = await upload
    refused_after = time.monotonic() - started
    stop.set()
    await watcher

    assert "Checked in" in toast or "checked in" in toast.lower()
    assert "unpacks to more than 50 MB" in sent[-1].text
    assert refused_after < 10
    assert pressed < 3
    assert worst < 0.5


async def test_a_roster_file_is_read_before_the_updates_transaction(bot, monkeypatch):
    """The notice and report dialogs take files only while they are open, so a roster file reaches the
    roster's read-ahead: it is parsed outside the writer's turn, never inside the transaction."""
    import handlers.roster.members as roster_members

    from tests.test_flow import CSV, setup_branch

    sec = await setup_branch(bot)

    async def inside(*_):
        raise AssertionError("the roster file was read inside the transaction")

    monkeypatch.setattr(roster_members, "read_roster_upload", inside)
    report = await bot.upload(sec, "roster.csv", CSV)
    assert "3 added" in report[-1].text
