"""Committees (党委/党总支), their officers, officer invites and the branches linked to them."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    OPEN_LINK,
    Branch,
    Committee,
    CommitteeInvite,
    CommitteeLink,
    CommitteeOfficer,
    Member,
    MemberRole,
)
from storage.rules.vocabulary import Role
from storage.upsert import insert_for

# No 0/O, 1/I/L: a code is read out and typed. 12 of 31 letters: about 59 bits, not guessable.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 12
INVITE_DAYS = 7


class OfficerRole(StrEnum):
    SECRETARY = "secretary"  # 书记: created it; adds officers, changes the code, unlinks
    OFFICER = "officer"  # 委员: sees the roll-up, decides links, sends notices


class LinkStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    ENDED = "ended"  # unlinked, by either side


OPEN = (LinkStatus.PENDING.value, LinkStatus.APPROVED.value)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str:
    """What someone typed, as a code is stored: capitals, without spaces or dashes."""
    return "".join(ch for ch in text.upper() if ch.isalnum())[:CODE_LENGTH * 2]


def shown_code(code: str) -> str:
    """A code in groups of four, easier to read out: ABCD-EFGH-JKMN."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


async def create(session: AsyncSession, *, name: str, user_id: int, user_name: str, timezone: str, locale: str,
                 now: datetime) -> tuple[Committee, CommitteeOfficer]:
    committee = Committee(name=name, join_code=new_code(), code_created_at=now, timezone=timezone, locale=locale,
                          settings={}, created_by_user_id=user_id, created_at=now)
    session.add(committee)
    await session.flush()
    officer = CommitteeOfficer(committee_id=committee.id, telegram_user_id=user_id, name=user_name[:200],
                               role=OfficerRole.SECRETARY.value, added_at=now, chosen_at=now)
    session.add(officer)
    await session.flush()
    await choose(session, officer, now)
    return committee, officer


async def get(session: AsyncSession, committee_id: int) -> Committee | None:
    return await session.get(Committee, committee_id)


async def by_name_of(session: AsyncSession, user_id: int, name: str) -> Committee | None:
    """A committee of this name the person is already an officer of (creating it twice is a mistake)."""
    return await session.scalar(
        select(Committee).join(CommitteeOfficer, CommitteeOfficer.committee_id == Committee.id)
        .where(CommitteeOfficer.telegram_user_id == user_id, Committee.name == name)
    )


async def roles_of(session: AsyncSession, user_id: int) -> list[tuple[CommitteeOfficer, Committee]]:
    """Every committee the person is an officer of; the one they act for first (the one chosen last:
    only one of a person's rows has ``chosen_at``)."""
    rows = await session.execute(
        select(CommitteeOfficer, Committee).join(Committee, Committee.id == CommitteeOfficer.committee_id)
        .where(CommitteeOfficer.telegram_user_id == user_id)
        .order_by(CommitteeOfficer.chosen_at.is_(None), CommitteeOfficer.chosen_at.desc(), CommitteeOfficer.id.desc())
    )
    return [(o, c) for o, c in rows]


async def officer(session: AsyncSession, committee_id: int, user_id: int) -> CommitteeOfficer | None:
    return await session.scalar(
        select(CommitteeOfficer).where(CommitteeOfficer.committee_id == committee_id,
                                       CommitteeOfficer.telegram_user_id == user_id)
    )


async def officers(session: AsyncSession, committee_id: int) -> list[CommitteeOfficer]:
    return list(await session.scalars(
        select(CommitteeOfficer).where(CommitteeOfficer.committee_id == committee_id).order_by(CommitteeOfficer.id)
    ))


async def choose(session: AsyncSession, officer: CommitteeOfficer, now: datetime) -> None:
    """The person acts for this committee from now on, until they choose another."""
    await session.execute(
        update(CommitteeOfficer).where(CommitteeOfficer.telegram_user_id == officer.telegram_user_id,
                                       CommitteeOfficer.id != officer.id).values(chosen_at=None)
    )
    officer.chosen_at = now


async def by_code(session: AsyncSession, code: str) -> Committee | None:
    if len(code) != CODE_LENGTH:
        return None
    return await session.scalar(select(Committee).where(Committee.join_code == code))


def renew_code(committee: Committee, now: datetime) -> str:
    committee.join_code, committee.code_created_at = new_code(), now
    return committee.join_code


def revoke_code(committee: Committee, now: datetime) -> bool:
    if committee.join_code is None:
        return False
    committee.join_code, committee.code_created_at = None, now
    return True


# --- officer invites -------------------------------------------------------------------------------


async def invite(session: AsyncSession, committee_id: int, user_id: int, now: datetime) -> CommitteeInvite:
    row = CommitteeInvite(token=secrets.token_urlsafe(18), committee_id=committee_id, created_by_user_id=user_id,
                          created_at=now, expires_at=now + timedelta(days=INVITE_DAYS))
    session.add(row)
    await session.flush()
    return row


async def invite_by_token(session: AsyncSession, token: str) -> CommitteeInvite | None:
    return await session.scalar(select(CommitteeInvite).where(CommitteeInvite.token == token))


async def use_invite(session: AsyncSession, row: CommitteeInvite, user_id: int, user_name: str, now: datetime
                     ) -> CommitteeOfficer | None:
    """Make the person an officer; None if the link was used meanwhile (a double tap, another person)."""
    claimed = await session.execute(
        update(CommitteeInvite).where(CommitteeInvite.id == row.id, CommitteeInvite.used_at.is_(None))
        .values(used_at=now, used_by_user_id=user_id)
    )
    if claimed.rowcount != 1:
        return None
    await session.execute(
        insert_for(session, CommitteeOfficer).values(
            committee_id=row.committee_id, telegram_user_id=user_id, name=user_name[:200],
            role=OfficerRole.OFFICER.value, added_by_user_id=row.created_by_user_id, added_at=now, chosen_at=now,
        ).on_conflict_do_nothing(index_elements=["committee_id", "telegram_user_id"])
    )
    found = await officer(session, row.committee_id, user_id)
    if found is not None:
        await choose(session, found, now)
    return found


# --- links -------------------------------------------------------------------------------------------


async def open_link(session: AsyncSession, branch_id: int) -> CommitteeLink | None:
    """The branch's pending request or approved link, if any."""
    return await session.scalar(
        select(CommitteeLink).where(CommitteeLink.branch_id == branch_id, CommitteeLink.status.in_(OPEN))
    )


async def link(session: AsyncSession, link_id: int) -> CommitteeLink | None:
    return await session.get(CommitteeLink, link_id)


async def request_link(session: AsyncSession, committee_id: int, branch_id: int, user_id: int, now: datetime
                       ) -> tuple[CommitteeLink, bool]:
    """The branch's open link, creating a pending one if it has none; the flag says it is new."""
    stmt = insert_for(session, CommitteeLink).values(
        committee_id=committee_id, branch_id=branch_id, status=LinkStatus.PENDING.value,
        requested_by_user_id=user_id, requested_at=now,
    ).on_conflict_do_nothing(index_elements=["branch_id"], index_where=text(OPEN_LINK))
    created = (await session.execute(stmt)).rowcount == 1
    found = await open_link(session, branch_id)
    assert found is not None
    return found, created


async def decide(session: AsyncSession, row: CommitteeLink, approve: bool, user_id: int, now: datetime) -> bool:
    """Approve or refuse a pending request; False if it was decided (or withdrawn) meanwhile."""
    result = await session.execute(
        update(CommitteeLink).where(CommitteeLink.id == row.id, CommitteeLink.status == LinkStatus.PENDING.value)
        .values(status=(LinkStatus.APPROVED if approve else LinkStatus.REFUSED).value,
                decided_by_user_id=user_id, decided_at=now)
    )
    if result.rowcount == 1:
        await session.refresh(row)
    return result.rowcount == 1


async def end(session: AsyncSession, row: CommitteeLink, user_id: int, now: datetime) -> bool:
    """Unlink (or withdraw a pending request); False if it had ended already."""
    result = await session.execute(
        update(CommitteeLink).where(CommitteeLink.id == row.id, CommitteeLink.status.in_(OPEN))
        .values(status=LinkStatus.ENDED.value, ended_by_user_id=user_id, ended_at=now)
    )
    return result.rowcount == 1


def linked_ids(committee_id: int):
    """The ids of the branches linked to the committee now (a subquery)."""
    return select(CommitteeLink.branch_id).where(CommitteeLink.committee_id == committee_id,
                                                 CommitteeLink.status == LinkStatus.APPROVED.value)


async def linked_branches(session: AsyncSession, committee_id: int) -> list[Branch]:
    return list(await session.scalars(
        select(Branch).where(Branch.id.in_(linked_ids(committee_id))).order_by(Branch.name, Branch.id)
    ))


async def linked_branch(session: AsyncSession, committee_id: int, branch_id: int) -> CommitteeLink | None:
    return await session.scalar(
        select(CommitteeLink).where(CommitteeLink.committee_id == committee_id, CommitteeLink.branch_id == branch_id,
                                    CommitteeLink.status == LinkStatus.APPROVED.value)
    )


async def pending(session: AsyncSession, committee_id: int) -> list[tuple[CommitteeLink, Branch]]:
    rows = await session.execute(
        select(CommitteeLink, Branch).join(Branch, Branch.id == CommitteeLink.branch_id)
        .where(CommitteeLink.committee_id == committee_id, CommitteeLink.status == LinkStatus.PENDING.value)
        .order_by(CommitteeLink.id)
    )
    return [(lk, b) for lk, b in rows]


async def count_linked(session: AsyncSession, committee_id: int) -> int:
    return await session.scalar(select(func.count()).select_from(linked_ids(committee_id).subquery())) or 0


async def secretaries(session: AsyncSession, committee_id: int) -> list[tuple[Member, Branch]]:
    """The secretary (书记) of every linked branch, with the branch; a branch without one is left out."""
    rows = await session.execute(
        select(Member, Branch).join(Branch, Branch.id == Member.branch_id)
        .join(MemberRole, MemberRole.member_id == Member.id)
        .where(Member.branch_id.in_(linked_ids(committee_id)), Member.active, MemberRole.role == Role.SECRETARY)
        .order_by(Branch.name, Branch.id, Member.id)
    )
    return [(m, b) for m, b in rows]
