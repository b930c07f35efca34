"""The neutral shapes a runtime translates to and from: what arrived, and what to send back."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ChatType(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"


@dataclass(frozen=True)
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p)


@dataclass(frozen=True)
class Chat:
    id: int
    type: ChatType
    title: str | None = None

    @property
    def is_private(self) -> bool:
        return self.type == ChatType.PRIVATE

    @property
    def is_group(self) -> bool:
        return self.type in (ChatType.GROUP, ChatType.SUPERGROUP)


@dataclass(frozen=True)
class FileRef:
    file_id: str
    file_name: str | None = None
    mime_type: str | None = None
    size: int | None = None
    file_unique_id: str | None = None  # the same file, whoever sent it and whatever its file_id


class Event(StrEnum):
    MESSAGE = "message"  # text, command, document or photo
    CALLBACK = "callback"
    MEMBER_JOINED = "member_joined"
    MEMBER_LEFT = "member_left"
    BOT_ADDED = "bot_added"
    BOT_REMOVED = "bot_removed"
    GROUP_MIGRATED = "group_migrated"  # a group became a supergroup and got a new chat id


@dataclass(frozen=True)
class Request:
    """One update, stripped of the framework that delivered it."""

    update_id: int
    event: Event
    chat: Chat
    user: User | None
    text: str | None = None
    command: str | None = None  # lower-case, without "/" and "@botname"
    args: str = ""
    callback_id: str | None = None
    callback_data: str | None = None
    message_id: int | None = None  # the message a callback belongs to, or the incoming one
    document: FileRef | None = None
    photo: FileRef | None = None
    member: User | None = None  # who joined or left
    kicked: bool = False
    new_chat_id: int | None = None  # GROUP_MIGRATED: the chat's id from now on
    media_group_id: str | None = None  # a photo of an album: each photo is its own update, sharing this


@dataclass(frozen=True)
class Button:
    text: str
    data: str | None = None  # callback data, at most 64 bytes
    url: str | None = None


Keyboard = list[list[Button]]


@dataclass
class Send:
    chat_id: int
    text: str
    buttons: Keyboard | None = None
    # Private messages may fail (never started, blocked): what to send instead, if anything.
    fallback: Send | None = None


@dataclass
class Edit:
    chat_id: int
    message_id: int
    text: str
    buttons: Keyboard | None = None


@dataclass(frozen=True)
class Upload:
    """A file the bot made (a chart, an .xlsx ledger) to send through the outbox as an upload.

    Pass the same one to many messages and it is stored once.
    """

    filename: str
    data: bytes = field(repr=False)


@dataclass
class SendPhoto:
    chat_id: int
    photo: bytes
    filename: str
    caption: str | None = None


@dataclass
class SendDocument:
    chat_id: int
    data: bytes
    filename: str
    caption: str | None = None


@dataclass
class Toast:
    """The answer to a button press: a short notice, or an alert, or a deep link to open."""

    callback_id: str
    text: str | None = None
    alert: bool = False
    url: str | None = None


@dataclass
class Refresh:
    """Redraw what ``key`` names ("announcement:12") soon, coalescing repeated asks per key.

    The renderer is the one registered for the key's kind (see handlers.kit.renderers).
    """

    key: str


@dataclass
class Quiet:
    """The update was taken on purpose with nothing to say (a photo of an album answered once)."""


@dataclass
class Queued:
    """Rows were added to the outbox in this transaction: the sender should look."""


Action = Send | Edit | SendPhoto | SendDocument | Toast | Refresh | Queued | Quiet
