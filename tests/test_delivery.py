"""The outbox and its sender: limits kept ahead of time, every failure path, exactly-once keys."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from bot.delivery import Sender
from bot.limits import LimitConfig, Limits
from bot.transport import Rejected, RetryLater, Transient, Uncertain, Unreachable
from handlers.kit.api import Button
from storage import outbox
from storage.models import OutboxMessage, UserPref
from storage.outbox import Status
from tests.memory import UNLIMITED, Clock, MemoryTransport

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_limits_per_private_chat_per_group_and_overall():
    ticks = Ticks()
    limits = Limits(LimitConfig(per_second=30, per_chat_per_second=1, per_group_per_minute=20, margin=0), ticks)
    limits.take(1)
    assert limits.ready_at(1) == ticks.t + 1.0 and limits.ready_at(2) == ticks.t
    group = -100
    for _ in range(20):
        ticks.t = max(ticks.t, limits.ready_at(group))
        limits.take(group)
    first = ticks.t - 19.0
    assert limits.ready_at(group) == first + 60.0  # the 21st waits for the first to age out
    ticks.t += 61
    for chat in range(100, 130):
        limits.take(chat)
    assert limits.ready_at(999) == ticks.t + 1.0  # 30 in this second: the 31st waits
    limits.pause(5)
    assert limits.ready_at(12345) == ticks.t + 5


async def queue(db, count, text="Notice", purpose="test", buttons=None):
    async with db.session() as s:
        return await outbox.enqueue(s, [
            {"key": f"{purpose}:{chat}", "purpose": purpose, "chat_id": chat, "text": text, "buttons": buttons}
            for chat in range(1, count + 1)
        ], NOW)


def sender(db, transport, clock=None, **options):
    """A sender whose limits run on the test's clock: waiting for them takes no real time."""
    clock = clock or Clock(NOW)
    return Sender(db, transport, Limits(UNLIMITED, clock.monotonic, clock.sleep), clock, **options)


async def statuses(db):
    async with db.session() as s:
        return {row.chat_id: row for row in await s.scalars(select(OutboxMessage))}


async def test_each_row_is_sent_once_and_a_key_is_never_queued_twice(db):
    transport = MemoryTransport()
    transport.started.update(range(1, 51))
    assert await queue(db, 50) == 50
    assert await queue(db, 50) == 0  # the same keys again: nothing new
    worker = sender(db, transport)
    assert await worker.drain_once()
    assert not await worker.drain_once()
    assert sorted(m.chat_id for m in transport.sent) == list(range(1, 51))
    rows = await statuses(db)
    assert {r.status for r in rows.values()} == {Status.SENT}
    assert all(r.message_id for r in rows.values())


async def test_failure_paths(db):
    transport = MemoryTransport()
    transport.started.update(range(1, 7))
    transport.failures = {
        1: [RetryLater(3)],
        2: [Transient("502 Bad Gateway")],
        3: [Uncertain("request timeout")],
        4: [Unreachable("Forbidden: bot was blocked by the user")],
        5: [Rejected("Bad Request: message is too long")],
        6: [Transient("502")] * 8,
    }
    await queue(db, 6)
    clock = Clock(NOW)
    worker = sender(db, transport, clock, max_attempts=8)
    await worker.drain_once()
    rows = await statuses(db)
    assert rows[1].status == Status.PENDING and rows[1].not_before == NOW + timedelta(seconds=3)
    assert rows[2].status == Status.PENDING and rows[2].attempts == 1
    assert rows[3].status == Status.PENDING and rows[3].possibly_duplicate
    assert rows[4].status == Status.UNREACHABLE
    assert rows[5].status == Status.FAILED and "too long" in rows[5].last_error
    async with db.session() as s:
        assert (await s.get(UserPref, 4)).private_chat_open is False
    for _ in range(12):  # time passes; retries go out with backoff
        clock.advance(minutes=10)
        await worker.drain_once()
    rows = await statuses(db)
    assert [rows[c].status for c in (1, 2, 3)] == [Status.SENT] * 3
    assert rows[6].status == Status.FAILED and "gave up after 8 attempts" in rows[6].last_error
    assert sorted(m.chat_id for m in transport.sent) == [1, 2, 3]


async def test_rows_in_flight_at_a_crash_are_sent_again_and_flagged(db):
    transport = MemoryTransport()
    transport.started.update({1, 2})
    await queue(db, 2)
    async with db.session() as s:
        row = await s.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 1))
        assert await outbox.claim_many(s, [row.id], NOW) == {row.id}  # then the process died
    async with db.session() as s:
        assert await outbox.recover_interrupted(s, NOW) == 1
    await sender(db, transport).drain_once()
    rows = await statuses(db)
    assert rows[1].status == Status.SENT and rows[1].possibly_duplicate
    assert rows[2].status == Status.SENT and not rows[2].possibly_duplicate


async def test_a_claimed_row_is_not_sent_by_a_second_sender(db):
    transport = MemoryTransport()
    transport.started.add(1)
    await queue(db, 1)
    async with db.session() as s:
        row = await s.scalar(select(OutboxMessage))
        assert await outbox.claim_many(s, [row.id], NOW) == {row.id}
    await sender(db, transport).drain_once()
    assert transport.sent == []


async def test_messages_to_one_chat_keep_their_order_and_buttons_survive(db):
    transport = MemoryTransport()
    transport.started.add(7)
    async with db.session() as s:
        await outbox.enqueue(s, [
            {"key": f"k{i}", "purpose": "p", "chat_id": 7, "text": f"m{i}",
             "buttons": [[{"text": "收到", "data": "ack:1", "url": None}]] if i == 4 else None}
            for i in range(5)
        ], NOW)
    await sender(db, transport).drain_once()
    assert [m.text for m in transport.sent] == ["m0", "m1", "m2", "m3", "m4"]
    assert transport.sent[-1].buttons == [[Button("收到", "ack:1", None)]]


async def test_a_429_holds_back_every_chat_for_its_retry_after(db):
    clock = Clock(NOW)
    transport = MemoryTransport()
    transport.started.update({1, 2})
    transport.failures = {1: [RetryLater(3)]}
    sent_at: dict[str, float] = {}
    send_text = transport.send_text

    async def timed_send(chat_id, text, buttons):
        message_id = await send_text(chat_id, text, buttons)
        sent_at[text] = clock.monotonic()
        return message_id

    transport.send_text = timed_send
    worker = sender(db, transport, clock)
    await queue(db, 1)
    paused_at = clock.monotonic()
    await worker.drain_once()  # chat 1 answers 429 with retry_after 3
    async with db.session() as s:
        await outbox.enqueue(s, [{"key": "later", "purpose": "p", "chat_id": 2, "text": "to another chat",
                                  "buttons": None}], clock())
    assert await worker.drain_once()
    assert clock.slept == [3.0]  # it waited for the pause, on the test's clock, and no longer
    assert sent_at["to another chat"] >= paused_at + 3
    rows = await statuses(db)
    assert rows[1].status == Status.PENDING and rows[1].not_before == NOW + timedelta(seconds=3)
    assert rows[2].status == Status.SENT
