"""End to end: the outbox sender of the real bot process under Telegram's sending limits.

A 2,000-member private broadcast within the limits (SQLite and PostgreSQL), a SIGKILL halfway
through it, injected 429 / 502 / timeouts / blocked members, and the 收到 ledger with reminders.
The roster is written straight into the database before the bot starts; everything after that
goes through the fake Bot API server, as the secretary and the members see it.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.branches import create_branch
from storage.db import Database
from storage.models import Member, OutboxMessage
from storage.roster.members import MemberData, import_roster
from storage.rules.vocabulary import PartyStatus
from storage.updates import note_user
from tests.conftest import BACKENDS, database_url
from tests.fake_telegram import Call, FakeTelegram, FakeUser
from tests.live import LiveBot

pytestmark = pytest.mark.e2e

GROUP = -1001234567890
SECRETARY = 1
FIRST_MEMBER = 10_000
SECRETARY_NAME = "Li Secretary"
NOTICE_HEADER = "【Notice】"  # the branch speaks 简体中文, but a private copy speaks its reader's English
REMINDER_HEADER = "Reminder"
# Only the overall rate is raised, on both sides alike; per-chat and per-group limits stay real.
# Raised overall rates, the same on both sides, so 2,000 copies take seconds; per-chat limits are real.
FAST = {"SEND_PER_SECOND": "200"}
FAST_LIMITS = {"global_per_second": 200, "per_chat_per_second": 1, "per_group_per_minute": 20}


def member_name(i: int) -> str:
    return f"党员{i:04d}"


# --- the branch, written before the bot starts ------------------------------------------------


async def prepare(fake: FakeTelegram, url: str, count: int) -> tuple[FakeUser, list[FakeUser]]:
    """A branch whose secretary is fake user 1, with ``count`` members bound to users 10000+i,
    every one of them with an open private chat (in the database and in the fake)."""
    db = Database(url)
    try:
        await db.migrate()
        now = datetime.now(UTC)
        async with db.session() as session:
            branch, _ = await create_branch(
                session, chat_id=GROUP, name="第一党支部", timezone="Asia/Shanghai", locale="zh_CN",
                founder_user_id=SECRETARY, founder_name=SECRETARY_NAME, now=now,
            )
            rows = [MemberData(member_name(i), PartyStatus.FULL) for i in range(count)]
            result = await import_roster(session, branch.id, rows, now)
            assert len(result.created) == count
            for member in await session.scalars(select(Member).where(Member.telegram_user_id.is_(None))):
                member.telegram_user_id = FIRST_MEMBER + int(member.name.removeprefix("党员"))
                member.telegram_name = f"Member {member.name}"
            await note_user(session, SECRETARY, "en", now, private_chat=True)
            for i in range(count):
                await note_user(session, FIRST_MEMBER + i, "en", now, private_chat=True)
    finally:
        await db.dispose()
    fake.group(GROUP, "第一党支部群")
    secretary = fake.user(SECRETARY, "Li", last_name="Secretary", language_code="en")
    fake.start_private(secretary)
    users = []
    for i in range(count):
        user = fake.user(FIRST_MEMBER + i, "Member", last_name=str(i), language_code="en")
        fake.start_private(user)
        users.append(user)
    return secretary, users


async def outbox_rows(url: str, purpose: str) -> list[OutboxMessage]:
    db = Database(url)
    try:
        async with db.session() as session:
            return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose)))
    finally:
        await db.dispose()


# --- playing the users -------------------------------------------------------------------------


async def say(fake: FakeTelegram, user: FakeUser, text: str, contains: str, timeout: float = 30) -> dict:
    mark = fake.mark()
    fake.send_text(user, user.id, text)
    return await fake.wait_message(user.id, contains=contains, timeout=timeout, after=mark)


async def tap(fake: FakeTelegram, user: FakeUser, message: dict, data: str, timeout: float = 30) -> str:
    """Press a button and return the toast the bot answered with."""
    mark = fake.mark()
    query = fake.press(user, message, data)["callback_query"]["id"]
    call = await fake.wait_for(
        lambda c: c.method == "answerCallbackQuery" and c.params.get("callback_query_id") == query,
        timeout=timeout, after=mark,
    )
    return call.params.get("text") or ""


async def send_notice(fake: FakeTelegram, secretary: FakeUser, text: str) -> tuple[int, int]:
    """The secretary sends ``text`` to everyone privately, asking for 收到; (notice number, mark)."""
    await say(fake, secretary, "/broadcast", "Send me the notice")
    who = await say(fake, secretary, text, "Who is it for?")
    mark = fake.mark()
    await tap(fake, secretary, who, "ba:m")
    ask = await fake.wait_message(secretary.id, contains="Should members confirm", timeout=30, after=mark)
    mark = fake.mark()
    await tap(fake, secretary, ask, "bk:1")
    preview = await fake.wait_message(secretary.id, contains="Preview", timeout=30, after=mark)
    assert text in preview["text"]
    mark = fake.mark()
    await tap(fake, secretary, preview, "bs:ok")
    started = await fake.wait_message(secretary.id, contains="is on its way", timeout=30, after=mark)
    number = int(re.search(r"#(\d+)", started["text"]).group(1))
    return number, mark


class Copies:
    """The copies of one notice the fake answered successfully, per chat (read incrementally)."""

    def __init__(self, fake: FakeTelegram, number: int) -> None:
        self.fake = fake
        self.data = f"ack:{number}"
        self.calls: list[Call] = []
        self.per_chat: Counter[int] = Counter()
        self.first: dict[int, dict] = {}  # chat -> the first copy it got (a Message)
        self._seen = 0

    def is_copy(self, call: Call) -> bool:
        return (
            call.method == "sendMessage"
            and call.ok
            and (call.text or "").startswith(NOTICE_HEADER)
            and self.data in [data for _, data in self.fake.buttons(call.result)]
        )

    def refresh(self) -> Copies:
        calls = self.fake.calls
        while self._seen < len(calls):
            call = calls[self._seen]
            self._seen += 1
            if self.is_copy(call):
                self.calls.append(call)
                self.per_chat[call.chat_id] += 1
                self.first.setdefault(call.chat_id, call.result)
        return self

    def __len__(self) -> int:
        return len(self.refresh().calls)

    def reached(self) -> set[int]:
        return set(self.refresh().per_chat)


async def wait_until(condition: Callable[[], bool], timeout: float, what: str, step: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting until {what}")
        await asyncio.sleep(step)


def answered_429(fake: FakeTelegram) -> list[Call]:
    return [c for c in fake.calls if c.status == 429]


def assert_clean_exit(bot: LiveBot, code: int) -> None:
    output = bot.output()
    assert "Traceback" not in output, output[-3000:]
    assert code == 0, output[-3000:]


def violations(fake: FakeTelegram) -> str:
    return f"{len(fake.limit_violations)} sends over the limits, e.g. {fake.limit_violations[:5]}"


# --- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
async def test_2000_recipient_broadcast_within_limits(fake, tmp_path, backend):
    url = await database_url(backend, tmp_path)
    secretary, users = await prepare(fake, url, 2000)
    everyone = {secretary.id} | {u.id for u in users}
    by_id = {u.id: u for u in users}
    fake.enforce_limits(**FAST_LIMITS)
    bot = LiveBot(fake, url, tmp_path, **FAST)
    await bot.start()
    try:
        number, mark = await send_notice(fake, secretary, "周五下午三点召开支部党员大会，请准时参加。")
        began = time.monotonic()
        copies = Copies(fake, number)

        # Five members tap 收到 while the rest of the copies are still going out.
        await wait_until(lambda: len(copies.reached() - {secretary.id}) >= 5, 60, "five members have their copy")
        tappers = [by_id[chat] for chat in sorted(copies.reached() - {secretary.id})[:5]]
        for user in tappers:
            assert "noted as received" in await tap(fake, user, copies.first[user.id], f"ack:{number}", timeout=60)

        await wait_until(lambda: copies.reached() >= everyone, 180, "every recipient has a copy", step=0.2)
        spent = time.monotonic() - began

        # The ledger is long (2,001 names): it comes in several messages, the Remind button under the last.
        asked = fake.mark()
        fake.send_text(secretary, secretary.id, f"/acks {number}")
        last = await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok and c.chat_id == secretary.id
                                   and f"bn:{number}" in [d for _, d in fake.buttons(c.result)], 60, after=asked)
        ledger = "\n".join(c.text for c in fake.calls[asked:] if c.method == "sendMessage" and c.ok
                           and c.chat_id == secretary.id and c.at <= last.at and "is delivered." not in c.text)
        assert f"Notice #{number} of " in ledger and "5/2001 confirmed." in ledger, ledger[:300]
        confirmed = next(line for line in ledger.splitlines() if line.startswith("Confirmed:"))
        assert sorted(confirmed.removeprefix("Confirmed:").strip().split(", ")) == sorted(
            member_name(u.id - FIRST_MEMBER) for u in tappers)
        assert "Remind the 1996 who have not confirmed" in [label for label, _ in fake.buttons(last.result)]

        report = await fake.wait_message(secretary.id, contains=f"Notice #{number} is delivered.", timeout=90,
                                         after=mark)
        assert "Delivered privately: 2001." in report["text"], report["text"]
        assert "Blocked the bot" not in report["text"] and "may have arrived twice" not in report["text"]
    finally:
        code = await bot.stop()
    assert_clean_exit(bot, code)

    print(f"\n[{backend}] 2001 copies in {spent:.1f}s ({2001 / spent:.0f}/s); {violations(fake)}")
    per_chat = copies.refresh().per_chat
    assert set(per_chat) == everyone
    assert [chat for chat, n in per_chat.items() if n != 1] == []
    assert fake.limit_violations == [], violations(fake)
    assert answered_429(fake) == []


async def test_sigkill_halfway_and_restart(fake, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/branch.db"
    secretary, users = await prepare(fake, url, 2000)
    everyone = {secretary.id} | {u.id for u in users}
    fake.enforce_limits(**FAST_LIMITS)
    (tmp_path / "first").mkdir()
    (tmp_path / "second").mkdir()
    first = LiveBot(fake, url, tmp_path / "first", **FAST)
    await first.start()
    try:
        number, mark = await send_notice(fake, secretary, "本周六上午九点在三楼会议室开展主题党日活动。")
        copies = Copies(fake, number)
        await wait_until(lambda: len(copies) >= 800, 120, "800 copies are out", step=0.005)
    finally:
        await first.kill()
    out_at_kill = len(copies)
    assert len(everyone) / 3 <= out_at_kill < len(everyone) / 2 + 100, out_at_kill
    assert "Traceback" not in first.output()

    second = LiveBot(fake, url, tmp_path / "second", **FAST)
    await second.start()
    try:
        await wait_until(lambda: copies.reached() >= everyone, 180, "every recipient has a copy", step=0.2)
        report = await fake.wait_message(secretary.id, contains=f"Notice #{number} is delivered.", timeout=90,
                                         after=mark)
        await fake.quiet(seconds=1, timeout=60)
    finally:
        code = await second.stop()
    assert_clean_exit(second, code)

    rows = await outbox_rows(url, f"broadcast:{number}")
    flagged = {row.chat_id for row in rows if row.possibly_duplicate}
    per_chat = copies.refresh().per_chat
    twice = {chat for chat, n in per_chat.items() if n == 2}
    print(f"\n[SIGKILL after {out_at_kill} copies] recipients with two copies: {len(twice)}; "
          f"rows flagged possibly_duplicate: {len(flagged)}")
    assert set(per_chat) == everyone, f"missed: {sorted(everyone - set(per_chat))[:20]}"
    assert max(per_chat.values()) <= 2
    assert len(twice) <= len(flagged)
    assert twice <= flagged, f"duplicated without a flag: {sorted(twice - flagged)}"
    assert all(row.status == "sent" for row in rows)

    assert "Delivered privately: 2001." in report["text"], report["text"]
    if flagged:
        assert f"{len(flagged)} copies may have arrived twice" in report["text"], report["text"]
    reports = [c for c in fake.sent(secretary.id, "sendMessage") if f"Notice #{number} is delivered." in c.text]
    assert len(reports) == 1, reports


async def test_429_5xx_timeout_and_403_paths(fake, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/branch.db"
    secretary, users = await prepare(fake, url, 30)
    everyone = {secretary.id} | {u.id for u in users}
    blocked = [users[-2], users[-1]]  # last in line: the faults below hit copies that can arrive
    blocked_ids = {u.id for u in blocked}
    for user in blocked:
        fake.block(user)
    # Telegram's own limits, and a bot sending slower than that: the notice takes a few seconds to
    # go out, so the faults below land in the middle of it, on different recipients.
    fake.enforce_limits(global_per_second=30, per_chat_per_second=1, per_group_per_minute=20)
    bot = LiveBot(fake, url, tmp_path, TELEGRAM_TIMEOUT="2", SEND_PER_SECOND="10")
    await bot.start()
    try:
        number, mark = await send_notice(fake, secretary, "请各位党员于月底前交纳党费。")
        copies = Copies(fake, number)

        def sends_after(index: int) -> list[Call]:
            return [c for c in fake.calls[index:] if c.method == "sendMessage"]

        # A 429 once a few copies are out: nothing may leave for its retry_after.
        await fake.wait_for(lambda c: len(copies) >= 5, timeout=30, after=mark)
        fake.fail_next("sendMessage", status=429, retry_after=2)
        flood = await fake.wait_for(lambda c: c.method == "sendMessage" and c.status == 429
                                    and c.response["parameters"]["retry_after"] == 2, timeout=30, after=mark)
        at_flood = next(i for i, c in enumerate(fake.calls) if c is flood)
        # Once sending has resumed, three 502s in a row, retried.
        await fake.wait_for(lambda c: c.method == "sendMessage" and c.ok, timeout=30, after=at_flood)
        fake.fail_next("sendMessage", status=502, times=3)
        await fake.wait_for(lambda c: len([s for s in sends_after(at_flood) if s.status == 502]) >= 3, timeout=30,
                            after=at_flood)
        bad_gateway = [s for s in sends_after(at_flood) if s.status == 502]
        # Then a copy whose answer comes after the bot stopped waiting (TELEGRAM_TIMEOUT=2).
        held_from = time.monotonic()
        fake.delay_next("sendMessage", 5)

        await wait_until(lambda: copies.reached() >= everyone - blocked_ids, 60,
                         "every reachable recipient has a copy", step=0.1)
        report = await fake.wait_message(secretary.id, contains=f"Notice #{number} is delivered.", timeout=90,
                                         after=mark)
        await fake.quiet(seconds=1, timeout=30)
    finally:
        code = await bot.stop()
    assert_clean_exit(bot, code)

    rows = {row.chat_id: row for row in await outbox_rows(url, f"broadcast:{number}")}
    per_chat = copies.refresh().per_chat
    text = report["text"]

    # The pause: requests already on their way when the 429 was answered may still land; nothing else
    # is answered until retry_after has passed, and sending resumes afterwards.
    after_flood = [c for c in sends_after(at_flood) if c.ok]
    early = [c for c in after_flood if flood.at + 0.25 < c.at < flood.at + 2.0]
    assert early == [], [(round(c.at - flood.at, 3), c) for c in early]
    assert [c for c in after_flood if c.at >= flood.at + 2.0]
    assert rows[flood.chat_id].status == "sent"
    assert per_chat[flood.chat_id] == 1 + rows[flood.chat_id].possibly_duplicate

    # 502: retried until it went through, once.
    assert len(bad_gateway) == 3
    for call in bad_gateway:
        assert rows[call.chat_id].attempts >= 2
        assert rows[call.chat_id].status == ("unreachable" if call.chat_id in blocked_ids else "sent")
        assert per_chat[call.chat_id] == 1 + rows[call.chat_id].possibly_duplicate

    # The timed-out copy: sent again and flagged; the report owns up to it.
    [doubtful] = [chat for chat, row in rows.items() if row.possibly_duplicate]
    assert rows[doubtful].status == "sent"
    held = [c for c in fake.calls if c.method == "sendMessage" and c.chat_id == doubtful and c.at >= held_from + 5]
    assert held, "the flagged copy is not the one whose answer was held back"
    assert per_chat[doubtful] in (1, 2)
    assert "1 copies may have arrived twice" in text, text
    print(f"\n[faults] 429 to {flood.chat_id}, 502 to {[c.chat_id for c in bad_gateway]}, timed out: "
          f"{doubtful}, which received {per_chat[doubtful]} copies")

    # 403: named in the report, not retried.
    names = sorted(member_name(u.id - FIRST_MEMBER) for u in blocked)
    assert f"Blocked the bot or cannot be reached: {', '.join(names)}" in text, text
    assert f"Delivered privately: {len(everyone) - len(blocked)}." in text, text
    for user in blocked:
        assert rows[user.id].status == "unreachable" and user.id not in per_chat
        answers = [c.status for c in fake.calls if c.method == "sendMessage" and c.chat_id == user.id]
        assert answers.count(403) == 1 and 200 not in answers, answers

    # Nobody got more copies than the flags allow.
    assert set(per_chat) == everyone - blocked_ids
    assert {chat: n for chat, n in per_chat.items() if n > 1 + rows[chat].possibly_duplicate} == {}
    assert len([c for c in fake.sent(secretary.id, "sendMessage") if "is delivered." in c.text]) == 1


async def test_ack_ledger_and_manual_reminder(fake, tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/branch.db"
    secretary, users = await prepare(fake, url, 5)
    everyone = {secretary.id} | {u.id for u in users}
    fake.enforce_limits(**FAST_LIMITS)
    bot = LiveBot(fake, url, tmp_path, **FAST)
    await bot.start()
    try:
        number, _ = await send_notice(fake, secretary, "请于明天中午前提交学习心得。")
        copies = Copies(fake, number)
        await wait_until(lambda: copies.reached() >= everyone, 30, "every recipient has a copy")
        first, second = users[0], users[1]
        assert "noted as received" in await tap(fake, first, copies.first[first.id], f"ack:{number}")
        assert "already confirmed" in await tap(fake, first, copies.first[first.id], f"ack:{number}")
        assert "noted as received" in await tap(fake, second, copies.first[second.id], f"ack:{number}")

        ledger = await say(fake, secretary, f"/acks {number}", f"Notice #{number} of ")
        lines = ledger["text"].splitlines()
        assert "2/6 confirmed." in lines[0], ledger["text"]
        assert f"Confirmed: {member_name(0)}, {member_name(1)}" in lines, ledger["text"]
        waiting = [SECRETARY_NAME] + [member_name(i) for i in range(2, 5)]
        assert f"Not yet: {', '.join(waiting)}" in lines, ledger["text"]
        [(label, data)] = fake.buttons(ledger)
        assert label == "Remind the 4 who have not confirmed" and data == f"bn:{number}"

        mark = fake.mark()
        assert "Reminded 4 people." in await tap(fake, secretary, ledger, data)
        unconfirmed = everyone - {first.id, second.id}

        def reminders() -> Counter[int]:
            return Counter(c.chat_id for c in fake.calls[mark:] if c.method == "sendMessage" and c.ok
                           and (c.text or "").startswith(REMINDER_HEADER)
                           and f"ack:{number}" in [d for _, d in fake.buttons(c.result)])

        await wait_until(lambda: set(reminders()) >= unconfirmed, 30, "every unconfirmed member is reminded")
        await fake.quiet(seconds=1.5, timeout=30)
        assert reminders() == Counter(dict.fromkeys(unconfirmed, 1))

        # 收到 on the reminder counts like on the notice.
        third = users[2]
        reminder = next(c.result for c in fake.calls[mark:] if c.method == "sendMessage" and c.ok
                        and c.chat_id == third.id and (c.text or "").startswith(REMINDER_HEADER))
        assert "noted as received" in await tap(fake, third, reminder, f"ack:{number}")
        ledger = await say(fake, secretary, f"/acks {number}", f"Notice #{number} of ")
        assert "3/6 confirmed." in ledger["text"], ledger["text"]
        assert f"Confirmed: {member_name(0)}, {member_name(1)}, {member_name(2)}" in ledger["text"].splitlines()
    finally:
        code = await bot.stop()
    assert_clean_exit(bot, code)
