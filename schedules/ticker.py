"""Periodic jobs on APScheduler. Jobs are plain coroutines kept in memory: nothing is pickled."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger(__name__)


class Ticker:
    def __init__(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)
        self._running: set[asyncio.Task] = set()

    def every(self, seconds: float, job: Callable[[], Awaitable[None]], name: str, *, at_once: bool = False) -> None:
        async def run() -> None:
            task = asyncio.current_task()
            self._running.add(task)
            try:
                await job()
            except Exception:
                log.exception("job %s failed", name)
            finally:
                self._running.discard(task)

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

    async def stop(self, timeout: float = 30.0) -> None:
        """No new runs; the ones under way finish (their work is one transaction: never half done)."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()  # shutting down first would cancel the runs under way
        if self._running:
            await asyncio.wait(set(self._running), timeout=timeout)
        self.scheduler.shutdown(wait=False)
