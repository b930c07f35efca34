"""Volunteer-service reports: submitted once, edited or withdrawn until reviewed, teammates confirming.

A report's ``fingerprint`` is a hash of what it says; it is unique per member while the report stands
(pending, changes asked, approved), so the same report submitted twice (a double tap, a redelivered
update, two instances at once) is one row: ``submit`` inserts with ON CONFLICT DO NOTHING and then
finds the one that stands. Withdrawn and rejected reports clear it.

Hours count for the reporter and for each teammate who confirmed; ``minutes_on`` is what one person
already has on a day, for the 24-hour rule (pending, changes-asked and approved reports).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import (
    Attendance,
    Member,
    ServicePhoto,
    ServiceReport,
    ServiceTeammate,
)
from storage.rules.vocabulary import AttendanceStatus, ServiceStatus, TeammateStatus
from storage.upsert import insert_for

# Reports whose hours stand (or may yet): they count toward the day's 24 hours and hold their fingerprint.
STANDING = (ServiceStatus.PENDING, ServiceStatus.CHANGES, ServiceStatus.APPROVED)
# What the member may still edit or withdraw: not yet reviewed, or sent back for a change.
EDITABLE = (ServiceStatus.PENDING, ServiceStatus.CHANGES)


@dataclass(frozen=True)
class Photo:
    file_id: str
    file_unique_id: str
    size: int | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class ReportData:
    """What a member reports; the handler has checked each field."""

    served_on: date
    minutes: int
    category_id: int
    place: str
    people_served: int
    description: str
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    activity_id: int | None = None
    household_id: int | None = None
    post_id: int | None = None
    photos: tuple[Photo, ...] = ()
    teammate_ids: tuple[int, ...] = field(default=())


def fingerprint(member_id: int, data: ReportData) -> str:
    """The same content from the same member is the same report, whatever order the photos came in."""
    body = {
        "m": member_id, "d": data.served_on.isoformat(), "min": data.minutes, "c": data.category_id,
        "p": data.place, "n": data.people_served, "t": data.description, "a": data.activity_id,
        "h": data.household_id, "post": data.post_id, "ph": sorted(p.file_unique_id for p in data.photos),
        "tm": sorted(data.teammate_ids),
    }
    return hashlib.sha256(json.dumps(body, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


async def get(session: AsyncSession, report_id: int) -> ServiceReport | None:
    return await session.get(ServiceReport, report_id)


async def by_fingerprint(session: AsyncSession, member_id: int, print_: str) -> ServiceReport | None:
    return await session.scalar(select(ServiceReport).where(
        ServiceReport.member_id == member_id, ServiceReport.fingerprint == print_))


async def minutes_on(session: AsyncSession, member_id: int, day: date, *, besides: int | None = None) -> int:
    """Minutes a person already has on ``day``: their standing reports, as reporter or confirmed teammate."""
    mine = select(ServiceReport.id).where(ServiceReport.member_id == member_id)
    with_them = (select(ServiceTeammate.report_id)
                 .where(ServiceTeammate.member_id == member_id, ServiceTeammate.status == TeammateStatus.CONFIRMED))
    stmt = select(func.coalesce(func.sum(ServiceReport.minutes), 0)).where(
        ServiceReport.served_on == day,
        ServiceReport.status.in_(STANDING),
        or_(ServiceReport.id.in_(mine), ServiceReport.id.in_(with_them)),
    )
    if besides is not None:
        stmt = stmt.where(ServiceReport.id != besides)
    return int(await session.scalar(stmt) or 0)


@dataclass(frozen=True)
class Submitted:
    report: ServiceReport
    created: bool  # False: the same report stood already (a second submit)
    invited: list[ServiceTeammate]  # teammates to ask, new in this submit


async def submit(session: AsyncSession, branch_id: int, member_id: int, data: ReportData, now: datetime) -> Submitted:
    """File a report as PENDING, once: a second submit of the same content returns the first."""
    print_ = fingerprint(member_id, data)
    result = await session.execute(
        insert_for(session, ServiceReport)
        .values(branch_id=branch_id, member_id=member_id, status=ServiceStatus.PENDING.value, fingerprint=print_,
                created_at=now, updated_at=now, **_fields(data))
        .on_conflict_do_nothing(index_elements=["member_id", "fingerprint"])
    )
    report = await by_fingerprint(session, member_id, print_)
    assert report is not None
    if result.rowcount != 1:
        return Submitted(report, False, [])
    _put_photos(session, report.id, data.photos)
    invited = _put_teammates(session, report.id, data.teammate_ids, member_id)
    await session.flush()
    return Submitted(report, True, invited)


def _fields(data: ReportData) -> dict:
    return {
        "served_on": data.served_on, "minutes": data.minutes, "starts_at": data.starts_at, "ends_at": data.ends_at,
        "category_id": data.category_id, "place": data.place, "people_served": data.people_served,
        "description": data.description, "activity_id": data.activity_id, "household_id": data.household_id,
        "post_id": data.post_id,
    }


def _put_photos(session: AsyncSession, report_id: int, photos: tuple[Photo, ...]) -> None:
    for position, photo in enumerate(photos):
        session.add(ServicePhoto(report_id=report_id, position=position, file_id=photo.file_id,
                                 file_unique_id=photo.file_unique_id, size=photo.size, mime_type=photo.mime_type))


def _put_teammates(session: AsyncSession, report_id: int, member_ids: tuple[int, ...], reporter: int,
                   already: set[int] = frozenset()) -> list[ServiceTeammate]:
    rows = []
    for member_id in dict.fromkeys(member_ids):
        if member_id != reporter and member_id not in already:
            row = ServiceTeammate(report_id=report_id, member_id=member_id, status=TeammateStatus.INVITED)
            session.add(row)
            rows.append(row)
    return rows


class Refused(Exception):
    """The report may not be changed: reviewed or withdrawn meanwhile, or the same as another one."""


async def edit(session: AsyncSession, report: ServiceReport, data: ReportData, now: datetime) -> list[ServiceTeammate]:
    """Change a report that is pending or sent back for a change; it is pending again afterwards.

    Compare-and-set on the status, so a review at the same moment wins or loses cleanly. Photos
    are replaced; teammates no longer named are dropped, new ones invited (returned).
    """
    print_ = fingerprint(report.member_id, data)
    other = await by_fingerprint(session, report.member_id, print_)
    if other is not None and other.id != report.id:
        raise Refused("duplicate")
    changed = await session.execute(
        update(ServiceReport)
        .where(ServiceReport.id == report.id, ServiceReport.status.in_(EDITABLE))
        .values(status=ServiceStatus.PENDING.value, fingerprint=print_, updated_at=now, **_fields(data))
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount != 1:
        raise Refused("reviewed")
    await session.refresh(report)
    await session.execute(delete(ServicePhoto).where(ServicePhoto.report_id == report.id))
    _put_photos(session, report.id, data.photos)
    named = set(data.teammate_ids)
    current = await teammates(session, report.id)
    for row in current:
        if row.member_id not in named:
            await session.delete(row)
    invited = _put_teammates(session, report.id, data.teammate_ids, report.member_id, {r.member_id for r in current})
    await session.flush()
    return invited


async def withdraw(session: AsyncSession, report: ServiceReport, now: datetime) -> bool:
    """Withdraw a report not yet reviewed (or sent back); False when it is no longer the member's to withdraw."""
    changed = await session.execute(
        update(ServiceReport)
        .where(ServiceReport.id == report.id, ServiceReport.status.in_(EDITABLE))
        .values(status=ServiceStatus.WITHDRAWN.value, fingerprint=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount == 1:
        await session.refresh(report)
        return True
    return False


async def photos(session: AsyncSession, report_id: int) -> list[ServicePhoto]:
    return list(await session.scalars(
        select(ServicePhoto).where(ServicePhoto.report_id == report_id).order_by(ServicePhoto.position)))


async def teammates(session: AsyncSession, report_id: int) -> list[ServiceTeammate]:
    return list(await session.scalars(
        select(ServiceTeammate).where(ServiceTeammate.report_id == report_id).order_by(ServiceTeammate.id)))


async def teammate(session: AsyncSession, teammate_id: int) -> ServiceTeammate | None:
    return await session.get(ServiceTeammate, teammate_id)


async def decide_teammate(session: AsyncSession, row: ServiceTeammate, confirm: bool, now: datetime) -> bool:
    """A teammate confirms or declines, once; False when they had already answered."""
    changed = await session.execute(
        update(ServiceTeammate)
        .where(ServiceTeammate.id == row.id, ServiceTeammate.status == TeammateStatus.INVITED)
        .values(status=(TeammateStatus.CONFIRMED if confirm else TeammateStatus.DECLINED).value, decided_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed.rowcount == 1:
        await session.refresh(row)
        return True
    return False


async def of_member(session: AsyncSession, member_id: int, statuses: tuple[ServiceStatus, ...] = EDITABLE,
                    limit: int = 20) -> list[ServiceReport]:
    """A member's own reports with these statuses, the latest first."""
    return list(await session.scalars(
        select(ServiceReport)
        .where(ServiceReport.member_id == member_id, ServiceReport.status.in_(statuses))
        .order_by(ServiceReport.served_on.desc(), ServiceReport.id.desc())
        .limit(limit)
    ))


# --- the service network, read straight from its tables (the network feature keeps them) ----------


async def present_at(session: AsyncSession, activity_id: int) -> list[Member]:
    """Who checked in to an activity."""
    return list(await session.scalars(
        select(Member)
        .join(Attendance, Attendance.member_id == Member.id)
        .where(Attendance.activity_id == activity_id, Attendance.status == AttendanceStatus.PRESENT)
        .order_by(Member.id)
    ))
