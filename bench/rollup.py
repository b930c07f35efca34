"""``python -m bench.rollup``: the committee roll-up over 1,000 branches, at 10,000 and 100,000 members.

    python -m bench.rollup                          SQLite, 1,000 branches, 10,000 and 100,000 members
    python -m bench.rollup --members 10000 50000    other sizes (any number of them, smallest first)
    python -m bench.rollup --branches 100           fewer branches
    BRANCHBOT_BENCH_POSTGRES=postgresql+asyncpg://postgres@127.0.0.1:5432/test python -m bench.rollup
                                                    also PostgreSQL (its schema public is DROPPED first!)

For each backend and size: a fresh database with one committee and every branch linked; each
branch has its members (full, probationary, activists, in three party groups, with their
history), a year of activities (12 theme days, 12 committee meetings, 36 party group meetings,
4 general meetings, 4 lectures, a few called off) and an attendance row for everyone expected
at each (present, on leave or absent). The data is written with bulk inserts and INSERT ...
SELECT, not one row at a time. The year's roll-up is computed once before any dues totals are kept
(each branch's dues ledger asked), then the calendar's refresh of the totals is timed. Then the
roll-up is computed (storage.committee.rollup.compute, what /rollup does before wording it) for a
month, a quarter and the year, best of three each,
next to a plain aggregate query over the same attendance rows (count and sum by branch) in the
same run: the ratio says what the roll-up costs beyond reading its rows once. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, case, cast, func, insert, literal, select, text, union_all

from storage.committee import committees as committee_store
from storage.committee import rollup as rollup_store
from storage.db import Database
from storage.dues import totals as dues_totals
from storage.models import (
    Activity,
    Attendance,
    Branch,
    Committee,
    CommitteeLink,
    CommitteeOfficer,
    DuesAllocation,
    DuesAmount,
    DuesPayment,
    DuesWaiver,
    Member,
    MembershipChange,
    ServiceCategory,
    ServiceReport,
    ServiceTeammate,
)
from storage.rules.dues import months_from
from storage.rules.periods import parse_period
from storage.rules.vocabulary import ActivityKind, AttendanceStatus, Audience, MembershipEvent, PartyStatus

ZONE = ZoneInfo("Asia/Shanghai")
YEAR = 2026
NOW = datetime(YEAR + 1, 1, 5, 4, 0, tzinfo=UTC)  # the year is over: every figure counts
GROUPS = ("第一党小组", "第二党小组", "第三党小组")
OFFICERS_PER_BRANCH = 5
PERIODS = (f"{YEAR}-11", f"{YEAR}Q4", str(YEAR))
CHUNK = 20_000
POSTGRES = os.environ.get("BRANCHBOT_BENCH_POSTGRES")


def local(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).astimezone(UTC)


async def bulk(session, model, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        await session.execute(insert(model), rows[i:i + CHUNK])


async def generate(db: Database, branches: int, members: int) -> int:
    """The committee (its id) and its world; see the module's note."""
    per_branch = max(1, members // branches)
    start = datetime(YEAR - 1, 6, 1, tzinfo=UTC)
    async with db.session() as s:
        committee = Committee(name="基准党委", timezone="Asia/Shanghai", locale="zh_CN", settings={},
                              created_by_user_id=1, created_at=start, join_code=None)
        s.add(committee)
        await s.flush()
        s.add(CommitteeOfficer(committee_id=committee.id, telegram_user_id=1, name="书记", role="secretary", added_at=start))
        await bulk(s, Branch, [dict(chat_id=-10**12 - b, name=f"第{b:04d}党支部", timezone="Asia/Shanghai", locale="zh_CN",
                                    settings={}, created_at=start) for b in range(branches)])
        branch_ids = list(await s.scalars(select(Branch.id).order_by(Branch.id)))
        await s.execute(insert(CommitteeLink).from_select(
            ["committee_id", "branch_id", "status", "requested_by_user_id", "requested_at"],
            select(literal(committee.id), Branch.id, literal("approved"), literal(1), literal(start, Branch.created_at.type))))
        rows = []
        for b in branch_ids:
            for m in range(per_branch):
                status = (PartyStatus.ACTIVIST if m % 10 == 9 else PartyStatus.PROBATIONARY if m % 10 == 8
                          else PartyStatus.FULL)
                rows.append(dict(branch_id=b, name=f"成员{m}" if m >= OFFICERS_PER_BRANCH else f"支委{m}", status=status,
                                 party_group=GROUPS[m % 3], active=m % 50 != 49, created_at=start, mobile=False))
        await bulk(s, Member, rows)
        # History: everyone added before the year; probationary members admitted in June; a few left in
        # the autumn (active = false above): their second row says so.
        await s.execute(insert(MembershipChange).from_select(
            ["member_id", "at", "event", "status", "party_group", "active"],
            select(Member.id, literal(start, MembershipChange.at.type), literal(MembershipEvent.ADDED.value),
                   case((Member.status == PartyStatus.PROBATIONARY, PartyStatus.ACTIVIST.value), else_=Member.status),
                   Member.party_group, literal(True))))
        await s.execute(insert(MembershipChange).from_select(
            ["member_id", "at", "event", "status", "party_group", "active"],
            select(Member.id, literal(datetime(YEAR, 6, 15, tzinfo=UTC), MembershipChange.at.type),
                   case((Member.active, literal(MembershipEvent.ADMITTED.value)), else_=MembershipEvent.TRANSFERRED_OUT.value),
                   Member.status, Member.party_group, Member.active)
            .where((Member.status == PartyStatus.PROBATIONARY) | ~Member.active)))
        activities = []
        for b in branch_ids:
            plan = []
            for month in range(1, 13):
                plan.append((ActivityKind.THEME_DAY, Audience.BRANCH, None, date(YEAR, month, 5)))
                plan.append((ActivityKind.COMMITTEE_MEETING, Audience.COMMITTEE, None, date(YEAR, month, 10)))
                plan += [(ActivityKind.GROUP_MEETING, Audience.GROUP, g, date(YEAR, month, 15 + i)) for i, g in enumerate(GROUPS)]
                if month % 3 == 0:
                    plan.append((ActivityKind.GENERAL_MEETING, Audience.BRANCH, None, date(YEAR, month, 20)))
                    plan.append((ActivityKind.PARTY_LECTURE, Audience.BRANCH, None, date(YEAR, month, 25)))
            for n, (kind, audience, group, day) in enumerate(plan):
                starts = local(day, 9)
                skipped = (b + n) % 97 == 0  # now and then one is called off or missed
                activities.append(dict(branch_id=b, kind=kind, title=str(kind), starts_at=starts,
                                       ends_at=starts + timedelta(hours=2), audience=audience, audience_group=group,
                                       checkin_opens_at=starts - timedelta(minutes=30),
                                       checkin_closes_at=starts + timedelta(hours=3), qr_secret="bench", created_at=start,
                                       cancelled=skipped, roster_frozen_at=None if skipped else starts - timedelta(minutes=30),
                                       onsite=False, allow_remote=True))
        await bulk(s, Activity, activities)
        # Who was expected, and what became of them: present, on leave or absent, spread by the ids.
        spread = (Activity.id * 7 + Member.id * 13) % 20
        status = case((spread < 16, AttendanceStatus.PRESENT.value), (spread < 18, AttendanceStatus.ON_LEAVE.value),
                      else_=AttendanceStatus.ABSENT.value)
        who = ((Activity.audience == Audience.BRANCH.value)
               | ((Activity.audience == Audience.GROUP.value) & (Member.party_group == Activity.audience_group))
               | ((Activity.audience == Audience.COMMITTEE.value) & Member.name.like("支委%")))
        await s.execute(insert(Attendance).from_select(
            ["activity_id", "member_id", "expected", "party_status", "party_group", "status", "updated_at"],
            select(Activity.id, Member.id, literal(True), Member.status, Member.party_group, status, Activity.starts_at)
            .join(Member, Member.branch_id == Activity.branch_id)
            .where(~Activity.cancelled, Member.active, Member.status != PartyStatus.ACTIVIST, who)))
        await dues(s, start)
        await service(s, start)
        return committee.id


def _months():
    """Each month of the year with its quarter: (q, month) rows to join against."""
    return union_all(*[select(literal(f"Q{(m - 1) // 3 + 1}").label("q"), literal(f"{YEAR}-{m:02d}").label("month"))
                       for m in range(1, 13)]).subquery()


async def dues(s, start: datetime) -> None:
    """Every Party member has an amount (5 to 11 元 a month, set the year before); nine in ten pay each
    quarter in one confirmed payment allocated to its three months, the others owe it; one in a
    hundred has the third quarter waived; one branch in twenty keeps no dues here at all."""
    fen = 500 + (Member.id % 7) * 100
    keeps = (Member.status != PartyStatus.ACTIVIST) & (Member.branch_id % 20 != 0)
    await s.execute(insert(DuesAmount).from_select(
        ["member_id", "effective_month", "category", "basis_fen", "amount_fen", "extra_fen", "source", "created_at"],
        select(Member.id, literal(f"{YEAR - 1}-06"), literal("employed"), fen * 200, fen, literal(0), literal("set"),
               literal(start, DuesAmount.created_at.type)).where(keeps)))
    months = _months()
    quarters = select(months.c.q).distinct().subquery()
    await s.execute(insert(DuesPayment).from_select(
        ["branch_id", "member_id", "amount_fen", "method", "status", "source", "created_at", "note"],
        select(Member.branch_id, Member.id, fen * 3, literal("cash"), literal("confirmed"), literal("officer"),
               literal(start, DuesPayment.created_at.type), quarters.c.q)
        .select_from(Member).join(quarters, literal(True))
        .where(keeps, (Member.id + cast(func.substr(quarters.c.q, 2, 1), Integer)) % 10 != 0)))
    await s.execute(insert(DuesAllocation).from_select(
        ["payment_id", "member_id", "month", "amount_fen"],
        select(DuesPayment.id, DuesPayment.member_id, months.c.month, DuesPayment.amount_fen / 3)
        .join(months, months.c.q == DuesPayment.note)))
    await s.execute(insert(DuesWaiver).from_select(
        ["branch_id", "member_id", "first_month", "last_month", "note", "created_at"],
        select(Member.branch_id, Member.id, literal(f"{YEAR}-07"), literal(f"{YEAR}-09"), literal("困难"),
               literal(start, DuesWaiver.created_at.type)).where(keeps, Member.id % 100 == 3)))


async def service(s, start: datetime) -> None:
    """A third of the members report volunteer service each month (approved, some still pending), a
    fifth of them with a teammate who confirmed."""
    await s.execute(insert(ServiceCategory).from_select(
        ["branch_id", "name", "position", "created_at"],
        select(Branch.id, literal("关爱空巢老人"), literal(0), literal(start, ServiceCategory.created_at.type))))
    for month in range(1, 13):
        served = date(YEAR, month, 12)
        await s.execute(insert(ServiceReport).from_select(
            ["branch_id", "member_id", "served_on", "minutes", "category_id", "place", "people_served", "description",
             "status", "created_at", "updated_at"],
            select(Member.branch_id, Member.id, literal(served, ServiceReport.served_on.type),
                   literal(60) + (Member.id % 4) * 30, ServiceCategory.id, literal("社区"), Member.id % 5,
                   literal("服务"), case((Member.id % 9 == 0, "pending"), else_="approved"),
                   literal(start, ServiceReport.created_at.type), literal(start, ServiceReport.updated_at.type))
            .join(ServiceCategory, ServiceCategory.branch_id == Member.branch_id)
            .where(Member.active, (Member.id + month) % 3 == 0)))
    await s.execute(insert(ServiceTeammate).from_select(
        ["report_id", "member_id", "status"],
        select(ServiceReport.id, ServiceReport.member_id + 1, literal("confirmed")).where(ServiceReport.id % 5 == 0, ServiceReport.member_id < select(func.max(Member.id)).scalar_subquery())))


async def plain(session, committee_id: int, period) -> list:
    """The floor: one aggregate query over the period's attendance rows, nothing else."""
    start, end = rollup_store.bounds(period, "Asia/Shanghai")
    rows = await session.execute(
        select(Activity.branch_id, func.count(), func.sum(case((Attendance.status == "present", 1), else_=0)))
        .select_from(Attendance).join(Activity, Activity.id == Attendance.activity_id)
        .where(Activity.branch_id.in_(committee_store.linked_ids(committee_id)), Activity.starts_at >= start,
               Activity.starts_at < end)
        .group_by(Activity.branch_id))
    return list(rows)


async def breakdown(session, committee, period) -> dict[str, float]:
    """Seconds per indicator's source, each on its own (shared reads counted where first made)."""
    start, end = rollup_store.bounds(period, committee.timezone)
    scope = rollup_store.Scope(committee, await committee_store.linked_branches(session, committee.id), period, start,
                               end, min(end - timedelta(microseconds=1), NOW),
                               NOW.astimezone(ZoneInfo(committee.timezone)).date(), NOW)
    found = {}
    for key, source in rollup_store.SOURCES.items():
        began = time.perf_counter()
        await source(session, scope)
        found[key] = time.perf_counter() - began
    return found


async def best_of(n: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(n):
        began = time.perf_counter()
        result = await fn()
        best = min(best, time.perf_counter() - began)
    return best, result


async def fresh(backend: str, workdir: Path) -> Database:
    if backend == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{workdir}/rollup-{time.monotonic_ns()}.db")
    else:
        db = Database(POSTGRES)
        async with db.engine.begin() as conn:
            await conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
    await db.migrate()
    return db


async def measure(backend: str, branches: int, members: int, workdir: Path) -> list[dict]:
    db = await fresh(backend, workdir)
    try:
        began = time.perf_counter()
        committee_id = await generate(db, branches, members)
        made = time.perf_counter() - began
        if backend == "postgres":
            async with db.engine.begin() as conn:
                await conn.execute(text("ANALYZE"))
        async with db.read() as s:
            counts = {m.__tablename__: await s.scalar(select(func.count()).select_from(m))
                      for m in (Member, Activity, Attendance, DuesAllocation, ServiceReport)}
        print(f"  {backend} {members:,} members: generated in {made:.1f} s "
              f"({counts['members']:,} members, {counts['activities']:,} activities, {counts['attendance']:,} attendance rows, "
              f"{counts['dues_allocations']:,} dues allocations, {counts['service_reports']:,} service reports)",
              flush=True)
        # Before the calendar has kept any dues totals (a fresh install, or every branch changed since
        # its last tick): the roll-up asks each branch's ledger. Then the calendar's refresh, then warm.
        year = parse_period(str(YEAR), NOW.date())
        async with db.read() as s:
            committee = await s.get(Committee, committee_id)
            began = time.perf_counter()
            cold = await rollup_store.compute(s, committee, year, NOW)
            cold_seconds = time.perf_counter() - began
        began = time.perf_counter()
        refreshed = await dues_totals.refresh(db, NOW, budget=float("inf"))
        refresh_seconds = time.perf_counter() - began
        print(f"  {backend} {members:,} members: the year's roll-up with no dues totals kept {cold_seconds:.2f} s; "
              f"the calendar's refresh of {refreshed:,} branches x {len(list(months_from(*dues_totals.window(NOW, 'Asia/Shanghai'))))} "
              f"months {refresh_seconds:.1f} s", flush=True)
        results = []
        for label in PERIODS:
            period = parse_period(label, NOW.date())
            async with db.read() as s:
                committee = await s.get(Committee, committee_id)

                async def roll():
                    return await rollup_store.compute(s, committee, period, NOW)

                seconds, rollup = await best_of(3, roll)
                floor, _ = await best_of(3, lambda: plain(s, committee_id, period))
                parts = await breakdown(s, committee, period)
            assert len(rollup.rows) == branches, len(rollup.rows)
            if label == str(YEAR):  # the kept totals say what the ledgers said
                assert [r.cells["dues"].values for r in rollup.rows] == [r.cells["dues"].values for r in cold.rows]
            assert all(r.cells["attendance"].values["expected"] for r in rollup.rows)
            assert sum(r.cells["dues"].values["rate"] is None for r in rollup.rows) == branches // 20
            assert all(r.cells["service"].values["hours"] for r in rollup.rows)
            results.append(dict(backend=backend, members=members, period=label, seconds=seconds, floor=floor,
                                short=sum(r.short for r in rollup.rows), rows=counts["attendance"], parts=parts,
                                cold=cold_seconds if label == str(YEAR) else None, refresh=refresh_seconds))
        return results
    finally:
        await db.dispose()


def report(results: list[dict]) -> bool:
    print()
    print(f"{'backend':9} {'members':>8} {'period':8} {'roll-up s':>9} {'plain s':>8} {'× plain':>8} "
          f"{'× smallest':>10} {'short':>6}  target < 2 s")
    ok = True
    for r in results:
        first = next(x for x in results if x["backend"] == r["backend"] and x["period"] == r["period"])
        growth = r["seconds"] / first["seconds"] if first["seconds"] else float("nan")
        size = r["members"] / first["members"]
        met = r["seconds"] < 2.0
        ok &= met
        print(f"{r['backend']:9} {r['members']:>8,} {r['period']:8} {r['seconds']:9.3f} {r['floor']:8.3f} "
              f"{r['seconds'] / r['floor']:8.1f} {growth:6.1f} /{size:3.0f}× {r['short']:>6}  {'ok' if met else 'SLOW'}  "
              + " ".join(f"{k} {v:.2f}" for k, v in r["parts"].items()))
    return ok


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.rollup", description=__doc__.split("\n")[0])
    parser.add_argument("--branches", type=int, default=1000)
    parser.add_argument("--members", type=int, nargs="+", default=[10_000, 100_000],
                        help="sizes to measure, smallest first (default 10000 100000)")
    args = parser.parse_args(argv)
    backends = ["sqlite"] + (["postgres"] if POSTGRES else [])
    print(f"Roll-up bench: {args.branches:,} branches, members {', '.join(f'{m:,}' for m in args.members)}, "
          f"backends {', '.join(backends)}; load average {os.getloadavg()[0]:.2f}", flush=True)
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        for backend in backends:
            for members in sorted(args.members):
                results += await measure(backend, args.branches, members, Path(workdir))
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
