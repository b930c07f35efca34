"""Households (联系户) a member keeps in touch with, and their visits (走访).

A visit is an approved volunteer-service report naming the household (``ServiceReport.household_id``);
nothing else counts. A household is never deleted: removing one stamps ``removed_at``, so the
reports that name it keep their meaning. Labels are told apart in normal form (王奶奶（空巢） and
王奶奶(空巢) are one label for one member).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Household, Member, ServiceReport
from storage.rules.names import name_key
from storage.rules.vocabulary import PARTY_MEMBERS, HouseholdKind, ServiceStatus


@dataclass(frozen=True)
class HouseholdData:
    label: str
    kind: HouseholdKind
    address: str | None = None
    phone: str | None = None


async def get(session: AsyncSession, household_id: int) -> Household | None:
    return await session.get(Household, household_id)


async def of_member(session: AsyncSession, member_id: int) -> list[Household]:
    """The member's households (not removed), in the order they were added."""
    return list(await session.scalars(
        select(Household).where(Household.member_id == member_id, Household.removed_at.is_(None)).order_by(Household.id)))


async def visitable(session: AsyncSession, member_id: int, household_id: int) -> Household | None:
    """The household a report of ``member_id`` may name as a visit: theirs and not removed; else None.

    For the reporting dialog (/serve): a report on someone else's household is refused.
    """
    household = await session.get(Household, household_id)
    if household is None or household.member_id != member_id or household.removed_at is not None:
        return None
    return household


async def _same_label(session: AsyncSession, member_id: int, label: str) -> Household | None:
    """The member's household whose label is ``label`` in normal form, removed ones included."""
    key = name_key(label)
    found = [h for h in await session.scalars(select(Household).where(Household.member_id == member_id))
             if name_key(h.label) == key]
    found.sort(key=lambda h: (h.removed_at is not None, h.id))
    return found[0] if found else None


async def add(session: AsyncSession, member: Member, data: HouseholdData, *, by: int | None, now: datetime
              ) -> Household | None:
    """A new household for ``member``; None if they already have one of that label.

    A removed household of the same label comes back (the same row: reports on it stay with it).
    """
    existing = await _same_label(session, member.id, data.label)
    if existing is not None and existing.removed_at is None:
        return None
    if existing is not None:
        existing.removed_at = None
        _apply(existing, data)
        await session.flush()
        return existing
    household = Household(branch_id=member.branch_id, member_id=member.id, label=data.label, kind=data.kind,
                          address=data.address, phone=data.phone, created_by=by, created_at=now)
    session.add(household)
    await session.flush()
    return household


def _apply(household: Household, data: HouseholdData) -> bool:
    changed = False
    for name in ("label", "kind", "address", "phone"):
        value = getattr(data, name)
        if getattr(household, name) != value:
            setattr(household, name, value)
            changed = True
    return changed


async def change(session: AsyncSession, household: Household, data: HouseholdData) -> bool | None:
    """Rewrite ``household``; False if nothing changed, None if its member has another of that label."""
    other = await _same_label(session, household.member_id, data.label)
    if other is not None and other.id != household.id and other.removed_at is None:
        return None
    if other is not None and other.id != household.id and other.label == data.label:  # a removed one in the way
        other.label = f"{other.label[:80]}#{other.id}"
    changed = _apply(household, data)
    await session.flush()
    return changed


async def move(session: AsyncSession, household: Household, member: Member) -> bool:
    """Give ``household`` to another member of its branch; False if they have one of that label."""
    other = await _same_label(session, member.id, household.label)
    if other is not None and other.removed_at is None:
        return False
    if other is not None and other.label == household.label:  # a removed one in the way of the unique label
        other.label = f"{other.label[:80]}#{other.id}"
    household.member_id = member.id
    await session.flush()
    return True


def remove(household: Household, now: datetime) -> None:
    household.removed_at = now


async def counts(session: AsyncSession, branch_id: int) -> dict[int, int]:
    """member id -> their households (not removed)."""
    rows = await session.execute(
        select(Household.member_id, func.count()).where(Household.branch_id == branch_id, Household.removed_at.is_(None))
        .group_by(Household.member_id))
    return {member_id: count for member_id, count in rows}


@dataclass(frozen=True)
class TargetLine:
    member: Member
    households: int


async def below_target(session: AsyncSession, branch_id: int, target: int) -> tuple[list[TargetLine], list[TargetLine]]:
    """The branch's Party members (full and probationary, on the roster) below ``target`` households,
    fewest first, and those at or above it."""
    have = await counts(session, branch_id)
    members = sorted(await session.scalars(  # by code point, alike on every backend
        select(Member).where(Member.branch_id == branch_id, Member.active, Member.status.in_(PARTY_MEMBERS))),
        key=lambda m: m.name)
    lines = [TargetLine(m, have.get(m.id, 0)) for m in members]
    below = sorted((line for line in lines if line.households < target), key=lambda line: line.households)
    return below, [line for line in lines if line.households >= target]


async def last_visits(session: AsyncSession, household_ids: Iterable[int]) -> dict[int, date]:
    """household id -> the day of its latest approved visit."""
    ids = list(household_ids)
    if not ids:
        return {}
    rows = await session.execute(
        select(ServiceReport.household_id, func.max(ServiceReport.served_on))
        .where(ServiceReport.household_id.in_(ids), ServiceReport.status == ServiceStatus.APPROVED)
        .group_by(ServiceReport.household_id))
    return {household_id: day for household_id, day in rows}


async def unvisited(session: AsyncSession, branch_id: int, today: date, days: int, now: datetime
                    ) -> dict[int, list[Household]]:
    """member id -> their households with no approved visit in the last ``days`` days (counting today),
    leaving out households added within that time: they are not due yet."""
    since = today - timedelta(days=days - 1)
    households = list(await session.scalars(
        select(Household).join(Member, Member.id == Household.member_id)
        .where(Household.branch_id == branch_id, Household.removed_at.is_(None), Member.active,
               Household.created_at <= now - timedelta(days=days))
        .order_by(Household.member_id, Household.id)))
    visited = await last_visits(session, [h.id for h in households])
    due: dict[int, list[Household]] = {}
    for household in households:
        last = visited.get(household.id)
        if last is None or last < since:
            due.setdefault(household.member_id, []).append(household)
    return due


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


async def import_rows(session: AsyncSession, rows: list[tuple[Member, HouseholdData]], *, by: int, now: datetime
                      ) -> ImportResult:
    """Add or update each (member, household) of an import; a label the member has already is updated."""
    result = ImportResult()
    for member, data in rows:
        shown = f"{member.name}: {data.label}"
        existing = await _same_label(session, member.id, data.label)
        if existing is None or existing.removed_at is not None:
            await add(session, member, data, by=by, now=now)
            result.created.append(shown)
        elif _apply(existing, HouseholdData(existing.label, data.kind, data.address, data.phone)):
            result.updated.append(shown)
        else:
            result.unchanged.append(shown)
    await session.flush()
    return result
