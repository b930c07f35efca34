"""The rows of the 党费收缴台账: the dues ledger's grid for the period, and its payments and waivers.

The grid is ``storage.dues.ledger.ledger`` (one read for the whole branch); the payments are every
entry with a part in the period's months, whatever its status (the layout says which count), and
the waivers those overlapping the months, with their reversal if any.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.dues.ledger import Ledger, ledger
from storage.models import Branch, DuesAllocation, DuesPayment, DuesWaiver, Member
from storage.rules.dues import from_fen


@dataclass(frozen=True)
class Person:
    member_id: int
    name: str
    party_group: str | None


@dataclass(frozen=True)
class Payment:
    payment_id: int
    at: datetime  # local wall-clock time it was entered
    member: str
    months: tuple[str, ...]
    amount: Decimal | None  # None: "what I owe", not confirmed yet; negative for a correction
    method: str
    payer: str | None  # 代缴: paid by another member
    status: str  # pending, confirmed, rejected
    correction_of: int | None  # the payment it reverses
    reason: str | None  # why rejected, or why reversed
    note: str | None


@dataclass(frozen=True)
class Waiver:
    waiver_id: int
    member: str
    first_month: str
    last_month: str
    note: str
    recorded_by: str | None
    at: datetime  # local
    reversed_at: datetime | None  # local; None: in force


@dataclass(frozen=True)
class DuesRecord:
    first: str
    last: str
    book: Ledger
    members: list[Person]  # those with a line, by party group then name
    payments: list[Payment]
    waivers: list[Waiver]


def _local(moment: datetime, zone: ZoneInfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


async def dues_record(session: AsyncSession, branch: Branch, first: str, last: str) -> DuesRecord:
    """The branch's dues from month ``first`` to ``last`` (both included)."""
    zone = ZoneInfo(branch.timezone)
    book = await ledger(session, branch.id, first, last)
    ids = select(DuesAllocation.payment_id).join(DuesPayment, DuesPayment.id == DuesAllocation.payment_id).where(
        DuesPayment.branch_id == branch.id, DuesAllocation.month >= first, DuesAllocation.month <= last)
    found = (await session.execute(
        select(DuesPayment.id, DuesPayment.created_at, DuesPayment.member_id, DuesPayment.amount_fen,
               DuesPayment.method, DuesPayment.payer_id, DuesPayment.status, DuesPayment.reverses_id,
               DuesPayment.reason, DuesPayment.note)
        .where(DuesPayment.id.in_(ids)).order_by(DuesPayment.created_at, DuesPayment.id))).all()
    months: dict[int, list[str]] = defaultdict(list)
    if found:  # every month each payment covers, also those outside the period
        for payment_id, month in await session.execute(
                select(DuesAllocation.payment_id, DuesAllocation.month)
                .where(DuesAllocation.payment_id.in_(ids)).order_by(DuesAllocation.month)):
            months[payment_id].append(month)
    waivers = list(await session.scalars(select(DuesWaiver).where(
        DuesWaiver.branch_id == branch.id, DuesWaiver.first_month <= last, DuesWaiver.last_month >= first)
        .order_by(DuesWaiver.created_at, DuesWaiver.id)))
    reversed_at = {w.reverses_id: w.created_at for w in waivers if w.reverses_id is not None}
    people = {p.member_id for p in found} | {p.payer_id for p in found if p.payer_id} | {w.member_id for w in waivers} \
        | {w.recorded_by for w in waivers if w.recorded_by}
    names = {m.id: m.name for m in book.members.values()}
    missing = people - set(names)
    if missing:
        names.update((m.id, m.name) for m in await session.scalars(select(Member).where(Member.id.in_(missing))))
    payments = [Payment(pid, _local(at, zone), names[member_id], tuple(months[pid]),
                        from_fen(fen) if fen is not None else None, method, names.get(payer) if payer else None,
                        status, reverses, reason, note)
                for pid, at, member_id, fen, method, payer, status, reverses, reason, note in found]
    kept = [Waiver(w.id, names[w.member_id], w.first_month, w.last_month, w.note,
                   names.get(w.recorded_by) if w.recorded_by else None, _local(w.created_at, zone),
                   _local(reversed_at[w.id], zone) if w.id in reversed_at else None)
            for w in waivers if w.reverses_id is None]
    members = sorted((Person(m.id, m.name, m.party_group) for m in book.members.values()),
                     key=lambda p: (p.party_group or "\uffff", p.name, p.member_id))
    return DuesRecord(first, last, book, members, payments, kept)
