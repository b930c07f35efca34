"""End to end: volunteer-service review in the real bot process against the fake Bot API — the card
with its photos re-sent by file id, approve / reject / ask for a change with what the member is
told, and the monthly recognition post in the group with publicity off and on."""

from __future__ import annotations

from datetime import datetime

import pytest

from storage.db import Database
from storage.rules.vocabulary import ServiceStatus
from tests.conftest import BACKENDS, database_url
from tests.service_helpers import make_report, process_env, publish_submitted
from tests.test_e2e import GROUP, press, say, set_up
from tests.test_e2e_calendar import bind, calendar_bot, messages_since, set_clock, stop_cleanly

pytestmark = pytest.mark.e2e

WAIT = 30


def beijing(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


async def photo_ids(fake, user, count: int) -> list[str]:
    """Photos 张三 sent the bot: Telegram has them, a report keeps their file ids."""
    from tests.test_fake_telegram import tiny_png

    ids = []
    for i in range(count):
        update = fake.send_photo(user, user.id, tiny_png(20 + i, 20))
        ids.append(update["message"]["photo"][-1]["file_id"])
    await fake.drained()
    await fake.quiet(seconds=1.5, timeout=20)  # whatever the bot answers to them is out of the way
    return ids


async def reported(db, name: str, when: str, **fields) -> int:
    """A report as the reporting dialog leaves it, and its submit event, from outside the process."""
    rid = await make_report(db, name, at=beijing(when), **fields)
    await publish_submitted(db, process_env(db), rid, beijing(when))
    return rid


async def card_to(fake, chat_id: int, rid: int, mark: int) -> dict:
    return await fake.wait_message(chat_id, contains=f"report #{rid} from 张三", timeout=WAIT, after=mark)


@pytest.mark.parametrize("runtime", ["aiogram", "ptb"])
@pytest.mark.parametrize("backend", BACKENDS)
async def test_approve_reject_and_ask_for_change_with_what_the_member_is_told(fake, tmp_path, backend, runtime):
    clock = tmp_path / "now.txt"
    set_clock(clock, "2026-11-27 10:30")  # the reports below were submitted a little earlier
    url = await database_url(backend, tmp_path)
    bot = calendar_bot(fake, url, tmp_path, clock)
    bot.env["RUNTIME"] = runtime
    await bot.start()
    db = Database(url)
    try:
        sec = await set_up(fake)
        zhang = await bind(fake, sec, 2, "张三", "San")
        wang = await bind(fake, sec, 3, "王五", "Wu")
        await say(fake, sec, sec.id, "/grant 王五 组织委员", "王五")
        photos = await photo_ids(fake, zhang, 3)

        # The card: the album by file id, then the text with its buttons, to each reviewer.
        mark = fake.mark()
        first = await reported(db, "张三", "2026-11-27 10:05", photo_ids=photos)
        second = await reported(db, "张三", "2026-11-27 10:06", minutes=120, category="宣传政策法规")
        first_card = await card_to(fake, sec.id, first, mark)
        album = next(c for c in fake.sent(sec.id, "sendMediaGroup"))
        assert [m["media"] for m in album.params["media"]] == photos and not album.params.get("_uploaded")
        assert album.at < next(c for c in fake.calls[mark:] if c.method == "sendMessage" and c.chat_id == sec.id
                               and f"report #{first}" in (c.text or "")).at
        assert "Photos: 3, above." in first_card["text"] and "3 hours · 关爱空巢老人" in first_card["text"]
        await card_to(fake, wang.id, first, mark)
        assert not [c for c in fake.calls[mark:] if c.chat_id == zhang.id and c.method.startswith("send")]
        second_card = await card_to(fake, wang.id, second, 0)

        # Approve: the member is told, with their month's approved hours.
        mark = fake.mark()
        assert await press(fake, sec, first_card, f"vap:{first}") == "Approved by Li Secretary."
        told = await fake.wait_message(zhang.id, contains="approved your volunteer service", timeout=WAIT, after=mark)
        assert "Li Secretary approved your volunteer service of 2026-11-26 (3 hours, 关爱空巢老人)" in told["text"]
        assert "Your approved hours in 2026-11: 3" in told["text"]
        edited = await fake.wait_edit(sec.id, first_card["message_id"], contains="Approved by", timeout=WAIT, after=mark)
        assert "reply_markup" not in edited
        wang_first = await card_to(fake, wang.id, first, 0)
        assert "already been decided: approved" in await press(fake, wang, wang_first, f"vap:{first}")

        # Reject, with the reason asked privately.
        mark = fake.mark()
        await press(fake, wang, second_card, f"vrj:{second}")
        await fake.wait_message(wang.id, contains=f"Why is report #{second}", timeout=WAIT, after=mark)
        mark = fake.mark()
        fake.send_text(wang, wang.id, "照片与服务内容不符")
        told = await fake.wait_message(zhang.id, contains="did not approve", timeout=WAIT, after=mark)
        assert "王五 did not approve your volunteer service of 2026-11-26 (2 hours, 宣传政策法规)" in told["text"]
        assert "Reason: 照片与服务内容不符" in told["text"]

        # Ask for a change.
        mark = fake.mark()
        third = await reported(db, "张三", "2026-11-27 10:20", minutes=60)
        third_card = await card_to(fake, sec.id, third, mark)
        await press(fake, sec, third_card, f"vch:{third}")
        await fake.wait_message(sec.id, contains=f"What should 张三 change in report #{third}", timeout=WAIT, after=mark)
        mark = fake.mark()
        fake.send_text(sec, sec.id, "请补充服务人数")
        told = await fake.wait_message(zhang.id, contains="asks you to change", timeout=WAIT, after=mark)
        assert "Li Secretary asks you to change your volunteer service of 2026-11-26 (1 hours, 关爱空巢老人): 请补充服务人数" in told["text"]

        hours = (await say(fake, zhang, zhang.id, "/hours", "This month"))["text"]
        assert "This month (2026-11): 3 hours" in hours and "— not approved (照片与服务内容不符)" in hours
        assert "— a change was asked for (请补充服务人数)" in hours
    finally:
        await db.dispose()
        await stop_cleanly(bot)


@pytest.mark.parametrize("backend", BACKENDS)
async def test_monthly_recognition_post_with_publicity_off_then_on(fake, tmp_path, backend):
    clock = tmp_path / "now.txt"
    set_clock(clock, "2026-10-20 10:00")
    url = await database_url(backend, tmp_path)
    bot = calendar_bot(fake, url, tmp_path, clock)
    await bot.start()
    db = Database(url)
    try:
        sec = await set_up(fake)
        await bind(fake, sec, 2, "张三", "San")
        await bind(fake, sec, 3, "王五", "Wu")
        for name, minutes, day in (("张三", 180, "2026-10-21"), ("王五", 90, "2026-10-22")):
            await make_report(db, name, at=beijing(day + " 10:00"), served_on=datetime.fromisoformat(day).date(),
                              minutes=minutes, status=ServiceStatus.APPROVED, people=4)
        await make_report(db, "王五", at=beijing("2026-10-23 10:00"), minutes=600, status=ServiceStatus.PENDING)
        await make_report(db, "王五", at=beijing("2026-10-23 11:00"), minutes=480, status=ServiceStatus.REJECTED)
        await db.dispose()

        # Publicity off (the default): only the totals.
        mark = fake.mark()
        set_clock(clock, "2026-11-01 09:30")
        post = await fake.wait_message(GROUP, contains="Volunteer service in 2026-10", timeout=WAIT, after=mark)
        assert post["text"] == "Volunteer service in 2026-10: 4.5 hours by 2 members, 8 people served. Thank you all!"
        await fake.quiet(seconds=2.0)
        assert len(messages_since(fake, mark, GROUP, "Volunteer service")) == 1

        # Publicity on: the top members by approved hours, nothing pending or rejected.
        await say(fake, sec, GROUP, "/set publicity 1", "Saved")
        await make_report(db, "王五", at=beijing("2026-11-02 10:00"), served_on=datetime(2026, 11, 2).date(),
                          minutes=240, status=ServiceStatus.APPROVED, people=6, category="推进移风易俗")
        await make_report(db, "张三", at=beijing("2026-11-03 10:00"), served_on=datetime(2026, 11, 3).date(),
                          minutes=60, status=ServiceStatus.APPROVED, people=1)
        await make_report(db, "张三", at=beijing("2026-11-04 10:00"), served_on=datetime(2026, 11, 4).date(),
                          minutes=900, status=ServiceStatus.REJECTED)
        await db.dispose()
        mark = fake.mark()
        set_clock(clock, "2026-12-01 10:00")
        post = await fake.wait_message(GROUP, contains="Volunteer service in 2026-11", timeout=WAIT, after=mark)
        assert post["text"] == ("Volunteer service in 2026-11: 5 hours by 2 members, 7 people served. Thank you all!\n"
                                "Most hours: 1. 王五 4 · 2. 张三 1")
        await fake.quiet(seconds=2.0)
        assert len(messages_since(fake, mark, GROUP, "Volunteer service")) == 1
    finally:
        await db.dispose()
        await stop_cleanly(bot)
