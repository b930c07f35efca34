"""Activities, who is expected at them, check-ins and leave."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Activity, Attendance, Member, MemberRole
from storage.rules.vocabulary import (
    PARTY_MEMBERS,
    ActivityKind,
    AttendanceStatus,
    Audience,
    CheckinMethod,
    PartyStatus,
)
from storage.upsert import insert_for


@dataclass(frozen=True)
class ActivityPlan:
    kind: ActivityKind
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    audience: Audience
    audience_group: str | None = None
    onsite: bool = False
    allow_remote: bool = True


async def create(
    session: AsyncSession,
    branch_id: int,
    plan: ActivityPlan,
    *,
    opens_before_minutes: int,
    closes_after_minutes: int,
    created_by: int | None,
    now: datetime,
) -> Activity:
    activity = Activity(
        branch_id=branch_id,
        kind=plan.kind,
        title=plan.title,
        starts_at=plan.starts_at,
        ends_at=plan.ends_at,
        place=plan.place,
        audience=plan.audience,
        audience_group=plan.audience_group,
        onsite=plan.onsite,
        allow_remote=plan.allow_remote,
        checkin_opens_at=plan.starts_at - timedelta(minutes=opens_before_minutes),
        checkin_closes_at=plan.ends_at + timedelta(minutes=closes_after_minutes),
        qr_secret=secrets.token_urlsafe(9),
        created_by=created_by,
        created_at=now,
        cancelled=False,
    )
    session.add(activity)
    await session.flush()
    return activity


async def get(session: AsyncSession, activity_id: int) -> Activity | None:
    return await session.get(Activity, activity_id)


async def recent(session: AsyncSession, branch_id: int, limit: int = 10) -> list[Activity]:
    rows = await session.scalars(
        select(Activity)
        .where(Activity.branch_id == branch_id, ~Activity.cancelled)
        .order_by(Activity.starts_at.desc())
        .limit(limit)
    )
    return list(rows)


async def open_now(session: AsyncSession, branch_id: int, now: datetime) -> list[Activity]:
    rows = await session.scalars(
        select(Activity)
        .where(
            Activity.branch_id == branch_id,
            ~Activity.cancelled,
            Activity.checkin_opens_at <= now,
            Activity.checkin_closes_at > now,
        )
        .order_by(Activity.starts_at)
    )
    return list(rows)


def expected_query(activity: Activity) -> Select[tuple[Member]]:
    """Party members the activity is for (activists are welcome but not counted)."""
    stmt = select(Member).where(
        Member.branch_id == activity.branch_id, Member.active, Member.status.in_(PARTY_MEMBERS)
    )
    if activity.audience == Audience.COMMITTEE:
        stmt = stmt.where(Member.id.in_(select(MemberRole.member_id)))
    elif activity.audience == Audience.GROUP:
        stmt = stmt.where(Member.party_group == activity.audience_group)
    return stmt


async def expected_members(session: AsyncSession, activity: Activity) -> list[Member]:
    return list(await session.scalars(expected_query(activity).order_by(Member.name)))


async def is_expected(session: AsyncSession, activity: Activity, member: Member) -> bool:
    hit = await session.scalar(expected_query(activity).where(Member.id == member.id))
    return hit is not None


class CheckinOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"


async def check_in(
    session: AsyncSession,
    activity: Activity,
    member: Member,
    method: CheckinMethod,
    now: datetime,
    recorded_by: int | None = None,
) -> CheckinOutcome:
    """Mark present exactly once, however many taps arrive and in whatever order."""
    values = dict(
        status=AttendanceStatus.PRESENT.value,
        method=method.value,
        checked_in_at=now,
        recorded_by=recorded_by,
        updated_at=now,
    )
    inserted = await session.execute(
        insert_for(session, Attendance)
        .values(activity_id=activity.id, member_id=member.id, **values)
        .on_conflict_do_nothing(index_elements=["activity_id", "member_id"])
    )
    if inserted.rowcount == 1:
        return CheckinOutcome.RECORDED
    # A row exists: someone on leave who came after all becomes present; present stays present.
    changed = await session.execute(
        update(Attendance)
        .where(
            Attendance.activity_id == activity.id,
            Attendance.member_id == member.id,
            Attendance.status != AttendanceStatus.PRESENT,
        )
        .values(**values)
    )
    return CheckinOutcome.RECORDED if changed.rowcount == 1 else CheckinOutcome.ALREADY


async def attendance_of(session: AsyncSession, activity_id: int, member_id: int) -> Attendance | None:
    return await session.scalar(
        select(Attendance).where(Attendance.activity_id == activity_id, Attendance.member_id == member_id)
    )


async def get_attendance(session: AsyncSession, attendance_id: int) -> Attendance | None:
    return await session.get(Attendance, attendance_id)


async def request_leave(
    session: AsyncSession, activity: Activity, member: Member, reason: str, now: datetime
) -> Attendance | None:
    """File a leave request; None when the member already checked in."""
    row = await attendance_of(session, activity.id, member.id)
    if row is None:
        row = Attendance(activity_id=activity.id, member_id=member.id, updated_at=now)
        session.add(row)
    elif row.status == AttendanceStatus.PRESENT:
        return None
    row.status = AttendanceStatus.LEAVE_REQUESTED
    row.leave_reason = reason
    row.leave_requested_at = now
    row.leave_decided_by = None
    row.leave_decided_at = None
    row.updated_at = now
    await session.flush()
    return row


async def decide_leave(
    session: AsyncSession, attendance: Attendance, approve: bool, decider_id: int, now: datetime
) -> bool:
    """Settle a pending leave request once; False if it is no longer pending."""
    result = await session.execute(
        update(Attendance)
        .where(Attendance.id == attendance.id, Attendance.status == AttendanceStatus.LEAVE_REQUESTED)
        .values(
            status=(AttendanceStatus.ON_LEAVE if approve else AttendanceStatus.LEAVE_REFUSED).value,
            leave_decided_by=decider_id,
            leave_decided_at=now,
            updated_at=now,
        )
    )
    if result.rowcount != 1:
        return False
    await session.refresh(attendance)
    return True


@dataclass(frozen=True)
class Counts:
    expected: int
    present: int
    on_leave: int


async def counts(session: AsyncSession, activity: Activity) -> Counts:
    expected_ids = expected_query(activity).with_only_columns(Member.id).scalar_subquery()
    rows = await session.execute(
        select(Attendance.status, func.count())
        .where(Attendance.activity_id == activity.id, Attendance.member_id.in_(expected_ids))
        .group_by(Attendance.status)
    )
    by_status = {status: n for status, n in rows}
    expected = await session.scalar(
        select(func.count()).select_from(expected_query(activity).subquery())
    )
    return Counts(
        expected=expected or 0,
        present=by_status.get(AttendanceStatus.PRESENT, 0),
        on_leave=by_status.get(AttendanceStatus.ON_LEAVE, 0)
        + by_status.get(AttendanceStatus.LEAVE_REQUESTED, 0),
    )


@dataclass(frozen=True)
class RecordLine:
    member: Member
    attendance: Attendance | None


@dataclass(frozen=True)
class Record:
    """What a meeting record (会议记录) needs: who was expected and what became of each."""

    activity: Activity
    present: list[RecordLine]
    on_leave: list[RecordLine]  # approved or still pending
    absent: list[RecordLine]  # includes refused leave

    @property
    def expected(self) -> int:
        return len(self.present) + len(self.on_leave) + len(self.absent)

    def count(self, lines: list[RecordLine], status: PartyStatus) -> int:
        return sum(1 for line in lines if line.member.status == status)

    @property
    def full_expected(self) -> int:
        return sum(self.count(lines, PartyStatus.FULL) for lines in (self.present, self.on_leave, self.absent))

    @property
    def quorum_met(self) -> bool:
        """More than half of the voting (full) members present."""
        return self.count(self.present, PartyStatus.FULL) * 2 > self.full_expected


async def record(session: AsyncSession, activity: Activity) -> Record:
    expected = await expected_members(session, activity)
    rows = {
        a.member_id: a
        for a in await session.scalars(select(Attendance).where(Attendance.activity_id == activity.id))
    }
    present, on_leave, absent = [], [], []
    for member in expected:
        row = rows.get(member.id)
        line = RecordLine(member, row)
        if row is None or row.status == AttendanceStatus.LEAVE_REFUSED:
            absent.append(line)
        elif row.status == AttendanceStatus.PRESENT:
            present.append(line)
        else:
            on_leave.append(line)
    return Record(activity, present, on_leave, absent)


async def held_between(session: AsyncSession, branch_id: int, kind: ActivityKind, start: datetime, end: datetime) -> bool:
    """Whether an activity of ``kind`` took place (or is set) in [start, end)."""
    found = await session.scalar(
        select(Activity.id).where(
            Activity.branch_id == branch_id, Activity.kind == kind, ~Activity.cancelled,
            Activity.starts_at >= start, Activity.starts_at < end,
        ).limit(1)
    )
    return found is not None


async def absence_streak(session: AsyncSession, member_id: int, activities: list[Activity]) -> int:
    """How many of ``activities`` (newest first) in a row the member missed without leave."""
    rows = {
        a.activity_id: a.status
        for a in await session.scalars(
            select(Attendance).where(Attendance.member_id == member_id, Attendance.activity_id.in_([x.id for x in activities]))
        )
    }
    streak = 0
    for activity in activities:
        status = rows.get(activity.id)
        if status in (AttendanceStatus.PRESENT, AttendanceStatus.ON_LEAVE, AttendanceStatus.LEAVE_REQUESTED):
            break
        streak += 1
    return streak
