"""Periodic jobs on APScheduler. Jobs are plain coroutines kept in memory: nothing is pickled."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)


class Ticker:
    def __init__(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)

    def every(self, seconds: float, job: Callable[[], Awaitable[None]], name: str, *, at_once: bool = False) -> None:
        async def run() -> None:
            try:
                await job()
            except Exception:
                log.exception("job %s failed", name)

        self.scheduler.add_job(
            run,
            IntervalTrigger(seconds=seconds),
            id=name,
            name=name,
            max_instances=1,  # a slow run is not overlapped by the next
            coalesce=True,  # runs missed while busy collapse into one
            replace_existing=True,
            **({"next_run_time": datetime.now(timezone.utc)} if at_once else {}),
        )

    def start(self) -> None:
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
