"""The roster: members, roles, personal invites and join requests."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Branch, Invite, JoinRequest, Member, MemberRole
from storage.roster import history
from storage.roster.history import event_for
from storage.rules.names import name_key
from storage.rules.vocabulary import DuesCategory, JoinStatus, MembershipEvent, PartyStatus, Role
from storage.upsert import insert_for


@dataclass(frozen=True)
class MemberData:
    """What a roster line or the add command says about a person."""

    name: str
    status: PartyStatus
    party_group: str | None = None
    dues_category: DuesCategory | None = None
    phone: str | None = None
    joined_on: date | None = None
    mobile: bool = False


@dataclass(frozen=True)
class ImportResult:
    created: list[str]
    updated: list[str]
    unchanged: list[str]
    lookalikes: list[tuple[str, str]]  # (name in the file, the roster's entry it looks like): not added


async def get(session: AsyncSession, member_id: int) -> Member | None:
    return await session.get(Member, member_id)


async def by_name(session: AsyncSession, branch_id: int, name: str) -> Member | None:
    return await session.scalar(select(Member).where(Member.branch_id == branch_id, Member.name == name))


async def lookalike(session: AsyncSession, branch_id: int, name: str) -> Member | None:
    """A roster entry whose name is not ``name`` but the same name after normalizing and case
    folding (张三 with a zero-width space, Li Ming and li ming): possibly the same person."""
    key = name_key(name)
    for member in await session.scalars(select(Member).where(Member.branch_id == branch_id).order_by(Member.id)):
        if member.name != name and name_key(member.name) == key:
            return member
    return None


async def by_user(session: AsyncSession, branch_id: int, user_id: int) -> Member | None:
    return await session.scalar(
        select(Member).where(
            Member.branch_id == branch_id, Member.telegram_user_id == user_id, Member.active
        )
    )


async def memberships(session: AsyncSession, user_id: int) -> list[tuple[Member, Branch]]:
    """Every active roster entry bound to this Telegram account, with its branch."""
    rows = await session.execute(
        select(Member, Branch)
        .join(Branch, Branch.id == Member.branch_id)
        .where(Member.telegram_user_id == user_id, Member.active)
        .order_by(Member.id)
    )
    return [(m, b) for m, b in rows]


async def roster(session: AsyncSession, branch_id: int, *, active_only: bool = True) -> list[Member]:
    stmt = select(Member).where(Member.branch_id == branch_id)
    if active_only:
        stmt = stmt.where(Member.active)
    return list(await session.scalars(stmt.order_by(Member.party_group.nulls_last(), Member.name)))


async def officers(session: AsyncSession, branch_id: int, roles: Iterable[Role]) -> list[Member]:
    stmt = (
        select(Member)
        .join(MemberRole, MemberRole.member_id == Member.id)
        .where(Member.branch_id == branch_id, Member.active, MemberRole.role.in_(list(roles)))
        .distinct()
        .order_by(Member.id)
    )
    return list(await session.scalars(stmt))


def _apply(member: Member, data: MemberData) -> tuple[bool, MembershipEvent | None]:
    """Put ``data`` into ``member``: whether anything changed, and what it means for their history."""
    old_status, old_group, was_active = member.status, member.party_group, member.active
    changed = False
    for field in ("status", "party_group", "dues_category", "phone", "joined_on", "mobile"):
        new = getattr(data, field)
        if field in ("phone", "joined_on", "dues_category", "party_group") and new is None:
            continue  # an empty cell does not erase what we know
        if getattr(member, field) != new:
            setattr(member, field, new)
            changed = True
    if not member.active:
        member.active, member.left_at, member.left_reason = True, None, None
        changed = True
    if member.id is None:
        return True, MembershipEvent.ADDED
    if not was_active:
        return True, MembershipEvent.RETURNED
    if member.status != old_status or member.party_group != old_group:
        return True, event_for(old_status, member.status, member.party_group != old_group)
    return changed, None  # a phone number or a category: nothing for the history


async def import_roster(
    session: AsyncSession, branch_id: int, rows: Iterable[MemberData], now: datetime
) -> ImportResult:
    """Create or update by name: importing the same file twice changes nothing the second time."""
    created: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    lookalikes: list[tuple[str, str]] = []
    existing = {
        m.name: m for m in await session.scalars(select(Member).where(Member.branch_id == branch_id))
    }
    keys = {name_key(name): name for name in existing}
    events: list[tuple[Member, MembershipEvent]] = []
    for data in rows:
        member = existing.get(data.name)
        if member is None and name_key(data.name) in keys:
            lookalikes.append((data.name, keys[name_key(data.name)]))
            continue
        if member is None:
            member = Member(branch_id=branch_id, name=data.name, active=True, created_at=now, roles=[])
            events.append((member, MembershipEvent.ADDED))
            _apply(member, data)
            member.mobile = data.mobile
            session.add(member)
            existing[data.name] = member
            keys[name_key(data.name)] = data.name
            created.append(data.name)
        else:
            changed, event = _apply(member, data)
            if not changed:
                unchanged.append(data.name)
                continue
            updated.append(data.name)
            if event is not None:
                events.append((member, event))
    await session.flush()
    _remember_all(session, events, now)
    return ImportResult(created, updated, unchanged, lookalikes)


def _remember_all(session: AsyncSession, events: list[tuple[Member, MembershipEvent]], now: datetime) -> None:
    for member, event in events:
        history.remember(session, member, event, now)


async def add_member(session: AsyncSession, branch_id: int, data: MemberData, now: datetime) -> Member | None:
    """A new roster entry, or None when the name is taken."""
    if await by_name(session, branch_id, data.name) is not None:
        return None
    member = Member(branch_id=branch_id, name=data.name, active=True, created_at=now, roles=[])
    _apply(member, data)
    member.mobile = data.mobile
    session.add(member)
    await session.flush()
    history.remember(session, member, MembershipEvent.ADDED, now)
    return member


async def grant_role(session: AsyncSession, member: Member, role: Role) -> bool:
    if role in member.role_set:
        return False
    member.roles.append(MemberRole(role=role))
    await session.flush()
    return True


async def revoke_role(session: AsyncSession, member: Member, role: Role) -> bool:
    for r in list(member.roles):
        if r.role == role:
            member.roles.remove(r)
            await session.flush()
            return True
    return False


async def last_secretary(session: AsyncSession, member: Member) -> bool:
    """Whether ``member`` is the branch's only active secretary: a branch always keeps one, so they
    may not lose the role or leave the roster until someone else has it."""
    if Role.SECRETARY not in member.role_set or not member.active:
        return False
    return [m.id for m in await officers(session, member.branch_id, [Role.SECRETARY])] == [member.id]


async def mark_left(session: AsyncSession, member: Member, now: datetime, *, kicked: bool) -> bool:
    """Note that they left the group; False if already noted (the same news arrives twice)."""
    result = await session.execute(
        update(Member)
        .where(Member.id == member.id, Member.left_at.is_(None))
        .values(left_at=now, left_reason="removed" if kicked else "left")
    )
    return result.rowcount == 1


async def mark_back(session: AsyncSession, member: Member) -> bool:
    if member.left_at is None:
        return False
    member.left_at, member.left_reason = None, None
    return True


# --- personal invite links -------------------------------------------------------------------


async def new_invite(session: AsyncSession, member: Member, now: datetime, days: int) -> Invite:
    """A fresh single-use link for ``member``; earlier unused links stop working."""
    await session.execute(
        update(Invite)
        .where(Invite.member_id == member.id, Invite.used_at.is_(None), ~Invite.revoked)
        .values(revoked=True)
    )
    invite = Invite(
        token=secrets.token_urlsafe(18),
        member_id=member.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
        revoked=False,
    )
    session.add(invite)
    await session.flush()
    return invite


async def usable_invite(session: AsyncSession, member: Member, now: datetime, days: int) -> Invite:
    """The member's link that still works, or a new one: links already handed out stay valid."""
    current = await session.scalar(
        select(Invite)
        .where(
            Invite.member_id == member.id,
            Invite.used_at.is_(None),
            ~Invite.revoked,
            Invite.expires_at > now + timedelta(days=1),
        )
        .order_by(Invite.id.desc())
    )
    return current or await new_invite(session, member, now, days)


async def remove(session: AsyncSession, member: Member, now: datetime) -> None:
    """Off the roster (transferred out, deceased...): kept for the records, no longer expected."""
    member.active = False
    member.left_at = member.left_at or now
    member.left_reason = "removed_from_roster"
    member.telegram_user_id = None  # the account may come back later as a new entry
    history.remember(session, member, MembershipEvent.TRANSFERRED_OUT, now)
    await session.execute(
        update(Invite).where(Invite.member_id == member.id, Invite.used_at.is_(None)).values(revoked=True)
    )


async def bring_back(session: AsyncSession, member: Member, status: PartyStatus, now: datetime) -> Member:
    """An entry taken off the roster earlier comes back (an approved /join), with the status given now."""
    member.active, member.status, member.left_at, member.left_reason = True, status, None, None
    await session.flush()
    history.remember(session, member, MembershipEvent.RETURNED, now)
    return member


class InviteOutcome(StrEnum):
    BOUND = "bound"
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"
    ALREADY_BOUND = "already_bound"  # this roster entry belongs to another account
    ACCOUNT_TAKEN = "account_taken"  # this account already stands for someone else here


async def redeem_invite(
    session: AsyncSession, token: str, user_id: int, user_name: str, now: datetime
) -> tuple[InviteOutcome, Member | None]:
    invite = await session.scalar(select(Invite).where(Invite.token == token).with_for_update())
    if invite is None or invite.revoked:
        return InviteOutcome.UNKNOWN, None
    member = await session.get(Member, invite.member_id)
    if member is None or not member.active:
        return InviteOutcome.UNKNOWN, None
    if member.telegram_user_id == user_id:
        return InviteOutcome.BOUND, member  # the same person tapping twice: already done
    if invite.used_at is not None:
        return InviteOutcome.USED, member
    if invite.expires_at <= now:
        return InviteOutcome.EXPIRED, member
    if member.telegram_user_id is not None:
        return InviteOutcome.ALREADY_BOUND, member
    if await by_user(session, member.branch_id, user_id) is not None:
        return InviteOutcome.ACCOUNT_TAKEN, member
    # Claim the link with a conditional update so two redemptions at once bind only one.
    claimed = await session.execute(
        update(Invite).where(Invite.id == invite.id, Invite.used_at.is_(None)).values(used_at=now)
    )
    if claimed.rowcount != 1:
        return InviteOutcome.USED, member
    member.telegram_user_id = user_id
    member.telegram_name = user_name
    member.left_at, member.left_reason = None, None
    await session.flush()
    return InviteOutcome.BOUND, member


# --- /join requests --------------------------------------------------------------------------


async def open_join_request(
    session: AsyncSession, branch_id: int, user_id: int, name: str, username: str | None, now: datetime
) -> tuple[JoinRequest, bool]:
    """The person's pending request, creating it if needed; the flag says it is new."""
    stmt = (
        insert_for(session, JoinRequest)
        .values(
            branch_id=branch_id,
            telegram_user_id=user_id,
            telegram_name=name[:200],
            username=username,
            status=JoinStatus.PENDING.value,
            created_at=now,
        )
        .on_conflict_do_nothing(
            index_elements=["branch_id", "telegram_user_id"], index_where=JoinRequest.status == "pending"
        )
    )
    created = (await session.execute(stmt)).rowcount == 1
    request = await session.scalar(
        select(JoinRequest).where(
            JoinRequest.branch_id == branch_id,
            JoinRequest.telegram_user_id == user_id,
            JoinRequest.status == JoinStatus.PENDING,
        )
    )
    assert request is not None
    return request, created


async def get_join_request(session: AsyncSession, request_id: int) -> JoinRequest | None:
    return await session.get(JoinRequest, request_id)


async def decide_join_request(
    session: AsyncSession, request: JoinRequest, member: Member | None, decider: Member, now: datetime
) -> bool:
    """Settle a pending request once: approved as ``member``, or rejected when it is None.

    False if someone already did.
    """
    result = await session.execute(
        update(JoinRequest)
        .where(JoinRequest.id == request.id, JoinRequest.status == JoinStatus.PENDING)
        .values(
            status=(JoinStatus.APPROVED if member is not None else JoinStatus.REJECTED).value,
            member_id=member.id if member is not None else None,
            decided_by=decider.id,
            decided_at=now,
        )
    )
    if result.rowcount != 1:
        return False
    await session.refresh(request)
    return True


async def bind(session: AsyncSession, member: Member, user_id: int, user_name: str) -> None:
    member.telegram_user_id = user_id
    member.telegram_name = user_name
    member.left_at, member.left_reason = None, None
    await session.flush()
