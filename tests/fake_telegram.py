"""An in-process fake of the Telegram Bot API, served over real HTTP for end-to-end tests.

Point a bot at it with ``TELEGRAM_API_URL=fake.url``.  URL shapes are the official ones::

    {url}/bot{token}/{method}            API calls (GET or POST; query, form, multipart or JSON)
    {url}/file/bot{token}/{file_path}    file downloads

The test plays the users (``send_text``, ``press``, ``member_left`` ...), which queues
updates for ``getUpdates``; everything the bot asks for is recorded in ``calls`` and the
resulting chat state is kept so a test can read it back (``messages``, ``last_message``).

Behaviour worth knowing when writing tests:

* A user must have talked to the bot before it can write to them: ``start_private(user)``
  or ``send_text(user, user.id, "/start")``; otherwise sends answer 403.
* Message ``text``/``caption`` hold the text as Telegram stores it (surrounding whitespace
  trimmed); the raw text stays in ``Call.params``. The bot sends plain text, and so must
  a test: any ``parse_mode`` is answered 400.
* Update types are filtered by ``allowed_updates`` exactly like Telegram: by default
  ``chat_member`` updates are *not* delivered unless the bot asks for them.
* ``calls`` are appended when answered, so a long poll shows up when it returns.
  ``drained()`` means the bot has fetched past every update; ``quiet()`` then waits until
  it has stopped making requests (handlers finished).
* ``getChatMember`` reports ``left`` for users never seen in a group; users become
  members by writing there, ``member_joined`` or ``add_member``.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import itertools
import json
import mimetypes
import re
import secrets
import struct
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

# --------------------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------------------

#: Methods that count as "the bot did something visible" for ``sent()``.
ACTION_METHODS = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "editMessageText",
        "editMessageReplyMarkup",
        "editMessageCaption",
        "deleteMessage",
        "answerCallbackQuery",
        "copyMessage",
        "forwardMessage",
    }
)
#: Methods that produce a new message in a chat.
NEW_MESSAGE_METHODS = frozenset(
    {"sendMessage", "sendPhoto", "sendDocument", "sendMediaGroup", "copyMessage", "forwardMessage"}
)
EDIT_METHODS = frozenset({"editMessageText", "editMessageReplyMarkup", "editMessageCaption"})
#: Methods subject to ``enforce_limits``.
RATE_LIMITED_METHODS = NEW_MESSAGE_METHODS | EDIT_METHODS

#: Update types Telegram does not deliver unless they are listed in ``allowed_updates``.
OPT_IN_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA = 64
MAX_TOAST = 200  # answerCallbackQuery text

NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "Bad Request: query is too old and response timeout expired or query ID is invalid"
CANT_INITIATE = "Forbidden: bot can't initiate conversation with a user"
BLOCKED = "Forbidden: bot was blocked by the user"
POLL_CONFLICT = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)
_ADMIN = ("creator", "administrator")
#: Message fields carried over by copyMessage / forwardMessage.
_CONTENT_KEYS = ("text", "entities", "document", "photo", "caption", "caption_entities")

# Parameters whose form values are JSON, integers or booleans.
_JSON_PARAMS = frozenset(
    {
        "reply_markup", "entities", "caption_entities", "allowed_updates", "commands", "scope",
        "link_preview_options", "reply_parameters", "menu_button", "media", "message_ids",
        "permissions", "results", "options",
    }
)  # fmt: skip
_INT_PARAMS = frozenset(
    {
        "chat_id", "from_chat_id", "message_id", "offset", "limit", "timeout", "user_id",
        "reply_to_message_id", "cache_time", "message_thread_id", "until_date", "max_connections",
    }
)  # fmt: skip
_BOOL_PARAMS = frozenset(
    {
        "show_alert", "disable_notification", "protect_content", "drop_pending_updates",
        "disable_web_page_preview", "allow_sending_without_reply", "revoke", "only_if_banned",
        "disable_content_type_detection", "has_spoiler", "show_caption_above_media",
    }
)  # fmt: skip

_BUTTON_ACTIONS = (
    "url", "callback_data", "web_app", "login_url", "switch_inline_query", "copy_text",
    "switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "callback_game", "pay",
)  # fmt: skip


#: The HTTP request being served (lets a long poll notice that its client went away).
_current_request: contextvars.ContextVar[web.Request | None] = contextvars.ContextVar("_current_request")

# --------------------------------------------------------------------------------------
# Public records
# --------------------------------------------------------------------------------------


@dataclass
class FakeUser:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "zh-hans"
    is_bot: bool = False

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class Call:
    """One HTTP request the bot made, with the decoded parameters and the answer it got.

    ``at`` is ``time.monotonic()`` when the answer was produced.  Uploaded files appear in
    ``params`` as ``_file_bytes`` / ``_file_name`` / ``_file_size``, with ``_uploaded`` when the
    bytes came in the request (multipart) rather than as a file_id.  ``chat_id`` is the chat the
    call acted on (for ``answerCallbackQuery``: the chat of the pressed message), when there is one.
    """

    method: str
    params: dict
    at: float
    response: dict
    status: int = 200
    chat_id: int | None = None

    @property
    def ok(self) -> bool:
        return bool(self.response.get("ok"))

    @property
    def result(self) -> Any:
        return self.response.get("result")

    @property
    def text(self) -> str | None:
        """Rendered text or caption of the message this call produced, else the raw parameter."""
        result = self.result
        if isinstance(result, dict) and ("text" in result or "caption" in result):
            return result.get("text", result.get("caption"))
        return self.params.get("text", self.params.get("caption"))

    def __repr__(self) -> str:
        extra = f" chat={self.chat_id}" if self.chat_id is not None else ""
        desc = "" if self.ok else f" -> {self.status} {self.response.get('description')!r}"
        text = self.text
        snippet = f" {text[:60]!r}" if isinstance(text, str) else ""
        return f"<Call {self.method}{extra}{snippet}{desc}>"


class ApiError(Exception):
    """Raised by method implementations; becomes a Telegram error answer."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict:
        data: dict[str, Any] = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            data["parameters"] = {"retry_after": self.retry_after}
        return data


def _bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class _Upload:
    filename: str
    content: bytes
    content_type: str | None = None


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    content: bytes
    name: str | None = None
    mime_type: str | None = None


@dataclass
class _Pending:
    update: dict
    redelivery: bool = False
    delivered: bool = False

    @property
    def kind(self) -> str:
        return next(k for k in self.update if k != "update_id")


@dataclass
class _Callback:
    id: str
    chat_id: int | None
    message_id: int | None
    user_id: int
    data: str
    created: float
    answered: bool = False
    answer: dict | None = None


@dataclass
class _Fault:
    status: int
    description: str
    retry_after: int | None
    times: int


@dataclass
class _Limits:
    per_chat_per_second: float
    per_group_per_minute: int
    global_per_second: float
    retry_after: int


# --------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def render_text(text: str, parse_mode: str | None, entities: list | None = None) -> tuple[str, list[dict]]:
    """What Telegram would store: (plain text, entities), whitespace-trimmed like Telegram.

    The bot sends plain text, so this fake parses no markup: a ``parse_mode`` is refused
    rather than stored unparsed, which would let a test pass on text users would not see.
    """
    if parse_mode:
        raise _bad(f"this fake serves plain text only, not parse_mode {parse_mode!r}")
    plain, ents = text, [dict(e) for e in entities or [] if isinstance(e, dict)]
    stripped = plain.strip()
    if stripped == plain:
        return plain, ents
    shift = _utf16_len(plain[: len(plain) - len(plain.lstrip())])
    size = _utf16_len(stripped)
    trimmed = []
    for e in ents:
        start = min(max(e["offset"] - shift, 0), size)
        end = min(max(e["offset"] + e["length"] - shift, 0), size)
        if end > start:
            trimmed.append({**e, "offset": start, "length": end - start})
    return stripped, trimmed


#: What Telegram takes for a link in plain text: it runs on to the next whitespace, CJK
#: punctuation such as "（" included (stricter than Telegram, which stops at a few ASCII marks).
_LINK = re.compile(r"(?:https?://|(?<![\w.])t\.me/)\S+")


def detected_links(text: str) -> list[dict]:
    """The ``url`` entities Telegram adds to a plain text message without entities of its own."""
    return [{"type": "url", "offset": _utf16_len(text[: m.start()]), "length": _utf16_len(m.group())}
            for m in _LINK.finditer(text)]


def entity_text(text: str, entity: dict) -> str:
    """The part of ``text`` an entity covers (offsets count UTF-16 code units)."""
    raw = text.encode("utf-16-le")
    return raw[2 * entity["offset"] : 2 * (entity["offset"] + entity["length"])].decode("utf-16-le")


# --------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG/JPEG/GIF/WebP image, or None when it is not an image."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return (512, 512)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return (width, height)
            i += 2 + struct.unpack(">H", data[i + 2 : i + 4])[0]
        return (800, 600)
    return None


def _normalise_params(raw: dict[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for key, value in raw.items():
        if isinstance(value, str):
            if key in _JSON_PARAMS:
                try:
                    value = json.loads(value)
                except ValueError:
                    pass
            elif key in _INT_PARAMS:
                try:
                    value = int(value)
                except ValueError:
                    pass
            elif key in _BOOL_PARAMS:
                value = value.strip().lower() in ("true", "1")
        params[key] = value
    return params


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, _Upload]]:
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, _Upload] = {}
    if request.body_exists:
        if request.content_type == "application/json":
            body = await request.json()
            if isinstance(body, dict):
                raw.update(body)
        else:
            form = await request.post()
            for key, value in form.items():
                if isinstance(value, web.FileField):
                    uploads[key] = _Upload(value.filename or key, value.file.read(), value.content_type)
                else:
                    raw[key] = value
    return _normalise_params(raw), uploads


def _json_response(status: int, payload: dict) -> web.Response:
    return web.json_response(payload, status=status, dumps=lambda o: json.dumps(o, ensure_ascii=False))


def _window(rate: float) -> tuple[int, float]:
    """A rate per second as "at most n events within t seconds"."""
    n = max(1, int(rate))
    return n, n / rate


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class FakeTelegram:
    def __init__(
        self,
        *,
        token: str = "123456789:TEST-token-for-branchbot-0123456789",
        bot_username: str = "branch_test_bot",
        bot_first_name: str = "支部助手",
        privacy_mode: bool = False,
    ) -> None:
        self.token = token
        self.bot_id = int(token.split(":", 1)[0])
        self.bot_user = FakeUser(
            self.bot_id, bot_first_name, username=bot_username, language_code=None, is_bot=True
        )
        #: With privacy mode on, plain group messages not addressed to the bot are not delivered
        #: (unless the bot is an admin there), as on Telegram.
        self.privacy_mode = privacy_mode
        #: Answer an older long poll with 409 when a newer one arrives (otherwise with []).
        self.conflict_on_overlap = False
        #: Seconds after which an unanswered callback query can no longer be answered.
        self.callback_timeout: float | None = None
        self.url = ""
        self.calls: list[Call] = []
        self.queued: list[dict] = []  # every update ever queued, in order
        self.dropped_updates: list[dict] = []  # updates filtered out by allowed_updates
        self.limit_violations: list[tuple[str, int | None, float]] = []
        self.errors: list[str] = []  # internal errors of the fake itself (tracebacks)
        self.webhook_url = ""
        self.my_commands: dict[tuple[str, str], list[dict]] = {}
        self.bot_settings: dict[str, Any] = {}  # setMyDescription & co, by method name

        self._runner: web.AppRunner | None = None
        self._closing = False
        self._changed = asyncio.Event()
        self._users: dict[int, FakeUser] = {self.bot_id: self.bot_user}
        self._groups: dict[int, dict] = {}
        self._started: set[int] = set()
        self._blocked: set[int] = set()
        self._status: dict[int, dict[int, str]] = {}  # chat -> user -> member status
        self._history: dict[int, dict[int, dict]] = {}  # chat -> message_id -> message
        self._next_message_id: dict[int, int] = {}
        self._pending: list[_Pending] = []
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._update_ids = itertools.count(700_000_001)
        self._callbacks: dict[str, _Callback] = {}
        self._callback_ids = itertools.count(4_391_000_000_000_000_001)
        self._files: dict[str, _StoredFile] = {}
        self._files_by_path: dict[str, _StoredFile] = {}
        self._file_counter = itertools.count(1)
        self._faults: dict[str, deque[_Fault]] = {}
        self._delays: dict[str, deque[float]] = {}
        self._limits: _Limits | None = None
        self._sends_by_chat: dict[int | None, deque[float]] = {}
        self._sends_global: deque[float] = deque()
        self._in_flight = 0
        self._last_activity = time.monotonic()
        self._methods: dict[str, tuple[str, Callable[..., Any]]] = {
            attr[5:].lower(): (attr[5:], getattr(self, attr)) for attr in dir(self) if attr.startswith("_api_")
        }

    # ---------------------------------------------------------------- lifecycle

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1 at ``port`` (0: any free one; a given one lets a test start the bot first)."""
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"
        self._closing = False

    async def stop(self) -> None:
        self._closing = True
        self._bump()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegram:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # ---------------------------------------------------------------- users and chats

    def user(self, id: int, first_name: str, **kw: Any) -> FakeUser:
        """Register (or replace) a user; keyword arguments are the other ``FakeUser`` fields."""
        user = FakeUser(id, first_name, **kw)
        self._users[id] = user
        return user

    def group(self, chat_id: int, title: str, *, username: str | None = None) -> dict:
        """Register a supergroup the bot is a member of."""
        if chat_id >= 0:
            raise ValueError("group chat ids are negative, e.g. -1001234567890")
        chat = {"id": chat_id, "title": title, "type": "supergroup"}
        if username:
            chat["username"] = username
        self._groups[chat_id] = chat
        self._status.setdefault(chat_id, {}).setdefault(self.bot_id, "member")
        return dict(chat)

    def start_private(self, user: FakeUser | int) -> None:
        """The user has opened the private chat with the bot (and not blocked it)."""
        uid = self._user(user).id
        self._started.add(uid)
        self._blocked.discard(uid)

    def block(self, user: FakeUser | int) -> None:
        self._blocked.add(self._user(user).id)

    def set_admin(self, chat_id: int, user: FakeUser | int, admin: bool = True, *, creator: bool = False) -> None:
        """Make the user (or the bot, ``fake.bot_user``) an administrator/creator of the group, or demote."""
        self._group(chat_id)
        status = ("creator" if creator else "administrator") if admin else "member"
        self._status[chat_id][self._user(user).id] = status

    def add_member(self, chat_id: int, user: FakeUser | int) -> None:
        """Silently make the user a member of the group (no update)."""
        self._group(chat_id)
        uid = self._user(user).id
        if self._member_status(chat_id, uid) in ("left", "kicked"):
            self._status[chat_id][uid] = "member"

    # ---------------------------------------------------------------- playing users

    def send_text(self, user: FakeUser | int, chat_id: int, text: str, *, reply_to: int | None = None) -> dict:
        """Queue a text message from the user; commands get a ``bot_command`` entity."""
        u = self._user(user)
        chat = self._chat_for_user(u, chat_id)
        entities = []
        if m := re.match(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![A-Za-z0-9_@])", text):
            entities.append({"type": "bot_command", "offset": 0, "length": _utf16_len(m.group())})
        msg = self._user_message(chat, u, reply_to=reply_to, text=text, entities=entities or None)
        return self._queue_message(chat, msg)

    def send_document(
        self,
        user: FakeUser | int,
        chat_id: int,
        filename: str,
        content: bytes,
        mime_type: str = "text/csv",
        caption: str | None = None,
    ) -> dict:
        u = self._user(user)
        chat = self._chat_for_user(u, chat_id)
        stored = self._store_file(content, "documents", filename, mime_type)
        msg = self._user_message(chat, u, document=self._document_obj(stored), caption=caption)
        return self._queue_message(chat, msg)

    def send_photo(self, user: FakeUser | int, chat_id: int, content: bytes, caption: str | None = None,
                   *, media_group_id: str | None = None) -> dict:
        """A photo from the user; photos of one album are one update each, sharing ``media_group_id``."""
        u = self._user(user)
        chat = self._chat_for_user(u, chat_id)
        stored = self._store_file(content, "photos", None, "image/jpeg")
        extra = {"media_group_id": media_group_id} if media_group_id else {}
        msg = self._user_message(chat, u, photo=self._photo_sizes(stored), caption=caption, **extra)
        return self._queue_message(chat, msg)

    def send_album(self, user: FakeUser | int, chat_id: int, contents: list[bytes]) -> list[dict]:
        """An album (at most 10 in Telegram): one update per photo with the same media_group_id."""
        group = str(next(self._file_counter) * 1000 + 13_000_000_000_000_000)
        return [self.send_photo(user, chat_id, c, media_group_id=group) for c in contents]

    def press(
        self,
        user: FakeUser | int,
        message: dict | int,
        data: str,
        chat_id: int | None = None,
        *,
        check: bool = True,
    ) -> dict:
        """Queue a callback query for a button of a message the bot sent.

        ``message`` is a Message dict (its current state is looked up) or a message id with
        ``chat_id``.  With ``check`` the message must carry a button with that callback data.
        """
        u = self._user(user)
        if isinstance(message, dict):
            chat_id, message_id = message["chat"]["id"], message["message_id"]
        else:
            message_id = message
            if chat_id is None:
                raise ValueError("press(user, message_id, data) needs chat_id")
        current = self._history.get(chat_id, {}).get(message_id)
        if current is None:
            raise AssertionError(f"no message {message_id} in chat {chat_id} (deleted?)")
        if check and data not in [d for _, d in self.buttons(current)]:
            raise AssertionError(f"message {message_id} has no button with data {data!r}: {self.buttons(current)}")
        qid = str(next(self._callback_ids))
        self._callbacks[qid] = _Callback(qid, chat_id, message_id, u.id, data, time.monotonic())
        query = {
            "id": qid,
            "from": u.to_dict(),
            "message": copy.deepcopy(current),
            "chat_instance": str(-abs(chat_id) * 31 - 8_000_000_000_000_000_000),
            "data": data,
        }
        return self._queue({"update_id": next(self._update_ids), "callback_query": query})

    def press_button(self, user: FakeUser | int, message: dict, text_contains: str) -> dict:
        """Press the first inline button whose label contains ``text_contains``."""
        current = self._history.get(message["chat"]["id"], {}).get(message["message_id"], message)
        for label, data in self.buttons(current):
            if text_contains in label and data is not None:
                return self.press(user, current, data)
        raise AssertionError(f"no button labelled like {text_contains!r}: {self.buttons(current)}")

    def member_joined(self, chat_id: int, user: FakeUser | int, *, service_message: bool = True) -> dict:
        """Queue a ``new_chat_members`` message and a ``chat_member`` update; returns the latter."""
        chat, u = self._group(chat_id), self._user(user)
        old = self._member_obj(chat_id, u.id)
        self._status[chat_id][u.id] = "member"
        if service_message:
            msg = self._user_message(chat, u, new_chat_members=[u.to_dict()], new_chat_member=u.to_dict())
            self._queue({"update_id": next(self._update_ids), "message": msg})
        return self._queue_member_update("chat_member", chat, u, old, self._member_obj(chat_id, u.id))

    def member_left(
        self,
        chat_id: int,
        user: FakeUser | int,
        *,
        kicked_by: FakeUser | int | None = None,
        service_message: bool = True,
    ) -> dict:
        """Queue a ``left_chat_member`` message and a ``chat_member`` update (left/kicked); returns the latter."""
        chat, u = self._group(chat_id), self._user(user)
        actor = self._user(kicked_by) if kicked_by is not None else u
        old = self._member_obj(chat_id, u.id)
        self._status[chat_id][u.id] = "kicked" if kicked_by is not None else "left"
        if service_message:
            msg = self._user_message(chat, actor, left_chat_member=u.to_dict())
            self._queue({"update_id": next(self._update_ids), "message": msg})
        return self._queue_member_update("chat_member", chat, actor, old, self._member_obj(chat_id, u.id))

    def bot_added(self, chat_id: int, by_user: FakeUser | int) -> dict:
        """Queue a ``my_chat_member`` update (bot becomes member) and the service message; returns the former."""
        chat, actor = self._group(chat_id), self._user(by_user)
        old = {"status": "left", "user": self.bot_user.to_dict()}
        if self._member_status(chat_id, self.bot_id) in ("left", "kicked"):
            self._status[chat_id][self.bot_id] = "member"
        self._status[chat_id].setdefault(actor.id, "member")
        new = self._member_obj(chat_id, self.bot_id)
        update = self._queue_member_update("my_chat_member", chat, actor, old, new)
        bot = self.bot_user.to_dict()
        msg = self._user_message(chat, actor, new_chat_members=[bot], new_chat_member=bot)
        self._queue({"update_id": next(self._update_ids), "message": msg})
        return update

    def bot_removed(self, chat_id: int, by_user: FakeUser | int) -> dict:
        """Queue a ``my_chat_member`` update (bot kicked) and the service message; returns the former."""
        chat, actor = self._group(chat_id), self._user(by_user)
        old = self._member_obj(chat_id, self.bot_id)
        self._status[chat_id][self.bot_id] = "kicked"
        new = self._member_obj(chat_id, self.bot_id)
        update = self._queue_member_update("my_chat_member", chat, actor, old, new)
        msg = self._user_message(chat, actor, left_chat_member=self.bot_user.to_dict())
        self._queue({"update_id": next(self._update_ids), "message": msg})
        return update

    def redeliver(self, update: dict) -> None:
        """Deliver the very same update (same ``update_id``) once more, even if already confirmed."""
        self._pending.append(_Pending(copy.deepcopy(update), redelivery=True))
        self._bump()

    # ---------------------------------------------------------------- reading what the bot did

    def mark(self) -> int:
        """A cursor for ``wait_for(after=...)`` / ``wait_message(after=...)``: the number of calls so far."""
        return len(self.calls)

    def sent(self, chat_id: int | None = None, method: str | None = None) -> list[Call]:
        """Successful action calls (sends, edits, deletes, callback answers), optionally filtered."""
        return [
            c
            for c in self.calls
            if c.method in ACTION_METHODS
            and c.ok
            and (chat_id is None or c.chat_id == chat_id)
            and (method is None or c.method == method)
        ]

    def messages(self, chat_id: int) -> list[dict]:
        """The bot's messages in the chat as they are now (edited, not deleted), oldest first."""
        history = self._history.get(chat_id, {}).values()
        return [copy.deepcopy(m) for m in history if m["from"]["id"] == self.bot_id]

    def last_message(self, chat_id: int) -> dict | None:
        msgs = self.messages(chat_id)
        return msgs[-1] if msgs else None

    def history(self, chat_id: int) -> list[dict]:
        """Every message in the chat (users' and bot's) as it is now."""
        return [copy.deepcopy(m) for m in self._history.get(chat_id, {}).values()]

    @staticmethod
    def buttons(message: dict) -> list[tuple[str, str | None]]:
        """(label, callback_data) of every inline button of a message, row by row."""
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        return [(b.get("text", ""), b.get("callback_data")) for row in rows for b in row]

    def commands(self, scope: dict | None = None, language_code: str = "") -> list[dict] | None:
        """Commands set with setMyCommands for that scope and language (None if never set)."""
        return copy.deepcopy(self.my_commands.get((self._scope_key(scope), language_code or "")))

    def unanswered_callbacks(self) -> list[str]:
        return [q.id for q in self._callbacks.values() if not q.answered]

    def callback_answer(self, query_id: str) -> dict | None:
        """What answerCallbackQuery said (text, show_alert, url) for a query, or None."""
        q = self._callbacks.get(query_id)
        return dict(q.answer) if q and q.answer is not None else None

    def pending_updates(self) -> int:
        return len(self._pending)

    async def wait_for(self, predicate: Callable[[Call], bool], timeout: float = 10.0, *, after: int = 0) -> Call:
        """The first recorded call at index >= ``after`` matching ``predicate`` (waiting for it)."""
        deadline = time.monotonic() + timeout
        index = after
        while True:
            while index < len(self.calls):
                call = self.calls[index]
                index += 1
                try:
                    matched = predicate(call)
                except (KeyError, TypeError, AttributeError, IndexError):
                    matched = False
                if matched:
                    return call
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(self._report(f"no call matched within {timeout}s", after))
            await self._wait_change(remaining)

    async def wait_message(
        self, chat_id: int, contains: str | None = None, timeout: float = 10.0, after: int = 0
    ) -> dict:
        """Wait for a new bot message in the chat (optionally containing text); returns the Message."""

        def match(call: Call) -> bool:
            return (
                call.method in NEW_MESSAGE_METHODS
                and call.ok
                and call.chat_id == chat_id
                and (contains is None or contains in (call.text or ""))
            )

        try:
            call = await self.wait_for(match, timeout, after=after)
        except AssertionError as e:
            what = f"a message to {chat_id}" + (f" containing {contains!r}" if contains else "")
            raise AssertionError(f"timed out waiting for {what}\n{e}") from None
        return self._message_of(call)

    async def wait_edit(
        self,
        chat_id: int,
        message_id: int | None = None,
        contains: str | None = None,
        timeout: float = 10.0,
        after: int = 0,
    ) -> dict:
        """Wait for a successful edit in the chat; returns the edited Message."""

        def match(call: Call) -> bool:
            return (
                call.method in EDIT_METHODS
                and call.ok
                and call.chat_id == chat_id
                and (message_id is None or call.params.get("message_id") == message_id)
                and (contains is None or contains in (call.text or ""))
            )

        return self._message_of(await self.wait_for(match, timeout, after=after))

    async def drained(self, timeout: float = 10.0) -> None:
        """Wait until the bot has fetched and confirmed (by offset) every queued update."""
        deadline = time.monotonic() + timeout
        while self._pending:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                kinds = [p.kind for p in self._pending]
                raise AssertionError(self._report(f"{len(kinds)} updates still pending: {kinds}", 0))
            await self._wait_change(remaining)

    async def quiet(self, seconds: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until no request other than getUpdates has been in flight or answered for ``seconds``."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            idle = now - self._last_activity
            if self._in_flight == 0 and idle >= seconds:
                return
            if now >= deadline:
                raise AssertionError(self._report(f"bot not quiet after {timeout}s", 0))
            await self._wait_change(min(deadline - now, max(seconds - idle, 0.01)))

    # ---------------------------------------------------------------- faults

    def fail_next(
        self,
        method: str,
        *,
        status: int = 500,
        retry_after: int | None = None,
        description: str | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` ("*" = any but getUpdates) with an error, unexecuted."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if description is None:
            description = {
                400: "Bad Request: injected failure",
                401: "Unauthorized",
                403: BLOCKED,
                404: "Not Found",
                409: POLL_CONFLICT,
                429: f"Too Many Requests: retry after {retry_after}",
                502: "Bad Gateway",
            }.get(status, "Internal Server Error")
        self._faults.setdefault(method.lower(), deque()).append(_Fault(status, description, retry_after, times))

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``method`` for ``seconds`` before executing them."""
        self._delays.setdefault(method.lower(), deque()).extend([seconds] * times)

    def enforce_limits(
        self,
        *,
        per_chat_per_second: float = 1.0,
        per_group_per_minute: int = 20,
        global_per_second: float = 30.0,
        retry_after: int = 1,
        enabled: bool = True,
    ) -> None:
        """Answer 429 to sends/edits over Telegram's flood limits (sliding windows)."""
        self._limits = (
            _Limits(per_chat_per_second, per_group_per_minute, global_per_second, retry_after) if enabled else None
        )
        self._sends_by_chat.clear()
        self._sends_global.clear()

    # ---------------------------------------------------------------- internals: state

    def _bump(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def _wait_change(self, timeout: float) -> None:
        event = self._changed
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            pass

    def _user(self, user: FakeUser | int) -> FakeUser:
        if isinstance(user, FakeUser):
            self._users.setdefault(user.id, user)
            return self._users[user.id]
        if user not in self._users:
            raise KeyError(f"unknown user {user}; register it with fake.user(...)")
        return self._users[user]

    def _group(self, chat_id: int) -> dict:
        if chat_id not in self._groups:
            raise KeyError(f"unknown group {chat_id}; register it with fake.group(...)")
        return self._groups[chat_id]

    def _private_chat(self, user: FakeUser) -> dict:
        chat: dict[str, Any] = {"id": user.id, "type": "private", "first_name": user.first_name}
        if user.last_name:
            chat["last_name"] = user.last_name
        if user.username:
            chat["username"] = user.username
        return chat

    def _chat_for_user(self, user: FakeUser, chat_id: int) -> dict:
        if chat_id > 0:
            if chat_id != user.id:
                raise ValueError(f"user {user.id} cannot write in the private chat {chat_id}")
            self.start_private(user)
            return self._private_chat(user)
        chat = self._group(chat_id)
        if self._member_status(chat_id, user.id) in ("left", "kicked"):
            self._status[chat_id][user.id] = "member"
        return chat

    def _member_status(self, chat_id: int, user_id: int) -> str:
        if chat_id > 0:
            return "member" if user_id in (chat_id, self.bot_id) else "left"
        return self._status.setdefault(chat_id, {}).get(user_id, "left")

    def _member_obj(self, chat_id: int, user_id: int) -> dict:
        user = self._users[user_id].to_dict()
        status = self._member_status(chat_id, user_id)
        if status == "creator":
            return {"status": "creator", "user": user, "is_anonymous": False}
        if status == "administrator":
            rights = dict.fromkeys(
                (
                    "can_manage_chat", "can_delete_messages", "can_manage_video_chats", "can_restrict_members",
                    "can_change_info", "can_invite_users", "can_post_stories", "can_edit_stories",
                    "can_delete_stories", "can_pin_messages", "can_send_welcome_messages",
                ),
                True,
            )  # fmt: skip
            return {
                "status": "administrator", "user": user, "can_be_edited": user_id == self.bot_id,
                "is_anonymous": False, "can_promote_members": False, "can_manage_topics": False, **rights,
            }  # fmt: skip
        if status == "kicked":
            return {"status": "kicked", "user": user, "until_date": 0}
        return {"status": status, "user": user}

    def _queue(self, update: dict) -> dict:
        self._pending.append(_Pending(update))
        self.queued.append(update)
        self._bump()
        return copy.deepcopy(update)

    def _queue_member_update(self, kind: str, chat: dict, actor: FakeUser, old: dict, new: dict) -> dict:
        payload = {
            "chat": dict(chat),
            "from": actor.to_dict(),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        return self._queue({"update_id": next(self._update_ids), kind: payload})

    def _queue_message(self, chat: dict, msg: dict) -> dict:
        """Queue a user's message, unless privacy mode hides it from the bot (then it is only stored)."""
        update = {"update_id": next(self._update_ids), "message": msg}
        return copy.deepcopy(update) if self._hidden_by_privacy(chat, msg) else self._queue(update)

    def _hidden_by_privacy(self, chat: dict, msg: dict) -> bool:
        if not self.privacy_mode or chat["type"] == "private":
            return False
        if self._member_status(chat["id"], self.bot_id) in _ADMIN:
            return False
        text = msg.get("text", "")
        if m := re.match(r"/[A-Za-z0-9_]+(@([A-Za-z0-9_]+))?", text):
            return bool(m.group(2)) and m.group(2).lower() != (self.bot_user.username or "").lower()
        reply = msg.get("reply_to_message")
        return not (reply and reply["from"]["id"] == self.bot_id)

    def _add_message(self, chat: dict, sender: FakeUser, reply_to: dict | None, content: dict) -> dict:
        chat_id = chat["id"]
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        msg: dict[str, Any] = {
            "message_id": message_id,
            "from": sender.to_dict(),
            "chat": dict(chat),
            "date": int(time.time()),
        }
        if reply_to is not None:
            msg["reply_to_message"] = {k: v for k, v in copy.deepcopy(reply_to).items() if k != "reply_to_message"}
        msg.update({k: v for k, v in content.items() if v is not None and v != [] and v != ""})
        self._history.setdefault(chat_id, {})[message_id] = msg
        return msg

    def _user_message(self, chat: dict, user: FakeUser, *, reply_to: int | None = None, **content: Any) -> dict:
        target = None
        if reply_to is not None:
            target = self._history.get(chat["id"], {}).get(reply_to)
            if target is None:
                raise ValueError(f"no message {reply_to} in chat {chat['id']} to reply to")
        return copy.deepcopy(self._add_message(chat, user, target, content))

    def _store_file(self, content: bytes, folder: str, name: str | None, mime_type: str | None) -> _StoredFile:
        n = next(self._file_counter)
        ext = (name.rsplit(".", 1)[-1] if name and "." in name else "jpg" if folder == "photos" else "bin")
        prefix = "AgACAgUAAxkBAAI" if folder == "photos" else "BQACAgUAAxkBAAI"
        stored = _StoredFile(
            file_id=f"{prefix}{n:05d}{secrets.token_urlsafe(12)}",
            file_unique_id=f"AQAD{n:05d}{secrets.token_hex(3)}",
            file_path=f"{folder}/file_{n}.{ext}",
            content=content,
            name=name,
            mime_type=mime_type,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    @staticmethod
    def _file_obj(stored: _StoredFile) -> dict:
        return {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "file_size": len(stored.content)}

    def _document_obj(self, stored: _StoredFile) -> dict:
        doc = self._file_obj(stored)
        if stored.name:
            doc["file_name"] = stored.name
        if stored.mime_type:
            doc["mime_type"] = stored.mime_type
        return doc

    def _photo_sizes(self, stored: _StoredFile) -> list[dict]:
        width, height = _image_size(stored.content) or (800, 600)
        scale = min(1.0, 90 / max(width, height, 1))
        thumb = self._store_file(stored.content, "photos", None, stored.mime_type)
        sizes = []
        for f, w, h in ((thumb, round(width * scale), round(height * scale)), (stored, width, height)):
            sizes.append({**self._file_obj(f), "width": w, "height": h})
        return sizes

    def _message_of(self, call: Call) -> dict:
        result = call.result
        if call.method == "copyMessage":
            return copy.deepcopy(self._history[call.chat_id][result["message_id"]])
        if call.method == "sendMediaGroup":  # an album: its first message
            return result[0]
        return result

    def _report(self, headline: str, start: int) -> str:
        first = max(start, len(self.calls) - 25)
        recent = list(enumerate(self.calls[first:], start=first))
        shown = [f"  [{i}] {c!r}" for i, c in recent if c.method != "getUpdates"]
        polls = sum(1 for _, c in recent if c.method == "getUpdates")
        lines = [headline, f"calls since #{first} ({polls} getUpdates omitted):", *(shown or ["  (none)"])]
        if self._pending:
            lines.append(f"pending updates: {[p.kind for p in self._pending]}")
        if self.errors:
            lines.append("internal errors of the fake:\n" + "\n".join(self.errors[-3:]))
        return "\n".join(lines)

    # ---------------------------------------------------------------- internals: HTTP

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/file/bot"):
            return self._serve_file(path[len("/file/bot") :])
        if not path.startswith("/bot"):
            return _json_response(404, {"ok": False, "error_code": 404, "description": "Not Found"})
        token, _, method = path[len("/bot") :].partition("/")
        spec = self._methods.get(method.lower())
        name = spec[0] if spec else method
        polling = name == "getUpdates"
        _current_request.set(request)
        if not polling:
            self._in_flight += 1
        try:
            try:
                params, uploads = await _read_params(request)
            except Exception:  # noqa: BLE001 - a malformed body is the client's problem
                params, uploads = {}, {}
                status, payload = 400, _bad("can't parse request body").payload()
            else:
                if token != self.token:
                    status, payload = 401, ApiError(401, "Unauthorized").payload()
                elif spec is None:
                    status, payload = 404, ApiError(404, "Not Found: method not found").payload()
                else:
                    status, payload = await self._execute(name, spec[1], params, uploads)
            call = Call(name, params, time.monotonic(), payload, status, self._call_chat(name, params))
            self.calls.append(call)
        finally:
            if not polling:
                self._in_flight -= 1
                self._last_activity = time.monotonic()
            self._bump()
        return _json_response(status, payload)

    async def _execute(
        self, name: str, handler: Callable[..., Any], params: dict, uploads: dict[str, _Upload]
    ) -> tuple[int, dict]:
        key = name.lower()
        delay = self._take_delay(key)
        if delay:
            await asyncio.sleep(delay)
        fault = self._take_fault(key)
        if fault is not None:
            return fault.status, ApiError(fault.status, fault.description, fault.retry_after).payload()
        limited = self._limits is not None and name in RATE_LIMITED_METHODS
        chat_id = self._call_chat(name, params)
        # An album counts as the messages it makes, as Telegram counts it.
        weight = len(params["media"]) if name == "sendMediaGroup" and isinstance(params.get("media"), list) else 1
        try:
            if limited:
                self._check_limits(name, chat_id, weight)
            result = handler(params, uploads)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as e:
            return e.status, e.payload()
        except Exception:  # noqa: BLE001 - report bugs of the fake without killing the server
            self.errors.append(traceback.format_exc())
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        if limited:
            for _ in range(weight):
                self._record_send(chat_id)
        return 200, {"ok": True, "result": result}

    def _take_delay(self, key: str) -> float:
        queue = self._delays.get(key)
        return queue.popleft() if queue else 0.0

    def _take_fault(self, key: str) -> _Fault | None:
        for k in (key, "*" if key != "getupdates" else None):
            queue = self._faults.get(k) if k else None
            if queue:
                fault = queue[0]
                fault.times -= 1
                if fault.times <= 0:
                    queue.popleft()
                return fault
        return None

    def _call_chat(self, name: str, params: dict) -> int | None:
        if name == "answerCallbackQuery":
            q = self._callbacks.get(str(params.get("callback_query_id")))
            return q.chat_id if q else None
        chat_id = params.get("chat_id")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            found = self._find_by_username(chat_id[1:])
            return found["id"] if found else None
        return chat_id if isinstance(chat_id, int) else None

    def _serve_file(self, rest: str) -> web.Response:
        token, _, file_path = rest.partition("/")
        stored = self._files_by_path.get(file_path) if token == self.token else None
        params = {"file_path": file_path}
        if stored is None:
            payload = {"ok": False, "error_code": 404, "description": "Not Found"}
            self.calls.append(Call("downloadFile", params, time.monotonic(), payload, 404))
            self._bump()
            return _json_response(404, payload)
        self.calls.append(Call("downloadFile", params, time.monotonic(), {"ok": True, "result": file_path}))
        self._bump()
        return web.Response(body=stored.content, content_type=stored.mime_type or "application/octet-stream")

    # ---------------------------------------------------------------- internals: rate limits

    def _check_limits(self, method: str, chat_id: int | None, weight: int = 1) -> None:
        limits = self._limits
        assert limits is not None
        now = time.monotonic()
        chat_stamps = self._sends_by_chat.get(chat_id, deque())
        while chat_stamps and now - chat_stamps[0] > 60:
            chat_stamps.popleft()
        _n, global_span = _window(limits.global_per_second)
        while self._sends_global and now - self._sends_global[0] > global_span:  # keep the check O(limit)
            self._sends_global.popleft()
        n, span = _window(limits.per_chat_per_second)
        over = sum(1 for t in chat_stamps if now - t < span) >= n
        if chat_id is not None and chat_id < 0:
            over = over or len(chat_stamps) + weight > limits.per_group_per_minute
        n, span = _window(limits.global_per_second)
        over = over or sum(1 for t in self._sends_global if now - t < span) + weight > n
        if over:
            self.limit_violations.append((method, chat_id, now))
            raise ApiError(429, f"Too Many Requests: retry after {limits.retry_after}", limits.retry_after)

    def _record_send(self, chat_id: int | None) -> None:
        now = time.monotonic()
        self._sends_by_chat.setdefault(chat_id, deque()).append(now)
        self._sends_global.append(now)

    # ---------------------------------------------------------------- internals: method helpers

    def _find_by_username(self, username: str) -> dict | None:
        for chat in self._groups.values():
            if chat.get("username", "").lower() == username.lower():
                return chat
        for user in self._users.values():
            if user.username and user.username.lower() == username.lower() and not user.is_bot:
                return self._private_chat(user)
        return None

    def _chat(self, chat_id: Any) -> dict:
        if chat_id is None or chat_id == "":
            raise _bad("chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            found = self._find_by_username(chat_id[1:])
            if found is None:
                raise _bad("chat not found")
            return dict(found)
        if chat_id in self._groups:
            return dict(self._groups[chat_id])
        if isinstance(chat_id, int) and chat_id > 0 and chat_id in self._users and chat_id != self.bot_id:
            return self._private_chat(self._users[chat_id])
        raise _bad("chat not found")

    def _writable_chat(self, chat_id: Any) -> dict:
        chat = self._chat(chat_id)
        if chat["type"] == "private":
            if chat["id"] in self._blocked:
                raise ApiError(403, BLOCKED)
            if chat["id"] not in self._started:
                raise ApiError(403, CANT_INITIATE)
        else:
            status = self._member_status(chat["id"], self.bot_id)
            if status == "kicked":
                raise ApiError(403, "Forbidden: bot was kicked from the supergroup chat")
            if status == "left":
                raise ApiError(403, "Forbidden: bot is not a member of the supergroup chat")
        return chat

    @staticmethod
    def _render(text: Any, parse_mode: Any, entities: Any, *, caption: bool = False) -> tuple[str, list[dict]]:
        if not isinstance(text, str) or not text:
            if caption:
                return "", []
            raise _bad("message text is empty")
        plain, ents = render_text(text, parse_mode, entities)
        if not plain and not caption:
            raise _bad("message text is empty")
        if caption and len(plain) > MAX_CAPTION:
            raise _bad("message caption is too long")
        if not caption and len(plain) > MAX_TEXT:
            raise _bad("message is too long")
        return plain, ents or detected_links(plain)

    @staticmethod
    def _markup(markup: Any, *, inline_only: bool = False) -> dict | None:
        """Validate reply_markup; returns the inline keyboard to store on the message, if any."""
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise _bad("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            if inline_only:
                raise _bad("inline keyboard expected")
            return None
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad('field "inline_keyboard" of the InlineKeyboardMarkup must be an Array of Arrays')
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                    raise _bad("can't parse inline keyboard button: Field \"text\" must be of type String")
                if not any(key in button for key in _BUTTON_ACTIONS):
                    raise _bad(
                        "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    if not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                        raise _bad("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"^(https?|tg)://\S+$", str(button["url"])):
                    raise _bad("BUTTON_URL_INVALID")
        return {"inline_keyboard": copy.deepcopy(rows)} if rows else None

    def _reply_target(self, chat: dict, params: dict) -> dict | None:
        reply = params.get("reply_parameters")
        target_id = reply.get("message_id") if isinstance(reply, dict) else params.get("reply_to_message_id")
        if not target_id:
            return None
        target = self._history.get(chat["id"], {}).get(target_id)
        allow = params.get("allow_sending_without_reply") or (
            isinstance(reply, dict) and reply.get("allow_sending_without_reply")
        )
        if target is None and not allow:
            raise _bad("message to be replied not found")
        return target

    def _caption(self, p: dict) -> tuple[str | None, list[dict]]:
        caption, entities = self._render(p.get("caption"), p.get("parse_mode"), p.get("caption_entities"), caption=True)
        return caption or None, entities

    def _bot_message(self, chat: dict, params: dict, **content: Any) -> dict:
        target = self._reply_target(chat, params)
        return copy.deepcopy(self._add_message(chat, self.bot_user, target, content))

    def _input_file(self, params: dict, uploads: dict[str, _Upload], field_name: str) -> tuple[_StoredFile, bool]:
        """The file a send refers to: (stored file, freshly uploaded?)."""
        value = params.get(field_name)
        upload = None
        if isinstance(value, str) and value.startswith("attach://"):
            upload = uploads.get(value[len("attach://") :])
            if upload is None:
                raise _bad(f"there is no {field_name} in the request")
        elif field_name in uploads:
            upload = uploads[field_name]
            params[field_name] = f"attach://{field_name}"
        if upload is not None:
            if not upload.content:
                raise _bad("file must be non-empty")
            params["_file_bytes"], params["_file_name"] = upload.content, upload.filename
            params["_file_size"], params["_uploaded"] = len(upload.content), True
            if field_name == "photo":
                return self._store_file(upload.content, "photos", None, "image/jpeg"), True
            mime = mimetypes.guess_type(upload.filename)[0] or "application/octet-stream"
            return self._store_file(upload.content, "documents", upload.filename, mime), True
        if isinstance(value, str) and value.startswith(("http://", "https://")):
            name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
            stored = self._store_file(b"", "documents", name, mimetypes.guess_type(name)[0])
        elif isinstance(value, str) and value in self._files:
            stored = self._files[value]
        elif value:
            raise _bad("wrong file identifier/HTTP URL specified")
        else:
            raise _bad(f"there is no {field_name} in the request")
        params["_file_bytes"], params["_file_name"] = stored.content, stored.name
        return stored, False

    def _editable(self, params: dict) -> dict:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._writable_chat(params.get("chat_id"))
        msg = self._history.get(chat["id"], {}).get(params.get("message_id"))
        if msg is None:
            raise _bad("message to edit not found")
        if msg["from"]["id"] != self.bot_id:
            raise _bad("message can't be edited")
        return msg

    @staticmethod
    def _apply_edit(msg: dict, markup: dict | None, **fields: Any) -> dict:
        for key, value in fields.items():
            if value is None or value == []:
                msg.pop(key, None)
            else:
                msg[key] = value
        if markup is None:
            msg.pop("reply_markup", None)
        else:
            msg["reply_markup"] = markup
        msg["edit_date"] = int(time.time())
        return copy.deepcopy(msg)

    @staticmethod
    def _scope_key(scope: Any) -> str:
        scope = dict(scope) if isinstance(scope, dict) else {"type": "default"}
        for key in ("chat_id", "user_id"):
            if isinstance(scope.get(key), str) and scope[key].lstrip("-").isdigit():
                scope[key] = int(scope[key])
        return json.dumps(scope, sort_keys=True)

    # ---------------------------------------------------------------- API: bot & updates

    def _api_getMe(self, p: dict, files: dict) -> dict:
        return {
            **self.bot_user.to_dict(),
            "can_join_groups": True,
            "can_read_all_group_messages": not self.privacy_mode,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _api_getUpdates(self, p: dict, files: dict) -> list[dict]:
        if self.webhook_url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = p.get("offset") or 0
        limit = min(max(int(p.get("limit") or 100), 1), 100)
        timeout = max(float(p.get("timeout") or 0), 0.0)
        if isinstance(p.get("allowed_updates"), list):
            self._allowed_updates = [str(kind) for kind in p["allowed_updates"]]
        self._confirm(offset)
        self._poll_generation += 1
        generation = self._poll_generation
        self._bump()
        deadline = time.monotonic() + timeout
        while True:
            if self._closing:
                return []
            if generation != self._poll_generation:
                if self.conflict_on_overlap:
                    raise ApiError(409, POLL_CONFLICT)
                return []
            request = _current_request.get(None)
            if request is not None and (request.transport is None or request.transport.is_closing()):
                return []  # the client gave up (timeout, restart): deliver nothing to it
            batch = self._deliverable(limit)
            remaining = deadline - time.monotonic()
            if batch or remaining <= 0:
                for entry in batch:
                    entry.delivered = True
                return [copy.deepcopy(entry.update) for entry in batch]
            await self._wait_change(remaining)

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            del self._pending[: max(len(self._pending) + offset, 0)]
        elif offset > 0:
            # a redelivered update is confirmed only after it has been handed out again
            self._pending = [
                e
                for e in self._pending
                if not (e.update["update_id"] < offset and (e.delivered or not e.redelivery))
            ]
        self._bump()

    def _deliverable(self, limit: int) -> list[_Pending]:
        allowed = set(self._allowed_updates)
        keep: list[_Pending] = []
        for entry in self._pending:
            wanted = entry.kind in allowed if allowed else entry.kind not in OPT_IN_UPDATES
            if wanted:
                keep.append(entry)
            else:
                self.dropped_updates.append(entry.update)
        if len(keep) != len(self._pending):
            self._pending = keep
            self._bump()
        return keep[:limit]

    def _api_setWebhook(self, p: dict, files: dict) -> bool:
        self.webhook_url = str(p.get("url") or "")
        return True

    def _api_deleteWebhook(self, p: dict, files: dict) -> bool:
        self.webhook_url = ""
        if p.get("drop_pending_updates"):
            self._pending.clear()
        return True

    def _api_getWebhookInfo(self, p: dict, files: dict) -> dict:
        return {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }

    def _api_logOut(self, p: dict, files: dict) -> bool:
        return True

    def _api_close(self, p: dict, files: dict) -> bool:
        return True

    def _api_setMyCommands(self, p: dict, files: dict) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list):
            raise _bad("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad("too many commands")
        for c in commands:
            if not isinstance(c, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command", ""))):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(c.get("description", "")).strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
        key = (self._scope_key(p.get("scope")), str(p.get("language_code") or ""))
        self.my_commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def _api_getMyCommands(self, p: dict, files: dict) -> list[dict]:
        return self.commands(p.get("scope"), str(p.get("language_code") or "")) or []

    def _api_deleteMyCommands(self, p: dict, files: dict) -> bool:
        self.my_commands.pop((self._scope_key(p.get("scope")), str(p.get("language_code") or "")), None)
        return True

    def _setting(self, name: str, p: dict) -> bool:
        self.bot_settings[name] = {k: v for k, v in p.items() if not k.startswith("_")}
        return True

    def _api_setMyDescription(self, p: dict, files: dict) -> bool:
        return self._setting("setMyDescription", p)

    def _api_setMyShortDescription(self, p: dict, files: dict) -> bool:
        return self._setting("setMyShortDescription", p)

    def _api_setMyName(self, p: dict, files: dict) -> bool:
        return self._setting("setMyName", p)

    def _api_setChatMenuButton(self, p: dict, files: dict) -> bool:
        return self._setting("setChatMenuButton", p)

    def _api_getChatMenuButton(self, p: dict, files: dict) -> dict:
        return (self.bot_settings.get("setChatMenuButton") or {}).get("menu_button") or {"type": "default"}

    # ---------------------------------------------------------------- API: messages

    def _api_sendMessage(self, p: dict, files: dict) -> dict:
        chat = self._writable_chat(p.get("chat_id"))
        text, entities = self._render(p.get("text"), p.get("parse_mode"), p.get("entities"))
        markup = self._markup(p.get("reply_markup"))
        return self._bot_message(chat, p, text=text, entities=entities, reply_markup=markup)

    def _api_sendPhoto(self, p: dict, files: dict) -> dict:
        chat = self._writable_chat(p.get("chat_id"))
        caption, entities = self._caption(p)
        markup = self._markup(p.get("reply_markup"))
        stored, uploaded = self._input_file(p, files, "photo")
        if uploaded and _image_size(stored.content) is None:
            raise _bad("IMAGE_PROCESS_FAILED")
        if uploaded and len(stored.content) > 10 * 1024 * 1024:
            raise ApiError(413, "Request Entity Too Large")
        photo = self._photo_sizes(stored)
        return self._bot_message(chat, p, photo=photo, caption=caption, caption_entities=entities, reply_markup=markup)

    def _api_sendMediaGroup(self, p: dict, files: dict) -> list[dict]:
        """An album of photos (by file_id or uploaded): one message each, sharing a media_group_id."""
        chat = self._writable_chat(p.get("chat_id"))
        media = p.get("media")
        if not isinstance(media, list):
            raise _bad("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise _bad("media must include 2-10 items")
        photos = []
        for item in media:
            if not isinstance(item, dict) or item.get("type") != "photo":
                raise _bad("wrong type of the media: only photo albums are simulated")
            stored, uploaded = self._input_file(dict(item), files, "media")
            if uploaded and _image_size(stored.content) is None:
                raise _bad("IMAGE_PROCESS_FAILED")
            caption, entities = self._caption(item)
            photos.append((stored, caption, entities))
        group_id = str(next(self._file_counter) * 7919 + 10**12)
        return [self._bot_message(chat, p, photo=self._photo_sizes(stored), caption=caption, caption_entities=entities,
                                  media_group_id=group_id) for stored, caption, entities in photos]

    def _api_sendDocument(self, p: dict, files: dict) -> dict:
        chat = self._writable_chat(p.get("chat_id"))
        caption, entities = self._caption(p)
        markup = self._markup(p.get("reply_markup"))
        stored, uploaded = self._input_file(p, files, "document")
        if uploaded and len(stored.content) > 50 * 1024 * 1024:
            raise ApiError(413, "Request Entity Too Large")
        document = self._document_obj(stored)
        return self._bot_message(
            chat, p, document=document, caption=caption, caption_entities=entities, reply_markup=markup
        )

    def _api_sendChatAction(self, p: dict, files: dict) -> bool:
        self._writable_chat(p.get("chat_id"))
        return True

    def _copy_source(self, p: dict) -> dict:
        source_chat = self._chat(p.get("from_chat_id"))
        source = self._history.get(source_chat["id"], {}).get(p.get("message_id"))
        if source is None:
            raise _bad("message to copy not found")
        return source

    def _api_copyMessage(self, p: dict, files: dict) -> dict:
        chat = self._writable_chat(p.get("chat_id"))
        source = self._copy_source(p)
        content = {k: copy.deepcopy(source[k]) for k in _CONTENT_KEYS if k in source}
        if "caption" in p:
            content["caption"], content["caption_entities"] = self._caption(p)
        content["reply_markup"] = self._markup(p.get("reply_markup"))
        return {"message_id": self._bot_message(chat, p, **content)["message_id"]}

    def _api_forwardMessage(self, p: dict, files: dict) -> dict:
        chat = self._writable_chat(p.get("chat_id"))
        source = self._copy_source(p)
        content = {k: copy.deepcopy(source[k]) for k in _CONTENT_KEYS if k in source}
        origin = {"type": "user", "sender_user": source["from"], "date": source["date"]}
        return self._bot_message(chat, {}, forward_origin=origin, **content)

    def _api_editMessageText(self, p: dict, files: dict) -> dict:
        msg = self._editable(p)
        text, entities = self._render(p.get("text"), p.get("parse_mode"), p.get("entities"))
        markup = self._markup(p.get("reply_markup"), inline_only=True)
        if "text" not in msg:
            raise _bad("there is no text in the message to edit")
        if text == msg["text"] and entities == msg.get("entities", []) and markup == msg.get("reply_markup"):
            raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
        return self._apply_edit(msg, markup, text=text, entities=entities)

    def _api_editMessageCaption(self, p: dict, files: dict) -> dict:
        msg = self._editable(p)
        caption, entities = self._caption(p)
        markup = self._markup(p.get("reply_markup"), inline_only=True)
        if not any(k in msg for k in ("document", "photo", "video", "audio", "animation")):
            raise _bad("there is no caption in the message to edit")
        same_caption = caption == msg.get("caption") and entities == msg.get("caption_entities", [])
        if same_caption and markup == msg.get("reply_markup"):
            raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
        return self._apply_edit(msg, markup, caption=caption, caption_entities=entities)

    def _api_editMessageReplyMarkup(self, p: dict, files: dict) -> dict:
        msg = self._editable(p)
        markup = self._markup(p.get("reply_markup"), inline_only=True)
        if markup == msg.get("reply_markup"):
            raise _bad(NOT_MODIFIED[len("Bad Request: ") :])
        return self._apply_edit(msg, markup)

    def _api_deleteMessage(self, p: dict, files: dict) -> bool:
        chat = self._chat(p.get("chat_id"))
        messages = self._history.get(chat["id"], {})
        msg = messages.get(p.get("message_id"))
        if msg is None:
            raise _bad("message to delete not found")
        own = msg["from"]["id"] == self.bot_id
        admin = self._member_status(chat["id"], self.bot_id) in _ADMIN
        if not own and chat["type"] != "private" and not admin:
            raise _bad("message can't be deleted")
        del messages[msg["message_id"]]
        return True

    def _api_answerCallbackQuery(self, p: dict, files: dict) -> bool:
        query = self._callbacks.get(str(p.get("callback_query_id") or ""))
        if query is None or query.answered:
            raise _bad(QUERY_TOO_OLD[len("Bad Request: ") :])
        if self.callback_timeout is not None and time.monotonic() - query.created > self.callback_timeout:
            raise _bad(QUERY_TOO_OLD[len("Bad Request: ") :])
        if len(str(p.get("text") or "")) > MAX_TOAST:
            raise _bad("MESSAGE_TOO_LONG")
        url = p.get("url")
        # only links that start this very bot are accepted (games aside)
        bot = re.escape(self.bot_user.username or "")
        start_link = rf"https?://(t\.me|telegram\.me)/{bot}\?start=[A-Za-z0-9_-]{{1,64}}"
        if url and not re.fullmatch(start_link, str(url), re.I):
            raise _bad("URL_INVALID")
        query.answered = True
        query.answer = {"text": p.get("text"), "show_alert": bool(p.get("show_alert")), "url": url}
        return True

    # ---------------------------------------------------------------- API: chats and files

    def _api_getChat(self, p: dict, files: dict) -> dict:
        chat = self._chat(p.get("chat_id"))
        kinds = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription", "gifts_from_channels")
        gifts = dict.fromkeys(kinds, False)
        return {**chat, "accent_color_id": 0, "max_reaction_count": 11, "accepted_gift_types": gifts}

    def _api_getChatMember(self, p: dict, files: dict) -> dict:
        chat = self._chat(p.get("chat_id"))
        user_id = p.get("user_id")
        if user_id not in self._users:
            raise _bad("user not found")
        return self._member_obj(chat["id"], user_id)

    def _api_getChatAdministrators(self, p: dict, files: dict) -> list[dict]:
        chat = self._chat(p.get("chat_id"))
        if chat["type"] == "private":
            raise _bad("there are no administrators in the private chat")
        statuses = self._status.get(chat["id"], {})
        return [self._member_obj(chat["id"], uid) for uid, s in statuses.items() if s in _ADMIN]

    def _api_getChatMemberCount(self, p: dict, files: dict) -> int:
        chat = self._chat(p.get("chat_id"))
        if chat["type"] == "private":
            return 2
        return sum(1 for s in self._status.get(chat["id"], {}).values() if s in (*_ADMIN, "member"))

    def _api_leaveChat(self, p: dict, files: dict) -> bool:
        chat = self._chat(p.get("chat_id"))
        if chat["type"] != "private":
            self._status[chat["id"]][self.bot_id] = "left"
        return True

    def _restrict(self, p: dict, status: str, only_if: tuple[str, ...]) -> bool:
        chat = self._chat(p.get("chat_id"))
        if self._member_status(chat["id"], self.bot_id) not in _ADMIN:
            raise _bad("not enough rights to restrict/unrestrict chat member")
        user_id = p.get("user_id")
        if user_id not in self._users:
            raise _bad("user not found")
        if self._member_status(chat["id"], user_id) in _ADMIN:
            raise _bad("user is an administrator of the chat")
        if self._member_status(chat["id"], user_id) in only_if:
            self._status[chat["id"]][user_id] = status
        return True

    def _api_banChatMember(self, p: dict, files: dict) -> bool:
        return self._restrict(p, "kicked", ("member", "left", "kicked"))

    def _api_unbanChatMember(self, p: dict, files: dict) -> bool:
        return self._restrict(p, "left", ("kicked",) if p.get("only_if_banned") else ("kicked", "member"))

    def _api_getFile(self, p: dict, files: dict) -> dict:
        stored = self._files.get(str(p.get("file_id") or ""))
        if stored is None:
            raise _bad("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }
