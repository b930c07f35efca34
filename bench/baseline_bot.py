"""The yardstick: a bare aiogram 3 bot whose only handler answers a button press with "ok".

Started as its own process (``python -m bench.baseline_bot``) with the same environment
variables as the real bot, it polls the same way (same session class, same allowed updates,
one task per update, INFO logging to the same kind of log file), so the difference between
the two is what branchbot does per update: its database work, its routing and its texts.
"""

from __future__ import annotations

import asyncio
import logging
import os

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import CallbackQuery

# The same list the real bot asks for (bot.runtime_aiogram.ALLOWED_UPDATES).
ALLOWED_UPDATES = ["message", "callback_query", "chat_member", "my_chat_member"]

router = Router()


@router.callback_query()
async def answer(query: CallbackQuery) -> None:
    await query.answer("ok")


async def main() -> None:
    api = TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"])
    session = AiohttpSession(api=api, timeout=float(os.environ.get("TELEGRAM_TIMEOUT", "30")))
    bot = Bot(os.environ["BOT_TOKEN"], session=session, default=DefaultBotProperties(parse_mode=None))
    dispatcher = Dispatcher()
    dispatcher.include_router(router)
    try:
        await bot.get_me()
        await bot.delete_webhook(drop_pending_updates=False)
        await dispatcher.start_polling(bot, allowed_updates=ALLOWED_UPDATES, handle_signals=True,
                                       close_bot_session=False)
    finally:
        await bot.session.close()


if __name__ == "__main__":
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    asyncio.run(main())
