"""The committee roll-up: every indicator for every linked branch, in a few aggregate queries.

One query per figure over all the branches at once (never one per branch), so a committee of a
thousand branches costs about what one of ten does, per row read. Records are read as they
were: statuses from the membership history as of the period's end, attendance from the lists
of who was expected that were fixed when check-in opened. The dues collection rate is read from
the monthly totals kept of each branch's dues ledger (storage.dues.totals), one row per branch and month.

The indicators are storage.rules.rollup's; ``SOURCES`` says how each is computed. To add one
(as the dues collection rate and volunteer hours were): an ``Indicator`` in storage.rules.rollup, and here
an async function ``(session, scope) -> {branch_id: Cell}`` in ``SOURCES`` under its key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, and_, case, func, literal, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.activities import activities as activity_store
from storage.committee import committees as committee_store
from storage.dues import ledger as dues_ledger
from storage.dues import totals as dues_totals
from storage.models import (
    Activity,
    Attendance,
    Branch,
    Committee,
    Member,
    MembershipChange,
    ServiceReport,
    ServiceTeammate,
)
from storage.rules import dues as dues_rules
from storage.rules import meetings
from storage.rules import rollup as rules
from storage.rules.periods import Period, months_after
from storage.rules.meetings import Held
from storage.rules.rollup import Cell, Indicator
from storage.rules.vocabulary import (
    PARTY_MEMBERS,
    ActivityKind,
    AttendanceStatus,
    Audience,
    PartyStatus,
    ServiceStatus,
    TeammateStatus,
)


@dataclass
class Scope:
    """What every indicator is computed for: the committee's linked branches over one period."""

    committee: Committee
    branches: list[Branch]
    period: Period
    start: datetime  # the period in UTC: [start, end)
    end: datetime
    as_of: datetime  # the period's end, or now while it runs
    today: date  # in the committee's time zone
    now: datetime
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> Mapping[str, object]:
        return self.committee.settings or {}

    @property
    def linked(self):
        return committee_store.linked_ids(self.committee.id)


@dataclass(frozen=True)
class Row:
    branch_id: int
    branch_name: str
    cells: Mapping[str, Cell]

    @property
    def short(self) -> bool:
        return any(c.short for c in self.cells.values())


@dataclass(frozen=True)
class Heading:
    """The committee a roll-up is of, as plain values: a roll-up may outlive the session it was read in."""

    id: int
    name: str
    timezone: str


@dataclass(frozen=True)
class Rollup:
    committee: Heading
    period: Period
    as_of: datetime
    indicators: tuple[Indicator, ...]
    rows: list[Row]

    def sheet(self, key: str) -> tuple[Indicator, list[tuple[str, list[rules.Value]]]]:
        """One indicator as a table, one row per branch: what an .xlsx sheet or a chart takes."""
        indicator = next(i for i in self.indicators if i.key == key)
        return indicator, [(row.branch_name, [row.cells[key].values.get(c.key) for c in indicator.columns])
                           for row in self.rows]


Compute = Callable[[AsyncSession, Scope], Awaitable[dict[int, Cell]]]


def bounds(period: Period, zone: str) -> tuple[datetime, datetime]:
    tz = ZoneInfo(zone)
    return datetime.combine(period.start, time(), tz), datetime.combine(period.end, time(), tz)


# --- what the indicators read -------------------------------------------------------------------------


async def _states(session: AsyncSession, scope: Scope) -> dict[int, list[tuple[PartyStatus, str | None, int]]]:
    """Per branch: (status, party group, how many) of those on the roster at ``as_of``, from the history."""
    if "states" in scope.cache:
        return scope.cache["states"]
    later = aliased(MembershipChange)
    newer = select(later.id).where(
        later.member_id == MembershipChange.member_id, later.at <= scope.as_of,
        or_(later.at > MembershipChange.at, and_(later.at == MembershipChange.at, later.id > MembershipChange.id)),
    ).exists()
    rows = await session.execute(
        select(Member.branch_id, MembershipChange.status, MembershipChange.party_group, func.count())
        .join(Member, Member.id == MembershipChange.member_id)
        .where(Member.branch_id.in_(scope.linked), MembershipChange.at <= scope.as_of, MembershipChange.active, ~newer)
        .group_by(Member.branch_id, MembershipChange.status, MembershipChange.party_group)
    )
    found: dict[int, list[tuple[PartyStatus, str | None, int]]] = {}
    for branch_id, status, group, count in rows:
        found.setdefault(branch_id, []).append((PartyStatus(status), group, count))
    scope.cache["states"] = found
    return found


async def _held(session: AsyncSession, scope: Scope) -> dict[int, list[Held]]:
    """Per branch: the activities held in the period (ended, not called off, someone present), counted
    by kind, audience, party group and month of the period (each ``Held`` on its month's first day).

    The month is found in SQL against the months' first instants in the committee's time zone, and
    the rows are read without the ORM: a year of a thousand branches is some 70,000 activities.
    """
    if "held" in scope.cache:
        return scope.cache["held"]
    zone = ZoneInfo(scope.committee.timezone)
    span = len(scope.period.months())
    firsts = [datetime.combine(months_after(scope.period.start, i), time(), zone) for i in range(1, span)]
    month = case(*[(Activity.starts_at < first, i) for i, first in enumerate(firsts)], else_=span - 1) \
        if firsts else literal(0)
    kind, audience = type_coerce(Activity.kind, String), type_coerce(Activity.audience, String)
    connection = await session.connection()
    rows = await connection.execute(  # counted here: a GROUP BY would sort them all first (three times slower)
        select(Activity.branch_id, kind, audience, Activity.audience_group, month)
        .where(Activity.branch_id.in_(scope.linked), Activity.starts_at >= scope.start,
               Activity.starts_at < scope.end, *activity_store.held(scope.now))
    )
    kinds, audiences = {k.value: k for k in ActivityKind}, {a.value: a for a in Audience}
    months = [months_after(scope.period.start, i) for i in range(span)]
    found: dict[int, list[Held]] = {}
    for (branch_id, kind_value, audience_value, group, index), count in Counter(tuple(row) for row in rows).items():
        found.setdefault(branch_id, []).append(
            Held(kinds[kind_value], audiences[audience_value], group, months[index], count))
    scope.cache["held"] = found
    return found


async def members(session: AsyncSession, scope: Scope) -> dict[int, Cell]:
    states = await _states(session, scope)
    cells = {}
    for branch in scope.branches:
        counts: dict[PartyStatus, int] = {}
        for status, _group, count in states.get(branch.id, []):
            counts[status] = counts.get(status, 0) + count
        cells[branch.id] = rules.members_cell(counts, scope.settings)
    return cells


async def activities(session: AsyncSession, scope: Scope) -> dict[int, Cell]:
    held = await _held(session, scope)
    cells = {}
    for branch in scope.branches:
        counts: dict[ActivityKind, int] = {}
        for h in held.get(branch.id, []):
            counts[h.kind] = counts.get(h.kind, 0) + h.count
        cells[branch.id] = rules.activities_cell(counts, scope.settings)
    return cells


def _requirements(branch: Branch, known: dict[str, list[meetings.Requirement]]) -> list[meetings.Requirement]:
    """The branch's meeting requirements; ``known`` keeps them by the branch's overrides (most have none)."""
    raw = (branch.settings or {}).get(meetings.SETTINGS_KEY)
    key = repr(sorted(raw.items())) if isinstance(raw, dict) else repr(raw)
    if key not in known:
        try:
            known[key] = meetings.requirements(raw)
        except ValueError:  # a hand-edited setting: the Party's defaults, as the calendar does
            known[key] = meetings.requirements()
    return known[key]


async def compliance(session: AsyncSession, scope: Scope) -> dict[int, Cell]:
    held, states = await _held(session, scope), await _states(session, scope)
    cells, known = {}, {}
    for branch in scope.branches:
        # Party groups with Party members at the period's end each owe their own 党小组会.
        groups = {g for status, g, n in states.get(branch.id, []) if g and n and status in PARTY_MEMBERS}
        cells[branch.id] = rules.compliance(scope.period, scope.today, _requirements(branch, known), groups,
                                            held.get(branch.id, []), scope.settings,
                                            branch.created_at.astimezone(ZoneInfo(branch.timezone)).date())
    return cells


async def attendance(session: AsyncSession, scope: Scope) -> dict[int, Cell]:
    """Present / expected over the activities of the period that have ended, from the lists fixed at check-in."""
    connection = await session.connection()
    rows = await connection.execute(
        select(Activity.branch_id, func.count(),
               func.sum(case((Attendance.status == AttendanceStatus.PRESENT, 1), else_=0)),
               func.sum(case((Attendance.status == AttendanceStatus.ON_LEAVE, 1), else_=0)))
        .select_from(Attendance).join(Activity, and_(Activity.id == Attendance.activity_id))
        .where(Activity.branch_id.in_(scope.linked), ~Activity.cancelled, Activity.roster_frozen_at.is_not(None),
               Activity.starts_at >= scope.start, Activity.starts_at < scope.end, Activity.ends_at <= scope.now,
               Attendance.expected)
        .group_by(Activity.branch_id)
    )
    found = {branch_id: (expected, int(present or 0), int(leave or 0)) for branch_id, expected, present, leave in rows}
    return {b.id: rules.attendance_cell(*found.get(b.id, (0, 0, 0)), scope.settings) for b in scope.branches}


def dues_months(scope: Scope) -> tuple[str, str]:
    """The months the collection rate covers: the period's, up to the current month while it runs."""
    last = min(scope.period.last, scope.today)
    return dues_rules.month_of(scope.period.start), dues_rules.month_of(last)


async def dues(session: AsyncSession, scope: Scope) -> dict[int, Cell]:
    """Owed against paid + waived (known amounts, in 分) over the period's months: each branch's
    ``storage.dues.ledger`` figures, read from the monthly totals kept of them (storage.dues.totals).
    Branches that keep no dues here (no member has an amount) have no rate."""
    first, last = dues_months(scope)
    found = await dues_totals.read(session, await dues_ledger.keeping(session, scope.linked), first, last)
    return {b.id: rules.dues_cell(found[b.id].owed_fen, found[b.id].paid_fen, found[b.id].waived_fen,
                                  settings=scope.settings) if b.id in found
            else rules.dues_cell(None, settings=scope.settings) for b in scope.branches}


async def service(session: AsyncSession, scope: Scope) -> dict[int, Cell]:
    """Approved volunteer hours over the period, for every branch at once: each approved report counts its
    minutes for the reporter and for every confirmed teammate (as ``storage.service.totals.branch_totals``)."""
    start, end = scope.period.start, scope.period.end
    approved = (ServiceReport.branch_id.in_(scope.linked), ServiceReport.status == ServiceStatus.APPROVED,
                ServiceReport.served_on >= start, ServiceReport.served_on < end)
    connection = await session.connection()
    own = {branch_id: (int(minutes or 0), int(served or 0), reports) for branch_id, minutes, served, reports in
           await connection.execute(
               select(ServiceReport.branch_id, func.sum(ServiceReport.minutes), func.sum(ServiceReport.people_served),
                      func.count()).where(*approved).group_by(ServiceReport.branch_id))}
    mates = dict(list(await connection.execute(
        select(ServiceReport.branch_id, func.sum(ServiceReport.minutes))
        .join(ServiceTeammate, ServiceTeammate.report_id == ServiceReport.id)
        .where(*approved, ServiceTeammate.status == TeammateStatus.CONFIRMED,
               ServiceTeammate.member_id != ServiceReport.member_id)
        .group_by(ServiceReport.branch_id))))
    cells = {}
    for b in scope.branches:
        minutes, served, reports = own.get(b.id, (0, 0, 0))
        cells[b.id] = rules.service_cell(minutes + int(mates.get(b.id) or 0), served, reports, scope.settings)
    return cells


#: How each indicator of storage.rules.rollup.INDICATORS is computed, by its key.
SOURCES: dict[str, Compute] = {
    rules.MEMBERS.key: members,
    rules.ACTIVITIES.key: activities,
    rules.MEETINGS.key: compliance,
    rules.ATTENDANCE.key: attendance,
    rules.DUES.key: dues,
    rules.SERVICE.key: service,
}


async def compute(session: AsyncSession, committee: Committee, period: Period, now: datetime,
                  indicators: tuple[Indicator, ...] = rules.INDICATORS) -> Rollup:
    """The roll-up of every branch linked to ``committee`` now, for ``period``."""
    start, end = bounds(period, committee.timezone)
    as_of = min(end - timedelta(microseconds=1), now)
    scope = Scope(committee, await committee_store.linked_branches(session, committee.id), period, start, end, as_of,
                  now.astimezone(ZoneInfo(committee.timezone)).date(), now)
    figures = {i.key: await SOURCES[i.key](session, scope) for i in indicators if i.key in SOURCES}
    rows = [Row(b.id, b.name, {key: cells[b.id] for key, cells in figures.items()}) for b in scope.branches]
    return Rollup(Heading(committee.id, committee.name, committee.timezone), period, as_of,
                  tuple(i for i in indicators if i.key in figures), rows)
