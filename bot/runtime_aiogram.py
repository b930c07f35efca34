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
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import (
    BotCommand,
    BotCommandScopeDefault,
    BufferedInputFile,
    CallbackQuery,
    ChatMemberUpdated,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    Update,
)
from aiogram.types import Chat as TgChat
from aiogram.types import User as TgUser
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web

from bot.config import Settings
from bot.core import BotCore
from bot.signals import stop_requested
from bot.transport import Rejected, RetryLater, Transient, Unreachable
from handlers.api import Chat, ChatType, Event, FileRef, Keyboard, Request, User
from storage.db import Database

log = logging.getLogger(__name__)
T = TypeVar("T")

ALLOWED_UPDATES = ["message", "callback_query", "chat_member", "my_chat_member"]
PRESENT = {"member", "administrator", "creator", "restricted"}


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
    except (TelegramServerError, TelegramNetworkError, asyncio.TimeoutError) as exc:
        raise Transient(str(exc)) from exc


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

    async def send_photo(self, chat_id: int, data: bytes, filename: str, caption: str | None) -> int:
        message = await _mapped(self.bot.send_photo(
            chat_id, BufferedInputFile(data, filename), caption=caption, parse_mode=None))
        return message.message_id

    async def send_document(self, chat_id: int, data: bytes, filename: str, caption: str | None) -> int:
        message = await _mapped(self.bot.send_document(
            chat_id, BufferedInputFile(data, filename), caption=caption, parse_mode=None))
        return message.message_id

    async def answer_callback(self, callback_id: str, text: str | None, alert: bool, url: str | None) -> None:
        await _mapped(self.bot.answer_callback_query(callback_id, text=text, show_alert=alert, url=url))

    async def download(self, file: FileRef) -> bytes:
        info = await _mapped(self.bot.get_file(file.file_id))
        buffer = await _mapped(self.bot.download_file(info.file_path))
        return buffer.read()

    async def is_chat_admin(self, chat_id: int, user_id: int) -> bool:
        member = await _mapped(self.bot.get_chat_member(chat_id, user_id))
        return member.status in ("creator", "administrator")


# --- updates in --------------------------------------------------------------------------------


def _user(user: TgUser | None) -> User | None:
    if user is None:
        return None
    return User(user.id, user.first_name, user.last_name, user.username, user.language_code)


def _chat(chat: TgChat) -> Chat:
    return Chat(chat.id, ChatType(chat.type), chat.title)


def split_command(text: str, bot_username: str) -> tuple[str | None, str]:
    """``/CheckIn@my_bot 12`` → ("checkin", "12"); a command for another bot → (None, "")."""
    head, _, args = text.strip().partition(" ")
    if "\n" in head:
        head, _, more = head.partition("\n")
        args = (more + " " + args).strip()
    name, _, target = head[1:].partition("@")
    if target and target.lower() != bot_username.lower():
        return None, ""
    return name.lower(), args.strip()


def from_message(update_id: int, message: Message, bot_id: int, bot_username: str) -> Request | None:
    chat = _chat(message.chat)
    user = _user(message.from_user)
    if message.new_chat_members:
        people = [m for m in message.new_chat_members if m.id != bot_id]  # the bot: see my_chat_member
        if not people:
            return None
        return Request(update_id, Event.MEMBER_JOINED, chat, user, member=_user(people[0]), message_id=message.message_id)
    if message.migrate_to_chat_id:
        return Request(update_id, Event.GROUP_MIGRATED, chat, user, new_chat_id=message.migrate_to_chat_id)
    if message.left_chat_member:
        left = message.left_chat_member
        if left.id == bot_id:
            return None
        kicked = message.from_user is not None and message.from_user.id != left.id
        return Request(update_id, Event.MEMBER_LEFT, chat, user, member=_user(left), kicked=kicked)
    text = message.text or message.caption
    command, args = (None, "")
    if message.text and message.text.startswith("/"):
        command, args = split_command(message.text, bot_username)
        if command is None:
            return None
    document = None
    if message.document:
        d = message.document
        document = FileRef(d.file_id, d.file_name, d.mime_type, d.file_size)
    photo = None
    if message.photo:
        p = message.photo[-1]
        photo = FileRef(p.file_id, None, "image/jpeg", p.file_size)
    return Request(update_id, Event.MESSAGE, chat, user, text=text, command=command, args=args,
                   message_id=message.message_id, document=document, photo=photo)


def from_callback(update_id: int, query: CallbackQuery) -> Request:
    user = _user(query.from_user)
    message = query.message
    chat = _chat(message.chat) if message is not None else Chat(query.from_user.id, ChatType.PRIVATE)
    return Request(update_id, Event.CALLBACK, chat, user, callback_id=query.id, callback_data=query.data or "",
                   message_id=message.message_id if message is not None else None)


def from_member_update(update_id: int, change: ChatMemberUpdated, *, about_bot: bool) -> Request | None:
    was, now = change.old_chat_member.status, change.new_chat_member.status
    chat = _chat(change.chat)
    if about_bot:
        if now in PRESENT and was not in PRESENT:
            return Request(update_id, Event.BOT_ADDED, chat, _user(change.from_user))
        if now not in PRESENT and was in PRESENT:
            return Request(update_id, Event.BOT_REMOVED, chat, _user(change.from_user))
        return None
    person = _user(change.new_chat_member.user)
    if was in PRESENT and now not in PRESENT:
        return Request(update_id, Event.MEMBER_LEFT, chat, _user(change.from_user), member=person, kicked=now == "kicked")
    if now in PRESENT and was not in PRESENT:
        return Request(update_id, Event.MEMBER_JOINED, chat, _user(change.from_user), member=person)
    return None


def to_request(update: Update, bot_id: int, bot_username: str) -> Request | None:
    if update.message is not None:
        return from_message(update.update_id, update.message, bot_id, bot_username)
    if update.callback_query is not None:
        return from_callback(update.update_id, update.callback_query)
    if update.my_chat_member is not None:
        return from_member_update(update.update_id, update.my_chat_member, about_bot=True)
    if update.chat_member is not None:
        return from_member_update(update.update_id, update.chat_member, about_bot=False)
    return None


# --- running -----------------------------------------------------------------------------------


def make_bot(settings: Settings) -> Bot:
    assert settings.bot_token is not None
    api = TelegramAPIServer.from_base(settings.telegram_api_url) if settings.telegram_api_url else None
    session = AiohttpSession(api=api, timeout=settings.telegram_timeout) if api else AiohttpSession(
        timeout=settings.telegram_timeout)
    return Bot(settings.bot_token.get_secret_value(), session=session, default=DefaultBotProperties(parse_mode=None))


@asynccontextmanager
async def assembled(settings: Settings, db: Database):
    """A started bot: identity known, command menus set, jobs running; closed on exit."""
    bot = make_bot(settings)
    try:
        me = await bot.get_me()
        core = BotCore(AiogramTransport(bot, me.username or ""), db, default_locale=settings.default_locale,
                       default_timezone=settings.default_timezone)
        await _set_menus(bot, core)
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


async def _set_menus(bot: Bot, core: BotCore) -> None:
    for language, locale in (("zh", "zh_CN"), ("en", "en"), (None, core.catalogs.default_locale)):
        commands = [BotCommand(command=c, description=d[:256]) for c, d in core.command_menu(locale)]
        try:
            await bot.set_my_commands(commands, scope=BotCommandScopeDefault(), language_code=language)
        except Exception as exc:  # a menu is a nicety; the bot works without it
            log.warning("could not set the command menu (%s): %s", language, exc)


async def run_polling(settings: Settings, db: Database) -> None:
    async with assembled(settings, db) as (bot, dispatcher, _core):
        await bot.delete_webhook(drop_pending_updates=False)
        log.info("polling for updates")
        await dispatcher.start_polling(bot, allowed_updates=ALLOWED_UPDATES, handle_signals=True, close_bot_session=False)


async def run_webhook(settings: Settings, db: Database) -> None:
    assert settings.webhook_url is not None
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    async with assembled(settings, db) as (bot, dispatcher, _core):
        app = web.Application()
        path = "/" + settings.webhook_url.split("://", 1)[-1].partition("/")[2]
        SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret).register(app, path=path)
        setup_application(app, dispatcher, bot=bot)
        await bot.set_webhook(settings.webhook_url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, settings.webhook_host, settings.webhook_port).start()
        log.info("webhook listening on %s:%s%s", settings.webhook_host, settings.webhook_port, path)
        try:
            await stop_requested()
        finally:
            await runner.cleanup()
