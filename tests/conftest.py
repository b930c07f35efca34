"""Fixtures: a migrated database on SQLite, and on PostgreSQL when BRANCHBOT_TEST_POSTGRES is set."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from storage.db import Database
from tests.memory import Harness

POSTGRES = os.environ.get("BRANCHBOT_TEST_POSTGRES")
BACKENDS = ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES, reason="set BRANCHBOT_TEST_POSTGRES to a PostgreSQL DSN")])]
# For tests that race writers against each other. On SQLite the writers of one process queue on
# Database's lock, so such a test could not fail there:
# @pytest.mark.parametrize("db", RACING, indirect=True)
RACING = [BACKENDS[1]]


async def fresh_database(backend: str, tmp_path) -> Database:
    db = Database(await database_url(backend, tmp_path))
    await db.migrate()
    return db


@pytest.fixture(params=BACKENDS)
async def db(request, tmp_path):
    database = await fresh_database(request.param, tmp_path)
    yield database
    await database.dispose()


@pytest.fixture
async def bot(db):
    harness = Harness(db)
    yield harness
    await harness.core.close()


@pytest.fixture
async def fake():
    from tests.fake_telegram import FakeTelegram

    server = FakeTelegram()
    await server.start()
    yield server
    await server.stop()
    assert server.errors == []


async def database_url(backend: str, tmp_path) -> str:
    """A fresh, empty database for a bot process to migrate."""
    if backend == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/test.db"
    db = Database(POSTGRES)
    async with db.engine.begin() as conn:
        await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        await conn.execute(text("CREATE SCHEMA public"))
    await db.dispose()
    return POSTGRES


@pytest.fixture(params=BACKENDS)
async def live(request, fake, tmp_path):
    from tests.live import LiveBot

    bot = LiveBot(fake, await database_url(request.param, tmp_path), tmp_path)
    await bot.start()
    yield bot
    code = await bot.stop()
    output = bot.output()
    assert "Traceback" not in output, output[-3000:]
    assert code == 0, output[-3000:]
