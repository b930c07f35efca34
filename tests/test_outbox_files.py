"""Files the bot made (a chart, an .xlsx ledger) go through the outbox as uploads, restarts included."""

from __future__ import annotations

import asyncio
import io
import struct
import zlib
from datetime import timedelta

import openpyxl
from sqlalchemy import func, select

from bot.transport import Transient
from handlers.kit.api import Upload
from handlers.kit.context import Outgoing, queue_messages
from storage import outbox
from storage.models import OutboxFile, OutboxMessage
from tests.memory import Harness

CHAT = 4242


def png(width: int = 2, height: int = 1) -> bytes:
    """A real (tiny) PNG, as a chart would be."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["姓名", "党费"])
    book.active.append(["张三", 12.5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CHART, LEDGER = png(), xlsx()


async def queue(db, now, *messages: Outgoing) -> int:
    async with db.session() as s:
        return await queue_messages(s, now, "summary", list(messages))


async def stored_files(db) -> list[OutboxFile]:
    async with db.session() as s:
        return list(await s.scalars(select(OutboxFile).order_by(OutboxFile.id)))


async def drain(bot: Harness) -> None:
    while await bot.core.sender.drain_once():
        pass


async def test_a_generated_png_and_xlsx_reach_the_chat_as_uploads_with_their_names(bot):
    bot.transport.started.add(CHAT)
    await queue(bot.db, bot.clock(),
                Outgoing("summary:chart", CHAT, "Attendance in November", photo=Upload("attendance-2026-11.png", CHART)),
                Outgoing("summary:ledger", CHAT, "Dues ledger", document=Upload("党费-2026-11.xlsx", LEDGER)))
    await drain(bot)
    sent = bot.to(CHAT)
    assert [(s.kind, s.filename, s.data, s.text) for s in sent] == [
        ("photo", "attendance-2026-11.png", CHART, "Attendance in November"),
        ("document", "党费-2026-11.xlsx", LEDGER, "Dues ledger"),
    ]
    # The outbox rows stay light; once sent, the bytes are gone and the name and size remain.
    files = await stored_files(bot.db)
    assert [(f.filename, f.kind, f.size, f.data) for f in files] == [
        ("attendance-2026-11.png", "photo", len(CHART), None), ("党费-2026-11.xlsx", "document", len(LEDGER), None)]
    async with bot.db.session() as s:
        rows = list(await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
    assert [(r.status, r.photo, r.document, r.message_id) for r in rows] == [
        ("sent", None, None, sent[0].message_id), ("sent", None, None, sent[1].message_id)]


async def test_one_file_for_many_chats_is_stored_once_and_kept_until_the_last_copy_is_sent(bot):
    ledger = Upload("ledger.xlsx", LEDGER)
    chats = [CHAT, CHAT + 1, CHAT + 2]
    bot.transport.failures[CHAT + 1] = [Transient("502 Bad Gateway")]
    await queue(bot.db, bot.clock(), *(Outgoing(f"summary:ledger:{c}", c, "Ledger", document=ledger) for c in chats))
    await drain(bot)
    assert sorted(s.chat_id for s in bot.transport.sent) == [CHAT, CHAT + 2]
    [file] = await stored_files(bot.db)
    assert file.data == LEDGER  # one copy still to go
    bot.clock.advance(minutes=10)
    await drain(bot)
    assert [(s.filename, s.data) for s in bot.to(CHAT + 1)] == [("ledger.xlsx", LEDGER)]
    [file] = await stored_files(bot.db)
    assert file.data is None


async def test_a_key_queued_before_keeps_no_second_copy_of_its_file(bot):
    message = Outgoing("summary:chart", CHAT, "Chart", photo=Upload("chart.png", CHART))
    assert await queue(bot.db, bot.clock(), message) == 1
    assert await queue(bot.db, bot.clock(), message) == 0  # a retried cause
    assert len(await stored_files(bot.db)) == 1


async def test_queued_uploads_are_sent_after_a_restart(db):
    first = Harness(db)
    await queue(db, first.clock(),
                Outgoing("summary:chart", CHAT, "Chart", photo=Upload("chart.png", CHART)),
                Outgoing("summary:ledger", CHAT, "Ledger", document=Upload("ledger.xlsx", LEDGER)))
    # The process dies with both rows in flight: claimed, the answers never recorded.
    async with db.session() as s:
        await outbox.claim_many(s, [r.id for r in await outbox.due(s, first.clock(), 10)], first.clock())
    await first.core.close()

    second = Harness(db, first.clock() + timedelta(minutes=1))
    second.transport.started.add(CHAT)
    second.core.sender.start()  # recovers the rows in flight, then sends them
    try:
        for _ in range(500):
            if len(second.transport.sent) == 2:
                break
            await asyncio.sleep(0.01)
    finally:
        await second.core.sender.stop()
        await second.core.close()
    assert [(s.kind, s.filename, s.data) for s in second.to(CHAT)] == [
        ("photo", "chart.png", CHART), ("document", "ledger.xlsx", LEDGER)]
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxFile).where(OutboxFile.data.is_not(None))) == 0


async def test_a_row_whose_file_is_gone_fails_instead_of_sending_something_else(bot):
    bot.transport.started.add(CHAT)
    await queue(bot.db, bot.clock(), Outgoing("summary:chart", CHAT, "Chart", photo=Upload("chart.png", CHART)))
    async with bot.db.session() as s:
        (await s.scalars(select(OutboxFile))).one().data = None
    await drain(bot)
    assert bot.to(CHAT) == []
    async with bot.db.session() as s:
        assert (await s.scalars(select(OutboxMessage))).one().status == "failed"
