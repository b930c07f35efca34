"""The rows of the 志愿服务台账: every approved report in the period, and the approved hours per member
and category (``storage.service.totals.credits``: a team report counts for the reporter and every
teammate who confirmed). Only approved reports; households by their label only, never an address
or a phone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import Branch, Household, Member, ServiceCategory, ServicePost, ServiceReport, ServiceTeammate
from storage.rules.periods import Period
from storage.rules.vocabulary import ServiceStatus, TeammateStatus
from storage.service.totals import credits


@dataclass(frozen=True)
class Report:
    report_id: int
    served_on: date
    member: str
    teammates: tuple[str, ...]  # confirmed only
    minutes: int  # per person
    category: str
    place: str
    people_served: int
    description: str
    household: str | None  # its label
    post: str | None
    reviewer: str | None
    reviewed_at: datetime | None  # local


@dataclass(frozen=True)
class Tally:
    member_id: int
    member: str
    party_group: str | None
    minutes: dict[str, int]  # category -> minutes credited
    reports: dict[str, int]  # category -> reports credited


@dataclass(frozen=True)
class ServiceRecord:
    reports: list[Report]
    categories: list[str]  # those with approved hours in the period, in the branch's order
    tallies: list[Tally]  # by name


async def service_record(session: AsyncSession, branch: Branch, period: Period) -> ServiceRecord:
    zone = ZoneInfo(branch.timezone)
    reviewer = aliased(Member)
    rows = (await session.execute(
        select(ServiceReport.id, ServiceReport.served_on, Member.name, ServiceReport.minutes, ServiceCategory.name,
               ServiceReport.place, ServiceReport.people_served, ServiceReport.description, Household.label,
               ServicePost.name, reviewer.name, ServiceReport.reviewed_at)
        .join(Member, Member.id == ServiceReport.member_id)
        .join(ServiceCategory, ServiceCategory.id == ServiceReport.category_id)
        .outerjoin(Household, Household.id == ServiceReport.household_id)
        .outerjoin(ServicePost, ServicePost.id == ServiceReport.post_id)
        .outerjoin(reviewer, reviewer.id == ServiceReport.reviewed_by)
        .where(ServiceReport.branch_id == branch.id, ServiceReport.status == ServiceStatus.APPROVED,
               ServiceReport.served_on >= period.start, ServiceReport.served_on < period.end)
        .order_by(ServiceReport.served_on, ServiceReport.id))).all()
    mates: dict[int, list[str]] = defaultdict(list)
    if rows:
        for report_id, name in await session.execute(
                select(ServiceTeammate.report_id, Member.name).join(Member, Member.id == ServiceTeammate.member_id)
                .where(ServiceTeammate.report_id.in_([r[0] for r in rows]),
                       ServiceTeammate.status == TeammateStatus.CONFIRMED)
                .order_by(ServiceTeammate.id)):
            mates[report_id].append(name)
    reports = [Report(r[0], r[1], r[2], tuple(mates[r[0]]), r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10],
                      r[11].astimezone(zone).replace(tzinfo=None) if r[11] is not None else None) for r in rows]

    found = await credits(session, branch.id, period.start, period.end)
    categories = list(await session.execute(select(ServiceCategory.id, ServiceCategory.name)
                                            .where(ServiceCategory.branch_id == branch.id)
                                            .order_by(ServiceCategory.position, ServiceCategory.id)))
    name_of = {cid: name for cid, name in categories}
    used = {c.category_id for c in found}
    people = {m.id: m for m in await session.scalars(
        select(Member).where(Member.id.in_({c.member_id for c in found})))} if found else {}
    minutes: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in found:
        minutes[c.member_id][name_of[c.category_id]] += c.minutes
        counts[c.member_id][name_of[c.category_id]] += 1
    tallies = sorted((Tally(mid, people[mid].name, people[mid].party_group, dict(minutes[mid]), dict(counts[mid]))
                      for mid in minutes), key=lambda t: (t.member, t.member_id))
    return ServiceRecord(reports, [name for cid, name in categories if cid in used], tallies)
