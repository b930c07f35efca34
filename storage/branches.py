"""Branches and their local settings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Branch, Member, MemberRole, OutboxMessage
from storage.roster import history
from storage.rules import settings as rules_settings
from storage.rules.vocabulary import MembershipEvent, PartyStatus, Role


class BranchSettings:
    """A branch's local practice, stored as JSON on the branch; the entries, their defaults and
    ranges are in ``storage.rules.settings.REGISTRY``. Read one as ``BranchSettings.of(branch).invite_days``."""

    __slots__ = ("values",)

    def __init__(self, values: dict[str, int]) -> None:
        self.values = values

    @classmethod
    def of(cls, branch: Branch) -> BranchSettings:
        return cls(rules_settings.REGISTRY.values(branch.settings))

    def __getattr__(self, name: str) -> int:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(f"no branch setting {name!r}") from None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BranchSettings) and other.values == self.values

    def __repr__(self) -> str:
        return f"BranchSettings({self.values!r})"

    def with_value(self, name: str, value: int) -> BranchSettings:
        if name not in self.values:
            raise KeyError(name)
        return BranchSettings({**self.values, name: value})


async def all_branches(session: AsyncSession) -> list[Branch]:
    return list(await session.scalars(select(Branch).order_by(Branch.id)))


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


def rename(branch: Branch, name: str) -> None:
    branch.name = name


def set_timezone(branch: Branch, timezone: str) -> None:
    """``timezone`` is an IANA name the caller has checked; local times in texts follow it."""
    branch.timezone = timezone


def set_locale(branch: Branch, locale: str) -> None:
    """The language the bot speaks in the branch's group."""
    branch.locale = locale


def save_settings(branch: Branch, settings: BranchSettings) -> None:
    # Other keys of the JSON (e.g. storage.rules.meetings.SETTINGS_KEY) are kept.
    branch.settings = {**(branch.settings or {}), **settings.values}


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
