"""Command line: ``branchbot run | migrate | console | check``."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from contextlib import ExitStack

from pydantic import ValidationError

from bot import backup
from bot.config import Settings
from bot.startup import TokenRejected
from bot.transport import RetryLater, Transient
from storage.db import Database

NO_TOKEN = (
    "BOT_TOKEN is not set.\n"
    "  1. In Telegram, talk to @BotFather, send /newbot and copy the token it gives you.\n"
    "  2. Put it in a file named .env next to where you run the bot:  BOT_TOKEN=123456789:AA...\n"
    "     (or export BOT_TOKEN=... in the shell), then start the bot again.\n"
    "To try the bot without a token:  python3 dev.py console  (or: branchbot console)"
)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc']).upper()}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()]
        sys.exit("The configuration is not valid:\n" + "\n".join(lines))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="branchbot", description="A Telegram bot for Party branches.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="migrate the database, then serve Telegram (default)")
    sub.add_parser("migrate", help="bring the database schema up to date and exit")
    sub.add_parser("console", help="try the bot in this terminal, without Telegram")
    sub.add_parser("check", help="check the configuration, the database and the token with Telegram")
    sub.add_parser("backup", help="copy the SQLite database, while the bot runs, into FILE").add_argument("file")
    restore = sub.add_parser("restore", help="replace the SQLite database with a backup FILE (the bot stopped)")
    restore.add_argument("file")
    restore.add_argument("--yes", action="store_true", help="yes, replace what is in the database now")
    args = parser.parse_args(argv)
    command = args.command or "run"

    settings = load_settings()
    if command in ("backup", "restore"):
        from pathlib import Path

        try:
            if command == "backup":
                print(backup.backup(settings.database_url, Path(args.file)))
            else:
                print(backup.restore(settings.database_url, Path(args.file), yes=args.yes))
        except backup.Refused as exc:
            sys.exit(str(exc))
        return
    if command == "console":  # its own database and a log file: the terminal is the conversation
        from bot.runtime_console import prepare

        settings = prepare(settings)
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if command == "run" and settings.bot_token is None:
        sys.exit(NO_TOKEN)
    try:
        asyncio.run(_main(command, settings))
    except (KeyboardInterrupt, asyncio.CancelledError):  # Ctrl-C, or SIGTERM before serving began
        pass
    except TokenRejected as exc:  # not worth a restart: a person has to fix the token
        sys.exit(exc.sentence())


async def _main(command: str, settings: Settings) -> None:
    if command == "run":  # stopped while still waiting for Telegram: a clean exit; the runtimes take over later
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, asyncio.current_task().cancel)
    with ExitStack() as stack:
        if command in ("run", "console") and (path := backup.sqlite_path(settings.database_url)):
            try:  # a restore must not replace the database under a running bot
                stack.enter_context(backup.held(path))
            except backup.Refused as exc:
                sys.exit(str(exc))
        await _serve(command, settings)


async def _serve(command: str, settings: Settings) -> None:
    db = Database(settings.database_url)
    try:
        await db.migrate()
        if command == "migrate":
            print(f"The database at {db.engine.url.render_as_string(hide_password=True)} is up to date.")
        elif command == "check":
            print("Configuration and database are fine." + ("" if settings.bot_token else " (BOT_TOKEN is not set.)"))
            if settings.bot_token and not await _check_telegram(settings):
                raise SystemExit(1)
        elif command == "console":
            from bot.runtime_console import run_console

            await run_console(settings, db)
        elif settings.runtime == "ptb":
            from bot.runtime_ptb import run_polling, run_webhook

            await (run_webhook if settings.webhook_url else run_polling)(settings, db)
        else:
            from bot.runtime_aiogram import run_polling, run_webhook

            await (run_webhook if settings.webhook_url else run_polling)(settings, db)
    finally:
        await db.dispose()


async def _check_telegram(settings: Settings) -> bool:
    """One getMe with the configured runtime; prints what Telegram said."""
    if settings.runtime == "ptb":
        from bot.runtime_ptb import identify
    else:
        from bot.runtime_aiogram import identify
    where = settings.telegram_api_url or "Telegram"
    try:
        username, name = await identify(settings)
    except TokenRejected as exc:
        print(exc.sentence())
        return False
    except (Transient, RetryLater) as exc:
        print(f"{where} cannot be reached now ({exc}); `branchbot run` would wait and try again.")
        return False
    print(f"BOT_TOKEN works: it is @{username} ({name}), asked at {where}.")
    return True
