"""A try-out runtime in the terminal: no token, no network. You play one user; the bot answers here.

Lines starting with "/" or text go to the current chat. Special lines:
  :group / :private      switch between the branch group and your private chat
  :press <data>          press a button (its data is printed next to it)
  :file <path>           send a file (a roster CSV or .xlsx)
  :quit
"""

from __future__ import annotations

import asyncio
import itertools
import sys
from pathlib import Path

from bot.config import Settings
from bot.core import BotCore
from handlers.kit.api import Chat, ChatType, Event, FileRef, Keyboard, Request, User
from storage.db import Database

GROUP_ID = -1000000000001
ME = User(1001, "Console", "User", "console_user", "zh-hans")


class ConsoleTransport:
    bot_username = "console_bot"

    def __init__(self) -> None:
        self.ids = itertools.count(1)
        self.files: dict[str, bytes] = {}

    def _show(self, chat_id: int, text: str, buttons: Keyboard | None, note: str = "") -> int:
        where = "group" if chat_id < 0 else ("you" if chat_id == ME.id else f"user {chat_id}")
        print(f"\n[bot → {where}]{note}\n{text}")
        for row in buttons or []:
            print("   " + "   ".join(f"[{b.text} → :press {b.data}]" if b.data else f"[{b.text} → {b.url}]" for b in row))
        return next(self.ids)

    async def send_text(self, chat_id, text, buttons):
        return self._show(chat_id, text, buttons)

    async def edit_text(self, chat_id, message_id, text, buttons):
        self._show(chat_id, text, buttons, f" (edits message {message_id})")

    async def send_photo(self, chat_id, data, filename, caption, buttons=None):
        Path(filename).write_bytes(data)
        return self._show(chat_id, caption or "", buttons, f" (picture saved as {filename})")

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
        if line in (":group", ":private"):
            chat = group if line == ":group" else private
            print(f"(now in the {'group' if chat is group else 'private chat'})")
            continue
        if line.startswith(":press "):
            request = Request(uid, Event.CALLBACK, chat, ME, callback_id=str(uid), callback_data=line[7:].strip())
        elif line.startswith(":file "):
            path = Path(line[6:].strip()).expanduser()
            if not path.is_file():
                print(f"(no such file: {path})")
                continue
            transport.files[str(uid)] = path.read_bytes()
            ref = FileRef(str(uid), path.name, None, path.stat().st_size)
            request = Request(uid, Event.MESSAGE, chat, ME, document=ref)
        elif line.startswith("/"):
            head, _, args = line.partition(" ")
            request = Request(uid, Event.MESSAGE, chat, ME, text=line, command=head[1:].split("@")[0].lower(), args=args.strip())
        else:
            request = Request(uid, Event.MESSAGE, chat, ME, text=line)
        await core.process(request)
    await core.close()
