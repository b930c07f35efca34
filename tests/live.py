"""Starts the real bot process (``python -m bot run``) against the fake Bot API server."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.fake_telegram import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent


class LiveBot:
    def __init__(self, fake: FakeTelegram, database_url: str, workdir: Path, **env: str) -> None:
        self.fake = fake
        self.database_url = database_url
        self.workdir = workdir
        self.env = env
        self.process: asyncio.subprocess.Process | None = None
        self.log = workdir / "bot.log"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "DATABASE_", "TELEGRAM_"))}
        env.update(
            BOT_TOKEN=self.fake.token,
            TELEGRAM_API_URL=self.fake.url,
            DATABASE_URL=self.database_url,
            LOG_LEVEL="INFO",
            PYTHONPATH=str(ROOT),
            PYTHONUNBUFFERED="1",
        )
        env.update(self.env)
        return env

    async def start(self, ready: str = "deleteWebhook") -> None:
        """Start the process; ``ready`` is the call it makes once it is about to take updates."""
        mark = self.fake.mark()
        with self.log.open("ab") as log:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=self.workdir, env=self.environment(),
                stdout=log, stderr=asyncio.subprocess.STDOUT,
            )
        # deleteWebhook comes right before the first long poll, setWebhook before serving one. A busy
        # machine can take long to import and migrate; a bot that never got ready is not left running.
        try:
            await self.fake.wait_for(lambda c: c.method == ready, timeout=90, after=mark)
        except BaseException:
            if self.process.returncode is None:
                await self.kill()
            raise

    async def stop(self) -> int:
        if self.process is None or self.process.returncode is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.process.wait(), 15)
        except TimeoutError:
            self.process.kill()
            return await self.process.wait()

    async def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        await self.process.wait()

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""
