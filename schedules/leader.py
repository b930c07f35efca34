"""Which instance runs the calendar and the sender when several share one database.

PostgreSQL: the holder of a session-level advisory lock, kept on a connection of its own; if
that instance dies its connection closes, the lock is free, and the next instance to ask takes
over. SQLite is one process by nature: it always leads.
"""

from __future__ import annotations

import logging

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Database

log = logging.getLogger(__name__)
LOCK = 7_264_420  # any fixed number, the same for every instance


class Leadership:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._connection: AsyncConnection | None = None

    async def hold(self) -> bool:
        """True while this instance leads; takes the lead when it is free."""
        if self.db.is_sqlite:
            return True
        if self._connection is not None:
            try:
                await self._connection.execute(text("SELECT 1"))
                return True
            except Exception:  # the connection broke, and the lock with it
                log.warning("lost the scheduler lock's connection")
                await self._discard()
        connection = await self.db.engine.connect()
        connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
        try:
            if await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LOCK}):
                log.info("this instance now runs the schedules and the sender")
                self._connection = connection
                return True
        except Exception:
            log.exception("could not ask for the scheduler lock")
        await connection.close()
        return False

    async def release(self) -> None:
        if self._connection is None:
            return
        try:
            await self._connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK})
        except Exception as exc:  # the connection is gone, and the server freed the lock with it
            log.warning("the scheduler lock's connection was already closed at stop (%s)", exc)
            await self._discard()
        else:
            await self._connection.close()
            self._connection = None

    async def _discard(self) -> None:
        """Throw a broken connection away rather than back into the pool: if its session somehow
        lives on, closing the socket ends it, and the lock with it."""
        connection, self._connection = self._connection, None
        try:
            await connection.invalidate()
            await connection.close()
        except Exception:
            log.debug("discarding the scheduler lock's connection failed", exc_info=True)
