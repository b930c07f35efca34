"""Migrating /paid marks into the dues ledger, and back."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import select, text

from storage.db import Database, alembic_config
from storage.dues import ledger as dues_ledger
from storage.models import DuesAllocation, DuesPayment
from tests.conftest import BACKENDS, database_url


@pytest.mark.parametrize("backend", BACKENDS)
async def test_paid_marks_become_pending_self_reports_and_come_back_as_marks(backend, tmp_path):
    db = Database(await database_url(backend, tmp_path))
    day = datetime(2026, 11, 5, 1, 0, tzinfo=timezone.utc)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0004"))
            await conn.execute(text(
                "INSERT INTO branches (id, chat_id, name, timezone, locale, settings, created_at) "
                "VALUES (1, -5, 'B', 'Asia/Shanghai', 'zh_CN', '{}', :at)"), {"at": day - timedelta(days=90)})
            for member_id, name in ((1, "张三"), (2, "王五")):
                await conn.execute(text(
                    "INSERT INTO members (id, branch_id, name, status, mobile, active, created_at) "
                    "VALUES (:id, 1, :name, 'full', false, true, :at)"), {"id": member_id, "name": name,
                                                                          "at": day - timedelta(days=90)})
                await conn.execute(text(
                    "INSERT INTO membership_history (member_id, at, event, status, active) "
                    "VALUES (:id, :at, 'added', 'full', true)"), {"id": member_id, "at": day - timedelta(days=90)})
            for member_id, month in ((1, "2026-10"), (1, "2026-11"), (2, "2026-11")):
                await conn.execute(text("INSERT INTO dues_marks (member_id, month, marked_at) VALUES (:m, :month, :at)"),
                                   {"m": member_id, "month": month, "at": day})
        await db.migrate()
        async with db.session() as s:
            payments = list(await s.scalars(select(DuesPayment).order_by(DuesPayment.id)))
            assert [(p.member_id, p.status, p.source, p.amount_fen, p.reported_by) for p in payments] == [
                (1, "pending", "migrated", None, 1), (1, "pending", "migrated", None, 1), (2, "pending", "migrated", None, 2)]
            months = [(a.member_id, a.month) for a in await s.scalars(select(DuesAllocation).order_by(DuesAllocation.id))]
            assert months == [(1, "2026-10"), (1, "2026-11"), (2, "2026-11")]
            assert len(await dues_ledger.pending(s, 1)) == 3
            book = await dues_ledger.ledger(s, 1, "2026-11", "2026-11")
            assert book.line(1, "2026-11").pending_unknown and not book.line(1, "2026-11").settled
            # A new payment after the migration gets a fresh number (the sequence is not behind).
            s.add(DuesPayment(branch_id=1, member_id=2, amount_fen=100, method="cash", status="confirmed",
                              source="officer", created_at=day))
            await s.flush()
        async with db.engine.begin() as conn:  # and back: the months with a payment not rejected are marks again
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0004"))
            rows = (await conn.execute(text("SELECT member_id, month FROM dues_marks ORDER BY member_id, month"))).all()
        assert [tuple(r) for r in rows] == [(1, "2026-10"), (1, "2026-11"), (2, "2026-11")]
    finally:
        await db.dispose()
