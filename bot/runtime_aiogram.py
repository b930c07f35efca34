"""The default runtime: aiogram 3, long polling or a webhook. Translation in and out, nothing else."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeDefault,
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    LinkPreviewOptions,
    Update,
)
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.config import Settings
from bot.core import BotCore
from bot.signals import stop_requested
from bot.startup import TokenRejected, patiently
from bot.transport import Rejected, RetryLater, Transient, Uncertain, Unreachable
from bot.updates import ALLOWED_UPDATES, CONCURRENT_UPDATES, MENU_LANGUAGES, to_request
from handlers.kit.api import FileRef, Keyboard
from storage.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")



async def _mapped(call: Awaitable[T]) -> T:
    """aiogram's exceptions, as the runtime-neutral ones the performer understands."""
    try:
        return await call
    except TelegramRetryAfter as exc:
        raise RetryLater(exc.retry_after, exc.message) from exc
    except TelegramForbiddenError as exc:
        raise Unreachable(exc.message) from exc
    except (TelegramBadRequest, TelegramNotFound) as exc:
        raise Rejected(exc.message) from exc
    except asyncio.TimeoutError as exc:
        raise Uncertain("request timeout") from exc
    except TelegramNetworkError as exc:  # aiogram reports its own timeouts this way too
        raise (Uncertain if "timeout" in exc.message.lower() else Transient)(exc.message) from exc
    except TelegramServerError as exc:
        raise Transient(str(exc)) from exc


async def _at_start(call: Awaitable[T]) -> T:
    """The bot's own calls at start (getMe, menus, webhook): 401/404 there means the token is not known."""
    try:
        return await _mapped(call)
    except (TelegramUnauthorizedError, TelegramNotFound) as exc:
        raise TokenRejected(exc.message) from exc
    except Rejected as exc:
        if isinstance(exc.__cause__, TelegramNotFound):
            raise TokenRejected(str(exc)) from exc
        raise
    except ClientDecodeError as exc:  # not JSON: a proxy's error page (an HTML 502) rather than Telegram
        raise Transient(f"unreadable answer: {exc.message}") from exc


def _file(data: bytes | str, filename: str) -> BufferedInputFile | str:
    """Bytes to upload, or the file_id of a file Telegram already has."""
    return data if isinstance(data, str) else BufferedInputFile(data, filename)


def _markup(buttons: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=b.text, callback_data=b.data, url=b.url) for b in row] for row in buttons
        ]
    )


class AiogramTransport:
    def __init__(self, bot: Bot, username: str) -> None:
        self.bot = bot
        self.bot_username = username

    async def send_text(self, chat_id: int, text: str, buttons: Keyboard | None) -> int:
        message = await _mapped(self.bot.send_message(
            chat_id, text, reply_markup=_markup(buttons), parse_mode=None,
            link_preview_options=LinkPreviewOptions(is_disabled=True)))
        return message.message_id

    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: Keyboard | None) -> None:
        await _mapped(self.bot.edit_message_text(
            text=text, chat_id=chat_id, message_id=message_id, reply_markup=_markup(buttons), parse_mode=None,
            link_preview_options=LinkPreviewOptions(is_disabled=True)))

    async def send_photo(self, chat_id: int, data: bytes | str, filename: str, caption: str | None,
                         buttons: Keyboard | None = None) -> int:
        message = await _mapped(self.bot.send_photo(chat_id, _file(data, filename), caption=caption, parse_mode=None,
                                                    reply_markup=_markup(buttons)))
        return message.message_id

    async def send_document(self, chat_id: int, data: bytes | str, filename: str, caption: str | None,
                            buttons: Keyboard | None = None) -> int:
        message = await _mapped(self.bot.send_document(chat_id, _file(data, filename), caption=caption, parse_mode=None,
                                                       reply_markup=_markup(buttons)))
        return message.message_id

    async def send_media_group(self, chat_id: int, file_ids: list[str]) -> int:
        messages = await _mapped(self.bot.send_media_group(chat_id, [InputMediaPhoto(media=f) for f in file_ids]))
        return messages[0].message_id

    async def answer_callback(self, callback_id: str, text: str | None, alert: bool, url: str | None) -> None:
        await _mapped(self.bot.answer_callback_query(callback_id, text=text, show_alert=alert, url=url))

    async def download(self, file: FileRef) -> bytes:
        info = await _mapped(self.bot.get_file(file.file_id))
        buffer = await _mapped(self.bot.download_file(info.file_path))
        return buffer.read()

    async def is_chat_admin(self, chat_id: int, user_id: int) -> bool:
        member = await _mapped(self.bot.get_chat_member(chat_id, user_id))
        return member.status in ("creator", "administrator")


# --- running -----------------------------------------------------------------------------------


def make_bot(settings: Settings) -> Bot:
    assert settings.bot_token is not None
    api = TelegramAPIServer.from_base(settings.telegram_api_url) if settings.telegram_api_url else None
    session = AiohttpSession(api=api, timeout=settings.telegram_timeout) if api else AiohttpSession(
        timeout=settings.telegram_timeout)
    return Bot(settings.bot_token.get_secret_value(), session=session, default=DefaultBotProperties(parse_mode=None))


def _patiently(settings: Settings, what: str, call: Callable[[], Awaitable[T]]) -> Awaitable[T]:
    return patiently(what, lambda: _at_start(call()), cap=settings.telegram_retry_max)


async def identify(settings: Settings) -> tuple[str, str]:
    """One getMe, for ``branchbot check``: the bot's username and name, or the neutral errors."""
    bot = make_bot(settings)
    try:
        me = await _at_start(bot.get_me())
        return me.username or "", me.full_name
    finally:
        await bot.session.close()


@asynccontextmanager
async def assembled(settings: Settings, db: Database):
    """A started bot: identity known, command menus set, jobs running; closed on exit."""
    bot = make_bot(settings)
    try:
        me = await _patiently(settings, "getMe", bot.get_me)
        core = BotCore.for_settings(AiogramTransport(bot, me.username or ""), db, settings)
        await _set_menus(settings, bot, core)
        dispatcher = Dispatcher()

        async def on_update(update: Update) -> Any:
            request = to_request(update, me.id, me.username or "")
            if request is not None:
                await core.process(request)

        dispatcher.update.outer_middleware(_Intercept(on_update))
        core.start_jobs()
        try:
            yield bot, dispatcher, core
        finally:
            await core.close()
    finally:
        await bot.session.close()


class _Intercept:
    """Takes every update before aiogram's own routing: the neutral router does the rest."""

    def __init__(self, handler: Callable[[Update], Awaitable[Any]]) -> None:
        self.handler = handler

    async def __call__(self, _next, update: Update, _data: dict[str, Any]) -> Any:
        return await self.handler(update)


async def _set_menus(settings: Settings, bot: Bot, core: BotCore) -> None:
    for language, locale in (*MENU_LANGUAGES, (None, core.catalogs.default_locale)):
        commands = [BotCommand(command=c, description=d[:256]) for c, d in core.command_menu(locale)]
        try:
            await _patiently(settings, "setMyCommands", lambda: bot.set_my_commands(
                commands, scope=BotCommandScopeDefault(), language_code=language))
        except TokenRejected:
            raise
        except Exception as exc:  # a menu is a nicety; the bot works without it
            log.warning("could not set the command menu (%s): %s", language, exc)


async def run_polling(settings: Settings, db: Database) -> None:
    async with assembled(settings, db) as (bot, dispatcher, _core):
        await _patiently(settings, "deleteWebhook", lambda: bot.delete_webhook(drop_pending_updates=False))
        log.info("polling for updates")
        await dispatcher.start_polling(bot, allowed_updates=ALLOWED_UPDATES, handle_signals=True,
                                       close_bot_session=False, tasks_concurrency_limit=CONCURRENT_UPDATES)


async def run_webhook(settings: Settings, db: Database) -> None:
    assert settings.webhook_url is not None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    async with assembled(settings, db) as (bot, dispatcher, _core):
        app = web.Application()
        path = "/" + settings.webhook_url.split("://", 1)[-1].partition("/")[2]
        SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret).register(app, path=path)
        setup_application(app, dispatcher, bot=bot)
        await _patiently(settings, "setWebhook", lambda: bot.set_webhook(
            settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES))
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        log.info("webhook listening on %s:%s%s", settings.webhook_host, settings.webhook_port, path)
        try:
            await stop_requested()
        finally:
            await runner.cleanup()
