"""Each member's history: status (积极分子 → 预备 → 正式), party group, on or off the roster, with dates.

Every change of these goes through ``remember`` (storage/roster/members.py calls it), so records
and summaries can ask what someone was on a given day instead of what the roster says today.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, MembershipChange
from storage.rules.vocabulary import MembershipEvent, PartyStatus


def event_for(old_status: PartyStatus | None, new_status: PartyStatus, group_changed: bool) -> MembershipEvent:
    """What a change of status (and group) is called in the history."""
    if old_status == PartyStatus.ACTIVIST and new_status == PartyStatus.PROBATIONARY:
        return MembershipEvent.ADMITTED
    if old_status == PartyStatus.PROBATIONARY and new_status == PartyStatus.FULL:
        return MembershipEvent.CONVERTED
    if old_status != new_status:
        return MembershipEvent.STATUS
    return MembershipEvent.GROUP if group_changed else MembershipEvent.STATUS


def remember(session: AsyncSession, member: Member, event: MembershipEvent, at: datetime, by: int | None = None) -> None:
    """Add the member's state as it is now to their history (the member must have an id)."""
    assert member.id is not None
    session.add(MembershipChange(
        member_id=member.id, at=at, event=event, status=member.status, party_group=member.party_group,
        active=member.active, recorded_by=by,
    ))


async def of(session: AsyncSession, member_id: int) -> list[MembershipChange]:
    """A member's history, oldest first."""
    return list(await session.scalars(
        select(MembershipChange).where(MembershipChange.member_id == member_id)
        .order_by(MembershipChange.at, MembershipChange.id)
    ))


async def states_at(session: AsyncSession, member_ids: Iterable[int], at: datetime) -> dict[int, MembershipChange]:
    """What each member was at ``at``: their latest history entry from before then (absent: not yet on the roster)."""
    ids = list(member_ids)
    if not ids:
        return {}
    rows = await session.scalars(
        select(MembershipChange).where(MembershipChange.member_id.in_(ids), MembershipChange.at <= at)
        .order_by(MembershipChange.at, MembershipChange.id)
    )
    return {row.member_id: row for row in rows}  # later rows overwrite earlier ones
