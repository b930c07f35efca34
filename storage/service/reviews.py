"""Reviewing volunteer-service reports: what waits, and one decision per submission.

A decision is taken with a conditional update (``status = pending``), so a card tapped twice or
two officers at once make exactly one decision; each is kept in ``service_reviews``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Member, ServiceCategory, ServicePhoto, ServiceReport, ServiceReview, ServiceTeammate
from storage.rules.vocabulary import ServiceStatus, TeammateStatus

DECISIONS = (ServiceStatus.APPROVED, ServiceStatus.REJECTED, ServiceStatus.CHANGES)


@dataclass(frozen=True)
class Card:
    """What a reviewer needs to see of a report."""

    report: ServiceReport
    member: Member
    category: str
    photos: list[str]  # Telegram file ids, in order
    teammates: list[tuple[Member, TeammateStatus]]


async def get(session: AsyncSession, report_id: int) -> ServiceReport | None:
    return await session.get(ServiceReport, report_id)


async def card(session: AsyncSession, report: ServiceReport) -> Card:
    member = await session.get(Member, report.member_id)
    category = await session.get(ServiceCategory, report.category_id)
    photos = list(await session.scalars(
        select(ServicePhoto.file_id).where(ServicePhoto.report_id == report.id).order_by(ServicePhoto.position, ServicePhoto.id)))
    mates = (await session.execute(
        select(Member, ServiceTeammate.status).join(ServiceTeammate, ServiceTeammate.member_id == Member.id)
        .where(ServiceTeammate.report_id == report.id).order_by(ServiceTeammate.id))).all()
    return Card(report, member, category.name if category else "-", photos, [(m, s) for m, s in mates])


async def pending(session: AsyncSession, branch_id: int, *, party_group: str | None = None,
                  submitted_before: datetime | None = None) -> list[ServiceReport]:
    """Reports waiting for review, oldest first; only of reporters in ``party_group`` when given
    (a 党小组长 reviews their own group), only those waiting since before ``submitted_before``."""
    stmt = (select(ServiceReport).join(Member, Member.id == ServiceReport.member_id)
            .where(ServiceReport.branch_id == branch_id, ServiceReport.status == ServiceStatus.PENDING))
    if party_group is not None:
        stmt = stmt.where(Member.party_group == party_group)
    if submitted_before is not None:
        stmt = stmt.where(ServiceReport.updated_at <= submitted_before)
    return list(await session.scalars(stmt.order_by(ServiceReport.updated_at, ServiceReport.id)))


async def decide(session: AsyncSession, report_id: int, officer_id: int, decision: ServiceStatus,
                 reason: str | None, now: datetime) -> ServiceReview | None:
    """Approve, reject or ask for a change of a pending report; None when it was no longer pending.

    A rejected report gives up its fingerprint, so the same service may be reported anew.
    """
    if decision not in DECISIONS:
        raise ValueError(f"not a decision: {decision}")
    values = {"status": decision, "reviewed_by": officer_id, "reviewed_at": now, "review_note": reason}
    if decision == ServiceStatus.REJECTED:
        values["fingerprint"] = None
    result = await session.execute(
        update(ServiceReport)
        .where(ServiceReport.id == report_id, ServiceReport.status == ServiceStatus.PENDING)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    if (result.rowcount or 0) != 1:
        return None
    review = ServiceReview(report_id=report_id, officer_id=officer_id, decision=decision, reason=reason, at=now)
    session.add(review)
    await session.flush()
    return review


async def history(session: AsyncSession, report_id: int) -> list[ServiceReview]:
    return list(await session.scalars(
        select(ServiceReview).where(ServiceReview.report_id == report_id).order_by(ServiceReview.id)))


async def confirmed_teammates(session: AsyncSession, report_id: int) -> list[Member]:
    return list(await session.scalars(
        select(Member).join(ServiceTeammate, ServiceTeammate.member_id == Member.id)
        .where(ServiceTeammate.report_id == report_id, ServiceTeammate.status == TeammateStatus.CONFIRMED)
        .order_by(ServiceTeammate.id)))
