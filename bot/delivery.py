"""The sender: drains the outbox within Telegram's limits, exactly once per row as far as it can.

Several instances may run it at once: a row is claimed with a conditional update before its
request leaves, so only one of them sends it.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.limits import Limits
from bot.transport import (
    Rejected,
    RetryLater,
    Transient,
    Transport,
    Uncertain,
    Unreachable,
)
from handlers.kit.api import Button
from storage import outbox
from storage import updates as update_store
from storage.db import Database
from storage.models import OutboxFile, OutboxMessage
from storage.outbox import FINAL, Status

log = logging.getLogger(__name__)


def _keyboard(buttons) -> list[list[Button]] | None:
    if not buttons:
        return None
    return [[Button(b["text"], b.get("data"), b.get("url")) for b in row] for row in buttons]


class Sender:
    def __init__(
        self,
        db: Database,
        transport: Transport,
        limits: Limits,
        clock: Callable[[], datetime],
        *,
        concurrency: int = 8,
        max_attempts: int = 8,
        batch: int = 500,
    ) -> None:
        self.db = db
        self.transport = transport
        self.limits = limits
        self.clock = clock
        self.concurrency = concurrency
        self.max_attempts = max_attempts
        self.batch = batch
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self._stopping = False

    def wake(self) -> None:
        """New rows were committed: look now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Start draining in the background; nothing happens if it already runs."""
        if self._task is None or self._task.done():
            self._stopping = False
            self._task = asyncio.create_task(self.run(), name="outbox-sender")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def run(self) -> None:
        async with self.db.session() as session:
            recovered = await outbox.recover_interrupted(session, self.clock())
        if recovered:
            log.warning("%d messages were in flight at the last stop; sending them again", recovered)
        while not self._stopping:
            try:
                sent_any = await self.drain_once()
            except Exception:
                log.exception("outbox pass failed")
                sent_any = False
            if not sent_any:
                await self._idle()

    async def _idle(self) -> None:
        self._wake.clear()
        async with self.db.session() as session:
            upcoming = await outbox.next_due_at(session)
        wait = 1.0
        if upcoming is not None:
            wait = min(wait, max(0.0, (upcoming - self.clock()).total_seconds()))
        try:
            await asyncio.wait_for(self._wake.wait(), wait)
        except TimeoutError:
            pass

    async def drain_once(self) -> bool:
        """Send what is due now, each chat in order and within the limits; True if any was due.

        Rows go out in small batches: claimed together in one commit right before their requests
        leave, settled together in one commit right after. A batch is what may leave at once
        (``concurrency``), so a crash leaves at most that many rows in doubt.
        """
        async with self.db.session() as session:
            rows = await outbox.due(session, self.clock(), self.batch)
        if not rows:
            return False
        queue = deque(rows)
        while queue and not self._stopping:
            loop_now = self.limits.clock()
            room = self.limits.room(loop_now)
            picked: list[OutboxMessage] = []
            used = 0  # messages the picked rows are to Telegram (an album counts each photo)
            chats: set[int] = set()
            soonest = None
            for row in queue:
                if len(picked) >= self.concurrency or used >= room:
                    break
                if row.chat_id in chats:
                    continue  # one message per chat per batch keeps each chat's order
                chats.add(row.chat_id)
                count = outbox.weight(row)
                at = self.limits.ready_at(row.chat_id, loop_now, count)
                if at <= loop_now and used + count <= room:
                    picked.append(row)
                    used += count
                else:
                    soonest = at if soonest is None else min(soonest, at)
            if not picked:
                if room == 0:
                    soonest = self.limits.ready_at(0, loop_now)  # when the overall window frees up
                await self.limits.sleep(max(0.001, (soonest or loop_now + 0.05) - loop_now))
                continue
            for row in picked:
                queue.remove(row)
            await self._deliver(picked)
        return True

    async def _deliver(self, rows: list[OutboxMessage]) -> None:
        async with self.db.session() as session:
            mine = await outbox.claim_many(session, [row.id for row in rows], self.clock())
            files = await outbox.files(session, {row.upload_id for row in rows if row.id in mine and row.upload_id})
        rows = [row for row in rows if row.id in mine]  # the others went with another sender
        # Counted only now, after the claim's commit: a slow commit cannot bunch sends together.
        taken = []
        for row in rows:  # a reply may have gone to the same chat while the claim committed
            count = outbox.weight(row)
            while (delay := self.limits.ready_at(row.chat_id, None, count) - self.limits.clock()) > 0:
                await self.limits.sleep(delay)
            taken.append(self.limits.take(row.chat_id, count))
        outcomes = await asyncio.gather(*(self._attempt(row, files.get(row.upload_id)) for row in rows))
        for row, stamp in zip(rows, taken):
            self.limits.finished(row.chat_id, stamp, outbox.weight(row))
        async with self.db.session() as session:
            for row, (status, extra) in zip(rows, outcomes):
                await outbox.settle(session, row.id, status, self.clock(), **extra)
                if status == Status.UNREACHABLE and row.chat_id > 0:
                    await update_store.mark_unreachable(session, row.chat_id, self.clock())
            # The bytes of a file are needed until the last row uploading it is done.
            await outbox.release_files(session, {row.upload_id for row, (status, _) in zip(rows, outcomes)
                                                 if row.upload_id and status in FINAL})

    async def _attempt(self, row: OutboxMessage, file: OutboxFile | None) -> tuple[Status, dict]:
        """Send one row; its new status and what to record. Never raises."""
        attempts = row.attempts + 1
        try:
            return Status.SENT, {"message_id": await self._send(row, file)}
        except RetryLater as exc:
            self.limits.pause(exc.retry_after)
            return Status.PENDING, {"error": str(exc), "not_before": self._later(exc.retry_after)}
        except Uncertain as exc:  # the request may have arrived: sending again may duplicate it
            status, extra = self._retry_or_fail(attempts, exc)
            return status, {**extra, "uncertain": True}
        except Transient as exc:
            return self._retry_or_fail(attempts, exc)
        except Unreachable as exc:
            return Status.UNREACHABLE, {"error": str(exc)}
        except Rejected as exc:
            unreachable = exc.chat_not_found and row.chat_id > 0
            return (Status.UNREACHABLE if unreachable else Status.FAILED), {"error": str(exc)}
        except Exception as exc:  # a bug must not leave the row in flight for ever
            log.exception("sending outbox row %s failed", row.id)
            return Status.FAILED, {"error": f"internal error: {exc}"}

    def _retry_or_fail(self, attempts: int, exc: Exception) -> tuple[Status, dict]:
        if attempts >= self.max_attempts:
            return Status.FAILED, {"error": f"gave up after {attempts} attempts: {exc}"}
        backoff = min(300.0, 0.5 * 2 ** (attempts - 1)) * (0.5 + random.random())
        return Status.PENDING, {"error": str(exc), "not_before": self._later(backoff)}

    def _later(self, seconds: float) -> datetime:
        return self.clock() + timedelta(seconds=seconds)

    async def _send(self, row: OutboxMessage, file: OutboxFile | None) -> int:
        buttons = _keyboard(row.buttons)
        if row.upload_id is not None:  # a file the bot made: uploaded (multipart) under its name
            if file is None or file.data is None:
                raise Rejected(f"the file of outbox row {row.id} is gone")
            upload = self.transport.send_photo if file.kind == "photo" else self.transport.send_document
            return await upload(row.chat_id, file.data, file.filename, row.text or None, buttons)
        if row.media:  # an album of photos Telegram has: the first message's id stands for it
            return await self.transport.send_media_group(row.chat_id, list(row.media))
        if row.photo:  # a notice's picture or file keeps its buttons (收到) under the caption
            return await self.transport.send_photo(row.chat_id, row.photo, "photo.jpg", row.text or None, buttons)
        if row.document:
            return await self.transport.send_document(row.chat_id, row.document, "document", row.text or None, buttons)
        return await self.transport.send_text(row.chat_id, row.text, buttons)
