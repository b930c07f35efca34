"""Per-update context and the router that picks the handler for a request."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.api import (
    Action,
    Button,
    ChatType,
    Edit,
    Event,
    FileRef,
    Keyboard,
    OnSent,
    Queued,
    Refresh,
    Request,
    Send,
    SendDocument,
    SendPhoto,
    Toast,
)
from handlers.i18n import N_, Catalogs, Gettext
from handlers.textfit import MAX_CAPTION, MAX_TEXT, split_text
from storage import branches as branch_store
from storage import outbox
from storage import updates as update_store
from storage.db import Database
from storage.models import Branch, UserPref

log = logging.getLogger(__name__)


@dataclass
class Env:
    """What handlers may use besides storage; supplied by the runtime once at start."""

    db: Database
    catalogs: Catalogs
    clock: Callable[[], datetime]
    bot_username: str
    default_timezone: str
    download: Callable[[FileRef], Awaitable[bytes]]
    is_chat_admin: Callable[[int, int], Awaitable[bool]]


@dataclass
class Context:
    request: Request
    session: AsyncSession
    env: Env
    now: datetime
    locale: str  # the asker's language
    actions: list[Action] = field(default_factory=list)

    # --- language -------------------------------------------------------------------------
    @property
    def t(self) -> Gettext:
        """Translate for the person who sent this update."""
        return self.env.catalogs.gettext(self.locale)

    def t_branch(self, branch: Branch) -> Gettext:
        """Translate for a branch's group chat."""
        return self.env.catalogs.gettext(branch.locale)

    async def t_user(self, user_id: int, branch: Branch | None = None) -> Gettext:
        """Translate for someone else, in the language they use with the bot."""
        fallback = branch.locale if branch else self.env.catalogs.default_locale
        return self.env.catalogs.gettext(await user_locale(self.session, self.env.catalogs, user_id, fallback))

    # --- answering ------------------------------------------------------------------------
    @property
    def user_id(self) -> int:
        assert self.request.user is not None
        return self.request.user.id

    def reply(self, text: str, buttons: Keyboard | None = None, on_sent: OnSent | None = None) -> None:
        self.send(self.request.chat.id, text, buttons, on_sent=on_sent)

    def send(
        self,
        chat_id: int,
        text: str,
        buttons: Keyboard | None = None,
        *,
        on_sent: OnSent | None = None,
        fallback: Send | None = None,
    ) -> None:
        self.actions.append(Send(chat_id, text, buttons, on_sent, fallback))

    def edit(self, message_id: int, text: str, buttons: Keyboard | None = None) -> None:
        self.actions.append(Edit(self.request.chat.id, message_id, text, buttons))

    def photo(self, chat_id: int, data: bytes, filename: str, caption: str | None = None) -> None:
        self.actions.append(SendPhoto(chat_id, data, filename, caption))

    def document(self, chat_id: int, data: bytes, filename: str, caption: str | None = None) -> None:
        self.actions.append(SendDocument(chat_id, data, filename, caption))

    def toast(self, text: str | None = None, *, alert: bool = False, url: str | None = None) -> None:
        if self.request.callback_id and not any(isinstance(a, Toast) for a in self.actions):
            self.actions.append(Toast(self.request.callback_id, text, alert, url))

    def answer(self, text: str, *, alert: bool = False) -> None:
        """A toast for a button press, a message for a command."""
        if self.request.callback_id:
            self.toast(text, alert=alert)
        else:
            self.reply(text)

    async def enqueue(
        self,
        key: str,
        chat_id: int,
        text: str,
        buttons: Keyboard | None = None,
        *,
        purpose: str,
        photo: str | None = None,
        document: str | None = None,
    ) -> bool:
        """Queue a message in this transaction for the outbox sender; False if ``key`` was queued before."""
        return await self.enqueue_many(purpose, [Outgoing(key, chat_id, text, buttons, photo, document)]) > 0

    async def enqueue_many(self, purpose: str, messages: list[Outgoing]) -> int:
        """Queue messages in this transaction; how many were new."""
        added = await queue_messages(self.session, self.now, purpose, messages)
        if added and not any(isinstance(a, Queued) for a in self.actions):
            self.actions.append(Queued())
        return added

    def refresh(self, key: str, render: Callable[[AsyncSession], Awaitable[Edit | None]]) -> None:
        self.actions.append(Refresh(key, render))

    def deep_link(self, payload: str) -> str:
        return f"https://t.me/{self.env.bot_username}?start={payload}"

    async def branch_of_group(self) -> Branch | None:
        return await branch_store.by_chat(self.session, self.request.chat.id)


@dataclass(frozen=True)
class Outgoing:
    """One message for the outbox; its key says what it is and to whom, so it is queued once."""

    key: str
    chat_id: int
    text: str
    buttons: Keyboard | None = None
    photo: str | None = None  # a Telegram file_id
    document: str | None = None


async def queue_messages(session: AsyncSession, now: datetime, purpose: str, messages: list[Outgoing]) -> int:
    """Put messages in the outbox; long texts become several (cut at paragraphs), buttons under the last.

    Returns how many rows were new (keys queued before are left alone).
    """
    rows = []
    for message in messages:
        media = message.photo or message.document
        pieces = split_text(message.text, MAX_CAPTION if media else MAX_TEXT)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            rows.append({
                "key": message.key if i == 0 else f"{message.key}:{i}",
                "purpose": purpose,
                "chat_id": message.chat_id,
                "text": piece,
                "buttons": [[b.__dict__ for b in row] for row in message.buttons] if message.buttons and last else None,
                "photo": message.photo if i == 0 else None,
                "document": message.document if i == 0 else None,
            })
    return await outbox.enqueue(session, rows, now)


async def queue_message(
    session: AsyncSession,
    now: datetime,
    key: str,
    chat_id: int,
    text: str,
    buttons: Keyboard | None = None,
    *,
    purpose: str,
    photo: str | None = None,
    document: str | None = None,
) -> bool:
    """One message for the outbox; False if its key was queued before."""
    return await queue_messages(session, now, purpose, [Outgoing(key, chat_id, text, buttons, photo, document)]) > 0


def locale_from(pref: UserPref | None, catalogs: Catalogs, fallback: str) -> str:
    """A person's language: the one they chose with /lang, else their Telegram app's, else ``fallback``."""
    return (pref and (pref.locale or catalogs.locale_for(pref.language_code))) or fallback


async def user_locale(session: AsyncSession, catalogs: Catalogs, user_id: int, fallback: str) -> str:
    return locale_from(await update_store.get_pref(session, user_id), catalogs, fallback)


Handler = Callable[[Context], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    handler: Handler
    chats: frozenset[ChatType] | None  # None: any chat


PRIVATE = frozenset({ChatType.PRIVATE})
GROUP = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


class Router:
    """Commands, button prefixes, events and a fallback for plain private text."""

    def __init__(self) -> None:
        self.commands: dict[str, Route] = {}
        self.callbacks: dict[str, Handler] = {}
        self.events: dict[Event, list[Handler]] = {}
        self.text_handlers: list[Handler] = []  # tried in order; each may decline by returning
        self.document_handlers: list[Handler] = []
        self.start_payloads: dict[str, Handler] = {}
        self.menu: list[tuple[str, str]] = []  # (command, N_ description) for the command menu

    def command(
        self, *names: str, chats: Iterable[ChatType] | None = None, menu: str | None = None
    ) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for name in names:
                if name in self.commands:
                    raise ValueError(f"command /{name} registered twice")
                self.commands[name] = Route(fn, frozenset(chats) if chats else None)
            if menu:
                self.menu.append((names[0], menu))
            return fn

        return register

    def callback(self, prefix: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            if prefix in self.callbacks:
                raise ValueError(f"callback prefix {prefix} registered twice")
            self.callbacks[prefix] = fn
            return fn

        return register

    def on(self, event: Event) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.events.setdefault(event, []).append(fn)
            return fn

        return register

    def start_payload(self, prefix: str) -> Callable[[Handler], Handler]:
        """Deep links ``t.me/<bot>?start=<prefix>-...`` arrive as ``/start <prefix>-...``."""

        def register(fn: Handler) -> Handler:
            self.start_payloads[prefix] = fn
            return fn

        return register

    def text(self, fn: Handler) -> Handler:
        self.text_handlers.append(fn)
        return fn

    def document(self, fn: Handler) -> Handler:
        self.document_handlers.append(fn)
        return fn

    def include(self, other: Router) -> None:
        for name, route in other.commands.items():
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = route
        for prefix, fn in other.callbacks.items():
            if prefix in self.callbacks:
                raise ValueError(f"callback prefix {prefix} registered twice")
            self.callbacks[prefix] = fn
        for event, fns in other.events.items():
            self.events.setdefault(event, []).extend(fns)
        self.text_handlers.extend(other.text_handlers)
        self.document_handlers.extend(other.document_handlers)
        self.start_payloads.update(other.start_payloads)
        self.menu.extend(other.menu)


WRONG_CHAT = {
    PRIVATE: N_("Please send this command to me in a private chat."),
    GROUP: N_("Please send this command in the branch group."),
}
UNKNOWN_COMMAND = N_("I do not know the command /{command}. Send /help to see what I can do.")
STALE_BUTTON = N_("This button is no longer valid.")


async def route(router: Router, ctx: Context) -> None:
    req = ctx.request
    if req.event == Event.CALLBACK:
        prefix, _, _rest = (req.callback_data or "").partition(":")
        handler = router.callbacks.get(prefix)
        if handler is None:
            ctx.toast(ctx.t(STALE_BUTTON), alert=True)
        else:
            await handler(ctx)
        ctx.toast()  # every button press gets an answer, even a silent one
        return
    if req.event != Event.MESSAGE:
        for handler in router.events.get(req.event, []):
            await handler(ctx)
        return
    if req.command is not None:
        payload = router.start_payloads.get(req.args.partition("-")[0])
        if req.command == "start" and req.chat.is_private and payload is not None:
            await payload(ctx)  # a deep link: t.me/<bot>?start=<prefix>-...
            return
        found = router.commands.get(req.command)
        if found is None:
            if req.chat.is_private:
                ctx.reply(ctx.t(UNKNOWN_COMMAND).format(command=req.command))
            return  # in a group, commands may be meant for other bots
        if found.chats is not None and req.chat.type not in found.chats:
            ctx.reply(ctx.t(WRONG_CHAT[PRIVATE if PRIVATE <= found.chats else GROUP]))
            return
        await found.handler(ctx)
        return
    chain = router.document_handlers if req.document is not None else router.text_handlers
    for handler in chain:
        before = len(ctx.actions)
        await handler(ctx)
        if len(ctx.actions) != before:
            return


def button(text: str, *parts: object) -> Button:
    """A callback button whose data is ``prefix:arg:arg``; kept well under 64 bytes."""
    data = ":".join(str(p) for p in parts)
    if len(data.encode()) > 64:
        raise ValueError(f"callback data too long: {data!r}")
    return Button(text, data=data)


def callback_args(ctx: Context, count: int) -> list[str] | None:
    """The parts after the prefix, or None when the data is not what we made (forged, stale)."""
    parts = (ctx.request.callback_data or "").split(":")[1:]
    return parts if len(parts) == count else None


def int_arg(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None
