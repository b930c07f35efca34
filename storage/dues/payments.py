"""Writing the dues ledger: amounts, payments, confirmations, waivers and their reversals.

Nothing is edited in place except a pending self-report's decision, taken once (a conditional
update: a confirmation tapped twice, or twice at once, confirms once). A correction is a new row
reversing an earlier one.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dues.ledger import CONFIRMED, PENDING, REJECTED, ledger
from storage.dues.versions import touch
from storage.models import DuesAllocation, DuesAmount, DuesPayment, DuesWaiver, Member
from storage.rules import dues as rules
from storage.rules.dues import from_fen, to_fen
from storage.rules.vocabulary import DuesCategory

METHODS = ("cash", "wechat", "alipay", "transfer", "other", "unknown")


def set_amount(session: AsyncSession, member: Member, month: str, category: DuesCategory, amount: Decimal,
               *, basis: Decimal | None = None, extra: Decimal = Decimal(0), source: str, by: int | None,
               now: datetime) -> DuesAmount:
    """From ``month`` on, ``member`` owes ``amount`` a month; earlier months keep the amounts they had."""
    row = DuesAmount(member_id=member.id, effective_month=month, category=category,
                     basis_fen=to_fen(basis) if basis is not None else None, amount_fen=to_fen(amount),
                     extra_fen=to_fen(extra), source=source, recorded_by=by, created_at=now)
    session.add(row)
    return row


async def outstanding(session: AsyncSession, member: Member, months: list[str]) -> list[tuple[str, Decimal | None]]:
    """What is still outstanding for each of ``months`` (None: the amount is not known)."""
    book = await ledger(session, member.branch_id, months[0], months[-1], member_ids=[member.id])
    found = []
    for month in months:
        line = book.line(member.id, month)
        found.append((month, line.outstanding if line is not None and line.owing else Decimal(0)))
    return found


async def record(session: AsyncSession, member: Member, months: list[str], amount: Decimal | None, *,
                 method: str, status: str, source: str, by: int | None, now: datetime,
                 payer_id: int | None = None, override_reason: str | None = None,
                 note: str | None = None) -> DuesPayment:
    """A payment for ``member`` covering ``months``; ``amount`` None: what is outstanding for them.

    Officers' entries are confirmed at once; self-reports are pending. The caller has checked the
    months (membership, how far back and ahead) and the amount.
    """
    shares = rules.allocate(amount, await outstanding(session, member, months))
    known = [s for s in shares.values() if s is not None]
    total = amount if amount is not None else (sum(known, Decimal(0)) if len(known) == len(shares) else None)
    payment = DuesPayment(
        branch_id=member.branch_id, member_id=member.id, payer_id=payer_id,
        amount_fen=to_fen(total) if total is not None else None, method=method, status=status, source=source,
        reported_by=by, created_at=now, decided_by=by if status == CONFIRMED else None,
        decided_at=now if status == CONFIRMED else None, override_reason=override_reason, note=note,
    )
    session.add(payment)
    await session.flush()
    for month, share in shares.items():
        session.add(DuesAllocation(payment_id=payment.id, member_id=member.id, month=month,
                                   amount_fen=to_fen(share) if share is not None else None))
    await session.flush()
    return payment


class Decision:
    DONE = "done"
    ALREADY = "already"  # decided before (a second tap, or another officer)
    UNKNOWN_AMOUNT = "unknown_amount"  # "what I owe", and the amount owed is not known


async def confirm(session: AsyncSession, payment: DuesPayment, by: int, now: datetime) -> str:
    """Confirm a pending self-report, once: the second of two taps (even at the same moment) finds it decided."""
    if payment.status != PENDING:
        return Decision.ALREADY
    rows = await _allocations(session, payment.id)
    unknown = [row for row in rows if row.amount_fen is None]
    if unknown:  # "what I owe": what is owed for those months now
        member = await session.get(Member, payment.member_id)
        owed = dict(await outstanding(session, member, [row.month for row in unknown]))
        if any(owed[row.month] is None for row in unknown):
            return Decision.UNKNOWN_AMOUNT
    result = await session.execute(
        update(DuesPayment).where(DuesPayment.id == payment.id, DuesPayment.status == PENDING)
        .values(status=CONFIRMED, decided_by=by, decided_at=now).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return Decision.ALREADY
    await touch(session, payment.branch_id)
    if unknown:
        for row in unknown:
            row.amount_fen = to_fen(owed[row.month])
        payment.amount_fen = sum(row.amount_fen for row in rows)
        await session.flush()
    await session.refresh(payment)
    return Decision.DONE


async def reject(session: AsyncSession, payment: DuesPayment, by: int, reason: str, now: datetime) -> str:
    result = await session.execute(
        update(DuesPayment).where(DuesPayment.id == payment.id, DuesPayment.status == PENDING)
        .values(status=REJECTED, decided_by=by, decided_at=now, reason=reason).execution_options(synchronize_session=False))
    if result.rowcount != 1:
        return Decision.ALREADY
    await touch(session, payment.branch_id)
    await session.refresh(payment)
    return Decision.DONE


async def reversal_of(session: AsyncSession, payment_id: int) -> DuesPayment | None:
    return await session.scalar(select(DuesPayment).where(DuesPayment.reverses_id == payment_id))


async def reverse(session: AsyncSession, payment: DuesPayment, by: int, reason: str, now: datetime) -> DuesPayment | None:
    """A correction: a new confirmed entry with the payment's allocations negated. None when the
    payment cannot be reversed (not confirmed, a reversal itself, or reversed already)."""
    if payment.status != CONFIRMED or payment.source == "reversal" or await reversal_of(session, payment.id):
        return None
    entry = DuesPayment(
        branch_id=payment.branch_id, member_id=payment.member_id, payer_id=payment.payer_id,
        amount_fen=-(payment.amount_fen or 0), method=payment.method, status=CONFIRMED, source="reversal",
        reported_by=by, created_at=now, decided_by=by, decided_at=now, reason=reason, reverses_id=payment.id,
    )
    session.add(entry)
    await session.flush()
    for row in await _allocations(session, payment.id):
        session.add(DuesAllocation(payment_id=entry.id, member_id=row.member_id, month=row.month,
                                   amount_fen=-(row.amount_fen or 0)))
    await session.flush()
    return entry


def waive(session: AsyncSession, member: Member, first: str, last: str, note: str, by: int | None,
          now: datetime) -> DuesWaiver:
    """The branch's decision that ``member``'s months ``first``..``last`` are settled without payment."""
    row = DuesWaiver(branch_id=member.branch_id, member_id=member.id, first_month=first, last_month=last, note=note,
                     recorded_by=by, created_at=now)
    session.add(row)
    return row


async def reverse_waiver(session: AsyncSession, waiver: DuesWaiver, by: int, note: str, now: datetime) -> DuesWaiver | None:
    if waiver.reverses_id is not None or await session.scalar(
            select(DuesWaiver.id).where(DuesWaiver.reverses_id == waiver.id)) is not None:
        return None
    row = DuesWaiver(branch_id=waiver.branch_id, member_id=waiver.member_id, first_month=waiver.first_month,
                     last_month=waiver.last_month, note=note, recorded_by=by, created_at=now, reverses_id=waiver.id)
    session.add(row)
    await session.flush()
    return row


async def get_waiver(session: AsyncSession, waiver_id: int) -> DuesWaiver | None:
    return await session.get(DuesWaiver, waiver_id)


async def _allocations(session: AsyncSession, payment_id: int) -> list[DuesAllocation]:
    return list(await session.scalars(
        select(DuesAllocation).where(DuesAllocation.payment_id == payment_id).order_by(DuesAllocation.month)))


def total(payment: DuesPayment) -> Decimal | None:
    return from_fen(payment.amount_fen) if payment.amount_fen is not None else None
