"""Carries out what handlers decided: sends, edits and toasts, with retries and coalesced edits."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from bot.limits import Limits
from bot.transport import Rejected, RetryLater, Transient, Transport, Unreachable
from handlers.kit.api import Action, Edit, Queued, Refresh, Send, SendDocument, SendPhoto, Toast
from handlers.kit.renderers import Redraw
from handlers.kit.textfit import MAX_CAPTION, fit_toast, split_text
from storage import updates as update_store
from storage.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass
class _Pending:
    task: asyncio.Task | None = None
    last_run: float = 0.0  # when the last edit finished
    last_text: str | None = None
    dirty: bool = False


@dataclass
class Performer:
    transport: Transport
    db: Database
    clock: Callable
    edit_interval: float = 3.0  # a group takes 20 messages a minute; edits count as messages
    max_attempts: int = 5
    limits: Limits = field(default_factory=Limits)
    on_queued: Callable[[], None] | None = None  # tells the outbox sender that rows were added
    redraw: Redraw | None = None  # draws what a Refresh's key names (handlers.kit.renderers)
    _pending: dict[str, _Pending] = field(default_factory=dict)

    async def perform(self, actions: list[Action]) -> None:
        # Toasts first: Telegram shows a spinner on the button until it is answered.
        for action in sorted(actions, key=lambda a: not isinstance(a, Toast)):
            try:
                await self._one(action)
            except Exception:
                log.exception("could not perform %s", type(action).__name__)

    async def _one(self, action: Action) -> None:
        if isinstance(action, Toast):
            try:
                text = None if action.text is None else fit_toast(action.text)  # Telegram refuses longer ones
                await self.transport.answer_callback(action.callback_id, text, action.alert, action.url)
            except (Rejected, Unreachable) as exc:  # too old: nothing more to do
                log.info("callback %s not answered: %s", action.callback_id, exc)
        elif isinstance(action, Send):
            await self._send(action)
        elif isinstance(action, Edit):
            await self._edit(action)
        elif isinstance(action, SendPhoto):
            await self._attempts(action.chat_id, lambda: self.transport.send_photo(
                action.chat_id, action.photo, action.filename, _caption(action.caption)))
        elif isinstance(action, SendDocument):
            await self._attempts(action.chat_id, lambda: self.transport.send_document(
                action.chat_id, action.data, action.filename, _caption(action.caption)))
        elif isinstance(action, Refresh):
            self._refresh(action)
        elif isinstance(action, Queued):
            if self.on_queued is not None:
                self.on_queued()

    async def _send(self, action: Send) -> None:
        pieces = split_text(action.text)
        try:
            for i, piece in enumerate(pieces):
                buttons = action.buttons if i == len(pieces) - 1 else None  # buttons under the end
                await self._attempts(
                    action.chat_id, lambda piece=piece, buttons=buttons: self.transport.send_text(action.chat_id, piece, buttons)
                )
        except (Unreachable, Rejected) as exc:
            if isinstance(exc, Rejected) and not exc.chat_not_found:
                log.error("message to %s refused: %s", action.chat_id, exc)
                return
            log.info("chat %s unreachable: %s", action.chat_id, exc)
            if action.chat_id > 0:  # a person: remember, so nobody waits for them in vain
                async with self.db.session() as session:
                    await update_store.mark_unreachable(session, action.chat_id, self.clock())
            if action.fallback is not None:
                await self._send(action.fallback)

    async def _edit(self, action: Edit) -> None:
        try:
            await self._attempts(action.chat_id, lambda: self.transport.edit_text(
                action.chat_id, action.message_id, split_text(action.text)[0], action.buttons))
        except Rejected as exc:
            if not exc.not_modified:
                log.warning("edit of %s/%s refused: %s", action.chat_id, action.message_id, exc)
        except Unreachable as exc:
            log.info("edit of %s/%s impossible: %s", action.chat_id, action.message_id, exc)

    async def _attempts(self, chat_id: int, call: Callable[[], Awaitable[T]]) -> T:
        """Within the limits; obey 429's retry_after; back off with jitter on 5xx and network errors."""
        for attempt in range(1, self.max_attempts + 1):
            taken = await self.limits.wait(chat_id)
            try:
                return await call()
            except RetryLater as exc:
                self.limits.pause(exc.retry_after)
                wait = exc.retry_after
                error: Exception = exc
            except Transient as exc:
                wait = min(30.0, 0.5 * 2 ** (attempt - 1)) * (0.5 + random.random())
                error = exc
            finally:
                self.limits.finished(chat_id, taken)
            if attempt == self.max_attempts:
                raise error
            log.warning("attempt %d failed (%s); again in %.1fs", attempt, error, wait)
            await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    # --- coalesced edits -----------------------------------------------------------------
    def _refresh(self, action: Refresh) -> None:
        pending = self._pending.setdefault(action.key, _Pending())
        pending.dirty = True
        if pending.task is None or pending.task.done():
            pending.task = asyncio.create_task(self._run_refresh(action.key, pending))

    async def _run_refresh(self, key: str, pending: _Pending) -> None:
        while pending.dirty:
            delay = pending.last_run + self.edit_interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            pending.dirty = False
            try:
                if self.redraw is None:
                    raise LookupError(f"nothing draws {key!r}: the performer has no renderers")
                async with self.db.read() as session:  # only reads: never waits behind a writer
                    edit = await self.redraw(session, key)
                if edit is not None and edit.text != pending.last_text:  # unchanged: no call at all
                    await self._edit(edit)
                    pending.last_text = edit.text
            except Exception:
                log.exception("refresh %s failed", key)
            pending.last_run = time.monotonic()  # the interval runs from the end of the last edit
        # The entry stays: its last_run keeps the next burst from editing too soon.

    async def flush(self) -> None:
        """Wait for coalesced edits still due (at shutdown)."""
        tasks = [p.task for p in self._pending.values() if p.task is not None]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)


def _caption(text: str | None) -> str | None:
    return None if text is None else split_text(text, MAX_CAPTION)[0]
