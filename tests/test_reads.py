"""Reads on SQLite do not queue behind the one writer (WAL lets readers run beside it)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from storage import branches as branch_store
from storage.models import Branch

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)


async def new_branch(session, chat_id: int) -> None:
    await branch_store.create_branch(session, chat_id=chat_id, name=f"B{chat_id}", timezone="Asia/Shanghai",
                                     locale="en", founder_user_id=chat_id, founder_name="Li", now=NOW)


async def test_a_read_completes_while_a_write_transaction_is_open(db):
    async with db.session() as s:
        await new_branch(s, -1)
    writing, release = asyncio.Event(), asyncio.Event()

    async def writer() -> None:
        async with db.session() as s:
            await new_branch(s, -2)  # flushed: on SQLite this transaction now holds the write lock
            writing.set()
            await release.wait()

    task = asyncio.create_task(writer())
    try:
        await asyncio.wait_for(writing.wait(), 5)
        async with asyncio.timeout(5):
            async with db.read() as s:
                # What was committed before; not the writer's work in progress.
                assert await s.scalar(select(func.count()).select_from(Branch)) == 1
    finally:
        release.set()
        await task
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Branch)) == 2


async def test_a_read_session_refuses_to_write(db):
    with pytest.raises(RuntimeError, match="does not write"):
        async with db.read() as s:
            await new_branch(s, -3)
    async with db.read() as s:
        assert await s.scalar(select(func.count()).select_from(Branch)) == 0
