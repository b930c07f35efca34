"""Bot API updates into neutral requests, for every runtime.

aiogram and python-telegram-bot model updates with the Bot API's own field names, so one
translation reads both (python-telegram-bot's enums are turned into plain strings).
"""

from __future__ import annotations

from typing import Any

from handlers.kit.api import Chat, ChatType, Event, FileRef, Request, User

ALLOWED_UPDATES = ["message", "callback_query", "chat_member", "my_chat_member"]
# Updates handled at once: more only queue for the database (SQLite has one writer, the
# PostgreSQL pool 20 connections) and starve the live-count refresh.
CONCURRENT_UPDATES = 16
PRESENT = {"member", "administrator", "creator", "restricted"}
# Command menus: Telegram's language code for each catalog; None is everyone else.
MENU_LANGUAGES = (("zh", "zh_CN"), ("en", "en"))


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


def _user(user: Any) -> User | None:
    if user is None:
        return None
    return User(user.id, user.first_name, user.last_name, user.username, user.language_code)


def _chat(chat: Any) -> Chat:
    return Chat(chat.id, ChatType(str(chat.type)), chat.title)


def from_message(update_id: int, message: Any, bot_id: int, bot_username: str) -> Request | None:
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
        document = FileRef(d.file_id, d.file_name, d.mime_type, d.file_size, getattr(d, "file_unique_id", None))
    photo = None
    if message.photo:
        p = message.photo[-1]
        photo = FileRef(p.file_id, None, "image/jpeg", p.file_size, getattr(p, "file_unique_id", None))
    group = getattr(message, "media_group_id", None)
    return Request(update_id, Event.MESSAGE, chat, user, text=text, command=command, args=args,
                   message_id=message.message_id, document=document, photo=photo,
                   media_group_id=str(group) if group else None)


def from_callback(update_id: int, query: Any) -> Request:
    user = _user(query.from_user)
    message = query.message  # a Message, or an InaccessibleMessage (chat and id only)
    chat = _chat(message.chat) if message is not None else Chat(query.from_user.id, ChatType.PRIVATE)
    data = query.data if isinstance(query.data, str) else ""
    return Request(update_id, Event.CALLBACK, chat, user, callback_id=query.id, callback_data=data,
                   message_id=message.message_id if message is not None else None)


def from_member_update(update_id: int, change: Any, *, about_bot: bool) -> Request | None:
    was, now = str(change.old_chat_member.status), str(change.new_chat_member.status)
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


def to_request(update: Any, bot_id: int, bot_username: str) -> Request | None:
    if update.message is not None:
        return from_message(update.update_id, update.message, bot_id, bot_username)
    if update.callback_query is not None:
        return from_callback(update.update_id, update.callback_query)
    if update.my_chat_member is not None:
        return from_member_update(update.update_id, update.my_chat_member, about_bot=True)
    if update.chat_member is not None:
        return from_member_update(update.update_id, update.chat_member, about_bot=False)
    return None
