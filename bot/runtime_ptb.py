"""The second runtime: python-telegram-bot 22, long polling or a webhook. Translation in and out, nothing else.

Chosen with ``RUNTIME=ptb``; it behaves like ``bot.runtime_aiogram`` from the outside.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import warnings
from collections.abc import Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import timedelta
from typing import Any, TypeVar

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeDefault,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    LinkPreviewOptions,
    Update,
)
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, ApplicationBuilder, ContextTypes, TypeHandler
from telegram.warnings import PTBDeprecationWarning

from bot.config import Settings
from bot.core import BotCore
from bot.startup import TokenRejected, patiently
from bot.transport import Rejected, RetryLater, Transient, Uncertain, Unreachable
from bot.updates import ALLOWED_UPDATES, CONCURRENT_UPDATES, MENU_LANGUAGES, to_request
from handlers.kit.api import FileRef, Keyboard
from storage.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")

POLL_TIMEOUT = timedelta(seconds=10)  # the long poll itself; the read timeout is added on top


def retry_after_seconds(exc: RetryAfter) -> float:
    """``retry_after`` is an int or a timedelta depending on PTB_TIMEDELTA; reading it as an int warns."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: Any = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def _description(exc: TelegramError) -> str:
    """The error text as Telegram sends it, near enough.

    PTB drops a leading "Bad Request: " and capitalises what remains ("Message is not modified: ..."),
    while ``Rejected.not_modified`` / ``chat_not_found`` look for the lower-case phrases.
    """
    message = exc.message
    return message[:1].lower() + message[1:]


async def _mapped(call: Awaitable[T]) -> T:
    """PTB's exceptions, as the runtime-neutral ones the performer understands.

    Order matters: BadRequest and TimedOut are subclasses of NetworkError.
    """
    try:
        return await call
    except RetryAfter as exc:
        raise RetryLater(retry_after_seconds(exc), str(exc)) from exc
    except Forbidden as exc:
        raise Unreachable(exc.message) from exc
    except BadRequest as exc:
        raise Rejected(_description(exc)) from exc
    except ChatMigrated as exc:  # a group became a supergroup: the old id no longer works
        raise Rejected(f"group chat was upgraded to a supergroup chat {exc.new_chat_id}") from exc
    except InvalidToken as exc:  # PTB reports every 404 (e.g. a file that is gone) this way
        raise Rejected(exc.message) from exc
    except (TimedOut, TimeoutError) as exc:
        raise Uncertain(str(exc)) from exc
    except NetworkError as exc:  # covers 5xx too
        raise Transient(str(exc)) from exc


async def _at_start(call: Awaitable[T]) -> T:
    """The bot's own calls at start (getMe, menus, webhook): 401/404 there means the token is not known."""
    try:
        return await call
    except InvalidToken as exc:
        # Bot.initialize re-raises with the token in the text: keep Telegram's own words instead.
        cause = exc.__cause__ if isinstance(exc.__cause__, InvalidToken) else exc
        raise TokenRejected(cause.message) from exc
    except RetryAfter as exc:
        raise RetryLater(retry_after_seconds(exc), str(exc)) from exc
    except (TimedOut, TimeoutError) as exc:
        raise Uncertain(str(exc)) from exc
    except BadRequest:
        raise
    except NetworkError as exc:  # connection refused, DNS, and 5xx
        raise Transient(str(exc)) from exc


def _patiently(settings: Settings, what: str, call: Callable[[], Awaitable[T]]) -> Awaitable[T]:
    return patiently(what, lambda: _at_start(call()), cap=settings.telegram_retry_max)


def _markup(buttons: Keyboard | None) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(b.text, callback_data=b.data, url=b.url) for b in row] for row in buttons]
    )


NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


class PtbTransport:
    def __init__(self, bot: Bot, username: str) -> None:
        self.bot = bot
        self.bot_username = username

    async def send_text(self, chat_id: int, text: str, buttons: Keyboard | None) -> int:
        message = await _mapped(self.bot.send_message(
            chat_id, text, reply_markup=_markup(buttons), parse_mode=None, link_preview_options=NO_PREVIEW))
        return message.message_id

    async def edit_text(self, chat_id: int, message_id: int, text: str, buttons: Keyboard | None) -> None:
        await _mapped(self.bot.edit_message_text(
            text, chat_id=chat_id, message_id=message_id, reply_markup=_markup(buttons), parse_mode=None,
            link_preview_options=NO_PREVIEW))

    async def send_photo(self, chat_id: int, data: bytes | str, filename: str, caption: str | None,
                         buttons: Keyboard | None = None) -> int:
        message = await _mapped(self.bot.send_photo(
            chat_id, data, filename=filename, caption=caption, parse_mode=None, reply_markup=_markup(buttons)))
        return message.message_id

    async def send_document(self, chat_id: int, data: bytes | str, filename: str, caption: str | None,
                            buttons: Keyboard | None = None) -> int:
        message = await _mapped(self.bot.send_document(
            chat_id, data, filename=filename, caption=caption, parse_mode=None, reply_markup=_markup(buttons)))
        return message.message_id

    async def send_media_group(self, chat_id: int, file_ids: list[str]) -> int:
        messages = await _mapped(self.bot.send_media_group(chat_id, [InputMediaPhoto(f) for f in file_ids]))
        return messages[0].message_id

    async def answer_callback(self, callback_id: str, text: str | None, alert: bool, url: str | None) -> None:
        await _mapped(self.bot.answer_callback_query(callback_id, text=text, show_alert=alert, url=url))

    async def download(self, file: FileRef) -> bytes:
        info = await _mapped(self.bot.get_file(file.file_id))
        return bytes(await _mapped(info.download_as_bytearray()))

    async def is_chat_admin(self, chat_id: int, user_id: int) -> bool:
        member = await _mapped(self.bot.get_chat_member(chat_id, user_id))
        return str(member.status) in ("creator", "administrator")


# --- updates in --------------------------------------------------------------------------------


# --- running -----------------------------------------------------------------------------------


def make_application(settings: Settings) -> Application:
    assert settings.bot_token is not None
    timeout = settings.telegram_timeout
    builder = (
        ApplicationBuilder()
        .token(settings.bot_token.get_secret_value())
        .connect_timeout(timeout).read_timeout(timeout).write_timeout(timeout).pool_timeout(timeout)
        .media_write_timeout(timeout)
        .get_updates_connect_timeout(timeout).get_updates_read_timeout(timeout)
        .get_updates_write_timeout(timeout).get_updates_pool_timeout(timeout)
        .concurrent_updates(CONCURRENT_UPDATES)
        .job_queue(None)  # the core runs its own jobs
    )
    if settings.telegram_api_url:
        base = settings.telegram_api_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    return builder.build()


@asynccontextmanager
async def assembled(settings: Settings, db: Database):
    """A ready application: identity known, command menus set, jobs running; closed on exit.

    The caller starts and stops the application (polling or webhook) inside the block.
    """
    logging.getLogger("httpx").setLevel(logging.WARNING)  # it logs every request at INFO
    application = make_application(settings)
    try:  # initialize() asks getMe; it may be tried again until it succeeds
        await _patiently(settings, "getMe", application.initialize)
    except BaseException:
        await application.bot.shutdown()
        raise
    async with application:  # already initialized; shut down on exit
        bot = application.bot
        core = BotCore.for_settings(PtbTransport(bot, bot.username or ""), db, settings)
        await _set_menus(settings, bot, core)

        async def on_update(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
            request = to_request(update, bot.id, bot.username or "")
            if request is not None:
                await core.process(request)

        async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
            update_id = update.update_id if isinstance(update, Update) else None
            log.error("could not process update %s", update_id, exc_info=context.error)

        application.add_handler(TypeHandler(Update, on_update))
        application.add_error_handler(on_error)
        core.start_jobs()
        try:
            yield application, core
        finally:
            await core.close()


async def identify(settings: Settings) -> tuple[str, str]:
    """One getMe, for ``branchbot check``: the bot's username and name, or the neutral errors."""
    bot = make_application(settings).bot
    try:
        await _at_start(bot.initialize())
        return bot.username or "", bot.bot.full_name
    finally:
        await bot.shutdown()


async def _set_menus(settings: Settings, bot: Bot, core: BotCore) -> None:
    for language, locale in (*MENU_LANGUAGES, (None, core.catalogs.default_locale)):
        commands = [BotCommand(c, d[:256]) for c, d in core.command_menu(locale)]
        try:
            await _patiently(settings, "setMyCommands", lambda: bot.set_my_commands(
                commands, scope=BotCommandScopeDefault(), language_code=language))
        except TokenRejected:
            raise
        except Exception as exc:  # noqa: BLE001 - a menu is a nicety; the bot works without it
            log.warning("could not set the command menu (%s): %s", language, exc)


@contextmanager
def _stop_on_signals(stop: asyncio.Event) -> Iterator[None]:
    """SIGTERM and SIGINT set ``stop`` instead of killing the process (or raising KeyboardInterrupt)."""
    loop = asyncio.get_running_loop()
    installed = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            continue
        installed.append(sig)
    try:
        yield
    finally:
        for sig in installed:
            loop.remove_signal_handler(sig)


class _NoBootstrapTraceback(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.module == "networkloop" and record.levelno >= logging.ERROR)


@contextmanager
def _quiet_bootstrap() -> Iterator[None]:
    """PTB logs its bootstrap giving up with a traceback; ``patiently`` says it in one line and tries again."""
    logger, quiet = logging.getLogger("telegram.ext"), _NoBootstrapTraceback()
    logger.addFilter(quiet)
    try:
        yield
    finally:
        logger.removeFilter(quiet)


def _polling_error(exc: TelegramError) -> None:
    log.error("failed to fetch updates: %s: %s", type(exc).__name__, exc)


async def run_polling(settings: Settings, db: Database) -> None:
    async with assembled(settings, db) as (application, _core):
        stop = asyncio.Event()
        with _stop_on_signals(stop):
            await application.start()
            try:
                updater = application.updater
                assert updater is not None
                # start_polling deletes the webhook first (drop_pending_updates=False keeps the backlog);
                # its failure comes to us (no retries of PTB's own, whose give-up is logged as a traceback).
                with _quiet_bootstrap():
                    await _patiently(settings, "deleteWebhook", lambda: updater.start_polling(
                        timeout=POLL_TIMEOUT, allowed_updates=ALLOWED_UPDATES, drop_pending_updates=False,
                        error_callback=_polling_error, bootstrap_retries=0))
                log.info("polling for updates")
                await stop.wait()
                log.info("stopping")
            finally:
                if application.updater is not None and application.updater.running:
                    await application.updater.stop()
                await application.stop()  # waits for the updates already fetched


async def run_webhook(settings: Settings, db: Database) -> None:
    """Updates by webhook, served with aiohttp (PTB's own webhook server would need tornado)."""
    from aiohttp import web

    assert settings.webhook_url is not None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    path = "/" + settings.webhook_url.split("://", 1)[-1].partition("/")[2]
    async with assembled(settings, db) as (application, _core):

        async def receive(request: web.Request) -> web.Response:
            if secret is not None and request.headers.get("X-Telegram-Bot-Api-Secret-Token") != secret:
                return web.Response(status=401)
            try:
                update = Update.de_json(await request.json(), application.bot)
            except Exception as exc:  # noqa: BLE001 - not JSON, or not an update
                log.warning("webhook: unreadable update: %s", exc)
                return web.Response(status=400)
            await application.update_queue.put(update)  # handled in the background, like aiogram
            return web.Response()

        app = web.Application()
        app.router.add_post(path, receive)
        stop = asyncio.Event()
        with _stop_on_signals(stop):
            await application.start()
            runner = web.AppRunner(app, access_log=None)
            try:
                await _patiently(settings, "setWebhook", lambda: application.bot.set_webhook(
                    settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES))
                await runner.setup()
                await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
                log.info("webhook listening on %s:%s%s", settings.webhook_host, settings.webhook_port, path)
                await stop.wait()
                log.info("stopping")
            finally:
                await runner.cleanup()
                await application.stop()
