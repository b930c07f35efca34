"""The branchbot run: a branch of ``count`` bound members, one activity, everyone presses 签到 at once.

The roster and the bindings are written straight into the database before the bot starts
(binding thousands of members through invite links one by one would dominate the run);
everything after that goes through the real bot process: the secretary creates the activity
with /new, the announcement goes to the group, and the burst of presses is answered and
counted in the announcement's live count.
"""

from __future__ import annotations

import asyncio
import re
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, text

from bench.common import (
    FIRST_MEMBER_ID,
    GROUP,
    SECRETARY_ID,
    BotProcess,
    Outcome,
    burst,
    log_problems,
    members,
    rate_trouble,
)
from storage import branches as branch_store
from storage.db import Database
from storage.models import Attendance, Member
from storage.roster import members as member_store
from storage.roster.members import MemberData
from storage.rules.vocabulary import AttendanceStatus, PartyStatus
from tests.fake_telegram import FakeTelegram

NAME_PREFIX = "党员"
CHECKED_IN = "you are checked in"  # what each member's toast must say (English)
ANNOUNCEMENT_GAP = 1.5  # seconds between the announcement and the burst


def _count_in(text: str | None) -> str:
    found = re.search(r"Checked in (\d+/\d+)", text or "")
    return found.group(1) if found else "?"


async def fresh_database(url: str) -> None:
    """An empty, migrated database; on PostgreSQL the public schema is dropped and recreated first."""
    db = Database(url)
    try:
        if not db.is_sqlite:
            async with db.engine.begin() as conn:
                await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                await conn.execute(text("CREATE SCHEMA public"))
        await db.migrate()
    finally:
        await db.dispose()


async def seed(url: str, count: int) -> None:
    """The branch (English, Asia/Shanghai), its secretary, and ``count`` full members bound to accounts."""
    db = Database(url)
    now = datetime.now(UTC)
    try:
        async with db.session() as session:
            branch, founder = await branch_store.create_branch(
                session, chat_id=GROUP, name="第一党支部", timezone="Asia/Shanghai", locale="en",
                founder_user_id=SECRETARY_ID, founder_name="Li Secretary", now=now)
            rows = [MemberData(name=f"{NAME_PREFIX}{i:05d}", status=PartyStatus.FULL, party_group="第一党小组")
                    for i in range(count)]
            await member_store.import_roster(session, branch.id, rows, now)
            imported = await session.scalars(
                select(Member).where(Member.branch_id == branch.id, Member.id != founder.id))
            for member in imported:
                number = int(member.name.removeprefix(NAME_PREFIX))
                member.telegram_user_id = FIRST_MEMBER_ID + number
                member.telegram_name = f"Member{number} Bench"
    finally:
        await db.dispose()


async def present(url: str) -> int:
    db = Database(url)
    try:
        async with db.session() as session:
            return await session.scalar(
                select(func.count()).select_from(Attendance).where(Attendance.status == AttendanceStatus.PRESENT)
            ) or 0
    finally:
        await db.dispose()


def soon(minutes: int) -> str:
    return (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(minutes=minutes)).strftime("%Y-%m-%d %H:%M")


async def run_branchbot(count: int, database_url: str | None, *, timeout: float, label: str,
                        profile: Path | None = None, pin: int | None = None) -> Outcome:
    """``database_url`` None: a fresh SQLite file in a temporary folder."""
    with tempfile.TemporaryDirectory(prefix="bench-branchbot-") as tmp:
        url = database_url or f"sqlite+aiosqlite:///{tmp}/bench.db"
        await fresh_database(url)
        await seed(url, count)
        fake = FakeTelegram()
        await fake.start()
        fake.enforce_limits()
        bot = BotProcess(fake, ["-m", "bot", "run"], Path(tmp), pin=pin, count_statements=True, DATABASE_URL=url)
        problems: list[str] = []
        try:
            fake.group(GROUP, "第一党支部群")
            secretary = fake.user(SECRETARY_ID, "Li", last_name="Secretary", language_code="en")
            fake.set_admin(GROUP, secretary)
            users = members(fake, count)
            await bot.start()

            mark = fake.mark()
            fake.send_text(secretary, secretary.id, f"/new 主题党日 | Bench day | {soon(10)} | 2h | Room 1 | 全体")
            post = await fake.wait_message(GROUP, contains="Bench day", timeout=30, after=mark)
            await fake.quiet()  # the announcement's message id is stored
            expected = f"Checked in 0/{count + 1}"
            if expected not in post["text"]:
                problems.append(f"the announcement does not say {expected!r}: {post['text']!r}")
            checkin = next(data for _label, data in fake.buttons(post) if data and data.startswith("ci:"))

            # One press on a stale button first, so that the burst meets a bot that has handled a press.
            mark = fake.mark()
            fake.press(secretary, post, "ci:999999", check=False)
            await fake.wait_for(lambda c: c.method == "answerCallbackQuery", timeout=30, after=mark)
            await fake.quiet()
            # People press a while after the announcement: start outside the group's flood window
            # (one message a second) that the announcement opened, so that a 429 is the live count's own.
            sent = next(c.at for c in fake.calls if c.method == "sendMessage" and c.chat_id == GROUP and c.ok)
            await asyncio.sleep(max(0.0, sent + ANNOUNCEMENT_GAP - time.monotonic()))

            result = await burst(fake, bot, users, post, checkin, CHECKED_IN, timeout=timeout, profile=profile)
            outcome = Outcome(label, result)
            final = f"Checked in {count}/{count + 1}"
            try:
                await fake.wait_edit(GROUP, post["message_id"], contains=final, timeout=30, after=result.mark)
                shown = next(c for c in fake.calls[result.mark:] if c.method == "editMessageText" and c.ok
                             and final in (c.text or ""))
                outcome.final_count_after = shown.at - result.queued_at
            except AssertionError:
                problems.append(f"the announcement never showed {final!r}")
            await fake.quiet(timeout=30)
        finally:
            code = await bot.stop()  # the bot sends the edits still due before it exits
            await fake.stop()
        result.count_failures(fake)
        edits = [c for c in fake.calls[result.mark:] if c.method == "editMessageText"]
        outcome.edits = len(edits)
        outcome.edit_times = [(c.at - result.queued_at, _count_in(c.text) if c.ok else f"{c.status}")
                              for c in edits]
        outcome.rate_limited, outcome.violations = rate_trouble(fake)
        outcome.log_lines = log_problems(bot.output())
        if code != 0:
            problems.append(f"the bot exited with {code}")
        if fake.errors:
            problems.append(f"the fake had {len(fake.errors)} internal errors")
        rows = await present(url)
        if rows != count:
            problems.append(f"{rows} attendance rows say present, not {count}")
        outcome.problems = problems
        return outcome
