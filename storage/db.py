"""Engine, sessions and migrations."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session

from storage import fit as _fit  # noqa: F401  (every flush makes values fit their columns)
from storage.dues import versions as _dues_versions  # noqa: F401  (writes raise the branch's dues version)

MIGRATIONS = Path(__file__).parent / "migrations"
_holding: ContextVar[bool] = ContextVar("holding_sqlite_session", default=False)
# Any fixed number: several instances starting together migrate one after the other.
_MIGRATION_LOCK = 7_264_419


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.close()


def create_engine(url: str) -> AsyncEngine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_size=10, max_overflow=10, pool_pre_ping=True)


class _ReadOnlySession(Session):
    """A session for ``Database.read()``: changes to objects are refused rather than lost."""

    def flush(self, objects=None) -> None:
        if self.new or self.dirty or self.deleted:
            raise RuntimeError("a read session does not write; use Database.session()")
        super().flush(objects)


class Database:
    """One engine and its session factories.

    ``session()`` is a unit of work that commits; on SQLite it waits for the one writer's turn.
    ``read()`` only reads and never waits for that turn: in WAL mode readers run beside the writer
    and see what was committed before they started.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_engine(url)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._readers = async_sessionmaker(self.engine, expire_on_commit=False, sync_session_class=_ReadOnlySession)
        # SQLite allows one writer; queueing writers here beats spinning on "database is locked".
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        if self._write_lock is None:
            async with self.sessions.begin() as s:
                yield s
            return
        if _holding.get():
            raise RuntimeError("a session inside a session would wait for itself on SQLite")
        async with self._write_lock:
            token = _holding.set(True)
            try:
                async with self.sessions.begin() as s:
                    yield s
            finally:
                _holding.reset(token)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading only; it is rolled back at the end, whatever was asked of it."""
        async with self._readers() as s:
            try:
                yield s
            finally:
                await s.rollback()

    async def migrate(self) -> None:
        async with self.engine.begin() as conn:
            if not self.is_sqlite:
                await conn.execute(text(f"SELECT pg_advisory_xact_lock({_MIGRATION_LOCK})"))
            await conn.run_sync(_upgrade)

    async def dispose(self) -> None:
        await self.engine.dispose()


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
