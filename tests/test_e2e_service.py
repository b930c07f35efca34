"""End to end: volunteer-service reports through the real runtime and the fake Bot API."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.db import Database
from storage.models import ServicePhoto, ServiceReport, ServiceTeammate
from tests.conftest import BACKENDS, database_url
from tests.live import LiveBot
from tests.test_e2e import press, say, set_up, token_of

pytestmark = pytest.mark.e2e

LINE = "/serve 今天 | 3h | 关爱空巢老人 | 幸福村 | 5人 | 打扫卫生、陪老人聊天"


def data_of(fake, message, label):
    return next(d for text, d in fake.buttons(message) if label in text)


async def stored(live):
    db = Database(live.database_url)
    try:
        async with db.read() as s:
            reports = [(r.minutes, r.place, r.status, r.people_served, r.description)
                       for r in await s.scalars(select(ServiceReport))]
            photos = await s.scalar(select(func.count()).select_from(ServicePhoto))
        return reports, photos
    finally:
        await db.dispose()


async def test_a_report_with_an_album_of_three_photos(live, fake):
    sec = await set_up(fake)
    preview = await say(fake, sec, sec.id, LINE, "Your report, as it stands")
    mark = fake.mark()
    await press(fake, sec, preview, data_of(fake, preview, "Add photos"))
    await fake.wait_message(sec.id, contains="Send up to 10 photos", after=mark)
    mark = fake.mark()
    fake.send_album(sec, sec.id, [b"\xff\xd8photo-one", b"\xff\xd8photo-two", b"\xff\xd8photo-three"])
    answer = await fake.wait_message(sec.id, contains="Receiving your album", after=mark)
    await fake.drained()
    await fake.quiet()
    said = [c for c in fake.sent(sec.id, "sendMessage")[:] if c.params.get("text", "").startswith("Receiving your album")]
    assert len(said) == 1  # three updates, one answer
    assert not [c for c in fake.sent(sec.id, "sendMessage") if "not waiting for an answer" in (c.params.get("text") or "")]
    mark = fake.mark()
    await press(fake, sec, answer, data_of(fake, answer, "Done"))
    preview = await fake.wait_message(sec.id, contains="Your report, as it stands", after=mark)
    assert "Photos: 3" in preview["text"]
    mark = fake.mark()
    await press(fake, sec, preview, data_of(fake, preview, "Submit"))
    await fake.wait_message(sec.id, contains="Submitted as report #1", after=mark)
    reports, photos = await stored(live)
    assert [r[:3] for r in reports] == [(180, "幸福村", "pending")] and photos == 3


async def test_a_team_report_with_two_confirmations(live, fake):
    sec = await set_up(fake)
    mark = fake.mark()
    fake.send_document(sec, sec.id, "roster.csv", "姓名,政治面貌\n张三,正式\n李四,正式\n".encode())
    await fake.wait_message(sec.id, contains="Roster imported", after=mark)
    links = (await say(fake, sec, sec.id, "/invites", "Personal invite links"))["text"]
    team = [fake.user(2, "San", last_name="Zhang", language_code="en"),
            fake.user(3, "Si", last_name="Li", language_code="en")]
    for user, name in zip(team, ("张三", "李四")):
        await say(fake, user, user.id, f"/start {token_of(links, name)}", f"Welcome, {name}")
    preview = await say(fake, sec, sec.id, LINE + " | 张三、李四", "Your report, as it stands")
    mark = fake.mark()
    await press(fake, sec, preview, data_of(fake, preview, "Submit"))
    await fake.wait_message(sec.id, contains="teammates are asked to confirm", after=mark)
    for user, name in zip(team, ("张三", "李四")):
        asked = await fake.wait_message(user.id, contains="reported volunteer service with you", after=mark)
        told = fake.mark()
        await press(fake, user, asked, data_of(fake, asked, "Confirm"))
        await fake.wait_message(sec.id, contains=f"{name} confirmed", after=told)
    db = Database(live.database_url)
    try:
        async with db.read() as s:
            statuses = sorted(t.status for t in await s.scalars(select(ServiceTeammate)))
    finally:
        await db.dispose()
    assert statuses == ["confirmed", "confirmed"]


async def restarted(live, fake, tmp_path, name):
    """The bot stopped, and a new process started on the same database."""
    assert await live.stop() == 0
    assert "Traceback" not in live.output()
    (tmp_path / name).mkdir()
    again = LiveBot(fake, live.database_url, tmp_path / name)
    await again.start()
    return again


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_restart_in_the_middle_of_the_dialog(fake, tmp_path, backend):
    live = LiveBot(fake, await database_url(backend, tmp_path), tmp_path)
    await live.start()
    try:
        await _restart_mid_dialog(live, fake, tmp_path)
    finally:
        assert await live.stop() == 0


async def _restart_mid_dialog(first, fake, tmp_path):
    sec = await set_up(fake)
    await say(fake, sec, sec.id, "/serve", "On which day")
    await say(fake, sec, sec.id, "今天", "How long")
    live = await restarted(first, fake, tmp_path, "second")
    question = await say(fake, sec, sec.id, "2.5小时", "What kind of service")
    mark = fake.mark()
    await press(fake, sec, question, data_of(fake, question, "宣传政策法规"))
    await fake.wait_message(sec.id, contains="Where was it", after=mark)
    await say(fake, sec, sec.id, "村委会", "How many people")
    await say(fake, sec, sec.id, "30人", "What did you do")
    live = await restarted(live, fake, tmp_path, "third")
    asked = await say(fake, sec, sec.id, "宣讲惠民政策", "Send up to 10 photos")
    mark = fake.mark()
    await press(fake, sec, asked, data_of(fake, asked, "Skip"))
    team = await fake.wait_message(sec.id, contains="Did other members", after=mark)
    mark = fake.mark()
    await press(fake, sec, team, data_of(fake, team, "Just me"))
    preview = await fake.wait_message(sec.id, contains="Your report, as it stands", after=mark)
    assert "Hours: 2.5" in preview["text"] and "Category: 宣传政策法规" in preview["text"] and "Place: 村委会" in preview["text"]
    mark = fake.mark()
    await press(fake, sec, preview, data_of(fake, preview, "Submit"))
    await fake.wait_message(sec.id, contains="Submitted as report #1", after=mark)
    reports, _ = await stored(live)
    assert [(r[0], r[3], r[4]) for r in reports] == [(150, 30, "宣讲惠民政策")]
    assert await live.stop() == 0
    assert "Traceback" not in live.output()
