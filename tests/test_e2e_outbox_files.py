"""End to end: a file the bot made, queued in the outbox, reaches Telegram as a multipart upload."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.kit.api import Upload
from handlers.kit.context import Outgoing, queue_messages
from storage.db import Database
from tests.live import LiveBot
from tests.test_outbox_files import CHART, LEDGER

pytestmark = pytest.mark.e2e

CHAT = 7


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
async def test_generated_chart_and_ledger_are_uploaded_with_their_names(fake, tmp_path, runtime):
    url = f"sqlite+aiosqlite:///{tmp_path}/files.db"
    user = fake.user(CHAT, "Li", last_name="Secretary", language_code="en")
    fake.start_private(user)
    bot = LiveBot(fake, url, tmp_path, RUNTIME=runtime)
    await bot.start()
    try:
        mark = fake.mark()
        db = Database(url)
        try:
            async with db.session() as s:  # what a scheduled summary will do
                await queue_messages(s, datetime.now(UTC), "summary", [
                    Outgoing("summary:chart", CHAT, "Attendance in November", photo=Upload("attendance.png", CHART)),
                    Outgoing("summary:ledger", CHAT, "Dues ledger", document=Upload("党费台账.xlsx", LEDGER)),
                ])
        finally:
            await db.dispose()
        photo = await fake.wait_for(lambda c: c.method == "sendPhoto" and c.ok, timeout=30, after=mark)
        document = await fake.wait_for(lambda c: c.method == "sendDocument" and c.ok, timeout=30, after=mark)
    finally:
        assert await bot.stop() == 0
    assert "Traceback" not in bot.output(), bot.output()[-3000:]
    assert photo.params["_uploaded"] and photo.params["_file_name"] == "attendance.png"
    assert (photo.params["_file_size"], photo.params["_file_bytes"]) == (len(CHART), CHART)
    assert photo.result["caption"] == "Attendance in November"
    assert document.params["_uploaded"] and document.params["_file_name"] == "党费台账.xlsx"
    assert (document.params["_file_size"], document.params["_file_bytes"]) == (len(LEDGER), LEDGER)
    assert document.result["document"]["file_name"] == "党费台账.xlsx"
    assert document.result["document"]["file_size"] == len(LEDGER)
    assert document.result["caption"] == "Dues ledger"
