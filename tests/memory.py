"""An in-memory transport and a harness that plays users against the neutral bot core."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from bot.core import BotCore
from bot.limits import LimitConfig
from bot.transport import Rejected, Unreachable
from handlers.kit.api import Chat, ChatType, Event, FileRef, Keyboard, Request, User
from storage.db import Database


@dataclass
class Sent:
    chat_id: int
    text: str
    buttons: Keyboard | None
    message_id: int
    kind: str = "text"  # text, photo, document, album
    data: bytes | None = None
    edits: list[str] = field(default_factory=list)
    filename: str | None = None  # of an upload
    files: list[str] = field(default_factory=list)  # an album's file ids

    def button(self, label: str) -> str:
        for row in self.buttons or []:
            for b in row:
                if label in b.text:
                    return b.data or b.url or ""
        raise AssertionError(f"no button {label!r} in {self.buttons}")


class MemoryTransport:
    bot_username = "branch_test_bot"

    def __init__(self) -> None:
        self.ids = itertools.count(100)
        self.sent: list[Sent] = []
        self.toasts: list[tuple[str, str | None, bool, str | None]] = []
        self.files: dict[str, bytes] = {}
        self.admins: set[tuple[int, int]] = set()
        self.started: set[int] = set()  # users who opened a private chat with the bot
        self.failures: dict[int, list[Exception]] = {}  # chat id -> errors to raise, in turn

    def _fail(self, chat_id: int) -> None:
        queued = self.failures.get(chat_id)
        if queued:
            raise queued.pop(0)

    async def send_text(self, chat_id, text, buttons):
        self._fail(chat_id)
        if chat_id > 0 and chat_id not in self.started:
            raise Unreachable("Forbidden: bot can't initiate conversation with a user")
        item = Sent(chat_id, text, buttons, next(self.ids))
        self.sent.append(item)
        return item.message_id

    async def edit_text(self, chat_id, message_id, text, buttons):
        for item in self.sent:
            if item.chat_id == chat_id and item.message_id == message_id:
                item.edits.append(text)
                item.text, item.buttons = text, buttons
                return
        raise AssertionError("edit of an unknown message")

    async def send_photo(self, chat_id, data, filename, caption, buttons=None):
        self._fail(chat_id)
        if chat_id > 0 and chat_id not in self.started:
            raise Unreachable("Forbidden: bot can't initiate conversation with a user")
        item = Sent(chat_id, caption or "", buttons, next(self.ids), "photo", data if isinstance(data, bytes) else data.encode(),
                    filename=filename if isinstance(data, bytes) else None)
        self.sent.append(item)
        return item.message_id

    async def send_media_group(self, chat_id, file_ids):
        self._fail(chat_id)
        if chat_id > 0 and chat_id not in self.started:
            raise Unreachable("Forbidden: bot can't initiate conversation with a user")
        assert 2 <= len(file_ids) <= 10, "Telegram takes albums of 2 to 10"
        item = Sent(chat_id, "", None, next(self.ids), "album", files=list(file_ids))
        for _ in file_ids[1:]:  # each photo is a message of its own
            next(self.ids)
        self.sent.append(item)
        return item.message_id

    async def send_document(self, chat_id, data, filename, caption, buttons=None):
        self._fail(chat_id)
        item = Sent(chat_id, caption or "", buttons, next(self.ids), "document", data,
                    filename=filename if isinstance(data, bytes) else None)
        self.sent.append(item)
        return item.message_id

    async def answer_callback(self, callback_id, text, alert, url):
        if text and len(text) > 200:  # as Telegram does
            raise Rejected("Bad Request: MESSAGE_TOO_LONG")
        self.toasts.append((callback_id, text, alert, url))

    async def download(self, file: FileRef) -> bytes:
        return self.files[file.file_id]

    async def is_chat_admin(self, chat_id, user_id):
        return (chat_id, user_id) in self.admins


class Clock:
    """Time that the test moves: the bot's wall clock, and for the sending limits a monotonic
    reading and a sleep that moves both instead of waiting."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.ticks = 1000.0
        self.slept: list[float] = []  # every sleep asked for, in seconds

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.ticks

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.advance(seconds=seconds)
        await asyncio.sleep(0)  # others may run meanwhile, as in a real sleep

    def advance(self, **delta) -> None:
        step = timedelta(**delta)
        self.now += step
        self.ticks += step.total_seconds()


UNLIMITED = LimitConfig(per_second=1e6, per_chat_per_second=1e6, per_group_per_minute=10**6)
GROUP = Chat(-100500, ChatType.SUPERGROUP, "第一党支部群")


class Harness:
    """Plays Telegram users against a BotCore, synchronously settling each update."""

    def __init__(self, db: Database, now: datetime | None = None) -> None:
        self.transport = MemoryTransport()
        self.clock = Clock(now or datetime(2026, 11, 27, 0, 0, tzinfo=timezone.utc))
        # Tests play many people at once: the limits are the sender tests' business.
        self.core = BotCore(self.transport, db, clock=self.clock, limits=UNLIMITED)
        self.core.performer.edit_interval = 0.0
        self.update_ids = itertools.count(1)
        self.db = db

    def user(self, uid: int, first: str, last: str | None = None, lang: str = "zh-hans") -> User:
        return User(uid, first, last, f"u{uid}", lang)

    async def send(self, request: Request) -> list[Sent]:
        before = len(self.transport.sent)
        await self.core.process(request)
        await self.core.performer.flush()
        while await self.core.sender.drain_once():  # queued messages go out too
            pass
        return self.transport.sent[before:]

    async def tick(self) -> list[Sent]:
        """A run of the branch calendar, and whatever it queued."""
        before = len(self.transport.sent)
        await self.core.run_calendar()
        while await self.core.sender.drain_once():
            pass
        return self.transport.sent[before:]

    async def upkeep(self) -> list[Sent]:
        """A run of the periodic broadcast job, and whatever it queued."""
        before = len(self.transport.sent)
        await self.core.broadcast_upkeep()
        while await self.core.sender.drain_once():
            pass
        return self.transport.sent[before:]

    async def say(self, user: User, text: str, chat: Chat | None = None) -> list[Sent]:
        chat = chat or Chat(user.id, ChatType.PRIVATE)
        if chat.is_private:
            self.transport.started.add(user.id)
        command, args = None, ""
        if text.startswith("/"):
            head, _, args = text.partition(" ")
            command, args = head[1:].split("@")[0].lower(), args.strip()
        return await self.send(Request(next(self.update_ids), Event.MESSAGE, chat, user, text=text,
                                       command=command, args=args))

    async def group(self, user: User, text: str) -> list[Sent]:
        return await self.say(user, text, GROUP)

    async def press(self, user: User, message: Sent, data: str) -> tuple[list[Sent], str | None]:
        chat = GROUP if message.chat_id == GROUP.id else Chat(message.chat_id, ChatType.PRIVATE)
        uid = next(self.update_ids)
        sent = await self.send(Request(uid, Event.CALLBACK, chat, user, callback_id=f"cb{uid}",
                                       callback_data=data, message_id=message.message_id))
        toast = next((t for t in self.transport.toasts if t[0] == f"cb{uid}"), None)
        assert toast is not None, "every button press must be answered"
        return sent, toast[1] or toast[3]

    async def upload(self, user: User, name: str, data: bytes) -> list[Sent]:
        self.transport.started.add(user.id)
        file_id = f"f{len(self.transport.files)}"
        self.transport.files[file_id] = data
        return await self.send(Request(next(self.update_ids), Event.MESSAGE, Chat(user.id, ChatType.PRIVATE), user,
                                       document=FileRef(file_id, name, None, len(data))))

    async def photo(self, user: User, unique: str, *, album: str | None = None, caption: str | None = None) -> list[Sent]:
        """A photo in the private chat; ``album`` is the media_group_id the photos of one album share."""
        self.transport.started.add(user.id)
        ref = FileRef(f"file-{unique}", None, "image/jpeg", 1000, f"uniq-{unique}")
        return await self.send(Request(next(self.update_ids), Event.MESSAGE, Chat(user.id, ChatType.PRIVATE), user,
                                       text=caption, photo=ref, media_group_id=album))

    def to(self, chat_id: int) -> list[Sent]:
        return [s for s in self.transport.sent if s.chat_id == chat_id]

    def last(self, chat_id: int) -> Sent:
        return self.to(chat_id)[-1]
