"""The outbox: messages to send, their state, and the bookkeeping that makes sends exactly-once.

A row moves pending → sending → sent (or failed / unreachable). ``sending`` is set in its own
commit right before the request leaves and cleared right after the answer, so after a crash
the only rows whose fate is unknown are the few that were in flight: they are sent again and
flagged ``possibly_duplicate`` so the report can say so.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxFile, OutboxMessage
from storage.upsert import insert_for


class Status(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"  # refused for good (400), or out of attempts
    UNREACHABLE = "unreachable"  # 403: blocked the bot, never started it, bot removed


FINAL = (Status.SENT, Status.FAILED, Status.UNREACHABLE)
MAX_ALBUM = 10  # Telegram's sendMediaGroup takes 2 to 10 items


def weight(row: OutboxMessage) -> int:
    """How many messages a row is to Telegram's limits: an album counts each of its items."""
    return max(1, len(row.media or ()))


async def add_file(session: AsyncSession, filename: str, kind: str, data: bytes, now: datetime) -> int:
    """Keep a file the bot made for outbox rows to upload (``upload_id``); ``kind`` is photo or document."""
    file = OutboxFile(filename=filename, kind=kind, size=len(data), data=data, created_at=now)
    session.add(file)
    await session.flush()
    return file.id


async def drop_unused_files(session: AsyncSession, file_ids: list[int]) -> None:
    """Files no row refers to (their keys were queued before): nothing will ever send them."""
    if file_ids:
        await session.execute(delete(OutboxFile).where(
            OutboxFile.id.in_(file_ids),
            ~select(OutboxMessage.id).where(OutboxMessage.upload_id == OutboxFile.id).exists(),
        ))


async def files(session: AsyncSession, file_ids: set[int]) -> dict[int, OutboxFile]:
    if not file_ids:
        return {}
    return {f.id: f for f in await session.scalars(select(OutboxFile).where(OutboxFile.id.in_(file_ids)))}


async def release_files(session: AsyncSession, file_ids: set[int]) -> None:
    """Drop the bytes of files that every row sending them is done with (sent, or never will be)."""
    if file_ids:
        unfinished = select(OutboxMessage.id).where(
            OutboxMessage.upload_id == OutboxFile.id, OutboxMessage.status.not_in([s.value for s in FINAL]))
        await session.execute(update(OutboxFile).where(
            OutboxFile.id.in_(file_ids), OutboxFile.data.is_not(None), ~unfinished.exists()).values(data=None))


async def enqueue(session: AsyncSession, rows: list[dict[str, Any]], now: datetime) -> int:
    """Queue messages (dicts of key, purpose, chat_id, text and optionally buttons, photo, document,
    media (an album's file ids), upload_id, not_before); a key queued before is left alone. Returns how many were new."""
    added = 0
    for start in range(0, len(rows), 500):  # stay well under the backends' parameter limits
        chunk = [
            {
                "buttons": None, "photo": None, "document": None, "media": None, "upload_id": None, "not_before": now,
                **row,
                "status": Status.PENDING.value, "possibly_duplicate": False, "attempts": 0,
                "created_at": now, "updated_at": now,
            }
            for row in rows[start:start + 500]
        ]
        result = await session.execute(
            insert_for(session, OutboxMessage).values(chunk).on_conflict_do_nothing(index_elements=["key"])
        )
        added += max(result.rowcount or 0, 0)
    return added


async def due(session: AsyncSession, now: datetime, limit: int) -> list[OutboxMessage]:
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.status == Status.PENDING, OutboxMessage.not_before <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    return list(rows)


async def next_due_at(session: AsyncSession) -> datetime | None:
    return await session.scalar(
        select(func.min(OutboxMessage.not_before)).where(OutboxMessage.status == Status.PENDING)
    )


async def claim_many(session: AsyncSession, row_ids: list[int], now: datetime) -> set[int]:
    """Take pending rows for sending in one statement; the ids this sender got."""
    if not row_ids:
        return set()
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(row_ids), OutboxMessage.status == Status.PENDING)
        .values(status=Status.SENDING.value, attempts=OutboxMessage.attempts + 1, updated_at=now)
        .returning(OutboxMessage.id)
    )
    return set(result.scalars())


async def settle(
    session: AsyncSession,
    row_id: int,
    status: Status,
    now: datetime,
    *,
    message_id: int | None = None,
    error: str | None = None,
    not_before: datetime | None = None,
    uncertain: bool = False,
) -> None:
    """Record the answer for a row in flight: final, or back to pending for ``not_before``."""
    values: dict[str, Any] = {"status": status.value, "updated_at": now, "last_error": error}
    if status == Status.SENT:
        values.update(message_id=message_id, sent_at=now)
    if not_before is not None:
        values["not_before"] = not_before
    if uncertain:
        values["possibly_duplicate"] = True
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values))


async def recover_interrupted(session: AsyncSession, now: datetime) -> int:
    """Rows left in flight by a crash: send again, flagged as possibly duplicated."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == Status.SENDING)
        .values(status=Status.PENDING.value, possibly_duplicate=True, updated_at=now)
    )
    return result.rowcount or 0


async def counts(session: AsyncSession, purpose: str) -> dict[Status, int]:
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).where(OutboxMessage.purpose == purpose).group_by(OutboxMessage.status)
    )
    return {Status(status): n for status, n in rows}


async def rows_for(session: AsyncSession, purpose: str) -> list[OutboxMessage]:
    return list(await session.scalars(select(OutboxMessage).where(OutboxMessage.purpose == purpose).order_by(OutboxMessage.id)))


async def message_id_of(session: AsyncSession, key: str) -> tuple[int, int] | None:
    """(chat id, message id) of a sent row, e.g. an announcement whose live count is redrawn."""
    row = (await session.execute(
        select(OutboxMessage.chat_id, OutboxMessage.message_id).where(
            OutboxMessage.key == key, OutboxMessage.message_id.is_not(None))
    )).first()
    return (row[0], row[1]) if row else None
