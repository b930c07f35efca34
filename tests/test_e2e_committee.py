"""End to end: a committee is set up, a branch links with the code, an officer approves, and the roll-up arrives."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from storage.db import Database
from storage.models import Activity, Attendance, Branch, Member, MembershipChange
from storage.rules.periods import last_month
from storage.rules.vocabulary import ActivityKind, AttendanceStatus, Audience
from tests.test_e2e import press, say, set_up

pytestmark = pytest.mark.e2e


async def past_meeting(url: str, start: datetime) -> None:
    """A 支委会 last month with the secretary present: what the calendar would have recorded.

    The branch was set up just now; it and its secretary's history are moved back to before the month,
    as if the branch had been there all along (the roll-up reads the history, not today's roster, and
    asks nothing of periods over before a branch was set up).
    """
    db = Database(url)
    try:
        async with db.session() as s:
            sec = await s.scalar(select(Member).where(Member.name == "Li Secretary"))
            await s.execute(update(MembershipChange).where(MembershipChange.member_id == sec.id)
                            .values(at=start - timedelta(days=30)))
            await s.execute(update(Branch).where(Branch.id == sec.branch_id).values(created_at=start - timedelta(days=30)))
            activity = Activity(branch_id=sec.branch_id, kind=ActivityKind.COMMITTEE_MEETING, title="支委会",
                                starts_at=start, ends_at=start + timedelta(hours=1), audience=Audience.COMMITTEE,
                                checkin_opens_at=start, checkin_closes_at=start + timedelta(hours=2), qr_secret="x",
                                created_at=start, cancelled=False, roster_frozen_at=start)
            s.add(activity)
            await s.flush()
            s.add(Attendance(activity_id=activity.id, member_id=sec.id, expected=True, status=AttendanceStatus.PRESENT,
                             updated_at=start))
    finally:
        await db.dispose()


async def test_committee_set_up_link_approve_and_rollup(live, fake):
    sec = await set_up(fake)
    chair = fake.user(2, "Wang", last_name="Chair", language_code="en")
    created = await say(fake, chair, chair.id, "/committee 街道党工委", "is set up")
    code = re.search(r"/link ([A-Z0-9-]+)", created["text"])[1]

    mark = fake.mark()
    fake.send_text(sec, sec.id, f"/link {code}")
    request = await fake.wait_message(chair.id, contains="asks to be linked", after=mark)
    approve = next(data for label, data in fake.buttons(request) if label == "Approve")
    mark = fake.mark()
    assert "is now linked" in await press(fake, chair, request, approve)
    await fake.wait_message(sec.id, contains="approved", after=mark)

    zone = ZoneInfo("Asia/Shanghai")
    period = last_month(datetime.now(zone).date())
    await past_meeting(live.database_url, datetime.combine(period.start + timedelta(days=9), datetime.min.time(),
                                                           zone).astimezone(UTC))
    rollup = await say(fake, chair, chair.id, f"/rollup {period.label}", "Roll-up of")
    text = rollup["text"]
    assert f"for {period.label}" in text and "1 branches" in text
    assert "#1 第一党支部: members 1 (full 1, probationary 0)" in text
    assert "activities 1: committee meetings 1" in text and "attendance 100.0% (1/1)" in text
    assert "⚠️ #1" in text  # the other meetings of 三会一课 were not held
    # The same as an .xlsx, privately to the officer, through the outbox.
    mark = fake.mark()
    fake.send_text(chair, chair.id, f"/rollup {period.label} xlsx")
    document = await fake.wait_for(lambda c: c.method == "sendDocument" and c.ok, timeout=60, after=mark)
    assert int(document.params["chat_id"]) == chair.id
    assert document.params["_file_name"].endswith(f"{period.label}.xlsx")
    from tests.xlsx_check import open_checked, rows
    book = open_checked(document.params["_file_bytes"])
    attendance = rows(book["Attendance"])
    assert attendance[0][0] == f"街道党工委 Attendance {period.label}"
    assert attendance[3][:4] == ("第一党支部", 1, 1, 0) and attendance[3][4] == 1.0
    # The branch's secretary is no committee officer.
    refused = await say(fake, sec, sec.id, f"/rollup {period.label}", "Only officers of a committee")
    assert "第一党支部:" not in refused["text"]
