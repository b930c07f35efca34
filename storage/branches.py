"""Branches and their local settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Branch, Member, MemberRole, OutboxMessage
from storage.roster import history
from storage.rules.vocabulary import MembershipEvent, PartyStatus, Role


@dataclass(frozen=True)
class BranchSettings:
    """Local practice a secretary can change with /set; stored as JSON on the branch."""

    checkin_before_minutes: int = 30  # the check-in window opens this long before the start
    checkin_after_minutes: int = 0  # and closes this long after the end
    invite_days: int = 14  # personal invite links expire after this many days
    nudge_after_hours: int = 24  # remind who has not tapped 收到 after this long (0: never)
    nudge_max: int = 2  # and at most this many times
    leave_before_minutes: int = 0  # leave is asked in advance: at least this long before the start
    proxy_checkin_hours: int = 72  # officers may check someone in until this long after check-in closed

    @classmethod
    def of(cls, branch: Branch) -> BranchSettings:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in (branch.settings or {}).items() if k in known})

    def with_value(self, name: str, value: int) -> BranchSettings:
        return BranchSettings(**{**asdict(self), name: value})


LIMITS = {
    "checkin_before_minutes": (0, 24 * 60),
    "checkin_after_minutes": (0, 24 * 60),
    "invite_days": (1, 90),
    "nudge_after_hours": (0, 24 * 14),
    "nudge_max": (0, 10),
    "leave_before_minutes": (0, 7 * 24 * 60),
    "proxy_checkin_hours": (0, 24 * 31),
}


async def by_chat(session: AsyncSession, chat_id: int) -> Branch | None:
    return await session.scalar(select(Branch).where(Branch.chat_id == chat_id))


async def create_branch(
    session: AsyncSession,
    *,
    chat_id: int,
    name: str,
    timezone: str,
    locale: str,
    founder_user_id: int,
    founder_name: str,
    founder_telegram_name: str | None = None,
    now: datetime,
) -> tuple[Branch, Member]:
    """A new branch whose founder is its secretary (bound to their Telegram account).

    ``founder_name`` is the real name the roster goes by; ``founder_telegram_name`` the name
    Telegram shows (the same when not given).
    """
    branch = Branch(chat_id=chat_id, name=name, timezone=timezone, locale=locale, settings={}, created_at=now)
    session.add(branch)
    await session.flush()
    founder = Member(
        branch_id=branch.id,
        name=founder_name,
        status=PartyStatus.FULL,
        telegram_user_id=founder_user_id,
        telegram_name=founder_telegram_name or founder_name,
        active=True,
        mobile=False,
        created_at=now,
        roles=[MemberRole(role=Role.SECRETARY)],
    )
    session.add(founder)
    await session.flush()
    history.remember(session, founder, MembershipEvent.ADDED, now)
    return branch, founder


def save_settings(branch: Branch, settings: BranchSettings) -> None:
    # Other keys of the JSON (e.g. storage.rules.meetings.SETTINGS_KEY) are kept.
    branch.settings = {**(branch.settings or {}), **asdict(settings)}


async def move_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> Branch | None:
    """A group upgraded to a supergroup keeps its branch under the new chat id.

    Its outbox rows follow: those still to send go to the new chat, and the ones sent (an
    announcement whose live count is redrawn) are found there.
    """
    branch = await by_chat(session, old_chat_id)
    if branch is None or await by_chat(session, new_chat_id) is not None:
        return None
    branch.chat_id = new_chat_id
    await session.execute(
        update(OutboxMessage).where(OutboxMessage.chat_id == old_chat_id).values(chat_id=new_chat_id)
    )
    return branch
