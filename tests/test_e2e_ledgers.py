"""End to end: an officer sends /export in private and receives the ledger as a document (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.test_e2e import GROUP, say, set_up
from tests.xlsx_check import open_checked, rows

pytestmark = pytest.mark.e2e


async def test_an_officer_exports_the_roster_and_receives_it_privately(live, fake):
    sec = await set_up(fake)  # the branch speaks English (/set language en)
    added = (await say(fake, sec, sec.id, "/add 张三 预备 第一党小组", "Added 张三"))["text"]
    member = fake.user(2, "San", language_code="en")
    await say(fake, member, member.id, f"/start {added.split('start=')[1].split()[0]}", "Welcome, 张三")

    mark = fake.mark()
    fake.send_text(sec, sec.id, "/export roster")
    call = await fake.wait_for(lambda c: c.method == "sendDocument" and c.ok, timeout=30, after=mark)
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year
    assert call.chat_id == sec.id and call.params["_uploaded"]
    assert call.params["_file_name"] == f"Roster-第一党支部-{year}.xlsx"
    assert call.result["caption"].startswith(f"Roster, 第一党支部, the year {year}.")
    book = open_checked(call.params["_file_bytes"])
    sheet = book.worksheets[0]
    assert sheet["A1"].value == f"第一党支部 · Roster · the year {year}"
    assert rows(sheet, 3)[0][:4] == ("No.", "Name", "Party status", "Party group")
    assert {r[1]: r[2:4] for r in rows(sheet, 4)} == {
        "张三": ("probationary member", "第一党小组"), "Li Secretary": ("full member", None)}

    # A member without the role gets a sentence and no file; nothing went to the group.
    mark = fake.mark()
    await say(fake, member, member.id, "/export roster", "Only the secretary")
    await fake.quiet()
    assert not [c for c in fake.calls[mark:] if c.method == "sendDocument"]
    assert not [c for c in fake.calls if c.method == "sendDocument" and c.chat_id == GROUP]
