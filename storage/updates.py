"""Bookkeeping around incoming updates: duplicates, people's language, dialog state."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Conversation, ProcessedUpdate, UserPref
from storage.upsert import insert_for


async def claim_update(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record ``update_id``; False when it was already handled (a redelivery)."""
    stmt = (
        insert_for(session, ProcessedUpdate)
        .values(update_id=update_id, at=now)
        .on_conflict_do_nothing(index_elements=["update_id"])
    )
    result = await session.execute(stmt)
    return result.rowcount == 1


async def forget_old_updates(session: AsyncSession, now: datetime, keep: timedelta) -> int:
    result = await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.at < now - keep))
    return result.rowcount or 0


async def get_pref(session: AsyncSession, user_id: int) -> UserPref | None:
    return await session.get(UserPref, user_id)


async def get_prefs(session: AsyncSession, user_ids: list[int]) -> dict[int, UserPref]:
    """Many people's preferences in one query (a notice to the whole branch)."""
    if not user_ids:
        return {}
    return {p.user_id: p for p in await session.scalars(select(UserPref).where(UserPref.user_id.in_(user_ids)))}


async def note_user(
    session: AsyncSession,
    user_id: int,
    language_code: str | None,
    now: datetime,
    *,
    private_chat: bool,
) -> UserPref:
    pref = await session.get(UserPref, user_id)
    if pref is None:
        pref = UserPref(user_id=user_id, updated_at=now, private_chat_open=False)
        session.add(pref)
    if language_code and pref.language_code != language_code:
        pref.language_code = language_code
        pref.updated_at = now
    if private_chat and not pref.private_chat_open:
        pref.private_chat_open = True
        pref.updated_at = now
    return pref


async def set_locale(session: AsyncSession, user_id: int, locale: str | None, now: datetime) -> None:
    pref = await note_user(session, user_id, None, now, private_chat=False)
    pref.locale = locale
    pref.updated_at = now


async def set_current_branch(session: AsyncSession, user_id: int, branch_id: int, now: datetime) -> None:
    """The branch a person on several rosters acts for in private chats."""
    pref = await note_user(session, user_id, None, now, private_chat=False)
    pref.current_branch_id = branch_id
    pref.updated_at = now


async def mark_unreachable(session: AsyncSession, user_id: int, now: datetime) -> None:
    pref = await note_user(session, user_id, None, now, private_chat=False)
    pref.private_chat_open = False
    pref.updated_at = now


async def get_conversation(session: AsyncSession, user_id: int) -> Conversation | None:
    return await session.get(Conversation, user_id)


async def start_conversation(
    session: AsyncSession, user_id: int, kind: str, step: str, data: dict[str, Any], now: datetime
) -> Conversation:
    conv = await session.get(Conversation, user_id)
    if conv is None:
        conv = Conversation(user_id=user_id, kind=kind, step=step, data=data, updated_at=now)
        session.add(conv)
    else:
        conv.kind, conv.step, conv.data, conv.updated_at = kind, step, dict(data), now
    return conv


def advance_conversation(conv: Conversation, step: str, data: dict[str, Any], now: datetime) -> None:
    conv.step = step
    conv.data = {**conv.data, **data}  # a new dict, so the JSON column sees the change
    conv.updated_at = now


async def end_conversation(session: AsyncSession, user_id: int) -> None:
    await session.execute(delete(Conversation).where(Conversation.user_id == user_id))


async def private_chat_open(session: AsyncSession, user_ids: list[int]) -> set[int]:
    rows = await session.scalars(
        select(UserPref.user_id).where(UserPref.user_id.in_(user_ids), UserPref.private_chat_open)
    )
    return set(rows)
