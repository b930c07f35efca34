"""Totals of volunteer service. Only approved hours count, anywhere.

A team report counts its hours for the reporter and for every teammate who confirmed. Periods
are ``start <= served_on < end`` (``storage.rules.periods.Period``). Party groups are read from the
membership history as they were on the day of the service, not from today's roster.

What other features (monthly summary, 志愿服务台账, the committee's roll-up) should read:
``credits`` (who is credited with which approved minutes), ``branch_totals``, ``member_minutes``,
``people_served`` and ``storage.service.reviews.pending``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Household,
    Member,
    MembershipChange,
    ServiceCategory,
    ServicePost,
    ServiceReport,
    ServiceTeammate,
)
from storage.rules.vocabulary import ServiceStatus, TeammateStatus


@dataclass(frozen=True)
class Credit:
    """Approved minutes of one report credited to one person."""

    member_id: int
    report_id: int
    minutes: int
    category_id: int
    served_on: date


@dataclass
class Totals:
    minutes: int = 0  # person-minutes, every credited person counted
    people_served: int = 0  # a report's people served count once, however many served together
    reports: int = 0
    by_member: dict[int, int] = field(default_factory=dict)  # member id -> minutes
    by_group: dict[str, int] = field(default_factory=dict)  # party group ("" none) -> minutes
    by_category: dict[str, int] = field(default_factory=dict)  # category name -> minutes


def _approved(branch_id: int, start: date, end: date):
    return (ServiceReport.branch_id == branch_id, ServiceReport.status == ServiceStatus.APPROVED,
            ServiceReport.served_on >= start, ServiceReport.served_on < end)


async def credits(session: AsyncSession, branch_id: int, start: date, end: date,
                  member_id: int | None = None) -> list[Credit]:
    """Every approved credit in the period: each report for its reporter and its confirmed teammates."""
    own = select(ServiceReport.member_id, ServiceReport.id, ServiceReport.minutes, ServiceReport.category_id,
                 ServiceReport.served_on).where(*_approved(branch_id, start, end))
    mates = (select(ServiceTeammate.member_id, ServiceReport.id, ServiceReport.minutes, ServiceReport.category_id,
                    ServiceReport.served_on)
             .join(ServiceReport, ServiceReport.id == ServiceTeammate.report_id)
             .where(*_approved(branch_id, start, end), ServiceTeammate.status == TeammateStatus.CONFIRMED,
                    ServiceTeammate.member_id != ServiceReport.member_id))
    if member_id is not None:
        own = own.where(ServiceReport.member_id == member_id)
        mates = mates.where(ServiceTeammate.member_id == member_id)
    rows = [*(await session.execute(own)).all(), *(await session.execute(mates)).all()]
    return sorted((Credit(*row) for row in rows), key=lambda c: (c.served_on, c.report_id, c.member_id))


async def member_minutes(session: AsyncSession, branch_id: int, member_id: int, start: date, end: date) -> int:
    return sum(c.minutes for c in await credits(session, branch_id, start, end, member_id))


async def people_served(session: AsyncSession, branch_id: int, start: date, end: date) -> int:
    return int(await session.scalar(
        select(func.coalesce(func.sum(ServiceReport.people_served), 0)).where(*_approved(branch_id, start, end))) or 0)


async def _groups_on(session: AsyncSession, wanted: list[tuple[int, date]]) -> dict[tuple[int, date], str]:
    """Each (member, day)'s party group as the membership history had it at the end of that day."""
    ids = {m for m, _ in wanted}
    if not ids:
        return {}
    steps: dict[int, list[MembershipChange]] = defaultdict(list)
    for step in await session.scalars(select(MembershipChange).where(MembershipChange.member_id.in_(ids))
                                      .order_by(MembershipChange.at, MembershipChange.id)):
        steps[step.member_id].append(step)
    current = {m.id: m.party_group for m in await session.scalars(select(Member).where(Member.id.in_(ids)))}
    found = {}
    for member_id, day in wanted:
        limit = datetime.combine(day, time.max, timezone.utc)
        before = [s for s in steps[member_id] if s.at <= limit]
        found[member_id, day] = ((before[-1].party_group if before else current.get(member_id)) or "")
    return found


async def branch_totals(session: AsyncSession, branch_id: int, start: date, end: date) -> Totals:
    found = await credits(session, branch_id, start, end)
    names = {c.id: c.name for c in await session.scalars(select(ServiceCategory).where(ServiceCategory.branch_id == branch_id))}
    groups = await _groups_on(session, sorted({(c.member_id, c.served_on) for c in found}))
    totals = Totals(people_served=await people_served(session, branch_id, start, end),
                    reports=len({c.report_id for c in found}))
    for c in found:
        totals.minutes += c.minutes
        totals.by_member[c.member_id] = totals.by_member.get(c.member_id, 0) + c.minutes
        group = groups[c.member_id, c.served_on]
        totals.by_group[group] = totals.by_group.get(group, 0) + c.minutes
        name = names.get(c.category_id, "-")
        totals.by_category[name] = totals.by_category.get(name, 0) + c.minutes
    return totals


async def without_service(session: AsyncSession, branch_id: int, start: date, end: date) -> list[Member]:
    """Active members on the roster with no approved service in the period."""
    credited = {c.member_id for c in await credits(session, branch_id, start, end)}
    roster = await session.scalars(select(Member).where(Member.branch_id == branch_id, Member.active).order_by(Member.id))
    return [m for m in roster if m.id not in credited]


@dataclass(frozen=True)
class MyReport:
    report: ServiceReport
    category: str
    team: bool  # credited as a teammate, not as the reporter
    household: str | None
    post: str | None


async def reports_of(session: AsyncSession, branch_id: int, member_id: int, start: date, end: date) -> list[MyReport]:
    """A member's reports in the period, whatever their status (for their own eyes): their own,
    and the team reports they confirmed."""
    mine = select(ServiceTeammate.report_id).where(ServiceTeammate.member_id == member_id,
                                                    ServiceTeammate.status == TeammateStatus.CONFIRMED)
    rows = (await session.execute(
        select(ServiceReport, ServiceCategory.name, Household.label, ServicePost.name)
        .join(ServiceCategory, ServiceCategory.id == ServiceReport.category_id)
        .outerjoin(Household, Household.id == ServiceReport.household_id)
        .outerjoin(ServicePost, ServicePost.id == ServiceReport.post_id)
        .where(ServiceReport.branch_id == branch_id, ServiceReport.served_on >= start, ServiceReport.served_on < end,
               ServiceReport.status != ServiceStatus.WITHDRAWN,
               or_(ServiceReport.member_id == member_id, ServiceReport.id.in_(mine)))
        .order_by(ServiceReport.served_on, ServiceReport.id))).all()
    return [MyReport(r, cat, r.member_id != member_id, hh, post) for r, cat, hh, post in rows]
