"""The album buffer: the photos of an album arrive as one update each, sharing a media_group_id.

Every photo sent while a report is being written is put here first, one row each, and only rows are
added: photos of one album handled at the same moment by several instances never overwrite each
other (as they would in the dialog's one JSON row). When the member taps Done (or the report goes to
its preview) the rows are attached to the draft in one step, deduplicated by Telegram's
file_unique_id and cut at MAX_PHOTOS, and deleted. Photos sent one by one use the buffer too, under
a group of their own per person. The rows are in the database, so a restart loses none.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import MediaGroupItem
from storage.rules.service import MAX_PHOTOS
from storage.upsert import insert_for

KEEP = timedelta(days=2)  # rows nobody attached (a dialog abandoned): dropped after this
_ALBUM_LOCK = 7_264_421  # with the album's hash: the photos of one album take turns on PostgreSQL


def single_group(user_id: int) -> str:
    """The group of the photos a person sends one by one."""
    return f"single:{user_id}"


async def take(session: AsyncSession, user_id: int, media_group_id: str | None, *, file_id: str,
               file_unique_id: str, size: int | None, mime_type: str | None, now: datetime) -> bool:
    """Buffer one photo; True when it is the first of its album seen (that one is answered).

    An album's photos arrive together and are handled at once, by one instance or several. On
    PostgreSQL each waits here for the one before it to commit, so exactly one finds none before
    it; SQLite's one writer makes them take turns anyway."""
    group = media_group_id or single_group(user_id)
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(_ALBUM_LOCK, func.hashtext(f"{user_id}:{group}"))))
    before = await session.scalar(select(func.count()).select_from(MediaGroupItem).where(
        MediaGroupItem.media_group_id == group, MediaGroupItem.user_id == user_id))
    await session.execute(
        insert_for(session, MediaGroupItem)
        .values(user_id=user_id, media_group_id=group, file_id=file_id, file_unique_id=file_unique_id[:64],
                size=size, mime_type=mime_type, received_at=now)
        .on_conflict_do_nothing(index_elements=["media_group_id", "file_unique_id"])
    )
    return media_group_id is not None and not before


async def buffered(session: AsyncSession, user_id: int) -> list[MediaGroupItem]:
    return list(await session.scalars(
        select(MediaGroupItem).where(MediaGroupItem.user_id == user_id).order_by(MediaGroupItem.id)))


def merged(photos: list[dict[str, Any]], items: list[MediaGroupItem]) -> tuple[list[dict[str, Any]], int]:
    """The draft's photos with the buffered ones after them, each file once, at most MAX_PHOTOS;
    and how many were left out for the limit."""
    seen = {p["unique"] for p in photos}
    result = list(photos)
    dropped = 0
    for item in items:
        if item.file_unique_id in seen:
            continue
        seen.add(item.file_unique_id)
        if len(result) >= MAX_PHOTOS:
            dropped += 1
            continue
        result.append({"file_id": item.file_id, "unique": item.file_unique_id, "size": item.size, "mime": item.mime_type})
    return result, dropped


async def count_with(session: AsyncSession, user_id: int, photos: list[dict[str, Any]]) -> int:
    """How many different photos the draft would have with what is buffered (beyond the limit too)."""
    kept, dropped = merged(photos, await buffered(session, user_id))
    return len(kept) + dropped


async def known(session: AsyncSession, user_id: int, photos: list[dict[str, Any]], file_unique_id: str) -> bool:
    """Whether this photo is in the draft or the buffer already (sent again: nothing new)."""
    return any(p["unique"] == file_unique_id for p in photos) or any(
        i.file_unique_id == file_unique_id for i in await buffered(session, user_id))


async def attach(session: AsyncSession, user_id: int, photos: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """Move what is buffered into the draft's photos, in one step; see ``merged``."""
    result = merged(photos, await buffered(session, user_id))
    await clear(session, user_id, None)
    return result


async def clear(session: AsyncSession, user_id: int, now: datetime | None) -> None:
    """Forget this person's buffered photos (a dialog begun or ended), and anyone's left for too long."""
    await session.execute(delete(MediaGroupItem).where(MediaGroupItem.user_id == user_id))
    if now is not None:
        await session.execute(delete(MediaGroupItem).where(MediaGroupItem.received_at < now - KEEP))
