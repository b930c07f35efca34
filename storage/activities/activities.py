"""Activities, who is expected at them, check-ins and leave."""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, and_, func, literal, select, true, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import raiseload
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import Activity, Attendance, Branch, Member, MemberRole
from storage.rules import attendance as attendance_rules
from storage.rules.vocabulary import (
    ActivityKind,
    AttendanceStatus,
    Audience,
    CheckinMethod,
    PartyStatus,
)
from storage.types import UTCDateTime
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
    opens, closes = attendance_rules.checkin_window(
        plan.starts_at, plan.ends_at, before_minutes=opens_before_minutes, after_minutes=closes_after_minutes)
    activity = Activity(
        branch_id=branch_id,
        **asdict(plan),
        checkin_opens_at=opens,
        checkin_closes_at=closes,
        qr_secret=secrets.token_urlsafe(9),
        created_by=created_by,
        created_at=now,
        cancelled=False,
    )
    session.add(activity)
    await session.flush()
    return activity


def cancel(activity: Activity) -> bool:
    """Call the activity off; False if it already was."""
    if activity.cancelled:
        return False
    activity.cancelled = True
    return True


def move(activity: Activity, starts_at: datetime, *, opens_before_minutes: int, closes_after_minutes: int) -> None:
    """Move the activity to ``starts_at``, keeping its length; the check-in window follows.

    An expected list already fixed (check-in had opened) stays as it is: the people asked to
    come are the same, only the time changed.
    """
    length = activity.ends_at - activity.starts_at
    activity.starts_at, activity.ends_at = starts_at, starts_at + length
    activity.checkin_opens_at, activity.checkin_closes_at = attendance_rules.checkin_window(
        activity.starts_at, activity.ends_at, before_minutes=opens_before_minutes, after_minutes=closes_after_minutes)


async def get(session: AsyncSession, activity_id: int) -> Activity | None:
    return await session.get(Activity, activity_id)


async def for_checkin(
    session: AsyncSession, activity_id: int, user_id: int
) -> tuple[Activity, Branch, Member | None] | None:
    """The activity, its branch, and the person's active roster entry in that branch (roles not loaded)."""
    found = (await session.execute(
        select(Activity, Branch, Member)
        .join(Branch, Branch.id == Activity.branch_id)
        .outerjoin(Member, and_(Member.branch_id == Activity.branch_id, Member.telegram_user_id == user_id,
                                Member.active))
        .where(Activity.id == activity_id)
        .options(raiseload(Member.roles))
    )).first()
    return tuple(found) if found is not None else None


async def same_as(session: AsyncSession, branch_id: int, plan: ActivityPlan) -> Activity | None:
    """A live activity of the same kind, start and audience: creating ``plan`` would likely repeat it."""
    return await session.scalar(
        select(Activity).where(
            Activity.branch_id == branch_id, ~Activity.cancelled, Activity.kind == plan.kind,
            Activity.starts_at == plan.starts_at, Activity.audience == plan.audience,
            Activity.audience_group == plan.audience_group if plan.audience_group is not None
            else Activity.audience_group.is_(None),
        ).limit(1)
    )


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
    """Who the activity is for by today's roster: used until check-in opens and fixes the list."""
    stmt = select(Member).where(
        Member.branch_id == activity.branch_id, Member.active, Member.status.in_(attendance_rules.EXPECTED_STATUSES)
    )
    if activity.audience == Audience.COMMITTEE:
        stmt = stmt.where(Member.id.in_(select(MemberRole.member_id)))
    elif activity.audience == Audience.GROUP:
        stmt = stmt.where(Member.party_group == activity.audience_group)
    return stmt


def held(now: datetime) -> tuple:
    """What makes an activity one that was held, as WHERE clauses: not called off, ended by ``now``,
    and someone (a guest too) checked in. What 三会一课 compliance counts, wherever it is read."""
    someone = select(Attendance.id).where(
        Attendance.activity_id == Activity.id, Attendance.status == AttendanceStatus.PRESENT).exists()
    return ~Activity.cancelled, Activity.ends_at <= now, someone


async def held_by_audience(session: AsyncSession, branch_id: int, kind: ActivityKind, start_at: datetime,
                           end_at: datetime, now: datetime) -> list[tuple[Audience, str | None, int]]:
    """How many activities of ``kind`` starting in [start_at, end_at) were held, by audience and party group."""
    rows = await session.execute(
        select(Activity.audience, Activity.audience_group, func.count())
        .where(Activity.branch_id == branch_id, Activity.kind == kind, Activity.starts_at >= start_at,
               Activity.starts_at < end_at, *held(now))
        .group_by(Activity.audience, Activity.audience_group))
    return [(Audience(audience), group, count) for audience, group, count in rows]


def frozen(activity: Activity) -> bool:
    return activity.roster_frozen_at is not None


async def freeze(session: AsyncSession, activity: Activity, now: datetime) -> None:
    """Fix who is expected, each with their status and party group, once check-in has opened.

    Called by whatever comes first after the opening (the calendar, a check-in, a record): from
    then on the record reads these rows, and later roster changes never rewrite it.
    """
    if frozen(activity) or now < activity.checkin_opens_at:
        return
    won = await session.execute(
        update(Activity).where(Activity.id == activity.id, Activity.roster_frozen_at.is_(None))
        .values(roster_frozen_at=now).execution_options(synchronize_session=False)
    )
    if won.rowcount != 1:  # another transaction froze it; its rows are committed now
        await session.refresh(activity, ["roster_frozen_at"])
        return
    set_committed_value(activity, "roster_frozen_at", now)  # written above; no second UPDATE
    people = expected_query(activity).subquery()
    await session.execute(
        insert_for(session, Attendance).from_select(
            ["activity_id", "member_id", "expected", "party_status", "party_group", "status", "updated_at"],
            select(literal(activity.id), people.c.id, true(), people.c.status, people.c.party_group,
                   literal(AttendanceStatus.ABSENT.value), literal(now, UTCDateTime()))
            .where(true()),  # SQLite reads "SELECT ... ON CONFLICT" as a join without it
        ).on_conflict_do_nothing(index_elements=["activity_id", "member_id"])
    )
    # Rows written before the opening (leave asked early) of people no longer expected now.
    await session.execute(
        update(Attendance).where(
            Attendance.activity_id == activity.id, Attendance.member_id.not_in(select(people.c.id))
        ).values(expected=False).execution_options(synchronize_session=False)
    )


async def opened_unfrozen(session: AsyncSession, branch_id: int, now: datetime) -> list[Activity]:
    """A branch's activities whose check-in has opened and whose expected list is not fixed yet."""
    return list(await session.scalars(
        select(Activity).where(Activity.branch_id == branch_id, ~Activity.cancelled,
                               Activity.roster_frozen_at.is_(None), Activity.checkin_opens_at <= now)
    ))


async def is_expected(session: AsyncSession, activity: Activity, member: Member) -> bool:
    if frozen(activity):
        return await session.scalar(
            select(Attendance.expected).where(Attendance.activity_id == activity.id, Attendance.member_id == member.id)
        ) is True
    return await session.scalar(expected_query(activity).with_only_columns(Member.id).where(Member.id == member.id)) is not None


class CheckinOutcome(StrEnum):
    RECORDED = "recorded"
    ALREADY = "already"
    NOT_EXPECTED = "not_expected"


async def check_in(
    session: AsyncSession,
    activity: Activity,
    member: Member,
    method: CheckinMethod,
    now: datetime,
    recorded_by: int | None = None,
) -> CheckinOutcome:
    """Mark present exactly once, however many taps arrive and in whatever order.

    Those expected have a row since check-in opened: one UPDATE records them. Someone not on the
    fixed list may still be welcome (an activist at a 党课, a member who joined the roster since)
    and is recorded as present without counting as expected.
    """
    await freeze(session, activity, now)
    values = dict(
        status=AttendanceStatus.PRESENT.value, method=method.value, checked_in_at=now, recorded_by=recorded_by,
        updated_at=now,
    )
    changed = await session.execute(
        update(Attendance)
        .where(
            Attendance.activity_id == activity.id,
            Attendance.member_id == member.id,
            Attendance.status != AttendanceStatus.PRESENT,
        )
        .values(**values).execution_options(synchronize_session=False)
    )
    if changed.rowcount == 1:
        return CheckinOutcome.RECORDED
    if await attendance_of(session, activity.id, member.id) is not None:
        return CheckinOutcome.ALREADY
    if activity.audience == Audience.COMMITTEE:
        await session.refresh(member, ["roles"])  # the hot path loads members without their roles
    if not _welcome(activity, member):
        return CheckinOutcome.NOT_EXPECTED
    inserted = await session.execute(
        insert_for(session, Attendance)
        .values(activity_id=activity.id, member_id=member.id, expected=False, party_status=member.status.value,
                party_group=member.party_group, **values)
        .on_conflict_do_nothing(index_elements=["activity_id", "member_id"])
    )
    return CheckinOutcome.RECORDED if inserted.rowcount == 1 else CheckinOutcome.ALREADY


def _welcome(activity: Activity, member: Member) -> bool:
    """Not on the fixed list, yet may check in: an activist where activists may come, or one of the audience who joined since."""
    if not member.active:
        return False
    if member.status not in attendance_rules.EXPECTED_STATUSES:
        return attendance_rules.may_attend(activity.kind, member.status)
    if activity.audience == Audience.GROUP:
        return member.party_group == activity.audience_group
    if activity.audience == Audience.COMMITTEE:
        return bool(member.role_set)
    return True


async def may_check_in(session: AsyncSession, activity: Activity, member: Member) -> bool:
    """Whether ``member`` may check in to ``activity``: expected, or welcome without counting."""
    return _welcome(activity, member) or await is_expected(session, activity, member)


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
        row = Attendance(activity_id=activity.id, member_id=member.id, expected=True, party_status=member.status,
                         party_group=member.party_group, updated_at=now)
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


async def mark_makeup_done(session: AsyncSession, attendance: Attendance, by: int, now: datetime) -> bool:
    """The catch-up (补课) owed for approved leave is done; False if none was owed or it was marked before."""
    result = await session.execute(
        update(Attendance)
        .where(Attendance.id == attendance.id, Attendance.status == AttendanceStatus.ON_LEAVE,
               Attendance.makeup_done_at.is_(None))
        .values(makeup_done_at=now, makeup_done_by=by, updated_at=now)
    )
    if result.rowcount != 1:
        return False
    await session.refresh(attendance)
    return True


async def makeups_owed(session: AsyncSession, member_id: int) -> list[tuple[Attendance, Activity]]:
    """Activities the member was on approved leave from and has not caught up on yet, oldest first."""
    rows = await session.execute(
        select(Attendance, Activity).join(Activity, Activity.id == Attendance.activity_id)
        .where(Attendance.member_id == member_id, Attendance.status == AttendanceStatus.ON_LEAVE,
               Attendance.makeup_done_at.is_(None), ~Activity.cancelled)
        .order_by(Activity.starts_at)
    )
    return [(row, activity) for row, activity in rows]


@dataclass(frozen=True)
class Counts:
    expected: int
    present: int
    on_leave: int  # approved leave only


async def counts(session: AsyncSession, activity: Activity) -> Counts:
    """The live count: from the fixed rows once check-in opened, from today's roster before."""
    if frozen(activity):
        rows = await session.execute(
            select(Attendance.status, func.count())
            .where(Attendance.activity_id == activity.id, Attendance.expected)
            .group_by(Attendance.status)
        )
        by_status = {status: n for status, n in rows}
        expected = sum(by_status.values())
    else:
        expected_ids = expected_query(activity).with_only_columns(Member.id).scalar_subquery()
        rows = await session.execute(
            select(Attendance.status, func.count())
            .where(Attendance.activity_id == activity.id, Attendance.member_id.in_(expected_ids))
            .group_by(Attendance.status)
        )
        by_status = {status: n for status, n in rows}
        expected = await session.scalar(select(func.count()).select_from(expected_query(activity).subquery())) or 0
    return Counts(
        expected=expected,
        present=by_status.get(AttendanceStatus.PRESENT, 0),
        on_leave=by_status.get(AttendanceStatus.ON_LEAVE, 0),
    )


@dataclass(frozen=True)
class RecordLine:
    member: Member
    attendance: Attendance | None
    status: PartyStatus  # as on the day check-in opened

    @property
    def leave_pending(self) -> bool:
        return self.attendance is not None and self.attendance.status == AttendanceStatus.LEAVE_REQUESTED

    @property
    def leave_refused(self) -> bool:
        return self.attendance is not None and self.attendance.status == AttendanceStatus.LEAVE_REFUSED


@dataclass(frozen=True)
class Record:
    """What a meeting record (会议记录) needs: who was expected and what became of each."""

    activity: Activity
    present: list[RecordLine]
    on_leave: list[RecordLine]  # approved leave: they owe a catch-up (补课)
    absent: list[RecordLine]  # includes refused leave and leave nobody decided
    guests: list[RecordLine]  # came without being expected (activists, newcomers): not counted

    @property
    def expected(self) -> int:
        return len(self.present) + len(self.on_leave) + len(self.absent)

    def count(self, lines: list[RecordLine], status: PartyStatus) -> int:
        return sum(1 for line in lines if line.status == status)

    @property
    def full_expected(self) -> int:
        return sum(self.count(lines, PartyStatus.FULL) for lines in (self.present, self.on_leave, self.absent))

    @property
    def quorum_met(self) -> bool:
        return attendance_rules.quorum_met(self.count(self.present, PartyStatus.FULL), self.full_expected)


async def record(session: AsyncSession, activity: Activity) -> Record:
    """The record as it stands: the fixed list once check-in opened, today's roster before."""
    if frozen(activity):
        pairs = list(await session.execute(
            select(Attendance, Member).join(Member, Member.id == Attendance.member_id)
            .where(Attendance.activity_id == activity.id).order_by(Member.name)
        ))
        people = [(member, row, row.party_status or member.status, row.expected) for row, member in pairs]
    else:
        rows = {
            a.member_id: a
            for a in await session.scalars(select(Attendance).where(Attendance.activity_id == activity.id))
        }
        people = [(m, rows.get(m.id), m.status, True)
                  for m in await session.scalars(expected_query(activity).order_by(Member.name))]
    present, on_leave, absent, guests = [], [], [], []
    for member, row, status, expected in people:
        line = RecordLine(member, row, status)
        taken = row is not None and row.status == AttendanceStatus.PRESENT
        if not expected:
            if taken:
                guests.append(line)
        elif taken:
            present.append(line)
        elif row is not None and row.status in attendance_rules.EXCUSED:
            on_leave.append(line)
        else:
            absent.append(line)
    return Record(activity, present, on_leave, absent, guests)


async def participation(
    session: AsyncSession, branch_id: int, since: datetime, until: datetime
) -> dict[int, list[tuple[datetime, bool]]]:
    """For each member, the activities ended in [since, until) they were expected at: when, and whether they took part.

    Taking part is being present, or on approved leave (a good reason).
    """
    rows = await session.execute(
        select(Attendance.member_id, Activity.starts_at, Attendance.status)
        .join(Activity, Activity.id == Attendance.activity_id)
        .where(Activity.branch_id == branch_id, ~Activity.cancelled, Attendance.expected,
               Activity.ends_at >= since, Activity.ends_at < until, Activity.roster_frozen_at.is_not(None))
    )
    found: dict[int, list[tuple[datetime, bool]]] = {}
    for member_id, starts_at, status in rows:
        took_part = status in attendance_rules.TOOK_PART or status in attendance_rules.EXCUSED
        found.setdefault(member_id, []).append((starts_at, took_part))
    return found
