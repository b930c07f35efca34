"""Storage on both backends: migrations match the models; the rules that keep rows unique (races on PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text

from storage import branches, updates
from storage.activities import activities
from storage.activities.activities import ActivityPlan, CheckinOutcome
from storage.db import Database, alembic_config
from storage.models import Attendance, Base, MembershipChange
from storage.roster import members
from storage.roster.members import MemberData
from storage.rules.vocabulary import ActivityKind, Audience, CheckinMethod, PartyStatus
from tests.conftest import BACKENDS, RACING, database_url, fresh_database

NOW = datetime(2026, 11, 27, 1, 0, tzinfo=timezone.utc)


async def test_migrations_create_exactly_the_models(db):
    def diff(connection):
        return compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_migrating_twice_is_harmless(db):
    branch_id, activity_id = await branch_with_members(db)
    await db.migrate()
    async with db.session() as s:
        assert (await members.by_name(s, branch_id, "m2")).branch_id == branch_id
        assert (await activities.get(s, activity_id)).title == "T"
    await test_migrations_create_exactly_the_models(db)


async def branch_with_members(db, count=3):
    async with db.session() as s:
        branch, founder = await branches.create_branch(
            s, chat_id=-1, name="B", timezone="Asia/Shanghai", locale="zh_CN",
            founder_user_id=1, founder_name="书记", now=NOW)
        await members.import_roster(s, branch.id, [MemberData(f"m{i}", PartyStatus.FULL) for i in range(count)], NOW)
        activity = await activities.create(
            s, branch.id,
            ActivityPlan(ActivityKind.THEME_DAY, "T", NOW, NOW + timedelta(hours=2), None, Audience.BRANCH),
            opens_before_minutes=30, closes_after_minutes=0, created_by=founder.id, now=NOW)
        return branch.id, activity.id


def tapper(db, branch_id, activity_id):
    async def tap():
        async with db.session() as s:
            activity = await activities.get(s, activity_id)
            member = await members.by_name(s, branch_id, "m0")
            return await activities.check_in(s, activity, member, CheckinMethod.BUTTON, NOW)

    return tap


async def test_repeated_checkins_of_one_member_store_one_row(db):
    tap = tapper(db, *await branch_with_members(db))
    assert [await tap() for _ in range(3)] == [CheckinOutcome.RECORDED] + [CheckinOutcome.ALREADY] * 2
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Attendance).where(Attendance.status == "present")) == 1


@pytest.mark.parametrize("db", RACING, indirect=True)
async def test_concurrent_checkins_of_one_member_store_one_row(db):
    tap = tapper(db, *await branch_with_members(db))
    outcomes = await asyncio.gather(*(tap() for _ in range(8)))
    assert outcomes.count(CheckinOutcome.RECORDED) == 1
    async with db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Attendance).where(Attendance.status == "present")) == 1


async def claim(db, update_id=42):
    async with db.session() as s:
        return await updates.claim_update(s, update_id, NOW)


async def test_update_ids_are_claimed_once(db):
    assert [await claim(db), await claim(db), await claim(db, 43), await claim(db)] == [True, False, True, False]


@pytest.mark.parametrize("db", RACING, indirect=True)
async def test_update_ids_claimed_at_once_are_claimed_once(db):
    assert sorted(await asyncio.gather(claim(db), claim(db), claim(db))) == [False, False, True]


async def test_sqlite_sessions_of_one_process_take_turns(tmp_path):
    """Why the racing tests above need PostgreSQL: on SQLite one process's writers queue."""
    db = await fresh_database("sqlite", tmp_path)
    inside: list[int] = []
    most = 0

    async def work():
        nonlocal most
        async with db.session() as s:
            inside.append(1)
            most = max(most, len(inside))
            await asyncio.sleep(0)
            await s.execute(select(1))
            inside.pop()

    try:
        await asyncio.gather(*(work() for _ in range(5)))
        assert most == 1
        async with db.session():
            with pytest.raises(RuntimeError, match="inside a session"):
                async with db.session():
                    pass
    finally:
        await db.dispose()


async def test_reimport_updates_fields_but_keeps_what_a_file_leaves_empty(db):
    branch_id, _ = await branch_with_members(db, 1)
    async with db.session() as s:
        first = await members.import_roster(s, branch_id, [MemberData("m0", PartyStatus.FULL, "一组", phone="13800138000")], NOW)
        second = await members.import_roster(s, branch_id, [MemberData("m0", PartyStatus.PROBATIONARY)], NOW)
        m0 = await members.by_name(s, branch_id, "m0")
    assert first.updated == ["m0"] and second.updated == ["m0"]
    assert (m0.status, m0.party_group, m0.phone) == ("probationary", "一组", "13800138000")


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migrating_existing_activities_fixes_who_was_expected_then(backend, tmp_path):
    """An activity held before the upgrade: someone added to the roster after it is not made absent from it."""
    db = Database(await database_url(backend, tmp_path))
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0001"))
        day = datetime(2026, 11, 1, 1, 0, tzinfo=timezone.utc)
        insert = text
        await conn.execute(insert(
            "INSERT INTO branches (id, chat_id, name, timezone, locale, settings, created_at) "
            "VALUES (1, -1, 'B', 'Asia/Shanghai', 'en', '{}', :at)"), {"at": day - timedelta(days=30)})
        for member_id, name, added in ((1, "early", day - timedelta(days=10)), (2, "late", day + timedelta(days=3))):
            await conn.execute(insert(
                "INSERT INTO members (id, branch_id, name, status, mobile, active, created_at) "
                "VALUES (:id, 1, :name, 'full', false, true, :at)"), {"id": member_id, "name": name, "at": added})
        await conn.execute(insert(
            "INSERT INTO activities (id, branch_id, kind, title, starts_at, ends_at, audience, checkin_opens_at, "
            "checkin_closes_at, onsite, allow_remote, qr_secret, created_at, cancelled) VALUES (1, 1, 'party_lecture', "
            "'L', :s, :e, 'branch', :s, :e, false, true, 'x', :s, false)"), {"s": day, "e": day + timedelta(hours=1)})
    await db.migrate()
    async with db.session() as s:
        activity = await activities.get(s, 1)
        assert activity.roster_frozen_at is not None
        record = await activities.record(s, activity)
        assert [line.member.name for line in record.absent] == ["early"]
        history = list(await s.scalars(select(MembershipChange.member_id).order_by(MembershipChange.member_id)))
        assert history == [1, 2]
    await db.dispose()
