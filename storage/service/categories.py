"""The kinds of service a branch reports: the five of the 党员志愿服务队 plus 其他 to start, then the secretary's."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ServiceCategory
from storage.rules.names import name_key
from storage.rules.service import DEFAULT_CATEGORIES
from storage.upsert import insert_for

MAX_NAME = 50


async def ensure(session: AsyncSession, branch_id: int, now: datetime) -> list[ServiceCategory]:
    """The branch's categories in use, seeded with the defaults the first time (once, however many ask at once)."""
    if not await session.scalar(select(func.count()).select_from(ServiceCategory).where(ServiceCategory.branch_id == branch_id)):
        await session.execute(
            insert_for(session, ServiceCategory)
            .values([{"branch_id": branch_id, "name": name, "position": i, "created_at": now}
                     for i, name in enumerate(DEFAULT_CATEGORIES)])
            .on_conflict_do_nothing(index_elements=["branch_id", "name"])
        )
    return await active(session, branch_id)


async def active(session: AsyncSession, branch_id: int) -> list[ServiceCategory]:
    return list(await session.scalars(
        select(ServiceCategory)
        .where(ServiceCategory.branch_id == branch_id, ServiceCategory.retired_at.is_(None))
        .order_by(ServiceCategory.position, ServiceCategory.id)
    ))


async def get(session: AsyncSession, branch_id: int, category_id: int) -> ServiceCategory | None:
    """A category of this branch (retired or not); None for another branch's."""
    category = await session.get(ServiceCategory, category_id)
    return category if category is not None and category.branch_id == branch_id else None


async def by_name(session: AsyncSession, branch_id: int, name: str) -> ServiceCategory | None:
    """The category called ``name`` (normal form, case-folded), retired or not."""
    key = name_key(name)
    for category in await session.scalars(select(ServiceCategory).where(ServiceCategory.branch_id == branch_id)):
        if name_key(category.name) == key:
            return category
    return None


class Added(StrEnum):
    ADDED = "added"
    RESTORED = "restored"  # it had been retired: in use again
    EXISTS = "exists"


async def add(session: AsyncSession, branch_id: int, name: str, now: datetime) -> Added:
    await ensure(session, branch_id, now)
    existing = await by_name(session, branch_id, name)
    if existing is not None:
        if existing.retired_at is None:
            return Added.EXISTS
        existing.retired_at = None
        return Added.RESTORED
    last = await session.scalar(select(func.max(ServiceCategory.position)).where(ServiceCategory.branch_id == branch_id))
    session.add(ServiceCategory(branch_id=branch_id, name=name, position=(last or 0) + 1, created_at=now))
    await session.flush()
    return Added.ADDED


async def retire(session: AsyncSession, branch_id: int, name: str, now: datetime) -> ServiceCategory | None:
    """Stop offering a category; reports made with it keep it. None when there is no such category in use."""
    await ensure(session, branch_id, now)
    category = await by_name(session, branch_id, name)
    if category is None or category.retired_at is not None:
        return None
    category.retired_at = now
    return category
