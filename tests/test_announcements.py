"""One announcement path (the outbox), and the after-commit effects as plain data."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime, timedelta, timezone

import pytest
from alembic import command
from sqlalchemy import select, text

from handlers.activities import announcement_at, announcement_key
from handlers.app import build_renderers
from handlers.kit.api import Chat, ChatType, Event, Queued, Refresh, Request, Send
from handlers.kit.pipeline import handle
from handlers.kit.renderers import Renderers
from storage.db import Database, alembic_config
from storage.models import Activity, OutboxMessage
from tests.conftest import BACKENDS, database_url
from tests.memory import GROUP
from tests.test_activities import NEW, announce, linked

# A second activity, not identical to the one announce() makes (that one would be asked about first).
LATER = NEW.replace("09:00", "14:00").replace("11:00", "16:00")
from tests.test_flow import setup_branch


async def only_activity_id(bot) -> int:
    async with bot.db.session() as s:
        return (await s.scalars(select(Activity.id))).one()


async def test_new_posts_its_announcement_through_the_outbox_like_the_calendar(bot):
    sec = await setup_branch(bot)
    post = await announce(bot, sec)
    activity_id = await only_activity_id(bot)
    async with bot.db.session() as s:
        row = (await s.scalars(select(OutboxMessage).where(OutboxMessage.key == announcement_key(activity_id)))).one()
        assert (row.chat_id, row.message_id, row.status, row.purpose) == (GROUP.id, post.message_id, "sent", "announce")
        assert await announcement_at(s, activity_id) == (GROUP.id, post.message_id)
    # The /new transaction itself sends nothing to the group: it queues and wakes the sender.
    request = Request(900, Event.MESSAGE, Chat(sec.id, ChatType.PRIVATE), sec, text=LATER, command="new",
                      args=LATER.split(" ", 1)[1])
    actions = await handle(bot.core.router, bot.core.env, request)
    assert [a for a in actions if isinstance(a, Send) and a.chat_id == GROUP.id] == []
    assert Queued() in actions


async def test_a_check_in_asks_for_a_redraw_by_key_as_plain_data(bot):
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    post = await announce(bot, sec)
    activity_id = await only_activity_id(bot)
    bot.clock.advance(minutes=45)  # the window is open
    request = Request(901, Event.CALLBACK, GROUP, zhang, callback_id="q1", callback_data=post.button("Check in"),
                      message_id=post.message_id)
    actions = await handle(bot.core.router, bot.core.env, request)
    assert Refresh(f"announcement:{activity_id}") in actions
    json.dumps([{type(a).__name__: asdict(a)} for a in actions])  # values, no closures
    await bot.core.performer.perform(actions)
    await bot.core.performer.flush()
    assert "Checked in 1/2" in post.text  # the registered renderer drew it


async def test_renderers_are_registered_once_per_kind_and_unknown_kinds_are_refused(bot):
    assert build_renderers().knows("announcement:12")
    renderers = Renderers()
    renderers.register("chart", lambda session, env, arg: None)
    with pytest.raises(ValueError):
        renderers.register("chart", lambda session, env, arg: None)
    async with bot.db.session() as s:
        with pytest.raises(LookupError):
            await renderers.render(s, bot.core.env, "announcement:1")


async def test_an_announcement_still_queued_when_the_group_becomes_a_supergroup_goes_to_the_new_chat(bot):
    sec = await setup_branch(bot)
    posted = await announce(bot, sec)
    supergroup = Chat(-100999, ChatType.SUPERGROUP, "第一党支部群")
    await bot.core.process(Request(902, Event.MESSAGE, Chat(sec.id, ChatType.PRIVATE), sec, text=LATER, command="new",
                                   args=LATER.split(" ", 1)[1]))  # queued, not sent yet
    await bot.send(Request(903, Event.GROUP_MIGRATED, GROUP, sec, new_chat_id=supergroup.id))
    async with bot.db.session() as s:
        ids = sorted(await s.scalars(select(Activity.id)))
        # The one posted before is found in the new chat too, for its live count.
        assert await announcement_at(s, ids[0]) == (supergroup.id, posted.message_id)
    [second] = [s for s in bot.to(supergroup.id) if "【" in s.text]
    assert f"#{ids[1]}" in second.text
    assert [s for s in bot.to(GROUP.id) if f"#{ids[1]}" in s.text] == []


@pytest.mark.parametrize("backend", BACKENDS)
async def test_announcements_kept_on_activities_move_into_the_outbox_when_migrating(backend, tmp_path):
    db = Database(await database_url(backend, tmp_path))
    day = datetime(2026, 12, 1, 1, 0, tzinfo=timezone.utc)
    try:
        async with db.engine.begin() as conn:
            await conn.run_sync(lambda c: command.upgrade(alembic_config(c), "0001"))
            await conn.execute(text(
                "INSERT INTO branches (id, chat_id, name, timezone, locale, settings, created_at) "
                "VALUES (1, -5, 'B', 'Asia/Shanghai', 'zh_CN', '{}', :at)"), {"at": day - timedelta(days=30)})
            for number, message_id in ((1, 77), (2, None)):
                await conn.execute(text(
                    "INSERT INTO activities (id, branch_id, kind, title, starts_at, ends_at, audience, "
                    "checkin_opens_at, checkin_closes_at, onsite, allow_remote, qr_secret, announce_chat_id, "
                    "announce_message_id, created_at, cancelled) VALUES (:id, 1, 'theme_day', 'T', "
                    ":starts, :ends, 'branch', :opens, :ends, false, true, 's', :chat, :msg, :created, false)"),
                    {"id": number, "chat": -5 if message_id else None, "msg": message_id, "starts": day,
                     "ends": day + timedelta(hours=2), "opens": day - timedelta(minutes=30),
                     "created": day - timedelta(days=30)})
        await db.migrate()
        async with db.session() as s:
            assert await announcement_at(s, 1) == (-5, 77)
            assert await announcement_at(s, 2) is None
            assert len(list(await s.scalars(select(OutboxMessage)))) == 1
        async with db.engine.begin() as conn:  # and back
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "0001"))
            rows = (await conn.execute(text(
                "SELECT id, announce_chat_id, announce_message_id FROM activities ORDER BY id"))).all()
        assert [tuple(r) for r in rows] == [(1, -5, 77), (2, None, None)]
    finally:
        await db.dispose()
