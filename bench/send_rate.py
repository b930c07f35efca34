"""``python -m bench.send_rate``: how close the outbox sender comes to its configured limit.

One notice to N members privately, against the fake Bot API enforcing the same overall limit
(raised, e.g. 500 messages/s, so the run takes seconds) and Telegram's real per-chat limit.
The effective rate is copies / (last send - first send); the target is at least 0.9 of the
limit with no 429 answered.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bench.checkin import FIRST_MEMBER_ID, GROUP, SECRETARY_ID, fresh_database, seed
from bench.common import BotProcess
from storage import updates as update_store
from storage.db import Database
from storage.models import Member
from tests.fake_telegram import FakeTelegram

NOTICE = "Benchmark notice: please read."


async def open_private_chats(url: str) -> list[int]:
    """Every seeded account has talked to the bot, so the notice may go to each privately."""
    db = Database(url)
    try:
        async with db.session() as session:
            ids = [uid for uid in await session.scalars(select(Member.telegram_user_id)) if uid]
            for uid in ids:
                await update_store.note_user(session, uid, "en", datetime.now(UTC), private_chat=True)
        return ids
    finally:
        await db.dispose()


async def press_and_wait(fake: FakeTelegram, user, message: dict, data: str) -> dict:
    mark = fake.mark()
    fake.press(user, message, data, check=False)
    return await fake.wait_message(user.id, after=mark, timeout=30)


async def run(members: int, limit: float) -> bool:
    with tempfile.TemporaryDirectory(prefix="bench-send-") as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await fresh_database(url)
        await seed(url, members)
        ids = await open_private_chats(url)
        fake = FakeTelegram()
        await fake.start()
        fake.group(GROUP, "第一党支部群")
        secretary = fake.user(SECRETARY_ID, "Li", last_name="Secretary", language_code="en")
        for uid in ids:
            fake.start_private(fake.user(uid, f"Member{uid - FIRST_MEMBER_ID}", language_code="en"))
        fake.enforce_limits(global_per_second=limit, per_chat_per_second=1, per_group_per_minute=20)
        bot = BotProcess(fake, ["-m", "bot", "run"], Path(tmp), DATABASE_URL=url, SEND_PER_SECOND=str(limit))
        await bot.start()
        try:
            mark = fake.mark()
            fake.send_text(secretary, secretary.id, "/broadcast")
            await fake.wait_message(secretary.id, after=mark, timeout=30)
            mark = fake.mark()
            fake.send_text(secretary, secretary.id, NOTICE)
            audience = await fake.wait_message(secretary.id, contains="Who is it for", after=mark, timeout=30)
            ack = await press_and_wait(fake, secretary, audience, "ba:m")
            preview = await press_and_wait(fake, secretary, ack, "bk:0")
            started = time.monotonic()
            mark = fake.mark()
            fake.press(secretary, preview, "bs:ok", check=False)
            expected = len(ids)
            copies: list = []
            while len(copies) < expected and time.monotonic() - started < 600:
                await asyncio.sleep(0.5)
                copies = [c for c in fake.calls[mark:] if c.method == "sendMessage" and c.ok
                          and NOTICE in (c.text or "")]
            seen = sorted(c.at for c in copies)
            rate = (len(seen) - 1) / (seen[-1] - seen[0]) if len(seen) > 1 else 0.0
            rejected = [c for c in fake.calls[mark:] if c.status == 429]
            chats = {c.chat_id for c in copies}
            print(f"{len(copies)}/{expected} copies to {len(chats)} chats in {seen[-1] - seen[0]:.2f} s "
                  f"(the first {seen[0] - started:.2f} s after Send was pressed)")
            print(f"effective rate {rate:.0f}/s = {rate / limit:.2f} of the limit {limit:.0f}/s; "
                  f"429 answered: {len(rejected)}; limit violations seen by the fake: {len(fake.limit_violations)}")
            for method, chat, when in fake.limit_violations[:5]:
                nearby = [c for c in fake.calls[mark:] if c.method == "sendMessage" and abs(c.at - when) < 1.2
                          and c.chat_id == chat]
                print(f"  over the limit: {method} to chat {chat} at {when - started:.2f} s; "
                      f"{len(nearby)} sends to that chat within 1.2 s")
            return len(copies) == expected == len(chats) and not rejected and rate / limit >= 0.9
        finally:
            await bot.stop()
            await fake.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.send_rate", description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=3000, help="recipients (default 3000)")
    parser.add_argument("--limit", type=float, default=500.0, help="messages per second, bot and fake (default 500)")
    args = parser.parse_args(argv)
    return 0 if asyncio.run(run(args.members, args.limit)) else 1


if __name__ == "__main__":
    sys.exit(main())
