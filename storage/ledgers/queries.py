"""The rows of the ledgers, read as they were on the day (membership history, frozen expected lists).

Each function reads one period of one branch in a few queries and returns plain values; the
ledger's layout and language are the caller's (handlers.ledgers). Periods are local dates
[start, end) in the branch's time zone; ``now`` caps what has happened yet.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.activities import activities as activity_store
from storage.models import Activity, Attendance, Branch, Member, MemberRole, MembershipChange
from storage.rules import meetings
from storage.rules.attendance import EXCUSED
from storage.rules.meetings import Requirement
from storage.rules.periods import Period
from storage.rules.vocabulary import (
    PARTY_MEMBERS,
    ActivityKind,
    AttendanceStatus,
    Audience,
    CheckinMethod,
    DuesCategory,
    MembershipEvent,
    PartyStatus,
    Role,
)


def local_bounds(branch: Branch, period: Period) -> tuple[datetime, datetime]:
    """The period's [start, end) as aware moments: local midnights in the branch's time zone."""
    zone = ZoneInfo(branch.timezone)
    return (datetime.combine(period.start, time(), zone), datetime.combine(period.end, time(), zone))


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored UTC moment as the branch's naive wall-clock time (what a ledger shows)."""
    return moment.astimezone(zone).replace(tzinfo=None) if moment is not None else None


# --- 花名册 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One step of a member's history, on the branch's local date."""

    at: datetime  # local wall-clock time
    event: MembershipEvent
    status: PartyStatus
    party_group: str | None
    active: bool


@dataclass(frozen=True)
class RosterEntry:
    member_id: int
    name: str
    status: PartyStatus  # as of the period's end (or now)
    party_group: str | None
    on_roster: bool  # on the roster at the period's end (or now)
    dues_category: DuesCategory | None
    phone: str | None
    joined_on: date | None
    mobile: bool
    roles: frozenset[Role]
    left_on: date | None  # taken off the roster (the last time, up to the period's end)
    history: tuple[Change, ...]  # every step up to the period's end, oldest first


async def roster(session: AsyncSession, branch: Branch, period: Period, now: datetime) -> list[RosterEntry]:
    """Everyone on the branch's roster at some time in the period, with their status as of its end
    (or now, for a period still running) and their history up to then; by party group, then name."""
    zone = ZoneInfo(branch.timezone)
    start, end = local_bounds(branch, period)
    members = {m.id: m for m in await session.scalars(
        select(Member).where(Member.branch_id == branch.id, Member.created_at < end, Member.created_at <= now))}
    changes: dict[int, list[MembershipChange]] = defaultdict(list)
    if members:
        for row in await session.scalars(
            select(MembershipChange).join(Member, Member.id == MembershipChange.member_id)
            .where(Member.branch_id == branch.id, MembershipChange.at < end, MembershipChange.at <= now)
            .order_by(MembershipChange.at, MembershipChange.id)
        ):
            changes[row.member_id].append(row)
    roles: dict[int, set[Role]] = defaultdict(set)
    for member_id, role in await session.execute(
        select(MemberRole.member_id, MemberRole.role).join(Member, Member.id == MemberRole.member_id)
        .where(Member.branch_id == branch.id)
    ):
        roles[member_id].add(role)
    entries = []
    for member in members.values():
        steps = changes.get(member.id, [])
        if steps:
            before = [s for s in steps if s.at < start]
            during = [s for s in steps if s.at >= start]
            if not (before and before[-1].active) and not any(s.active for s in during):
                continue  # off the roster all through the period
            last = steps[-1]
            status, group, active = last.status, last.party_group, last.active
        else:  # no history kept (should not happen since 0002): today's entry
            status, group, active = member.status, member.party_group, member.active
        left = [s for s in steps if not s.active]
        entries.append(RosterEntry(
            member_id=member.id, name=member.name, status=status, party_group=group, on_roster=active,
            dues_category=member.dues_category, phone=member.phone, joined_on=member.joined_on,
            mobile=member.mobile, roles=frozenset(roles.get(member.id, ())),
            left_on=left[-1].at.astimezone(zone).date() if left and not active else None,
            history=tuple(Change(_local(s.at, zone), s.event, s.status, s.party_group, s.active) for s in steps),
        ))
    entries.sort(key=lambda e: (not e.on_roster, e.party_group or "\uffff", e.name))
    return entries


# --- 会议签到台账 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceLine:
    member_id: int
    name: str
    expected: bool  # False: came without being expected (an activist at a 党课)
    party_status: PartyStatus | None  # fixed on the day
    party_group: str | None
    status: AttendanceStatus
    method: CheckinMethod | None
    checked_in_at: datetime | None  # local
    leave_reason: str | None
    made_up_at: datetime | None  # 补课 done (local)

    @property
    def owes_makeup(self) -> bool:
        return self.expected and self.status in EXCUSED and self.made_up_at is None


@dataclass(frozen=True)
class ActivityEntry:
    activity_id: int
    kind: ActivityKind
    title: str
    starts_at: datetime  # local
    ends_at: datetime  # local
    place: str | None
    audience: Audience
    audience_group: str | None
    cancelled: bool
    frozen: bool  # check-in opened: the expected list is fixed
    lines: tuple[AttendanceLine, ...]  # by name; empty until check-in opened

    def count(self, *statuses: AttendanceStatus) -> int:
        return sum(1 for line in self.lines if line.expected and line.status in statuses)

    @property
    def expected(self) -> int:
        return sum(1 for line in self.lines if line.expected)


async def attendance(session: AsyncSession, branch: Branch, period: Period) -> list[ActivityEntry]:
    """Every activity starting in the period, in order, with each person on its fixed list."""
    zone = ZoneInfo(branch.timezone)
    start, end = local_bounds(branch, period)
    activities = list(await session.scalars(
        select(Activity).where(Activity.branch_id == branch.id, Activity.starts_at >= start, Activity.starts_at < end)
        .order_by(Activity.starts_at, Activity.id)
    ))
    lines: dict[int, list[AttendanceLine]] = defaultdict(list)
    if activities:
        rows = await session.execute(  # columns, not entities: a year of a large branch is many rows
            select(Attendance.activity_id, Attendance.member_id, Member.name, Attendance.expected,
                   Attendance.party_status, Attendance.party_group, Attendance.status, Attendance.method,
                   Attendance.checked_in_at, Attendance.leave_reason, Attendance.makeup_done_at)
            .join(Member, Member.id == Attendance.member_id)
            .join(Activity, Activity.id == Attendance.activity_id)
            .where(Activity.branch_id == branch.id, Activity.starts_at >= start, Activity.starts_at < end)
        )
        for (activity_id, member_id, name, expected, party_status, party_group, status, method, checked_in_at,
             leave_reason, made_up_at) in rows:
            lines[activity_id].append(AttendanceLine(
                member_id=member_id, name=name, expected=expected, party_status=party_status,
                party_group=party_group, status=status, method=method,
                checked_in_at=_local(checked_in_at, zone), leave_reason=leave_reason,
                made_up_at=_local(made_up_at, zone),
            ))
        for found in lines.values():  # by name, the same on every database (collations differ)
            found.sort(key=lambda line: (line.name, line.member_id))
    return [
        ActivityEntry(
            activity_id=a.id, kind=a.kind, title=a.title, starts_at=_local(a.starts_at, zone),
            ends_at=_local(a.ends_at, zone), place=a.place, audience=a.audience, audience_group=a.audience_group,
            cancelled=a.cancelled, frozen=a.roster_frozen_at is not None,
            # Before check-in opened a row may exist (early leave): it is no record yet.
            lines=tuple(lines.get(a.id, ())) if a.roster_frozen_at is not None else (),
        )
        for a in activities
    ]


# --- 三会一课 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """A meeting that counts: ended, not cancelled, someone present."""

    activity_id: int
    kind: ActivityKind
    title: str
    starts_at: datetime  # local
    audience: Audience
    audience_group: str | None
    present: int


@dataclass(frozen=True)
class Unit:
    """One requirement in one of its periods (a month, quarter or year inside the ledger's period)."""

    requirement: Requirement
    start: date
    end: date  # first day after
    group: str | None  # the party group, for a requirement per group
    meetings: tuple[Held, ...]
    over: bool  # the unit has ended: a missing meeting is missing for good
    recorded: bool = True  # False: it ended before the branch was set up in the bot (no records then)

    @property
    def held(self) -> bool:
        return bool(self.meetings)


def branch_requirements(branch: Branch) -> list[Requirement]:
    """The branch's 三会一课 requirements; a hand-edited setting that does not read gives the defaults
    (as the calendar does)."""
    try:
        return meetings.requirements((branch.settings or {}).get(meetings.SETTINGS_KEY))
    except ValueError:
        return meetings.requirements()


async def meetings_record(session: AsyncSession, branch: Branch, period: Period, now: datetime) -> list[Unit]:
    """For each requirement and each of its periods overlapping ``period`` (and each party group, for
    per-group ones): the meetings that count, as the calendar's compliance check counts them. A group
    that held one is listed for that period even with no Party member on the roster then."""
    zone = ZoneInfo(branch.timezone)
    required = branch_requirements(branch)
    spans = [u for r in required for u in meetings.windows(period.start, period.end, r.period)]
    first = min((u[0] for u in spans), default=period.start)
    last = max((u[1] for u in spans), default=period.end)
    start_at = datetime.combine(first, time(), zone)
    end_at = datetime.combine(last, time(), zone)
    present = defaultdict(int)
    for activity_id, in await session.execute(
        select(Attendance.activity_id).join(Activity, Activity.id == Attendance.activity_id)
        .where(Activity.branch_id == branch.id, Activity.starts_at >= start_at, Activity.starts_at < end_at,
               Attendance.status == AttendanceStatus.PRESENT)
    ):
        present[activity_id] += 1
    held = [
        Held(a.id, a.kind, a.title, _local(a.starts_at, zone), a.audience, a.audience_group, present[a.id])
        for a in await session.scalars(
            select(Activity).where(Activity.branch_id == branch.id, Activity.starts_at >= start_at,
                                   Activity.starts_at < end_at, *activity_store.held(now))
            .order_by(Activity.starts_at, Activity.id))
    ]
    groups_at = await _party_groups(session, branch, now)

    def groups(start: date, end: date) -> set[str]:
        return groups_at(min(datetime.combine(end, time(), zone), now))

    counted = [meetings.Held(h.kind, h.audience, h.audience_group, h.starts_at.date(), ref=h) for h in held]
    result = []
    for found in meetings.standing(required, (period.start, period.end), groups, counted, groups_that_held=True):
        ends = datetime.combine(found.end, time(), zone)
        result.append(Unit(found.requirement, found.start, found.end, found.group,
                           tuple(h.ref for h in found.meetings), ends <= now, ends > branch.created_at))
    return result


async def _party_groups(session: AsyncSession, branch: Branch, now: datetime):
    """A function of a moment: the party groups with Party members on the roster then (from history)."""
    rows = list(await session.execute(
        select(MembershipChange.member_id, MembershipChange.at, MembershipChange.party_group,
               MembershipChange.status, MembershipChange.active)
        .join(Member, Member.id == MembershipChange.member_id)
        .where(Member.branch_id == branch.id, MembershipChange.at <= now)
        .order_by(MembershipChange.at, MembershipChange.id)
    ))

    def groups(moment: datetime) -> set[str]:
        state: dict[int, tuple[str | None, PartyStatus, bool]] = {}
        for member_id, at, group, status, active in rows:
            if at > moment:
                break
            state[member_id] = (group, status, active)
        return {g for g, status, active in state.values() if g and active and status in PARTY_MEMBERS}

    return groups
