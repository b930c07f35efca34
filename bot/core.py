"""The runtime-independent bot: handlers, storage, the performer and the periodic jobs."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bot.config import Settings
from bot.delivery import Sender
from bot.i18n import Catalogs
from bot.limits import LimitConfig, Limits
from bot.performer import Performer
from bot.transport import Transport
from handlers.app import build_events, build_renderers, build_router
from handlers.broadcasts import upkeep
from handlers.calendar import Reminders
from handlers.kit.api import Request
from handlers.kit.context import Env
from handlers.kit.pipeline import handle
from handlers.service import Notices as ServiceNotices
from handlers.summary import Summaries
from schedules.engine import Calendar
from schedules.leader import Leadership
from schedules.ticker import Ticker
from storage import updates as update_store
from storage.db import Database

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def file_clock(path: Path) -> Callable[[], datetime]:
    """A clock read from a file holding an ISO time: how end-to-end tests move the bot through days."""

    def now() -> datetime:
        return datetime.fromisoformat(path.read_text().strip()).astimezone(timezone.utc)

    return now


class BotCore:
    def __init__(
        self,
        transport: Transport,
        db: Database,
        *,
        default_locale: str = "zh_CN",
        default_timezone: str = "Asia/Shanghai",
        clock: Callable[[], datetime] = utcnow,
        limits: LimitConfig = LimitConfig(),
        grace: timedelta = timedelta(minutes=60),
        calendar_interval: float = 20.0,
    ) -> None:
        self.calendar_interval = calendar_interval
        self.db = db
        self.catalogs = Catalogs(default_locale)
        self.router = build_router()
        self.env = Env(
            db=db,
            catalogs=self.catalogs,
            clock=clock,
            bot_username=transport.bot_username,
            default_timezone=default_timezone,
            download=transport.download,
            is_chat_admin=transport.is_chat_admin,
            events=build_events(),
        )
        shared = Limits(limits)  # replies and queued sends draw on the same allowance
        # A batch is ~50 ms of sending: enough to keep up, few messages in doubt after a crash.
        self.sender = Sender(db, transport, shared, clock, concurrency=max(4, math.ceil(limits.per_second / 20)))
        self.renderers = build_renderers()
        self.performer = Performer(transport, db, clock, limits=shared, on_queued=self.sender.wake,
                                   redraw=self.renderers.for_env(self.env))
        self.reminders = Reminders(self.catalogs, clock)
        self.summaries = Summaries(self.catalogs, clock)
        self.calendar = Calendar(db, self.reminders, clock, grace=grace, service=ServiceNotices(self.catalogs),
                                 summaries=self.summaries)
        self.leadership = Leadership(db)
        self.ticker = Ticker()

    @classmethod
    def for_settings(cls, transport: Transport, db: Database, settings: Settings) -> BotCore:
        return cls(
            transport,
            db,
            default_locale=settings.default_locale,
            default_timezone=settings.default_timezone,
            limits=LimitConfig(settings.send_per_second, settings.send_per_chat_per_second,
                               settings.send_per_group_per_minute),
            grace=timedelta(minutes=settings.reminder_grace_minutes),
            calendar_interval=settings.calendar_interval_seconds,
            clock=file_clock(settings.clock_file) if settings.clock_file else utcnow,
        )

    async def process(self, request: Request) -> None:
        await self.performer.perform(await handle(self.router, self.env, request))

    def command_menu(self, locale: str) -> list[tuple[str, str]]:
        t = self.catalogs.gettext(locale)
        return [(name, t(description)) for name, description in self.router.menu]

    async def broadcast_upkeep(self) -> None:
        await self.performer.perform(await upkeep(self.env))

    async def forget_old_updates(self) -> None:
        async with self.db.session() as session:
            await update_store.forget_old_updates(session, self.env.clock(), keep=timedelta(days=7))

    async def calendar_tick(self) -> None:
        """The leader's duties: the branch calendars, and draining the outbox."""
        if not await self.leadership.hold():
            await self.sender.stop()  # another instance leads: one sender keeps one rate budget
            return
        self.sender.start()
        await self.run_calendar()
        self.sender.wake()

    async def run_calendar(self) -> None:
        """One pass of the branch calendars, then the redraws it asked for."""
        await self.calendar.tick()
        await self.performer.perform(self.reminders.redraws())

    def start_jobs(self) -> None:
        self.ticker.every(self.calendar_interval, self.calendar_tick, "calendar", at_once=True)
        self.ticker.every(30, self.broadcast_upkeep, "broadcast-upkeep")
        self.ticker.every(3600, self.forget_old_updates, "forget-old-updates")
        self.ticker.start()

    async def close(self) -> None:
        await self.ticker.stop()
        await self.sender.stop()
        await self.performer.flush()
        await self.leadership.release()
