"""The whole path through the neutral core: setup, roster, invite, activity, check-in, leave, record."""

from __future__ import annotations

from sqlalchemy import func, select

from storage.models import Attendance, AuditEntry, Member
from tests.memory import GROUP

CSV = "姓名,政治面貌,党小组,党费类别,手机\n张三,正式,第一党小组,在职,13800138000\n李四,预备,第一党小组,学生,\n王五,正式,第二党小组,离退休,\n赵六,党员??,第二党小组,,\n".encode()


async def setup_branch(bot, lang="en"):
    sec = bot.user(1, "Secretary", "Li", lang)
    bot.transport.admins.add((GROUP.id, sec.id))
    await bot.say(sec, "/start")
    await bot.group(sec, "/setup 第一党支部 | Secretary Li")
    if lang == "en":
        await bot.group(sec, "/set language en")
    return sec


async def test_setup_needs_a_group_admin_and_happens_once(bot):
    stranger = bot.user(9, "Stranger", lang="en")
    replies = await bot.group(stranger, "/setup X")
    assert "Only an administrator" in replies[0].text
    sec = await setup_branch(bot)
    again = await bot.group(sec, "/setup Y")
    assert "already the branch “第一党支部”" in again[0].text
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Member)) == 1


async def test_import_invite_checkin_leave_record(bot):
    sec = await setup_branch(bot)
    report = await bot.upload(sec, "roster.csv", CSV)
    text = report[-1].text
    assert "3 added" in text and "Row 5" in text
    # Re-import: nothing duplicated.
    again = await bot.upload(sec, "roster.csv", CSV)
    assert "0 added, 0 updated, 3 unchanged" in again[-1].text

    links = (await bot.say(sec, "/invites"))[-1].text
    zhang_token = next(line for line in links.splitlines() if line.startswith("张三")).split("start=")[1].split(" ")[0]
    zhang = bot.user(2, "San", "Zhang", "en")
    welcome = await bot.say(zhang, f"/start {zhang_token}")
    assert "Welcome, 张三" in welcome[-1].text
    # The link is single-use.
    other = bot.user(3, "Other", lang="en")
    assert "already been used" in (await bot.say(other, f"/start {zhang_token}"))[-1].text

    created = await bot.say(sec, "/new 主题党日 | Theme day | 2026-11-27 09:00 | 11:00 | Room 3 | 全体")
    announcement = next(s for s in created if s.chat_id == GROUP.id)
    assert "Checked in 0/4" in announcement.text  # secretary + 张三 + 李四 + 王五

    # Before the window opens (08:30 Beijing = 00:30 UTC) nothing happens.
    _, toast = await bot.press(zhang, announcement, announcement.button("Check in"))
    assert "opens at 2026-11-27 08:30" in toast
    bot.clock.advance(minutes=45)
    _, toast = await bot.press(zhang, announcement, announcement.button("Check in"))
    assert "you are checked in" in toast
    _, toast = await bot.press(zhang, announcement, announcement.button("Check in"))
    assert "already checked in" in toast
    assert "Checked in 1/4" in bot.last(GROUP.id).text

    # A stranger taps: refused, nothing stored.
    _, toast = await bot.press(other, announcement, announcement.button("Check in"))
    assert "not on this branch's roster" in toast

    # Leave for 王五 via the secretary binding him by invite first.
    wang_link = (await bot.say(sec, "/invite 王五"))[-1].text.split("start=")[1].split(" ")[0]
    wang = bot.user(4, "Wu", "Wang", "en")
    await bot.say(wang, f"/start {wang_link}")
    _, toast = await bot.press(wang, announcement, announcement.button("Ask for leave"))
    assert "asked you for the reason" in toast
    sent = await bot.say(wang, "Hospital appointment")
    assert any("is with the branch officers" in s.text for s in sent if s.chat_id == wang.id)
    request = next(s for s in sent if s.chat_id == sec.id)
    assert "Hospital appointment" in request.text
    sent, toast = await bot.press(sec, request, request.button("Approve"))
    assert "Approved by Secretary Li" in toast
    assert any("was approved" in s.text for s in sent if s.chat_id == wang.id)

    # The secretary checks in the secretary's own way: on behalf of 李四 (no phone).
    reply = (await bot.say(sec, "/checkin_for 李四"))[-1].text
    assert "李四 is checked in" in reply

    record = (await bot.say(sec, "/record"))[-1].text
    assert "Expected: 4 (3 full, 1 probationary)" in record
    assert "Present: 2 (1 full, 1 probationary)" in record
    assert "王五 (Hospital appointment)" in record
    assert "not final" in record and "Not yet checked in: 1 — Secretary Li" in record

    async with bot.db.session() as s:
        # 张三 and 李四 present, 王五 on leave; the secretary's row is the expected list's "absent".
        assert await s.scalar(select(func.count()).select_from(Attendance).where(Attendance.status != "absent")) == 3
        actions = set(await s.scalars(select(AuditEntry.action)))
    assert {"branch.setup", "roster.import", "activity.create", "leave.approve", "checkin.proxy", "record.view"} <= actions
