"""Recurring rules, their moved or skipped occurrences, once-only timed events, and /paid marks."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import ActivityKind, AttendanceStatus, Audience
from storage.models import (
    Activity,
    Attendance,
    DuesMark,
    RuleException,
    ScheduledEvent,
    ScheduleRule,
)
from storage.upsert import insert_for


async def add_rule(
    session: AsyncSession,
    *,
    branch_id: int,
    purpose: str,
    title: str,
    recurrence: dict[str, Any],
    offsets: list[Any],
    now: datetime,
    kind: ActivityKind | None = None,
    duration_minutes: int = 120,
    place: str | None = None,
    audience: Audience = Audience.BRANCH,
    audience_group: str | None = None,
    created_by: int | None = None,
) -> ScheduleRule:
    rule = ScheduleRule(
        branch_id=branch_id, purpose=purpose, kind=kind, title=title, duration_minutes=duration_minutes,
        place=place, audience=audience, audience_group=audience_group, recurrence=recurrence, offsets=offsets,
        active=True, created_by=created_by, created_at=now,
    )
    session.add(rule)
    await session.flush()
    return rule


async def rules(session: AsyncSession, branch_id: int | None = None) -> list[ScheduleRule]:
    stmt = select(ScheduleRule).where(ScheduleRule.active)
    if branch_id is not None:
        stmt = stmt.where(ScheduleRule.branch_id == branch_id)
    return list(await session.scalars(stmt.order_by(ScheduleRule.id)))


async def get_rule(session: AsyncSession, rule_id: int) -> ScheduleRule | None:
    return await session.get(ScheduleRule, rule_id)


async def exceptions(session: AsyncSession, rule_id: int) -> tuple[dict[date, datetime], set[date]]:
    """The rule's moved occurrences (by original date) and skipped ones."""
    moved: dict[date, datetime] = {}
    skipped: set[date] = set()
    for row in await session.scalars(select(RuleException).where(RuleException.rule_id == rule_id)):
        if row.moved_to is None:
            skipped.add(row.occurrence)
        else:
            moved[row.occurrence] = row.moved_to
    return moved, skipped


async def set_exception(
    session: AsyncSession, rule_id: int, occurrence: date, moved_to: datetime | None, by: int | None, now: datetime
) -> None:
    row = await session.scalar(
        select(RuleException).where(RuleException.rule_id == rule_id, RuleException.occurrence == occurrence)
    )
    if row is None:
        row = RuleException(rule_id=rule_id, occurrence=occurrence, created_at=now)
        session.add(row)
    row.moved_to, row.created_by = moved_to, by
    await session.flush()


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


async def activity_of(session: AsyncSession, rule_id: int, occurrence: date) -> Activity | None:
    return await session.scalar(
        select(Activity).where(Activity.rule_id == rule_id, Activity.occurrence == occurrence)
    )


async def held_between(session: AsyncSession, branch_id: int, kind: ActivityKind, start: datetime, end: datetime) -> bool:
    """Whether an activity of ``kind`` took place (or is set) in [start, end)."""
    found = await session.scalar(
        select(Activity.id).where(
            Activity.branch_id == branch_id, Activity.kind == kind, ~Activity.cancelled,
            Activity.starts_at >= start, Activity.starts_at < end,
        ).limit(1)
    )
    return found is not None


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


async def absence_streak(session: AsyncSession, member_id: int, activities: list[Activity]) -> int:
    """How many of ``activities`` (newest first) in a row the member missed without leave."""
    rows = {
        a.activity_id: a.status
        for a in await session.scalars(
            select(Attendance).where(Attendance.member_id == member_id, Attendance.activity_id.in_([x.id for x in activities]))
        )
    }
    streak = 0
    for activity in activities:
        status = rows.get(activity.id)
        if status in (AttendanceStatus.PRESENT, AttendanceStatus.ON_LEAVE, AttendanceStatus.LEAVE_REQUESTED):
            break
        streak += 1
    return streak
