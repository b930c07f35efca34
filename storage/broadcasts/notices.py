"""Broadcasts: who a notice is for, its copies, the "收到" ledger, nudges and the final report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import String, and_, cast, func, literal, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.activities import activities as activity_store
from storage.models import Attendance, Branch, Broadcast, Delivery, Member, OutboxMessage
from storage.outbox import FINAL, Status
from storage.rules.vocabulary import AttendanceStatus


def purpose_of(broadcast_id):
    """The outbox purpose of a broadcast's copies (works on a number or a column)."""
    if isinstance(broadcast_id, int):
        return f"broadcast:{broadcast_id}"
    return literal("broadcast:") + cast(broadcast_id, String)


class Audience(StrEnum):
    GROUP = "group"  # one post in the branch group
    MEMBERS = "members"  # everyone on the roster, privately
    PARTY_GROUP = "party_group"  # one 党小组, privately
    NOT_CHECKED_IN = "not_checked_in"  # expected at an activity, neither present nor on leave
    NOT_ACKED = "not_acked"  # have not tapped 收到 on an earlier notice
    # A committee's notice (committee_id set, no branch): to each linked branch's secretary, or its group.
    SECRETARIES = "secretaries"
    BRANCH_GROUPS = "branch_groups"


async def audience(session: AsyncSession, branch_id: int, kind: Audience, arg: str | None) -> list[Member]:
    """The roster entries a notice is for, by name."""
    roster = select(Member).where(Member.branch_id == branch_id, Member.active)
    if kind in (Audience.GROUP, Audience.MEMBERS):
        stmt = roster
    elif kind == Audience.PARTY_GROUP:
        stmt = roster.where(Member.party_group == arg)
    elif kind == Audience.NOT_CHECKED_IN:
        activity = await activity_store.get(session, int(arg or 0))
        if activity is None or activity.branch_id != branch_id:
            return []
        settled = select(Attendance.member_id).where(
            Attendance.activity_id == activity.id,
            Attendance.status.in_([AttendanceStatus.PRESENT, AttendanceStatus.ON_LEAVE, AttendanceStatus.LEAVE_REQUESTED]),
        )
        stmt = activity_store.expected_query(activity).where(Member.id.not_in(settled))
    else:
        earlier = await session.get(Broadcast, int(arg or 0))
        if earlier is None or earlier.branch_id != branch_id:
            return []
        stmt = roster.where(
            Member.id.in_(select(Delivery.member_id).where(Delivery.broadcast_id == earlier.id, Delivery.acked_at.is_(None)))
        )
    return list(await session.scalars(stmt.order_by(Member.name)))


async def create(
    session: AsyncSession,
    *,
    branch_id: int,
    author_id: int,
    text: str,
    photo: str | None,
    document: str | None,
    audience: str,
    audience_arg: str | None,
    require_ack: bool,
    now: datetime,
) -> Broadcast:
    """A notice about to be sent; flushed, so its number is known for the deliveries."""
    broadcast = Broadcast(
        branch_id=branch_id, author_id=author_id, text=text, photo=photo, document=document,
        audience=audience, audience_arg=audience_arg, require_ack=require_ack, created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    return broadcast


async def create_for_committee(
    session: AsyncSession, *, committee_id: int, author_user_id: int, text: str, audience: Audience, now: datetime,
) -> Broadcast:
    """A committee's notice to its branches: no branch, no author on a roster; flushed for its number."""
    broadcast = Broadcast(
        committee_id=committee_id, author_user_id=author_user_id, text=text, audience=audience.value,
        require_ack=False, created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    return broadcast


def group_key(broadcast_id: int, branch_id: int) -> str:
    """The outbox key of a committee notice's post in one branch's group."""
    return f"{purpose_of(broadcast_id)}:group:{branch_id}"


async def branches_by_id(session: AsyncSession, ids: list[int]) -> dict[int, Branch]:
    if not ids:
        return {}
    return {b.id: b for b in await session.scalars(select(Branch).where(Branch.id.in_(ids)))}


async def latest(session: AsyncSession, branch_id: int) -> Broadcast | None:
    return await session.scalar(
        select(Broadcast).where(Broadcast.branch_id == branch_id).order_by(Broadcast.id.desc())
    )


async def latest_with_ack(session: AsyncSession, branch_id: int) -> Broadcast | None:
    return await session.scalar(
        select(Broadcast).where(Broadcast.branch_id == branch_id, Broadcast.require_ack).order_by(Broadcast.id.desc())
    )


async def get(session: AsyncSession, broadcast_id: int) -> Broadcast | None:
    return await session.get(Broadcast, broadcast_id)


def add_delivery(session: AsyncSession, broadcast: Broadcast, member: Member, chat_id: int | None, key: str | None) -> None:
    session.add(Delivery(broadcast_id=broadcast.id, member_id=member.id, chat_id=chat_id, outbox_key=key, nudges=0))


class AckOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_ADDRESSED = "not_addressed"


async def acknowledge(session: AsyncSession, broadcast_id: int, member_id: int, now: datetime) -> AckOutcome:
    """Record "收到" once, however many taps arrive."""
    result = await session.execute(
        update(Delivery)
        .where(Delivery.broadcast_id == broadcast_id, Delivery.member_id == member_id, Delivery.acked_at.is_(None))
        .values(acked_at=now)
    )
    if result.rowcount == 1:
        return AckOutcome.RECORDED
    exists = await session.scalar(
        select(Delivery.id).where(Delivery.broadcast_id == broadcast_id, Delivery.member_id == member_id)
    )
    return AckOutcome.ALREADY if exists else AckOutcome.NOT_ADDRESSED


@dataclass(frozen=True)
class LedgerLine:
    member: Member
    delivery: Delivery
    status: Status | None  # of its private copy; None: no private copy (group post, or unreachable)


async def ledger(session: AsyncSession, broadcast_id: int) -> list[LedgerLine]:
    rows = await session.execute(
        select(Member, Delivery, OutboxMessage.status)
        .join(Delivery, Delivery.member_id == Member.id)
        .outerjoin(OutboxMessage, OutboxMessage.key == Delivery.outbox_key)
        .where(Delivery.broadcast_id == broadcast_id)
        .order_by(Member.name)
    )
    return [LedgerLine(m, d, Status(s) if s else None) for m, d, s in rows]


async def due_nudges(session: AsyncSession, now: datetime, after: timedelta, most: int, branch_id: int) -> list[tuple[Broadcast, Delivery]]:
    """Unacknowledged private copies whose last reminder (or the notice) is older than ``after``."""
    rows = await session.execute(
        select(Broadcast, Delivery)
        .join(Delivery, Delivery.broadcast_id == Broadcast.id)
        .where(
            Broadcast.branch_id == branch_id,
            Broadcast.require_ack,
            Delivery.acked_at.is_(None),
            Delivery.chat_id.is_not(None),
            Delivery.nudges < most,
            or_(
                and_(Delivery.last_nudge_at.is_(None), Broadcast.created_at <= now - after),
                Delivery.last_nudge_at <= now - after,
            ),
        )
        .order_by(Delivery.id)
    )
    return [(b, d) for b, d in rows]


async def nudgeable(session: AsyncSession, broadcast_id: int, now: datetime, window: timedelta, most: int) -> list[Delivery]:
    """Unacknowledged private copies of one notice that may be reminded by hand now: fewer than
    ``most`` reminders so far, and none within ``window``."""
    rows = await session.scalars(
        select(Delivery)
        .where(
            Delivery.broadcast_id == broadcast_id,
            Delivery.acked_at.is_(None),
            Delivery.chat_id.is_not(None),
            Delivery.nudges < most,
            or_(Delivery.last_nudge_at.is_(None), Delivery.last_nudge_at <= now - window),
        )
        .order_by(Delivery.id)
    )
    return list(rows)


async def note_nudge(session: AsyncSession, delivery: Delivery, now: datetime) -> int | None:
    """Count one more reminder; its number, or None if someone else counted it first."""
    number = delivery.nudges + 1
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id == delivery.id, Delivery.nudges == delivery.nudges, Delivery.acked_at.is_(None))
        .values(nudges=number, last_nudge_at=now)
    )
    return number if result.rowcount == 1 else None


async def finished_unreported(session: AsyncSession) -> list[Broadcast]:
    """Broadcasts whose every copy has reached a final state and whose author has no report yet."""
    open_rows = (
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.purpose == purpose_of(Broadcast.id), OutboxMessage.status.not_in(FINAL))
        .scalar_subquery()
    )
    return list(await session.scalars(select(Broadcast).where(Broadcast.report_sent_at.is_(None), open_rows == 0)))


async def claim_report(session: AsyncSession, broadcast: Broadcast, now: datetime) -> bool:
    result = await session.execute(
        update(Broadcast).where(Broadcast.id == broadcast.id, Broadcast.report_sent_at.is_(None)).values(report_sent_at=now)
    )
    return result.rowcount == 1
