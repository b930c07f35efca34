"""A branch's summary of a month, quarter or year: figures computed from the records as they were.

Read from the expected lists fixed when each check-in opened (one attendance row per person
expected, with their status on that day) and from the membership history, never from today's
roster: a member who left since still counts where they were expected, one who came since does not.

The summary is a value in sections, each computed by one function from the same span:

- ``membership``: Party members and activists on the roster at the period's end, by status;
- ``meetings``: activities held by kind, and each 三会一课 requirement met or missing;
- ``attendance``: per activity, in total, per member; absentees with reasons, 补课 owed;
- ``lapses``: members near the 2/4/6-month line (storage.rules.lapse) at the period's end, by attendance;
- ``dues``: the collection rate, who owes what, self-reports awaiting confirmation and dues arrears
  at the 2/4/6-month line, from ``storage.dues.ledger.ledger`` (None: the branch keeps no dues here;
  the year before is read only for those who have not settled the last month due);
- ``service``: approved volunteer hours and people served, by member and category, and the reports
  still waiting for review, from ``storage.service.totals.branch_totals`` (None: no service recorded).

A feature with figures of its own (dues, volunteer service) adds one field holding its section,
computed in ``compute`` by one call of its own storage function; texts show a section only when
it is there. An activity counts as held as the calendar counts it: it has ended, was not cancelled,
and someone was checked in; which requirement it meets is storage.rules.meetings.standing's to say.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dues import ledger as dues_ledger
from storage.models import Activity, Attendance, Branch, Member, MembershipChange
from storage.rules import attendance as attendance_rules
from storage.rules import dues as dues_rules
from storage.rules import lapse as lapse_rules
from storage.rules import meetings
from storage.rules.meetings import Period, Requirement
from storage.rules.periods import Period as Span
from storage.rules.vocabulary import PARTY_MEMBERS, ActivityKind, AttendanceStatus, Audience, PartyStatus
from storage.service import reviews as service_reviews
from storage.service import totals as service_totals

TOOK_PART = tuple(s.value for s in attendance_rules.TOOK_PART | attendance_rules.EXCUSED)
LAPSE_LOOKBACK = timedelta(days=31 * (lapse_rules.LINE_MONTHS + 6))  # as the calendar's daily check
# Two calendar months are at least 59 days: whoever took part in the last 58 is not two months into a lapse.
RECENT = timedelta(days=58)


def rate(part: int, whole: int) -> Fraction | None:
    return Fraction(part, whole) if whole else None


# --- sections -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class MembershipSection:
    """Who was on the roster at the period's end (the membership history), by status."""

    by_status: dict[PartyStatus, int]

    @property
    def party_members(self) -> int:
        return sum(n for status, n in self.by_status.items() if status in PARTY_MEMBERS)


@dataclass(frozen=True)
class ActivityFigures:
    """One activity held in the period: its fixed expected list and what became of it."""

    id: int
    kind: ActivityKind
    title: str
    starts_at: datetime
    audience: Audience
    audience_group: str | None
    expected: int
    present: int  # of those expected
    on_leave: int  # approved leave
    guests: int  # present without being expected: not counted

    @property
    def absent(self) -> int:
        return self.expected - self.present - self.on_leave

    @property
    def rate(self) -> Fraction | None:
        return rate(self.present, self.expected)


@dataclass(frozen=True)
class Compliance:
    """One requirement over one of its periods: [start, end) as far as the summary reaches."""

    kind: ActivityKind
    period: Period
    start: date
    end: date  # exclusive; before the requirement's period ends when the summary stops earlier
    complete: bool  # the requirement's whole period lies within the summary and is over
    held: int
    group: str | None = None  # a per-group requirement: the party group

    @property
    def met(self) -> bool:
        return self.held > 0


@dataclass(frozen=True)
class MeetingsSection:
    held_by_kind: dict[ActivityKind, int]  # every kind, in vocabulary order
    compliance: tuple[Compliance, ...]
    unrecorded: tuple[ActivityFigures, ...]  # ended with nobody checked in: not counted as held

    @property
    def missing(self) -> list[Compliance]:
        return [c for c in self.compliance if not c.met]

    @property
    def held(self) -> int:
        return sum(self.held_by_kind.values())


@dataclass(frozen=True)
class MemberFigures:
    member_id: int
    name: str
    expected: int
    present: int
    on_leave: int
    makeups_owed: int  # 补课 still owed for leave in this period

    @property
    def absent(self) -> int:
        return self.expected - self.present - self.on_leave

    @property
    def rate(self) -> Fraction | None:
        return rate(self.present, self.expected)


@dataclass(frozen=True)
class Absence:
    """Someone expected who was not there: on leave (with its reason), or absent (a refused or
    undecided request keeps its reason)."""

    activity_id: int
    member_id: int
    name: str
    status: AttendanceStatus
    reason: str | None
    makeup_done: bool

    @property
    def owes_makeup(self) -> bool:
        return attendance_rules.owes_makeup(self.status) and not self.makeup_done


@dataclass(frozen=True)
class AttendanceSection:
    activities: tuple[ActivityFigures, ...]  # held in the period, in time order
    members: tuple[MemberFigures, ...]  # everyone expected at least once, by name
    absences: tuple[Absence, ...]  # by activity, then name

    @property
    def expected(self) -> int:
        return sum(a.expected for a in self.activities)

    @property
    def present(self) -> int:
        return sum(a.present for a in self.activities)

    @property
    def on_leave(self) -> int:
        return sum(a.on_leave for a in self.activities)

    @property
    def rate(self) -> Fraction | None:
        return rate(self.present, self.expected)

    @property
    def makeups_owed(self) -> list[Absence]:
        return [a for a in self.absences if a.owes_makeup]


@dataclass(frozen=True)
class LapseLine:
    member_id: int
    name: str
    since: date
    months: int
    stage: int  # 2, 4 or 6


@dataclass(frozen=True)
class MemberDues:
    """One member's dues over the period's months (known amounts; ``unknown``: months owed with no amount)."""

    member_id: int
    name: str
    owed: Decimal
    paid: Decimal
    waived: Decimal
    outstanding: Decimal
    pending: Decimal  # in self-reports awaiting confirmation
    pending_unknown: bool  # a self-report of "what I owe" whose amount is not known yet
    unknown: int
    unpaid: tuple[str, ...]  # months not settled


@dataclass(frozen=True)
class DuesArrearsLine:
    """A Party member at the 2/4/6-month line of unpaid dues, counted to the last month already due."""

    member_id: int
    name: str
    since: str  # the first unpaid month of the run, "YYYY-MM"
    months: int
    stage: int  # 2, 4 or 6
    outstanding: Decimal


@dataclass(frozen=True)
class DuesSection:
    """The dues ledger over the period's months: owed against paid or waived (减免)."""

    first: str
    last: str
    owed: Decimal  # known amounts only
    paid: Decimal
    waived: Decimal
    outstanding: Decimal
    pending: Decimal
    unknown: int  # member-months owed with no amount known (no basis declared)
    owing: int  # member-months owed
    settled: int
    members: tuple[MemberDues, ...]  # everyone who owed or paid in the period, by name
    arrears: tuple[DuesArrearsLine, ...]  # longest first
    collected: Decimal  # paid or waived in the months whose amount is known (storage.dues.ledger.Totals)

    @property
    def rate(self) -> Fraction | None:
        """Collected of what was owed, known amounts only: the roll-up's collection rate too."""
        return Fraction(self.collected) / Fraction(self.owed) if self.owed else None

    @property
    def owing_members(self) -> list[MemberDues]:
        return [m for m in self.members if m.outstanding > 0 or m.unpaid]

    @property
    def pending_members(self) -> list[MemberDues]:
        return [m for m in self.members if m.pending > 0 or m.pending_unknown]

    def of(self, member_id: int) -> MemberDues | None:
        return next((m for m in self.members if m.member_id == member_id), None)


@dataclass(frozen=True)
class PendingReport:
    report_id: int
    member_id: int
    name: str
    served_on: date
    minutes: int


@dataclass(frozen=True)
class ServiceSection:
    """Approved volunteer service in the period (only approved hours count), and what waits for review."""

    minutes: int  # person-minutes: a team report counts for the reporter and each confirmed teammate
    people_served: int
    reports: int
    by_member: tuple[tuple[int, str, int], ...]  # (member id, name, minutes), most first
    by_category: tuple[tuple[str, int], ...]  # most first
    by_group: tuple[tuple[str, int], ...]  # party group ("" none) as on the day of the service
    pending: tuple[PendingReport, ...]  # reports of the period or before still waiting for review

    def minutes_of(self, member_id: int) -> int:
        return next((m for mid, _name, m in self.by_member if mid == member_id), 0)


@dataclass(frozen=True)
class Summary:
    branch_id: int
    branch_name: str
    timezone: str
    span: Span
    as_of: datetime  # the records are read as they stood then: the period's end, or now if sooner
    membership: MembershipSection
    meetings: MeetingsSection
    attendance: AttendanceSection
    lapses: tuple[LapseLine, ...]
    dues: DuesSection | None = None
    service: ServiceSection | None = None

    def member(self, member_id: int) -> MemberFigures | None:
        return next((m for m in self.attendance.members if m.member_id == member_id), None)

    def absences_of(self, member_id: int) -> list[Absence]:
        return [a for a in self.attendance.absences if a.member_id == member_id]

    def lapse_of(self, member_id: int) -> LapseLine | None:
        return next((line for line in self.lapses if line.member_id == member_id), None)

    def activity(self, activity_id: int) -> ActivityFigures | None:
        return next((a for a in self.attendance.activities if a.id == activity_id), None)


# --- computing ------------------------------------------------------------------------------------

def local_start(day: date, zone: ZoneInfo) -> datetime:
    """The branch-local midnight starting ``day``, as aware UTC."""
    return datetime.combine(day, time.min, zone).astimezone(ZoneInfo("UTC"))


def requirements_of(branch: Branch) -> list[Requirement]:
    try:
        return meetings.requirements((branch.settings or {}).get(meetings.SETTINGS_KEY))
    except ValueError:  # a hand-edited setting: the Party's defaults, as the calendar does
        return meetings.requirements()


async def compute(session: AsyncSession, branch: Branch, span: Span, now: datetime) -> Summary:
    zone = ZoneInfo(branch.timezone)
    start_at, end_at = local_start(span.start, zone), local_start(span.end, zone)
    as_of = min(end_at, now)
    required = requirements_of(branch)
    # Requirements of a longer period than the summary's are read from that period's start.
    window = min([span.start, *(meetings.period_containing(span.start, r.period)[0] for r in required)])
    activities = await _activities(session, branch.id, local_start(window, zone), start_at, end_at, as_of)
    history = await _history(session, branch.id, end_at)
    in_span = [a for a in activities if a.present_any and start_at <= a.figures.starts_at < end_at]
    return Summary(
        branch_id=branch.id, branch_name=branch.name, timezone=branch.timezone, span=span, as_of=as_of,
        membership=_membership(history, as_of),
        meetings=_meetings(activities, required, history, span, zone, start_at, end_at, as_of,
                           branch.created_at.astimezone(zone).date()),
        attendance=await _attendance(session, [a.figures for a in in_span], history.names),
        lapses=await _lapses(session, branch.id, history, as_of, zone),
        dues=await _dues(session, branch.id, span, history, as_of, zone),
        service=await _service(session, branch.id, span, history.names),
    )


@dataclass(frozen=True)
class _Row:
    figures: ActivityFigures
    present_any: int  # guests included: someone was there (for those before the span: 1)


async def _activities(session: AsyncSession, branch_id: int, since: datetime, start: datetime, until: datetime,
                      as_of: datetime) -> list[_Row]:
    """Every activity starting in [since, until) that had ended by ``as_of``: those before ``start``
    (read only for the requirements) with whether anyone was there, those from ``start`` with their counts."""
    expected = Attendance.expected.is_(True)
    present = Attendance.status == AttendanceStatus.PRESENT.value
    scope = (Activity.branch_id == branch_id, ~Activity.cancelled, Activity.ends_at <= as_of)
    columns = (Activity.id, Activity.kind, Activity.title, Activity.starts_at, Activity.audience, Activity.audience_group)
    found = []
    if since < start:
        someone = select(Attendance.id).where(Attendance.activity_id == Activity.id, present).exists()
        earlier = await session.execute(
            select(*columns).where(*scope, Activity.starts_at >= since, Activity.starts_at < start, someone))
        found += [_Row(ActivityFigures(*row, 0, 0, 0, 0), 1) for row in earlier]

    def count(condition) -> object:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    rows = await session.execute(
        select(*columns, count(expected), count(and_(expected, present)),
               count(and_(expected, Attendance.status == AttendanceStatus.ON_LEAVE.value)),
               count(and_(~expected, present)))
        .outerjoin(Attendance, Attendance.activity_id == Activity.id)
        .where(*scope, Activity.starts_at >= start, Activity.starts_at < until)
        .group_by(Activity.id)
    )
    found += [_Row(ActivityFigures(id_, kind, title, starts, audience, group, int(exp), int(pres), int(leave),
                                   int(guests)), int(pres) + int(guests))
              for id_, kind, title, starts, audience, group, exp, pres, leave, guests in rows]
    return sorted(found, key=lambda row: (row.figures.starts_at, row.figures.id))


class _History:
    """Every member's history up to the period's end, to ask what the roster was at any moment."""

    def __init__(self, rows: Iterable[tuple[int, str, datetime, PartyStatus, str | None, bool]]) -> None:
        self.rows = list(rows)  # (member_id, name, at, status, group, active), oldest first
        self.names = {row[0]: row[1] for row in self.rows}

    def at(self, moment: datetime) -> dict[int, tuple[PartyStatus, str | None, bool]]:
        states = {}
        for member_id, _name, at, status, group, active in self.rows:
            if at <= moment:  # rows are in order: later ones overwrite earlier ones
                states[member_id] = (status, group, active)
        return states

    def party_members(self, moment: datetime) -> dict[int, str | None]:
        """The active Party members at ``moment``, with their party group."""
        return {mid: group for mid, (status, group, active) in self.at(moment).items()
                if active and status in PARTY_MEMBERS}


async def _history(session: AsyncSession, branch_id: int, until: datetime) -> _History:
    rows = await session.execute(
        select(MembershipChange.member_id, Member.name, MembershipChange.at, MembershipChange.status,
               MembershipChange.party_group, MembershipChange.active)
        .join(Member, Member.id == MembershipChange.member_id)
        .where(Member.branch_id == branch_id, MembershipChange.at < until)
        .order_by(MembershipChange.at, MembershipChange.id)
    )
    return _History(tuple(row) for row in rows)


def _membership(history: _History, as_of: datetime) -> MembershipSection:
    counts = {status: 0 for status in PartyStatus}
    for status, _group, active in history.at(as_of).values():
        if active:
            counts[status] += 1
    return MembershipSection(counts)


def _meetings(rows: list[_Row], required: list[Requirement], history: _History, span: Span, zone: ZoneInfo,
              start_at: datetime, end_at: datetime, as_of: datetime, founded: date) -> MeetingsSection:
    held = [row.figures for row in rows if row.present_any]
    by_kind = {kind: 0 for kind in ActivityKind}
    for activity in held:
        if start_at <= activity.starts_at < end_at:
            by_kind[activity.kind] += 1

    def periods(requirement: Requirement) -> list[tuple[date, date]]:
        """The requirement's periods overlapping the span, as far as the summary reaches, but those over
        before the branch was set up here (the bot has no record of them)."""
        return [(start, min(end, span.end)) for start, end in meetings.windows(span.start, span.end, requirement.period)
                if end > founded]

    def groups(start: date, stop: date) -> set[str]:
        """Party groups with active Party members when the period (or the summary) ended."""
        return {g for g in history.party_members(local_start(stop, zone) - timedelta(microseconds=1)).values() if g}

    counted = [meetings.Held(a.kind, a.audience, a.audience_group, a.starts_at.astimezone(zone).date()) for a in held]
    compliance = []
    for found in meetings.standing(required, periods, groups, counted):
        end = meetings.period_containing(found.start, found.requirement.period)[1]
        over = end <= span.end and local_start(end, zone) <= as_of
        compliance.append(Compliance(found.requirement.kind, found.requirement.period, found.start, found.end, over,
                                     found.held, found.group))
    unrecorded = tuple(row.figures for row in rows if not row.present_any and start_at <= row.figures.starts_at < end_at)
    return MeetingsSection(by_kind, tuple(compliance), unrecorded)


async def _attendance(session: AsyncSession, activities: list[ActivityFigures], names: dict[int, str]) -> AttendanceSection:
    ids = [a.id for a in activities]
    if not ids:
        return AttendanceSection((), (), ())
    rows = list(await session.execute(
        select(Attendance.activity_id, Attendance.member_id, Attendance.status, Attendance.leave_reason,
               Attendance.makeup_done_at.is_not(None))
        .where(Attendance.activity_id.in_(ids), Attendance.expected.is_(True))
    ))
    unnamed = {mid for _aid, mid, *_rest in rows if mid not in names}
    if unnamed:  # on no history (an entry older than the history): today's name
        names = {**names, **dict((await session.execute(select(Member.id, Member.name).where(Member.id.in_(unnamed)))).all())}
    counts: dict[int, list[int]] = {}  # expected, present, on leave, 补课 owed
    absences = []
    order = {activity_id: index for index, activity_id in enumerate(ids)}
    for activity_id, member_id, status, reason, done in rows:
        tally = counts.setdefault(member_id, [0, 0, 0, 0])
        tally[0] += 1
        if status == AttendanceStatus.PRESENT:
            tally[1] += 1
            continue
        if status == AttendanceStatus.ON_LEAVE:
            tally[2] += 1
            tally[3] += not done
        absences.append(Absence(activity_id, member_id, names[member_id], AttendanceStatus(status), reason, bool(done)))
    members = sorted((MemberFigures(mid, names[mid], *tally) for mid, tally in counts.items()),
                     key=lambda m: (m.name, m.member_id))
    absences.sort(key=lambda a: (order[a.activity_id], a.name, a.member_id))
    return AttendanceSection(tuple(activities), tuple(members), tuple(absences))


async def _lapses(session: AsyncSession, branch_id: int, history: _History, as_of: datetime,
                  zone: ZoneInfo) -> tuple[LapseLine, ...]:
    """Party members on the roster at ``as_of`` who have taken part in nothing for two months or more.

    As the calendar's daily check counts it: from the first activity missed without leave after
    they last took part, over the activities that had ended in the year before. Whoever took part
    in the last RECENT days is not two months into a lapse, so only the others are looked up.
    """
    members = history.party_members(as_of)
    if not members:
        return ()
    scope = (Activity.branch_id == branch_id, ~Activity.cancelled, Attendance.expected.is_(True),
             Activity.roster_frozen_at.is_not(None), Activity.ends_at < as_of)
    recent = set(await session.scalars(
        select(Attendance.member_id).distinct().join(Activity, Activity.id == Attendance.activity_id)
        .where(*scope, Activity.ends_at >= as_of - RECENT, Attendance.status.in_(TOOK_PART))))
    candidates = [mid for mid in members if mid not in recent]
    if not candidates:
        return ()
    scope += (Activity.ends_at >= as_of - LAPSE_LOOKBACK, Attendance.member_id.in_(candidates))
    took = (select(Attendance.member_id.label("member_id"), func.max(Activity.starts_at).label("last"))
            .join(Activity, Activity.id == Attendance.activity_id)
            .where(*scope, Attendance.status.in_(TOOK_PART))
            .group_by(Attendance.member_id).subquery())
    rows = await session.execute(
        select(Attendance.member_id, func.min(Activity.starts_at))
        .join(Activity, Activity.id == Attendance.activity_id)
        .outerjoin(took, took.c.member_id == Attendance.member_id)
        .where(*scope, Attendance.status.not_in(TOOK_PART), (took.c.last.is_(None)) | (Activity.starts_at > took.c.last))
        .group_by(Attendance.member_id)
    )
    today = (as_of - timedelta(microseconds=1)).astimezone(zone).date()
    lines = []
    for member_id, first_missed in rows:
        found = lapse_rules.lapse([(first_missed.astimezone(zone).date(), False)], today)
        if found is not None and found.stage:
            lines.append(LapseLine(member_id, history.names[member_id], found.since, found.months, found.stage))
    return tuple(sorted(lines, key=lambda line: (-line.months, line.name)))


async def _names(session: AsyncSession, ids: Iterable[int], names: dict[int, str]) -> dict[int, str]:
    unnamed = {mid for mid in ids if mid not in names}
    if unnamed:  # on no history (an entry older than the history): today's name
        names = {**names, **dict((await session.execute(select(Member.id, Member.name).where(Member.id.in_(unnamed)))).all())}
    return names


# Arrears are counted over the year before the last month already due, as the daily dues check does.
ARREARS_LOOKBACK = 12


async def _dues(session: AsyncSession, branch_id: int, span: Span, history: _History, as_of: datetime,
                zone: ZoneInfo) -> DuesSection | None:
    """The ledger over the period's months, and the arrears as the daily check counts them at ``as_of``:
    the run of unsettled months up to the last month already due (the one before ``as_of``'s).

    A run of arrears ends with that month, so only the members who have not settled it can be in
    arrears: their year is read in a second call of the ledger, for them alone (the whole branch's
    year would cost ten times the month's)."""
    if not await dues_ledger.keeps_dues(session, branch_id):
        return None
    first = dues_rules.month_of(span.start)
    last = dues_rules.month_of(span.end - timedelta(days=1))
    due = dues_rules.add_months(dues_rules.month_of(as_of.astimezone(zone).date()), -1)
    book = await dues_ledger.ledger(session, branch_id, min(first, due), max(last, due))
    in_span = [line for line in book.lines.values() if first <= line.month <= last]
    party = history.party_members(as_of)
    candidates = [mid for mid in party if (line := book.line(mid, due)) is None or not line.settled]
    year = (await dues_ledger.ledger(session, branch_id, dues_rules.add_months(due, -ARREARS_LOOKBACK + 1), due,
                                     member_ids=candidates) if candidates else None)
    names = await _names(session, [*book.members, *(year.members if year else ())], history.names)
    totals = book.totals(in_span)
    per_member: dict[int, list] = {}
    for line in in_span:
        per_member.setdefault(line.member_id, []).append(line)
    members = []
    for member_id, lines in per_member.items():
        own = book.totals(lines)
        members.append(MemberDues(member_id, names[member_id], own.owed, own.paid, own.waived, own.outstanding,
                                  own.pending, any(line.pending_unknown for line in lines), own.unknown,
                                  tuple(sorted(line.month for line in lines if line.owing and not line.settled))))
    members.sort(key=lambda m: (m.name, m.member_id))
    arrears = []
    for member_id in candidates:
        # A month whose amount is not known and nothing paid is not counted, as the daily check does.
        lines = [line for line in year.of_member(member_id) if line.owing and (line.owed is not None or line.settled)]
        found = lapse_rules.dues_arrears([(dues_rules.first_day(line.month), line.settled) for line in lines],
                                         dues_rules.first_day(due))
        if found is None or found.stage == 0:
            continue
        start = dues_rules.month_of(found.since)
        owed = sum((line.outstanding or Decimal(0) for line in lines if line.month >= start and not line.settled),
                   Decimal(0))
        arrears.append(DuesArrearsLine(member_id, names[member_id], start, found.months, found.stage, owed))
    arrears.sort(key=lambda line: (-line.months, line.name))
    return DuesSection(first, last, totals.owed, totals.paid, totals.waived, totals.outstanding, totals.pending,
                       totals.unknown, totals.owing, totals.settled, tuple(members), tuple(arrears), totals.collected)


def _most(amounts: dict) -> list:
    return sorted(amounts.items(), key=lambda kv: (-kv[1], kv[0]))


async def _service(session: AsyncSession, branch_id: int, span: Span, names: dict[int, str]) -> ServiceSection | None:
    """Approved service in the period; the reports served by its end still waiting for review.
    None when there is neither: the branch recorded no service for the period."""
    totals = await service_totals.branch_totals(session, branch_id, span.start, span.end)
    waiting = [r for r in await service_reviews.pending(session, branch_id) if r.served_on < span.end]
    if not totals.reports and not waiting:
        return None
    names = await _names(session, [*totals.by_member, *(r.member_id for r in waiting)], names)
    by_member = sorted(((mid, names[mid], m) for mid, m in totals.by_member.items()),
                       key=lambda row: (-row[2], row[1], row[0]))
    pending = tuple(PendingReport(r.id, r.member_id, names[r.member_id], r.served_on, r.minutes)
                    for r in sorted(waiting, key=lambda r: (r.served_on, r.id)))
    return ServiceSection(totals.minutes, totals.people_served, totals.reports, tuple(by_member),
                          tuple(_most(totals.by_category)), tuple(_most(totals.by_group)), pending)
