"""``python -m bench.dues_ledger``: the 党费收缴台账 of a 500-member branch for a year, against a plain query.

In-process, one fresh database: a branch of N members (default 500) in 10 Party groups, on the roster
since December of the year before, except 20 activists admitted as probationary members in June and
15 members transferred out in September. Each has a monthly amount (four bands, one change in July
for a tenth of them); for 2026 nearly every month owed is paid by a confirmed payment (one month in
twelve left unpaid, one payment in four covering two months, one in twenty paid by another member:
代缴), with self-reports waiting for confirmation and rejected ones now and then, a tenth of the
members recorded twice once and corrected by a reversal, and a waiver (减免) of two months for one
member in twenty. The rows are written in bulk. Then, in turns, several times:

- the plain query: the same year's allocations joined with their payments and members, fetched;
- the 党费收缴台账 for 2026 as /export makes it: read (``storage.ledgers.dues.dues_record``, which is
  ``storage.dues.ledger.ledger`` plus the payments and waivers), laid out
  (``handlers.ledgers.books.dues_book``, in Chinese) and written to .xlsx bytes
  (``handlers.kit.workbook.write``), each part timed.

It prints wall and CPU milliseconds (on a machine others keep busy the CPU figure is the steadier
one) and the ratio to the plain query. Target (issue 11): under 2 s for 500 members and a year; the
exit status is 1 if the median wall time is not.

    python -m bench.dues_ledger                       SQLite (a fresh file)
    python -m bench.dues_ledger --members 2000        a larger branch
    python -m bench.dues_ledger --postgres DSN        PostgreSQL (its public schema is dropped first!)
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

from bench.checkin import fresh_database
from bench.common import Laps, branch_with_roster, in_turns, parts_header, parts_row, plain_row, size_options
from bot.i18n import Catalogs
from handlers.kit import workbook
from handlers.ledgers import books
from storage.db import Database
from storage.ledgers.dues import dues_record
from storage.models import (
    Branch,
    DuesAllocation,
    DuesAmount,
    DuesPayment,
    DuesWaiver,
    Member,
    MembershipChange,
)
from storage.roster.members import MemberData
from storage.rules import periods
from storage.rules.vocabulary import DuesCategory, MembershipEvent, PartyStatus

ZONE = ZoneInfo("Asia/Shanghai")
YEAR = 2026
GROUPS = 10
NOW = datetime(YEAR, 12, 31, 20, 0, tzinfo=ZONE).astimezone(UTC)
BANDS = (1000, 1500, 3000, 4500)  # 分 a month
METHODS = ("cash", "wechat", "alipay", "transfer")
MONTHS = [f"{YEAR}-{m:02d}" for m in range(1, 13)]


def _at(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(YEAR, month, day, hour, tzinfo=ZONE).astimezone(UTC)


async def seed(url: str, count: int) -> dict[str, int]:
    """The branch and its year of dues; what was written, by table."""
    rng = random.Random(10)
    db = Database(url)
    before = datetime(YEAR - 1, 12, 1, tzinfo=UTC)
    try:
        async with db.session() as session:
            admitted = set(range(count // 25, 2 * (count // 25)))  # 4% (20 of 500), admitted in June
            rows = [MemberData(name=f"党员{i:04d}", status=PartyStatus.ACTIVIST if i in admitted else PartyStatus.FULL,
                               party_group=f"第{i % GROUPS + 1}党小组") for i in range(count - 1)]
            branch, founder, people = await branch_with_roster(session, rows, before)
            await session.execute(update(MembershipChange).values(at=before))
            by_name = {m.name: m for m in people}
            june, september = _at(6, 18), _at(9, 5)
            changes = []
            for i in admitted:
                m = by_name[f"党员{i:04d}"]
                m.status = PartyStatus.PROBATIONARY
                changes.append(dict(member_id=m.id, at=june, event=MembershipEvent.ADMITTED, status=m.status,
                                    party_group=m.party_group, active=True))
            leaving = [by_name[f"党员{i:04d}"] for i in range(count // 5, count // 5 + count * 3 // 100)]  # 3%, September
            for m in leaving:
                m.active, m.left_at = False, september
                changes.append(dict(member_id=m.id, at=september, event=MembershipEvent.TRANSFERRED_OUT,
                                    status=m.status, party_group=m.party_group, active=False))
            await session.execute(insert(MembershipChange), changes)
            owed_from = {m.id: 6 if m.name in {f"党员{i:04d}" for i in admitted} else 1 for m in people}
            owed_to = {m.id: 9 if m in leaving else 12 for m in people}
            amounts, fen = [], {}
            for n, m in enumerate(people):
                fen[m.id] = BANDS[n % len(BANDS)]
                amounts.append(dict(member_id=m.id, effective_month=f"{YEAR}-01", category=DuesCategory.EMPLOYED,
                                    basis_fen=fen[m.id] * 100, amount_fen=fen[m.id], extra_fen=0, source="set",
                                    recorded_by=founder.id, created_at=before))
                if n % 10 == 0:
                    amounts.append(dict(member_id=m.id, effective_month=f"{YEAR}-07", category=DuesCategory.EMPLOYED,
                                        basis_fen=fen[m.id] * 150, amount_fen=fen[m.id] * 3 // 2, extra_fen=0,
                                        source="set", recorded_by=founder.id, created_at=_at(7, 1)))
            await session.execute(insert(DuesAmount), amounts)

            def monthly(member_id: int, month: int) -> int:
                n = people.index(by_id[member_id])
                return fen[member_id] * 3 // 2 if n % 10 == 0 and month >= 7 else fen[member_id]

            by_id = {m.id: m for m in people}
            payments, shares, twice = [], [], set()  # shares: one list of (month, fen) per payment
            for n, m in enumerate(people):
                month = owed_from[m.id]
                while month <= owed_to[m.id]:
                    span = 2 if rng.random() < 0.25 and month < owed_to[m.id] else 1
                    covered = list(range(month, month + span))
                    month += span
                    if rng.random() < 1 / 12:
                        continue  # left unpaid
                    roll = rng.random()
                    status = "pending" if roll < 0.02 else "rejected" if roll < 0.03 else "confirmed"
                    payer = people[(n + 1) % len(people)].id if rng.random() < 0.05 else None
                    parts = [(f"{YEAR}-{c:02d}", monthly(m.id, c)) for c in covered]
                    entered = _at(covered[-1], 20)
                    payments.append(dict(
                        branch_id=branch.id, member_id=m.id, payer_id=payer, amount_fen=sum(f for _, f in parts),
                        method=rng.choice(METHODS), status=status, source="self" if status != "confirmed" else "officer",
                        reported_by=m.id, created_at=entered, decided_by=founder.id if status != "pending" else None,
                        decided_at=entered if status != "pending" else None,
                        reason="没有收到" if status == "rejected" else None))
                    shares.append(parts)
                if n % 10 == 5:  # recorded twice once: the second is corrected below
                    parts = [(f"{YEAR}-{owed_from[m.id]:02d}", monthly(m.id, owed_from[m.id]))]
                    twice.add(len(payments))
                    payments.append(dict(branch_id=branch.id, member_id=m.id, payer_id=None,
                                         amount_fen=parts[0][1], method="cash", status="confirmed", source="officer",
                                         reported_by=founder.id, created_at=_at(owed_from[m.id], 21),
                                         decided_by=founder.id, decided_at=_at(owed_from[m.id], 21)))
                    shares.append(parts)
            ids = list(await session.scalars(insert(DuesPayment).returning(DuesPayment.id), payments))
            allocations = []
            for payment_id, parts, row in zip(ids, shares, payments, strict=True):
                allocations += [dict(payment_id=payment_id, member_id=row["member_id"], month=month, amount_fen=f)
                                for month, f in parts]
            reversals, reversal_parts = [], []
            for k, (payment_id, parts, row) in enumerate(zip(ids, shares, payments, strict=True)):
                if k in twice:
                    reversals.append(dict(branch_id=branch.id, member_id=row["member_id"], payer_id=None,
                                          amount_fen=-row["amount_fen"], method="cash", status="confirmed",
                                          source="reversal", reported_by=founder.id, created_at=row["created_at"],
                                          decided_by=founder.id, decided_at=row["created_at"], reason="重复登记",
                                          reverses_id=payment_id))
                    reversal_parts.append(parts)
            reversal_ids = list(await session.scalars(insert(DuesPayment).returning(DuesPayment.id), reversals))
            for payment_id, parts, row in zip(reversal_ids, reversal_parts, reversals, strict=True):
                allocations += [dict(payment_id=payment_id, member_id=row["member_id"], month=month, amount_fen=-f)
                                for month, f in parts]
            await session.execute(insert(DuesAllocation), allocations)
            waivers = [dict(branch_id=branch.id, member_id=m.id, first_month=f"{YEAR}-10", last_month=f"{YEAR}-11",
                            note="支委会决定：生活困难", recorded_by=founder.id, created_at=_at(10, 8))
                       for n, m in enumerate(people) if n % 20 == 3 and m not in leaving]
            await session.execute(insert(DuesWaiver), waivers)
            return {"members": len(people), "payments": len(payments) + len(reversals), "allocations": len(allocations),
                    "waivers": len(waivers), "branch": branch.id}
    finally:
        await db.dispose()


async def plain_query(db: Database, branch_id: int) -> int:
    """The same year's payment rows, fetched and nothing else: each allocation with its payment and member."""
    async with db.read() as session:
        result = await session.execute(
            select(DuesAllocation.month, DuesAllocation.amount_fen, DuesPayment.status, DuesPayment.method,
                   DuesPayment.created_at, DuesPayment.payer_id, Member.name, Member.party_group)
            .join(DuesPayment, DuesPayment.id == DuesAllocation.payment_id)
            .join(Member, Member.id == DuesAllocation.member_id)
            .where(DuesPayment.branch_id == branch_id, DuesAllocation.month >= MONTHS[0],
                   DuesAllocation.month <= MONTHS[-1]))
        return len(result.all())


async def ledger(db: Database, branch_id: int, t, laps: Laps) -> tuple[int, int, object]:
    """(data rows written, file bytes, the record) of the year's 党费收缴台账, each part timed in ``laps``."""
    period = periods.year(YEAR)
    async with db.read() as session:
        branch = await session.get(Branch, branch_id)
        record = await dues_record(session, branch, MONTHS[0], MONTHS[-1])
        name = branch.name
    laps.lap("read")
    heading = books.Heading(name, period, books.DUES_LEDGER, "李书记", NOW.astimezone(ZONE).replace(tzinfo=None),
                            period.last)
    book = books.dues_book(t, heading, record)
    laps.lap("lay out")
    data = workbook.write(book)
    laps.lap("write")
    return sum(len(s.rows) for s in book.sheets), len(data), record


async def main(argv: list[str] | None = None) -> int:
    args = size_options("python -m bench.dues_ledger", __doc__, argv)
    t = Catalogs().gettext("zh_CN")
    with tempfile.TemporaryDirectory(prefix="bench-dues-ledger-") as tmp:
        url = args.postgres or f"sqlite+aiosqlite:///{tmp}/bench.db"
        await fresh_database(url)
        clock = time.perf_counter()
        seeded = await seed(url, args.members)
        print(f"{'PostgreSQL' if args.postgres else 'SQLite'}: {seeded['members']} members, {seeded['payments']} "
              f"payments, {seeded['allocations']} allocations, {seeded['waivers']} waivers in {YEAR} "
              f"(seeded in {time.perf_counter() - clock:.1f} s)")
        db = Database(url)
        try:
            async def plain(laps: Laps) -> int:
                fetched = await plain_query(db, seeded["branch"])
                laps.lap("query")
                assert fetched == seeded["allocations"], (fetched, seeded)
                return fetched

            samples = await in_turns(args.runs, {"plain": plain, "ledger": partial(ledger, db, seeded["branch"], t)})
        finally:
            await db.dispose()
    fetched = samples["plain"].last
    written, size, record = samples["ledger"].last
    totals = record.book.totals()
    print(parts_header(26))
    for label, cpu in (("wall", False), ("CPU", True)):
        base = samples["plain"].medians(cpu)["total"]
        print(plain_row("plain query, " + label, 26, base, fetched))
        print(parts_row("党费收缴台账 2026, " + label, 20, samples["ledger"].medians(cpu), base, written, size))
    med = samples["ledger"].medians()
    print(f"medians of {args.runs} runs; {len(record.members)} members in the grid, owed {totals.owed} 元, "
          f"paid {totals.paid} 元, waived {totals.waived} 元, outstanding {totals.outstanding} 元")
    ok = med["total"] < 2.0
    print(f"target: under 2 s for the year's ledger: {'met' if ok else 'NOT met'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
