"""A member's own word that a month's dues are paid (/paid), until the dues ledger replaces it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import DuesMark
from storage.upsert import insert_for


async def mark_paid(session: AsyncSession, member_id: int, month: str, now: datetime) -> bool:
    result = await session.execute(
        insert_for(session, DuesMark)
        .values(member_id=member_id, month=month, marked_at=now)
        .on_conflict_do_nothing(index_elements=["member_id", "month"])
    )
    return result.rowcount == 1


async def paid(session: AsyncSession, member_ids: list[int], month: str) -> set[int]:
    rows = await session.scalars(
        select(DuesMark.member_id).where(DuesMark.month == month, DuesMark.member_id.in_(member_ids))
    )
    return set(rows)
