"""What PostgreSQL would refuse never reaches it: NUL characters, strings longer than their column,
integers beyond 32 bits. Every test here runs on both backends (the ``db`` and ``bot`` fixtures);
on SQLite, which stores anything, they check that what is kept is what PostgreSQL would keep."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from handlers.kit.api import Chat, ChatType, Event, Request, User
from storage.models import Activity, AuditEntry, Branch, Broadcast, JoinRequest, Member, UserPref
from tests.memory import GROUP
from tests.test_flow import setup_branch

NOW = datetime(2026, 11, 27, tzinfo=UTC)
NUL = "\x00"


async def test_the_flush_makes_values_fit_their_columns(db):
    async with db.session() as s:
        branch = Branch(chat_id=-1, name="B" + NUL + "x" * 300, timezone="Asia/Shanghai", locale="zh_CN",
                        settings={"k" + NUL: ["v" + NUL]}, created_at=NOW)
        s.add(branch)
        await s.flush()
        s.add(AuditEntry(branch_id=branch.id, action="test", target="t" * 500 + NUL, details={"x": NUL}, at=NOW))
    async with db.read() as s:
        branch = await s.scalar(select(Branch))
        entry = await s.scalar(select(AuditEntry))
        assert branch.name == "B" + "x" * 99 and branch.settings == {"k": ["v"]}
        assert entry.target == "t" * 200 and entry.details == {"x": ""}
    with pytest.raises(ValueError, match="32-bit"):
        async with db.session() as s:
            s.add(AuditEntry(branch_id=2**31, action="test", at=NOW))


def _message(update_id, user, text, chat=None):
    command, args = None, ""
    if text.startswith("/"):
        head, _, args = text.partition(" ")
        command = head[1:]
    return Request(update_id, Event.MESSAGE, chat or Chat(user.id, ChatType.PRIVATE), user, text=text,
                   command=command, args=args)


async def test_hostile_text_from_telegram_is_stored_without_what_a_strict_database_refuses(bot):
    sec = await setup_branch(bot)
    await bot.say(sec, f"/add 张{NUL}三 正式")
    await bot.say(sec, f"/new 主题党日 | Ti{NUL}tle | 2026-11-27 09:00 | 11:00 | Ro{NUL}om | 全体")
    await bot.say(sec, f"/notice Hello{NUL} everyone")
    # A user with NULs in the name, a language code no column takes, and a long file name.
    odd = User(8, f"Od{NUL}d", "X" * 300, f"bad{NUL}name", "x" * 100 + NUL)
    bot.transport.started.add(odd.id)
    replies = await bot.send(_message(9001, odd, f"/start{NUL} hi{NUL}"))
    assert replies
    await bot.send(_message(9002, odd, "/join", GROUP))
    report = await bot.upload(sec, ("名" * 300) + NUL + ".csv", "姓名,政治面貌\n王五,正式\n".encode())
    assert "1 added" in report[-1].text
    async with bot.db.session() as s:
        texts = [*await s.scalars(select(Member.name)), *await s.scalars(select(Activity.title)),
                 *await s.scalars(select(Activity.place)), *await s.scalars(select(AuditEntry.target)),
                 *await s.scalars(select(JoinRequest.telegram_name)), *await s.scalars(select(Broadcast.text))]
        prefs = list(await s.scalars(select(UserPref)))
        joins = list(await s.scalars(select(JoinRequest)))
    assert "张三" in texts and "Title" in texts and "Room" in texts
    assert not [t for t in texts if t and NUL in t]
    assert all(len(t) <= 200 for t in texts if t)
    assert all(p.language_code is None or len(p.language_code) <= 16 for p in prefs)
    assert [(j.telegram_name, j.username) for j in joins] == [("Odd " + "X" * 64, None)]
