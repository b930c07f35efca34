"""What a handler works with: the request, its transaction, the clock, and the actions it decides."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Re-exported: feature handlers name the session type from here and import nothing of sqlalchemy.
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession

from handlers.kit.api import (
    Action,
    Edit,
    FileRef,
    Keyboard,
    Queued,
    Quiet,
    Refresh,
    Request,
    Send,
    SendDocument,
    SendPhoto,
    Toast,
    Upload,
)
from handlers.kit.events import Subscribers
from handlers.kit.i18n import Catalogs, Gettext
from handlers.kit.textfit import MAX_CAPTION, MAX_TEXT, MAX_TOAST, fit_toast, split_text
from storage import branches as branch_store
from storage import outbox
from storage import updates as update_store
from storage.db import Database
from storage.models import Branch, Member, UserPref

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
    events: Subscribers = field(default_factory=Subscribers)  # see handlers.kit.events


@dataclass(frozen=True)
class Prepared:
    """What a route's ``prepare`` made, and for what (who asked, which branch and period, in which
    language): between the two, a role may be given or taken, so the handler takes it only when its
    own answer to the same questions is the same (``Context.prepared_for``)."""

    key: tuple
    value: Any


@dataclass
class Context:
    request: Request
    session: AsyncSession
    env: Env
    now: datetime
    locale: str  # the asker's language
    actions: list[Action] = field(default_factory=list)
    acting: tuple[Member, Branch] | None = None  # set by the router for routes with can= or member=
    prepared: Any = None  # what the route's ``prepare`` made before this transaction (an upload read)
    commands: dict = field(default_factory=dict)  # name -> Route, set by the router (for /help)

    # --- who is asking --------------------------------------------------------------------
    @property
    def actor(self) -> Member:
        """The asker's roster entry, checked by the router (a route with ``can=`` or ``member=True``)."""
        if self.acting is None:
            raise RuntimeError("this route declares neither can= nor member=")
        return self.acting[0]

    @property
    def branch(self) -> Branch:
        """The branch the asker is acting for, checked by the router with ``actor``."""
        if self.acting is None:
            raise RuntimeError("this route declares neither can= nor member=")
        return self.acting[1]

    def prepared_for(self, *key: Any) -> Any:
        """What ``prepare`` made for ``key``, or None: then the handler makes it in its transaction."""
        found = self.prepared
        return found.value if isinstance(found, Prepared) and found.key == key else None

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

    def reply(self, text: str, buttons: Keyboard | None = None) -> None:
        self.send(self.request.chat.id, text, buttons)

    def send(self, chat_id: int, text: str, buttons: Keyboard | None = None, *, fallback: Send | None = None) -> None:
        self.actions.append(Send(chat_id, text, buttons, fallback))

    def edit(self, message_id: int, text: str, buttons: Keyboard | None = None) -> None:
        self.actions.append(Edit(self.request.chat.id, message_id, text, buttons))

    def photo(self, chat_id: int, data: bytes, filename: str, caption: str | None = None) -> None:
        self.actions.append(SendPhoto(chat_id, data, filename, caption))

    def document(self, chat_id: int, data: bytes, filename: str, caption: str | None = None) -> None:
        self.actions.append(SendDocument(chat_id, data, filename, caption))

    def toast(self, text: str | None = None, *, alert: bool = False, url: str | None = None) -> None:
        if self.request.callback_id and not any(isinstance(a, Toast) for a in self.actions):
            if text is not None and len(text) > MAX_TOAST and self.request.user is not None:
                # Too long for a toast: its start shows on the button, the whole text comes privately.
                self.send(self.request.user.id, text)
                text = fit_toast(text)
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
        photo: str | Upload | None = None,
        document: str | Upload | None = None,
    ) -> bool:
        """Queue a message in this transaction for the outbox sender; False if ``key`` was queued before.

        ``photo`` and ``document`` are a Telegram file_id, or an ``Upload`` of a file the bot made.
        """
        return await self.enqueue_many(purpose, [Outgoing(key, chat_id, text, buttons, photo, document)]) > 0

    async def enqueue_many(self, purpose: str, messages: list[Outgoing]) -> int:
        """Queue messages in this transaction; how many were new."""
        added = await queue_messages(self.session, self.now, purpose, messages)
        if added:
            self.queued()
        return added

    def queued(self) -> None:
        """Rows were put in the outbox in this transaction: the sender should look after commit."""
        if not any(isinstance(a, Queued) for a in self.actions):
            self.actions.append(Queued())

    def quiet(self) -> None:
        """Taken, with nothing to say: no "I am not waiting for an answer" for this update."""
        self.actions.append(Quiet())

    def refresh(self, key: str) -> None:
        """Redraw what ``key`` names ("announcement:12"); its kind's renderer is registered at assembly."""
        self.actions.append(Refresh(key))

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
    photo: str | Upload | None = None  # a Telegram file_id, or a file the bot made
    document: str | Upload | None = None
    # Photos Telegram has (file_ids), sent before the text: one with sendPhoto, more as albums of up
    # to ten with sendMediaGroup. The text and its buttons follow as their own message.
    album: tuple[str, ...] = ()


async def queue_messages(session: AsyncSession, now: datetime, purpose: str, messages: list[Outgoing]) -> int:
    """Put messages in the outbox; long texts become several (cut at paragraphs), buttons under the last.

    Returns how many rows were new (keys queued before are left alone).
    """
    rows = []
    uploads: dict[tuple[int, str], int] = {}  # one stored file per Upload, however many messages carry it
    for message in messages:
        rows.extend(_album_rows(purpose, message))
        media = message.photo or message.document
        upload_id = None
        for kind, value in (("photo", message.photo), ("document", message.document)):
            if isinstance(value, Upload):
                if (id(value), kind) not in uploads:
                    uploads[id(value), kind] = await outbox.add_file(session, value.filename, kind, value.data, now)
                upload_id = uploads[id(value), kind]
        pieces = split_text(message.text, MAX_CAPTION if media else MAX_TEXT)
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            rows.append({
                "key": message.key if i == 0 else f"{message.key}:{i}",
                "purpose": purpose,
                "chat_id": message.chat_id,
                "text": piece,
                "buttons": [[b.__dict__ for b in row] for row in message.buttons] if message.buttons and last else None,
                "photo": message.photo if i == 0 and isinstance(message.photo, str) else None,
                "document": message.document if i == 0 and isinstance(message.document, str) else None,
                "upload_id": upload_id if i == 0 else None,
            })
    added = await outbox.enqueue(session, rows, now)
    await outbox.drop_unused_files(session, list(uploads.values()))
    return added


async def queue_message(
    session: AsyncSession,
    now: datetime,
    key: str,
    chat_id: int,
    text: str,
    buttons: Keyboard | None = None,
    *,
    purpose: str,
    photo: str | Upload | None = None,
    document: str | Upload | None = None,
) -> bool:
    """One message for the outbox; False if its key was queued before."""
    return await queue_messages(session, now, purpose, [Outgoing(key, chat_id, text, buttons, photo, document)]) > 0


def _album_rows(purpose: str, message: Outgoing) -> list[dict[str, Any]]:
    """The rows sending ``message.album`` ahead of its text, keyed after the message (``<key>:album:<n>``)."""
    rows = []
    for n, start in enumerate(range(0, len(message.album), outbox.MAX_ALBUM)):
        chunk = list(message.album[start:start + outbox.MAX_ALBUM])
        single = len(chunk) == 1
        rows.append({"key": f"{message.key}:album:{n}", "purpose": purpose, "chat_id": message.chat_id, "text": "",
                     "photo": chunk[0] if single else None, "media": None if single else chunk})
    return rows


def locale_from(pref: UserPref | None, catalogs: Catalogs, fallback: str) -> str:
    """A person's language: the one they chose with /lang, else their Telegram app's, else ``fallback``."""
    return (pref and (pref.locale or catalogs.locale_for(pref.language_code))) or fallback


async def user_locale(session: AsyncSession, catalogs: Catalogs, user_id: int, fallback: str) -> str:
    return locale_from(await update_store.get_pref(session, user_id), catalogs, fallback)


async def readers_gettext(session: AsyncSession, catalogs: Catalogs, user_ids: list[int], fallback: str) -> dict[int, Gettext]:
    """Each reader's own translation (one query for all): what goes privately speaks their language."""
    prefs = await update_store.get_prefs(session, list(set(user_ids)))
    return {uid: catalogs.gettext(locale_from(prefs.get(uid), catalogs, fallback)) for uid in user_ids}
