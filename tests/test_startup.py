"""Waiting for Telegram at start: backoff doubles up to its cap, with jitter; 429 waits as long as asked."""

from __future__ import annotations

import pytest

from bot.startup import TokenRejected, delay_for, patiently
from bot.transport import Rejected, RetryLater, Transient


def test_backoff_doubles_to_its_cap_and_is_jittered():
    assert [delay_for(n, 8, lambda: 1.0) for n in range(1, 7)] == [1, 2, 4, 8, 8, 8]
    assert [delay_for(n, 8, lambda: 0.0) for n in range(1, 7)] == [0.5, 1, 2, 4, 4, 4]


async def test_transient_failures_and_flood_control_are_waited_out(caplog):
    caplog.set_level("INFO")
    failures = [Transient("Bad Gateway"), RetryLater(7), Transient("DNS")]
    waits: list[float] = []

    async def attempt():
        if failures:
            raise failures.pop(0)
        return "me"

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    assert await patiently("getMe", attempt, cap=60, sleep=sleep, rnd=lambda: 0.0) == "me"
    assert waits == [0.5, 7, 2]
    assert "Telegram cannot be reached for getMe (Bad Gateway); trying again in 0.5 s" in caplog.text
    assert "(asked to wait 7 s)" in caplog.text and "after 3 failed attempt(s)" in caplog.text


@pytest.mark.parametrize("error", [TokenRejected("Unauthorized"), Rejected("Bad Request")])
async def test_other_errors_are_not_waited_for(error):
    async def attempt():
        raise error

    async def sleep(seconds: float) -> None:
        raise AssertionError("waited")

    with pytest.raises(type(error)):
        await patiently("getMe", attempt, sleep=sleep)
