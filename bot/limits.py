"""Telegram's sending limits, kept ahead of time rather than learnt from 429s.

About 30 messages a second overall, one a second in any one chat, twenty a minute in a
group; edits count like sends. A 429 still pauses everything for its retry_after.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class LimitConfig:
    per_second: float = 30.0
    per_chat_per_second: float = 1.0
    per_group_per_minute: int = 20
    # Requests reach Telegram a little later than they leave, and not always in step: windows are
    # kept this much longer than the limit says, so a late one never lands in the next window.
    margin: float = 0.02


class Limits:
    """The allowance, on a monotonic ``clock``; whoever waits for it waits with ``sleep``.

    Tests give both a clock they move, so waiting for a window or a 429 costs no real time.
    """

    def __init__(self, config: LimitConfig = LimitConfig(), clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.config = config
        self.clock = clock
        self.sleep = sleep
        self._global: deque[float] = deque()
        self._last: dict[int, float] = {}
        self._groups: dict[int, deque[float]] = {}
        self._paused_until = 0.0
        self._in_flight: dict[int, int] = {}  # chat -> requests not answered yet

    def ready_at(self, chat_id: int, now: float | None = None, count: int = 1) -> float:
        """The earliest moment ``count`` messages (an album counts each photo, as Telegram does) to
        ``chat_id`` may leave (``now`` when they may leave now)."""
        now = self.clock() if now is None else now
        self._forget(now)
        at = max(now, self._paused_until)
        stretch = 1.0 + self.config.margin
        per_second = int(self.config.per_second)
        free = max(0, per_second - min(count, per_second))  # how many may stay in the window
        if len(self._global) > free:
            at = max(at, self._global[-(free + 1)] + stretch)
        if self._in_flight.get(chat_id):
            at = max(at, now + 0.02)  # the chat's previous message is still on its way
        last = self._last.get(chat_id)
        if last is not None:
            at = max(at, last + stretch / self.config.per_chat_per_second)
        window = self._groups.get(chat_id)
        per_group = self.config.per_group_per_minute
        group_free = max(0, per_group - min(count, per_group))
        if chat_id < 0 and window and len(window) > group_free:
            at = max(at, window[-(group_free + 1)] + 60.0 * stretch)
        return at

    def room(self, now: float | None = None) -> int:
        """How many messages may leave right now as far as the overall limit goes."""
        now = self.clock() if now is None else now
        self._forget(now)
        if now < self._paused_until:
            return 0
        return max(0, int(self.config.per_second) - len(self._global))

    def _spread(self, count: int) -> float:
        """How far past its start an album of ``count`` keeps its chat busy (one message a second)."""
        return (count - 1) * (1.0 + self.config.margin) / self.config.per_chat_per_second

    def take(self, chat_id: int, count: int = 1) -> float:
        """Count ``count`` messages to ``chat_id`` leaving now; returns their stamp for ``finished``."""
        now = self.clock()
        self._global.extend([now] * count)
        self._last[chat_id] = now + self._spread(count)
        self._in_flight[chat_id] = self._in_flight.get(chat_id, 0) + 1
        if chat_id < 0:
            self._groups.setdefault(chat_id, deque()).extend([now] * count)
        return now

    def finished(self, chat_id: int, taken: float, count: int = 1) -> None:
        """The answer came back: count the message from now, not from when it was meant to leave.

        A pause in between (garbage collection, a busy loop) delays the request itself; counted
        from its start, the next ones could reach Telegram less than a window after it.
        """
        now = self.clock()
        for window in (self._global, self._groups.get(chat_id)):
            if window is None:
                continue
            moved = 0
            for _ in range(count):
                try:
                    window.remove(taken)
                except ValueError:
                    break  # already out of the window
                moved += 1
            window.extend([now] * moved)  # the newest stamps: the deque stays in order
        if self._last.get(chat_id) == taken + self._spread(count):
            self._last[chat_id] = now + self._spread(count)
        left = self._in_flight.get(chat_id, 1) - 1
        if left > 0:
            self._in_flight[chat_id] = left
        else:
            self._in_flight.pop(chat_id, None)

    async def wait(self, chat_id: int) -> float:
        """Sleep until a message to ``chat_id`` may leave, and count it; returns its stamp."""
        while (delay := self.ready_at(chat_id) - self.clock()) > 0:
            await self.sleep(delay)
        return self.take(chat_id)

    def pause(self, seconds: float) -> None:
        """Telegram said 429: nothing leaves for ``seconds``."""
        self._paused_until = max(self._paused_until, self.clock() + seconds)

    def _forget(self, now: float) -> None:
        while self._global and self._global[0] <= now - (1.0 + self.config.margin):
            self._global.popleft()
        if len(self._last) > 10_000:  # keep memory flat in a long-running process
            self._last = {c: t for c, t in self._last.items() if t > now - 60}
            self._groups = {c: w for c, w in self._groups.items() if w and w[-1] > now - 60}
        for window in self._groups.values():
            while window and window[0] <= now - 60.0 * (1.0 + self.config.margin):
                window.popleft()
