"""What arrives, made safe to store: one pass over every request before any handler sees it.

Telegram delivers what people type, and people (or forged updates) type anything: NUL characters
and lone surrogates that PostgreSQL refuses in any text, invisible and bidi characters in names,
a language code of any length. Handlers and storage then work only with text the database takes;
what is still too long for its column is trimmed at the flush (storage.db), the last line.
"""

from __future__ import annotations

import dataclasses
import re

from handlers.kit.api import Chat, FileRef, Request, User
from storage.rules.names import normalize_name

MAX_NAME = 64  # Telegram's own limit for first and last names
MAX_FILE_NAME = 200  # the columns that keep file names (audit targets, outbox files)
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,2}", re.ASCII)  # IETF tags, as Telegram sends them
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,64}", re.ASCII)
# C0 controls but tab and new lines, DEL, and surrogates (half a character, not storable as UTF-8).
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def text(value: str | None) -> str | None:
    """Typed text without what no database column takes; None stays None."""
    return None if value is None else _UNSTORABLE.sub("", value)


def user(person: User | None) -> User | None:
    """A Telegram user with their names normalized (storage.rules.names), and a language code and
    username only when they look like one."""
    if person is None:
        return None
    first = normalize_name(person.first_name)[:MAX_NAME]
    last = normalize_name(person.last_name)[:MAX_NAME] or None
    code = person.language_code
    language = code if code and len(code) <= 16 and _LANGUAGE.fullmatch(code) else None
    username = person.username if person.username and _USERNAME.fullmatch(person.username) else None
    return User(person.id, first, last, username, language)


def _file(ref: FileRef | None) -> FileRef | None:
    if ref is None:
        return None
    name = text(ref.file_name)
    return dataclasses.replace(ref, file_name=name[-MAX_FILE_NAME:] if name else name)  # keep the extension


def clean(request: Request) -> Request:
    return dataclasses.replace(
        request,
        chat=Chat(request.chat.id, request.chat.type, text(request.chat.title)),
        user=user(request.user),
        member=user(request.member),
        text=text(request.text),
        args=text(request.args) or "",
        callback_data=text(request.callback_data),
        document=_file(request.document),
        photo=_file(request.photo),
        media_group_id=(text(request.media_group_id) or "")[:64] or None,
    )
