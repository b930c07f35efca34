"""The baseline run: the bare aiogram bot of ``bench.baseline_bot`` takes the same burst of presses."""

from __future__ import annotations

import tempfile
from pathlib import Path

import aiohttp

from bench.common import (
    GROUP,
    SECRETARY_ID,
    BotProcess,
    Outcome,
    burst,
    log_problems,
    members,
    rate_trouble,
)
from tests.fake_telegram import FakeTelegram

# Looks like branchbot's announcement, so that both bots parse updates of the same size.
TEXT = ("【主题党日】Bench day  #1\nTime: 2026-01-01 10:00–12:00\nPlace: Room 1\nFor: the whole branch\n"
        "Check-in opens at 2026-01-01 09:30.\nChecked in 0/{expected} · on leave 0")


async def _post_as_bot(fake: FakeTelegram, text: str) -> dict:
    """The message with the buttons, sent through the fake's HTTP API as the bot would."""
    markup = {"inline_keyboard": [[{"text": "Check in", "callback_data": "ci:1"},
                                   {"text": "Ask for leave", "callback_data": "lv:1"}]]}
    async with aiohttp.ClientSession() as http, http.post(
        f"{fake.url}/bot{fake.token}/sendMessage", json={"chat_id": GROUP, "text": text, "reply_markup": markup}
    ) as response:
        payload = await response.json()
    assert payload["ok"], payload
    return payload["result"]


async def run_baseline(count: int, *, timeout: float, label: str = "baseline",
                       profile: Path | None = None, pin: int | None = None) -> Outcome:
    with tempfile.TemporaryDirectory(prefix="bench-baseline-") as tmp:
        fake = FakeTelegram()
        await fake.start()
        fake.enforce_limits()
        bot = BotProcess(fake, ["-m", "bench.baseline_bot"], Path(tmp), pin=pin)
        try:
            fake.group(GROUP, "第一党支部群")
            secretary = fake.user(SECRETARY_ID, "Li", last_name="Secretary", language_code="en")
            users = members(fake, count)
            post = await _post_as_bot(fake, TEXT.format(expected=count + 1))
            await bot.start()
            # One press first, so that the burst meets a bot that has handled an update already.
            mark = fake.mark()
            fake.press(secretary, post, "ci:1")
            await fake.wait_for(lambda c: c.method == "answerCallbackQuery", timeout=30, after=mark)
            await fake.quiet()
            result = burst(fake, bot, users, post, "ci:1", "ok", timeout=timeout, profile=profile)
            outcome = Outcome(label, await result)
            await fake.quiet(timeout=30)
        finally:
            code = await bot.stop()
            await fake.stop()
        outcome.burst.count_failures(fake)
        outcome.rate_limited, outcome.violations = rate_trouble(fake)
        outcome.edits = sum(1 for c in fake.calls[outcome.burst.mark:] if c.method == "editMessageText")
        outcome.log_lines = log_problems(bot.output())
        if code != 0:
            outcome.problems.append(f"the baseline bot exited with {code}")
        if fake.errors:
            outcome.problems.append(f"the fake had {len(fake.errors)} internal errors")
        return outcome
