"""A try-out runtime in the terminal: no token, no network. You play one user; the bot answers here.

Lines starting with "/" or text go to the current chat. Special lines:
  :group / :private      switch between the branch group and your private chat
  /as NAME               play NAME from the branch roster (/as alone: who can be played; /as me: yourself)
  :press <data>          press a button (its data is printed next to it)
  :file <path>           send a file (a roster CSV or .xlsx)
  :photo <path> [...]    send a photo; several paths are one album (a volunteer report's pictures)
  :quit
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import sys
from pathlib import Path

from bot.config import Settings
from bot.core import BotCore
from handlers.kit.api import Chat, ChatType, Event, FileRef, Keyboard, Request, User
from storage import branches
from storage.db import Database
from storage.roster import members

GROUP_ID = -1000000000001
ME = User(1001, "Console", "User", "console_user", "zh-hans")
PLAYED_IDS = 500_000  # members played with /as get Telegram ids from here on (+ their roster id)
DATABASE = "sqlite+aiosqlite:///data/console.db"
LOG_FILE = Path("data/console.log")


def prepare(settings: Settings) -> Settings:
    """The console's own database and a log file, so that trying never touches the bot's data or talk.

    Only DATABASE_URL in the environment of this very command counts: the one in .env is the bot's.
    """
    url = os.environ.get("DATABASE_URL") or DATABASE
    LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=settings.log_level, filename=LOG_FILE, force=True,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    print(f"(logs go to {LOG_FILE}; the database is {url})")
    return settings.model_copy(update={"database_url": url})


class ConsoleTransport:
    bot_username = "console_bot"

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.files: dict[str, bytes] = {}
        self.me = ME
        self.names: dict[int, str] = {}  # Telegram id -> roster name of those played with /as

    def _show(self, chat_id: int, text: str, buttons: Keyboard | None, note: str = "") -> int:
        where = "group" if chat_id < 0 else (
            "you" if chat_id == self.me.id else self.names.get(chat_id, f"user {chat_id}"))
        print(f"\n[bot → {where}]{note}\n{text}")
        for row in buttons or []:
            print("   " + "   ".join(f"[{b.text} → :press {b.data}]" if b.data else f"[{b.text} → {b.url}]" for b in row))
        return next(self.ids)

    async def send_text(self, chat_id, text, buttons):
        return self._show(chat_id, text, buttons)

    async def edit_text(self, chat_id, message_id, text, buttons):
        self._show(chat_id, text, buttons, f" (edits message {message_id})")

    async def send_photo(self, chat_id, data, filename, caption, buttons=None):
        if isinstance(data, str):  # a photo Telegram would have: only its file id is known here
            return self._show(chat_id, caption or "", buttons, f" (photo {data})")
        Path(filename).write_bytes(data)
        return self._show(chat_id, caption or "", buttons, f" (picture saved as {filename})")

    async def send_media_group(self, chat_id, file_ids):
        return self._show(chat_id, "", None, f" (album of {len(file_ids)} photos: {', '.join(file_ids)})")

    async def send_document(self, chat_id, data, filename, caption, buttons=None):
        Path(filename).write_bytes(data)
        return self._show(chat_id, caption or "", buttons, f" (file saved as {filename})")

    async def answer_callback(self, callback_id, text, alert, url):
        if text or url:
            print(f"\n[toast] {text or ''} {url or ''}".rstrip())

    async def download(self, file: FileRef) -> bytes:
        return self.files[file.file_id]

    async def is_chat_admin(self, chat_id, user_id) -> bool:
        return True


async def _play(core: BotCore, transport: ConsoleTransport, name: str, uid: int) -> User | None:
    """``/as NAME``: the roster member NAME, linked through their own invite link if not linked yet."""
    now = core.env.clock()
    async with core.db.session() as session:
        branch = await branches.by_chat(session, GROUP_ID)
        if branch is None:
            print("(no branch yet: send /setup in the group first)")
            return None
        roster = await members.roster(session, branch.id)
        if not name:
            print("(who can be played: " + (", ".join(m.name for m in roster) or "nobody yet; import a roster")
                  + ";  /as me: yourself)")
            return None
        member = next((m for m in roster if m.name == name), None)
        if member is None:
            print(f"(nobody called {name} on the roster; /as lists who can be played)")
            return None
        token = None if member.telegram_user_id else (await members.usable_invite(session, member, now, 14)).token
        user_id = member.telegram_user_id or PLAYED_IDS + member.id
    user = ME if user_id == ME.id else User(user_id, member.name, None, None, ME.language_code)
    transport.names[user.id] = member.name
    if token:  # the way a member links: the invite link, opened in a private chat
        chat = Chat(user.id, ChatType.PRIVATE)
        await core.process(Request(uid, Event.MESSAGE, chat, user, text=f"/start inv-{token}", command="start",
                                   args=f"inv-{token}"))
    return user


async def run_console(settings: Settings, db: Database) -> None:
    transport = ConsoleTransport()
    core = BotCore.for_settings(transport, db, settings)
    core.start_jobs()
    group = Chat(GROUP_ID, ChatType.SUPERGROUP, "Console branch group")
    private = Chat(ME.id, ChatType.PRIVATE)
    chat = group
    update_ids = itertools.count(int(asyncio.get_running_loop().time() * 1000))
    print(__doc__)
    print("You are in the group. Try: /setup 第一党支部")
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line or line.strip() == ":quit":
            break
        line = line.strip()
        if not line:
            continue
        uid = next(update_ids)
        me = transport.me
        if line in (":group", ":private"):
            chat = group if line == ":group" else private
            print(f"(now in the {'group' if chat is group else 'private chat'})")
            continue
        if line == "/as" or line.startswith("/as "):
            name = line[3:].strip()
            played = ME if name == "me" else await _play(core, transport, name, uid)
            if played is not None:
                transport.me = played
                private = Chat(played.id, ChatType.PRIVATE)
                chat = group if chat.id == GROUP_ID else private
                who = "yourself" if played is ME else transport.names[played.id]
                print(f"(you are now {who}, in the {'group' if chat is group else 'private chat'})")
            continue
        if line.startswith(":press "):
            request = Request(uid, Event.CALLBACK, chat, me, callback_id=str(uid), callback_data=line[7:].strip())
        elif line.startswith(":file "):
            path = Path(line[6:].strip()).expanduser()
            if not path.is_file():
                print(f"(no such file: {path})")
                continue
            transport.files[str(uid)] = path.read_bytes()
            ref = FileRef(str(uid), path.name, None, path.stat().st_size)
            request = Request(uid, Event.MESSAGE, chat, me, document=ref)
        elif line.startswith(":photo "):  # one photo, or several paths as one album
            paths = [Path(p).expanduser() for p in line[7:].split()]
            missing = [p for p in paths if not p.is_file()]
            if missing or not paths:
                print(f"(no such file: {missing[0] if missing else ''})")
                continue
            album = str(uid) if len(paths) > 1 else None
            for i, path in enumerate(paths):
                key = f"{uid}-{i}"
                transport.files[key] = path.read_bytes()
                ref = FileRef(key, None, "image/jpeg", path.stat().st_size, key)
                request = Request(uid if i == 0 else next(update_ids), Event.MESSAGE, chat, me, photo=ref, media_group_id=album)
                if i < len(paths) - 1:
                    await core.process(request)
        elif line.startswith("/"):
            head, _, args = line.partition(" ")
            request = Request(uid, Event.MESSAGE, chat, me, text=line, command=head[1:].split("@")[0].lower(), args=args.strip())
        else:
            request = Request(uid, Event.MESSAGE, chat, me, text=line)
        await core.process(request)
    await core.close()
