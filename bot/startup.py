"""Reaching Telegram at start: passing failures are waited out, a token Telegram rejects ends the process.

A service restarted while the network, DNS or Telegram itself is down should come up by itself once
they are back, saying in the log what it waits for; a wrong token is no passing failure and gets one
sentence instead of a traceback. The runtimes map their libraries' errors onto ``bot.transport``'s.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TypeVar

from bot.transport import RetryLater, Transient

log = logging.getLogger(__name__)
T = TypeVar("T")

FIRST_DELAY = 1.0  # seconds before the second try; doubled each time up to the cap


class TokenRejected(Exception):
    """401 or 404 on the bot's own calls: Telegram does not know BOT_TOKEN (wrong, or revoked)."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    def sentence(self) -> str:
        return (f"Telegram rejected BOT_TOKEN ({self.description}): the token is wrong or was revoked; "
                "copy it again from @BotFather (/mybots, API Token) and start the bot again.")


def delay_for(tries: int, cap: float, rnd: Callable[[], float] = random.random) -> float:
    """Exponential backoff with jitter: instances restarted together do not knock at the same moment."""
    return min(cap, FIRST_DELAY * 2 ** (tries - 1)) * (0.5 + rnd() / 2)


async def patiently(
    what: str,
    attempt: Callable[[], Awaitable[T]],
    *,
    cap: float = 60.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    rnd: Callable[[], float] = random.random,
) -> T:
    """``attempt()`` until it succeeds, waiting out ``Transient`` and ``RetryLater``; anything else is raised."""
    tries = 0
    while True:
        try:
            result = await attempt()
        except RetryLater as exc:  # flood control says how long; a little more spreads the knocks
            tries += 1
            delay, reason = exc.retry_after * (1 + rnd() / 10), f"asked to wait {exc.retry_after:g} s"
        except Transient as exc:
            tries += 1
            delay, reason = delay_for(tries, cap, rnd), str(exc) or type(exc).__name__
        else:
            if tries:
                log.info("Telegram answered %s after %d failed attempt(s)", what, tries)
            return result
        at = (datetime.now() + timedelta(seconds=delay)).strftime("%H:%M:%S")
        log.warning("Telegram cannot be reached for %s (%s); trying again in %.1f s, at %s (attempt %d)",
                    what, reason, delay, at, tries + 1)
        await sleep(delay)
