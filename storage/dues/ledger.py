"""Reading the dues ledger: per member and month, what was owed, paid, waived and is outstanding.

``ledger(session, branch_id, first, last)`` is the one read every view, reminder, summary and
export builds on. It runs a fixed handful of queries whatever the size of the branch or the
range (the members, their history, amounts, allocations summed per member/month/status in SQL,
waivers) and does the rest in memory, so 500 members over 12 months is one quick call.

For every member-month the member owed (by membership history) it holds a ``Line`` where

    owed = paid + waived + outstanding

whenever ``owed`` is known; money received beyond what was owed is ``extra`` (a voluntary
payment), money in self-reports not yet confirmed is ``pending`` and counts for nothing else.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.branches import BranchSettings
from storage.models import Branch, DuesAllocation, DuesAmount, DuesPayment, DuesWaiver, Member, MembershipChange
from storage.rules import dues as rules
from storage.rules.dues import ZERO, from_fen
from storage.rules.vocabulary import PARTY_MEMBERS, DuesCategory

PENDING, CONFIRMED, REJECTED = "pending", "confirmed", "rejected"


@dataclass(frozen=True)
class Holding:
    """The monthly amount that holds for a member in a month, and where it comes from."""

    category: DuesCategory | None
    basis: Decimal | None  # income or pension; private
    amount: Decimal | None  # owed a month; None: not known yet (no basis declared)
    extra: Decimal  # voluntary, never owed
    source: str  # declared, set, confirmed, table (a fixed category, no entry), none
    effective_month: str | None


@dataclass(frozen=True)
class Line:
    member_id: int
    month: str
    owing: bool  # the member owed dues this month (a Party member on the roster then)
    owed: Decimal | None  # None: the amount is not known (no basis declared)
    paid: Decimal  # confirmed money counted against what was owed
    extra: Decimal  # confirmed money beyond it (voluntary)
    waived: Decimal  # settled by a waiver (减免), not paid
    outstanding: Decimal | None
    pending: Decimal  # in self-reports awaiting confirmation (known amounts)
    pending_unknown: bool  # a pending self-report of "what I owe" with the amount not known yet
    waiver: bool

    @property
    def settled(self) -> bool:
        if not self.owing:
            return True
        if self.owed is None:
            return self.waiver or self.paid > 0
        return self.outstanding == ZERO

    @property
    def received(self) -> Decimal:
        return self.paid + self.extra


@dataclass
class Totals:
    owed: Decimal = ZERO  # known amounts only
    paid: Decimal = ZERO
    extra: Decimal = ZERO
    waived: Decimal = ZERO
    outstanding: Decimal = ZERO  # known amounts only
    pending: Decimal = ZERO
    unknown: int = 0  # member-months owed whose amount is not known
    owing: int = 0  # member-months owed
    settled: int = 0  # of them, settled (paid or waived)
    paid_known: Decimal = ZERO  # paid in the months whose amount is known: set against ``owed``

    def add(self, line: Line) -> None:
        self.paid += line.paid
        self.extra += line.extra
        self.waived += line.waived
        self.pending += line.pending
        if line.owing:
            self.owing += 1
            self.settled += line.settled
            if line.owed is None:
                self.unknown += 1
            else:
                self.owed += line.owed
                self.paid_known += line.paid
                self.outstanding += line.outstanding or ZERO

    @property
    def collected(self) -> Decimal:
        """What a collection rate counts against ``owed``: paid or waived, in the months whose amount is known."""
        return self.paid_known + self.waived


@dataclass
class Ledger:
    branch_id: int
    first: str
    last: str
    members: dict[int, Member]  # everyone with a line, by id
    lines: dict[tuple[int, str], Line] = field(default_factory=dict)
    holdings: dict[tuple[int, str], Holding] = field(default_factory=dict)  # for the months owed
    _by: tuple | None = field(default=None, repr=False, compare=False)

    @property
    def months(self) -> list[str]:
        return list(rules.months_from(self.first, self.last))

    def line(self, member_id: int, month: str) -> Line | None:
        return self.lines.get((member_id, month))

    def of_member(self, member_id: int) -> list[Line]:
        """The member's lines, month by month."""
        return self._index()[0].get(member_id, [])

    def of_month(self, month: str) -> list[Line]:
        return self._index()[1].get(month, [])

    def _index(self) -> tuple[dict[int, list[Line]], dict[str, list[Line]]]:
        if self._by is None or self._by[2] != len(self.lines):
            by_member: dict[int, list[Line]] = defaultdict(list)
            by_month: dict[str, list[Line]] = defaultdict(list)
            for key in sorted(self.lines):
                line = self.lines[key]
                by_member[key[0]].append(line)
                by_month[key[1]].append(line)
            self._by = (dict(by_member), dict(by_month), len(self.lines))
        return self._by[0], self._by[1]

    def totals(self, lines: Iterable[Line] | None = None) -> Totals:
        totals = Totals()
        for line in self.lines.values() if lines is None else lines:
            totals.add(line)
        return totals

    def member_totals(self, member_id: int) -> Totals:
        return self.totals(self.of_member(member_id))

    def month_totals(self, month: str) -> Totals:
        return self.totals(self.of_month(month))


def holding_at(amounts: list, month: str, member: Member, table: rules.Table) -> Holding:
    """The amount for ``month`` from a member's amount rows (ordered by month, then id)."""
    found = None
    for row in amounts:
        if row.effective_month <= month:
            found = row
        else:
            break
    return _holding(found, member, table)


def _holding(row, member: Member, table: rules.Table) -> Holding:
    """What an amount row (a ``DuesAmount`` or its columns) says; no row: the table's fixed amount, if any."""
    if row is not None:
        return Holding(row.category, from_fen(row.basis_fen) if row.basis_fen is not None else None,
                       from_fen(row.amount_fen), from_fen(row.extra_fen), row.source, row.effective_month)
    category = member.dues_category
    fixed = rules.monthly(table, category) if category and not rules.needs_basis(category) else None
    return Holding(category, None, fixed, ZERO, "table" if fixed is not None else "none", None)


def _changes(rows: list, member: Member, zone: ZoneInfo) -> list[tuple]:
    if not rows:  # a member from before the history was kept: as they are, since they were added
        return [(member.created_at.astimezone(zone).date(), member.active and member.status in PARTY_MEMBERS)]
    return [(r.at.astimezone(zone).date(), r.active and r.status in PARTY_MEMBERS) for r in rows]


async def ledger(session: AsyncSession, branch_id: int, first: str, last: str, *,
                 member_ids: Iterable[int] | None = None) -> Ledger:
    """The ledger of a branch from month ``first`` to ``last`` ("YYYY-MM", both included), for all
    its members (also those who have left, for the months they owed) or only ``member_ids``."""
    branch = await session.get(Branch, branch_id)
    zone = ZoneInfo(branch.timezone)
    table = rules.table(BranchSettings.of(branch).values)
    wanted = list(member_ids) if member_ids is not None else None

    def only(stmt, column):
        return stmt.where(column.in_(wanted)) if wanted is not None else stmt

    members = {m.id: m for m in await session.scalars(only(select(Member).where(Member.branch_id == branch_id), Member.id))}
    # History and amounts are read as columns, not ORM objects: a year of a big branch is thousands of rows.
    history: dict[int, list] = defaultdict(list)
    for row in await session.execute(only(
            select(MembershipChange.member_id, MembershipChange.at, MembershipChange.active, MembershipChange.status)
            .join(Member, Member.id == MembershipChange.member_id)
            .where(Member.branch_id == branch_id), MembershipChange.member_id)
            .order_by(MembershipChange.member_id, MembershipChange.at, MembershipChange.id)):
        history[row.member_id].append(row)
    amounts: dict[int, list] = defaultdict(list)
    for row in await session.execute(only(
            select(DuesAmount.member_id, DuesAmount.effective_month, DuesAmount.category, DuesAmount.basis_fen,
                   DuesAmount.amount_fen, DuesAmount.extra_fen, DuesAmount.source)
            .join(Member, Member.id == DuesAmount.member_id)
            .where(Member.branch_id == branch_id, DuesAmount.effective_month <= last), DuesAmount.member_id)
            .order_by(DuesAmount.member_id, DuesAmount.effective_month, DuesAmount.id)):
        amounts[row.member_id].append(row)
    money: dict[tuple[int, str, str], tuple[int, int]] = {}
    for member_id, month, status, fen, unknown in await session.execute(only(
            select(DuesAllocation.member_id, DuesAllocation.month, DuesPayment.status,
                   func.coalesce(func.sum(DuesAllocation.amount_fen), 0),
                   func.count() - func.count(DuesAllocation.amount_fen))
            .join(DuesPayment, DuesPayment.id == DuesAllocation.payment_id)
            .where(DuesPayment.branch_id == branch_id, DuesPayment.status.in_((PENDING, CONFIRMED)),
                   DuesAllocation.month >= first, DuesAllocation.month <= last), DuesAllocation.member_id)
            .group_by(DuesAllocation.member_id, DuesAllocation.month, DuesPayment.status)):
        money[member_id, month, status] = (int(fen), int(unknown))
    waived: set[tuple[int, str]] = set()
    for waiver in await active_waivers(session, branch_id, first, last, wanted):
        for month in rules.months_from(max(waiver.first_month, first), min(waiver.last_month, last)):
            waived.add((waiver.member_id, month))

    result = Ledger(branch_id, first, last, {})
    paid_months: dict[int, set[str]] = defaultdict(set)
    for m, mo, _ in money:
        paid_months[m].add(mo)
    for member_id, member in members.items():
        owed_months = set(rules.months_owed(_changes(history.get(member_id, []), member, zone), first, last))
        own, step, holding = amounts.get(member_id, []), 0, None
        for month in sorted(owed_months | paid_months.get(member_id, set())):
            owing = month in owed_months
            if owing:  # the amount rows are in month order: move on to the one holding this month
                while step < len(own) and own[step].effective_month <= month:
                    step, holding = step + 1, None
                if holding is None:
                    holding = _holding(own[step - 1] if step else None, member, table)
                result.holdings[member_id, month] = holding
            confirmed = from_fen(money.get((member_id, month, CONFIRMED), (0, 0))[0])
            pending_fen, pending_unknown = money.get((member_id, month, PENDING), (0, 0))
            result.lines[member_id, month] = _line(member_id, month, owing, holding.amount if owing else ZERO,
                                                   confirmed, from_fen(pending_fen), pending_unknown > 0,
                                                   (member_id, month) in waived)
            result.members[member_id] = member
    return result


def _line(member_id: int, month: str, owing: bool, owed: Decimal | None, received: Decimal, pending: Decimal,
          pending_unknown: bool, waiver: bool) -> Line:
    if not owing:
        return Line(member_id, month, False, ZERO, ZERO, max(received, ZERO), ZERO, ZERO, pending, pending_unknown, False)
    if owed is None:
        return Line(member_id, month, True, None, max(received, ZERO), ZERO, ZERO, None, pending, pending_unknown, waiver)
    paid = min(max(received, ZERO), owed)
    rest = owed - paid
    waived_amount = rest if waiver else ZERO
    return Line(member_id, month, True, owed, paid, max(received, ZERO) - paid, waived_amount, rest - waived_amount,
                pending, pending_unknown, waiver)


async def active_waivers(session: AsyncSession, branch_id: int, first: str, last: str,
                         member_ids: list[int] | None = None) -> list[DuesWaiver]:
    """Waivers overlapping the months, neither a reversal nor reversed."""
    reversed_ids = select(DuesWaiver.reverses_id).where(DuesWaiver.reverses_id.is_not(None))
    stmt = select(DuesWaiver).where(
        DuesWaiver.branch_id == branch_id, DuesWaiver.reverses_id.is_(None), DuesWaiver.id.not_in(reversed_ids),
        DuesWaiver.first_month <= last, DuesWaiver.last_month >= first,
    )
    if member_ids is not None:
        stmt = stmt.where(DuesWaiver.member_id.in_(member_ids))
    return list(await session.scalars(stmt.order_by(DuesWaiver.id)))


async def holding(session: AsyncSession, member: Member, month: str) -> Holding:
    """The monthly amount that holds for ``member`` in ``month``."""
    branch = await session.get(Branch, member.branch_id)
    rows = list(await session.scalars(
        select(DuesAmount).where(DuesAmount.member_id == member.id, DuesAmount.effective_month <= month)
        .order_by(DuesAmount.effective_month, DuesAmount.id)))
    return holding_at(rows, month, member, rules.table(BranchSettings.of(branch).values))


async def keeping(session: AsyncSession, among=None) -> set[int]:
    """The branches (of ``among``: ids or a subquery of them; None: all) that keep their dues in the
    ledger: some member has an amount set or declared."""
    stmt = select(Member.branch_id).join(DuesAmount, DuesAmount.member_id == Member.id).distinct()
    return set(await session.scalars(stmt if among is None else stmt.where(Member.branch_id.in_(among))))


async def keeps_dues(session: AsyncSession, branch_id: int) -> bool:
    return branch_id in await keeping(session, [branch_id])


async def first_owed(session: AsyncSession, member: Member) -> str | None:
    """The first month the member owed dues (their admission, or when the ledger first knew them)."""
    branch = await session.get(Branch, member.branch_id)
    zone = ZoneInfo(branch.timezone)
    rows = list(await session.scalars(
        select(MembershipChange).where(MembershipChange.member_id == member.id)
        .order_by(MembershipChange.at, MembershipChange.id)))
    changes = _changes(rows, member, zone)
    starts = [day for day, party in changes if party]
    return rules.month_of(starts[0]) if starts else None


async def owed_months(session: AsyncSession, member: Member, first: str, last: str) -> list[str]:
    branch = await session.get(Branch, member.branch_id)
    rows = list(await session.scalars(
        select(MembershipChange).where(MembershipChange.member_id == member.id)
        .order_by(MembershipChange.at, MembershipChange.id)))
    return rules.months_owed(_changes(rows, member, ZoneInfo(branch.timezone)), first, last)


async def payments_of(session: AsyncSession, member_id: int, limit: int = 30) -> list[tuple[DuesPayment, list[DuesAllocation]]]:
    """A member's payments, newest first, each with the months it covers (reversals included)."""
    payments = list(await session.scalars(
        select(DuesPayment).where(DuesPayment.member_id == member_id).order_by(DuesPayment.id.desc()).limit(limit)))
    return await _with_allocations(session, payments)


async def pending(session: AsyncSession, branch_id: int, limit: int = 50) -> list[tuple[DuesPayment, list[DuesAllocation]]]:
    """Self-reports waiting for an officer, oldest first."""
    payments = list(await session.scalars(
        select(DuesPayment).where(DuesPayment.branch_id == branch_id, DuesPayment.status == PENDING)
        .order_by(DuesPayment.id).limit(limit)))
    return await _with_allocations(session, payments)


async def _with_allocations(session: AsyncSession, payments: list[DuesPayment]):
    if not payments:
        return []
    by_payment: dict[int, list[DuesAllocation]] = defaultdict(list)
    for row in await session.scalars(select(DuesAllocation).where(
            DuesAllocation.payment_id.in_([p.id for p in payments])).order_by(DuesAllocation.month)):
        by_payment[row.payment_id].append(row)
    return [(p, by_payment[p.id]) for p in payments]


async def get_payment(session: AsyncSession, payment_id: int) -> DuesPayment | None:
    return await session.get(DuesPayment, payment_id)


async def allocations(session: AsyncSession, payment_id: int) -> list[DuesAllocation]:
    return list(await session.scalars(
        select(DuesAllocation).where(DuesAllocation.payment_id == payment_id).order_by(DuesAllocation.month)))


async def amount_history(session: AsyncSession, member_id: int) -> list[DuesAmount]:
    return list(await session.scalars(
        select(DuesAmount).where(DuesAmount.member_id == member_id).order_by(DuesAmount.effective_month, DuesAmount.id)))


async def waivers_of(session: AsyncSession, member_id: int) -> list[DuesWaiver]:
    return list(await session.scalars(select(DuesWaiver).where(DuesWaiver.member_id == member_id).order_by(DuesWaiver.id)))
