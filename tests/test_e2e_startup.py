"""Start-up when Telegram cannot be reached, or does not accept the token: the real process, both runtimes."""

from __future__ import annotations

import asyncio
import socket
import sys

import pytest

from tests.fake_telegram import FakeTelegram
from tests.live import LiveBot

pytestmark = pytest.mark.e2e

RUNTIMES = ["aiogram", "ptb"]
REJECTED = "Telegram rejected BOT_TOKEN"
WRONG_TOKEN = "987654321:AAwrong-token-that-the-server-does-not-know"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def live(fake: FakeTelegram, tmp_path, runtime: str, **env: str) -> LiveBot:
    return LiveBot(fake, f"sqlite+aiosqlite:///{tmp_path}/s.db", tmp_path, RUNTIME=runtime,
                   TELEGRAM_RETRY_MAX="2", **env)


async def command(bot: LiveBot, *args: str, timeout: float = 60) -> tuple[int, str]:
    """``python -m bot ARGS`` to its end, run beside the fake (which shares this event loop)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, cwd=bot.workdir, env=bot.environment(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    out, _ = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode, out.decode(errors="replace")


async def knocked(bot: LiveBot, times: int = 1) -> None:
    """Until the process has said ``times`` times that it waits for Telegram."""
    for _ in range(300):
        if bot.output().count("trying again in") >= times:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(bot.output()[-3000:])


async def serves(fake: FakeTelegram) -> None:
    user = fake.user(7, "Ming", language_code="en")
    mark = fake.mark()
    fake.send_text(user, user.id, "/start")
    assert await fake.wait_message(user.id, contains="Hello", after=mark)


async def stopped_cleanly(bot: LiveBot) -> None:
    code = await bot.stop()
    assert code == 0, bot.output()[-3000:]
    assert "Traceback" not in bot.output(), bot.output()[-3000:]


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_a_502_and_a_429_at_start_are_waited_out(fake, tmp_path, runtime):
    fake.fail_next("getMe", status=502, times=2)
    fake.fail_next("setMyCommands", status=429, retry_after=1)
    fake.fail_next("deleteWebhook", status=500)
    bot = live(fake, tmp_path, runtime)
    await bot.start()
    try:
        await serves(fake)
        assert len([c for c in fake.calls if c.method == "getMe" and c.status == 502]) == 2
        output = bot.output()
        assert "Telegram cannot be reached for getMe" in output and "trying again in" in output
        assert "for setMyCommands (asked to wait 1 s)" in output
        assert "Telegram cannot be reached for deleteWebhook" in output
    finally:
        await stopped_cleanly(bot)
    code, out = await command(bot, "check")
    assert code == 0 and "BOT_TOKEN works: it is @branch_test_bot" in out, out


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_the_webhook_is_set_patiently_too(fake, tmp_path, runtime):
    port = free_port()
    fake.fail_next("setWebhook", status=503)
    bot = live(fake, tmp_path, runtime, WEBHOOK_URL=f"http://127.0.0.1:{port}/hook", WEBHOOK_HOST="127.0.0.1",
               WEBHOOK_PORT=str(port))
    mark = fake.mark()
    await bot.start(ready="setWebhook")
    await fake.wait_for(lambda c: c.method == "setWebhook" and c.status == 200, timeout=30, after=mark)
    assert fake.webhook_url.endswith("/hook")
    assert "Telegram cannot be reached for setWebhook" in bot.output()
    await stopped_cleanly(bot)


@pytest.mark.parametrize("runtime", RUNTIMES)
@pytest.mark.parametrize("how", ["wrong token", "401", "404"])
async def test_a_token_telegram_rejects_ends_in_one_sentence(fake, tmp_path, runtime, how):
    env = {"BOT_TOKEN": WRONG_TOKEN} if how == "wrong token" else {}
    if how != "wrong token":
        fake.fail_next("getMe", status=int(how), times=2)  # once for run, once for check
    bot = live(fake, tmp_path, runtime, **env)
    code, out = await command(bot, "run")
    assert code == 1, out
    assert REJECTED in out and "@BotFather" in out, out
    assert "Traceback" not in out, out
    assert out.strip().splitlines()[-1].startswith(REJECTED)
    assert WRONG_TOKEN not in out  # the token is a secret: never printed
    assert not [c for c in fake.calls if c.method in ("getUpdates", "deleteWebhook")]

    code, out = await command(bot, "check")
    assert code == 1, out
    assert "Configuration and database are fine." in out and REJECTED in out, out
    assert "Traceback" not in out


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_telegram_unreachable_for_a_while_then_back(tmp_path, runtime):
    port = free_port()
    fake = FakeTelegram()
    bot = live(fake, tmp_path, runtime, TELEGRAM_API_URL=f"http://127.0.0.1:{port}")
    code, out = await command(bot, "check")  # nothing listens there yet
    assert code == 1 and "cannot be reached now" in out and "Traceback" not in out, out

    starting = asyncio.create_task(bot.start())
    try:
        await knocked(bot, times=2)  # the bot knocks on a closed port meanwhile
        assert bot.process is not None and bot.process.returncode is None, bot.output()
        await fake.start(port)
        await starting
        await serves(fake)
        output = bot.output()
        assert "Telegram cannot be reached for getMe" in output and "trying again in" in output
        assert "after" in output and "failed attempt(s)" in output
        code, out = await command(bot, "check")
        assert code == 0 and "@branch_test_bot" in out, out
    finally:
        starting.cancel()
        await stopped_cleanly(bot)
        await fake.stop()
    assert fake.errors == []


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_check_says_when_telegram_fails(fake, tmp_path, runtime):
    fake.fail_next("getMe", status=502)
    code, out = await command(live(fake, tmp_path, runtime), "check")
    assert code == 1 and "cannot be reached now" in out and "Traceback" not in out, out


@pytest.mark.parametrize("runtime", RUNTIMES)
async def test_stopped_while_waiting_for_telegram(tmp_path, runtime):
    import signal

    bot = live(FakeTelegram(), tmp_path, runtime, TELEGRAM_API_URL=f"http://127.0.0.1:{free_port()}")
    starting = asyncio.create_task(bot.start())
    await knocked(bot)
    assert bot.process is not None
    bot.process.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(bot.process.wait(), 10) == 0, bot.output()
    starting.cancel()
    assert "Traceback" not in bot.output()
