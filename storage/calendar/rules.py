"""Recurring rules and their moved or skipped occurrences."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Activity,
    RuleException,
    ScheduleRule,
)
from storage.rules.dates import MAX_DURATION
from storage.rules.recurrence import Offset, Rule
from storage.rules.vocabulary import ActivityKind, Audience

log = logging.getLogger(__name__)


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
    """The active rules, as stored (the calendar engine fails a branch with an unreadable one
    loudly, and takes it up again once it is mended)."""
    stmt = select(ScheduleRule).where(ScheduleRule.active)
    if branch_id is not None:
        stmt = stmt.where(ScheduleRule.branch_id == branch_id)
    return list(await session.scalars(stmt.order_by(ScheduleRule.id)))


async def readable_rules(session: AsyncSession, branch_id: int) -> list[ScheduleRule]:
    """The active rules people are shown; one that cannot be read (edited by hand, or stored before
    the limits of storage.rules.dates) is left out with a warning rather than breaking the answer."""
    found = []
    for rule in await rules(session, branch_id):
        if readable(rule):
            found.append(rule)
        else:
            log.warning("rule #%s cannot be read and is left out: %r %r", rule.id, rule.recurrence, rule.offsets)
    return found


def readable(rule: ScheduleRule) -> bool:
    """Whether the stored rule is one the calendar can compute with: a valid recurrence and
    reminders within their bounds, and a length up to MAX_DURATION."""
    try:
        Rule.from_json(rule.recurrence)
        for offset in rule.offsets or []:
            Offset.from_json(offset)
    except (ValueError, TypeError, KeyError, AttributeError):
        return False
    minutes = rule.duration_minutes
    return isinstance(minutes, int) and 0 < minutes <= MAX_DURATION.total_seconds() // 60


async def get_rule(session: AsyncSession, rule_id: int) -> ScheduleRule | None:
    return await session.get(ScheduleRule, rule_id)


def stop_rule(rule: ScheduleRule) -> None:
    """No more dates from this rule; the activities it already made stay."""
    rule.active = False


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



async def activity_of(session: AsyncSession, rule_id: int, occurrence: date) -> Activity | None:
    return await session.scalar(
        select(Activity).where(Activity.rule_id == rule_id, Activity.occurrence == occurrence)
    )

