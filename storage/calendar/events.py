"""Timed things that must happen once: claimed under a unique key before anything is sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ScheduledEvent
from storage.upsert import insert_for


async def claim_event(
    session: AsyncSession, key: str, *, due_at: datetime, now: datetime, branch_id: int | None, outcome: str = "done"
) -> bool:
    """Take a timed event for this run; False if it was taken before (a restart, another instance)."""
    result = await session.execute(
        insert_for(session, ScheduledEvent)
        .values(key=key, branch_id=branch_id, due_at=due_at, outcome=outcome, at=now)
        .on_conflict_do_nothing(index_elements=["key"])
    )
    return result.rowcount == 1
