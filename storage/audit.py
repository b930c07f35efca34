"""The audit log: every officer action, who did it and to what."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AuditEntry


async def record(
    session: AsyncSession,
    *,
    action: str,
    at: datetime,
    branch_id: int | None,
    actor_user_id: int | None,
    actor_member_id: int | None = None,
    target: str | None = None,
    **details: Any,
) -> AuditEntry:
    entry = AuditEntry(
        branch_id=branch_id,
        actor_user_id=actor_user_id,
        actor_member_id=actor_member_id,
        action=action,
        target=target,
        details=details,
        at=at,
    )
    session.add(entry)
    return entry


async def entries(session: AsyncSession, branch_id: int, limit: int = 50) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.branch_id == branch_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return list(rows)
