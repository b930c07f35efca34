"""Alembic environment: runs on the connection handed over by storage.db, or on DATABASE_URL."""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from storage.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:  # batch migrations copy and drop tables that others refer to; checked again below
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
    try:
        _migrate(connection)
    finally:
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            if broken:
                raise RuntimeError(f"the migration left rows pointing nowhere: {broken[:5]}")


def _migrate(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_standalone(url: str) -> None:
    engine = create_async_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:  # `alembic` command line, for writing new migrations
    asyncio.run(_run_standalone(os.environ.get("DATABASE_URL", "sqlite+aiosqlite:///data/branchbot.db")))
