"""``python -m bench.ledgers``: making the ledgers of a 500-member branch with a year of activities.

In-process, one database: a branch of N members in 10 Party groups, and for 2026 every month a
主题党日 for the whole branch, a 支委会 of 5, a 党小组会 in each group, and every quarter a 支部党员大会
and a 党课 for the whole branch, each with its expected list fixed and everyone's attendance
(present, on leave with a reason and perhaps a catch-up, absent). Then, in turns, several times:

- the plain query: the same attendance rows with the member's name and the activity, fetched;
- the 会议签到台账 for 2026: read (storage.ledgers), laid out (handlers.ledgers books) and written
  to .xlsx bytes (handlers.kit.workbook), each part timed;
- the 花名册 and the 三会一课 record for 2026, the same way.

The ratio is the ledger's total time over the plain query's, both medians of the same run.

    python -m bench.ledgers                       SQLite (a fresh file)
    python -m bench.ledgers --members 2000        a larger branch
    python -m bench.ledgers --postgres DSN        PostgreSQL (its public schema is dropped first!)
"""

from __future__ import annotations

import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from bench.checkin import fresh_database
from bench.common import Laps, branch_with_roster, in_turns, parts_header, parts_row, plain_row, size_options
from bot.i18n import Catalogs
from handlers.kit import workbook
from handlers.ledgers import books
from storage.db import Database
from storage.ledgers import queries
from storage.models import Activity, Attendance, Branch, Member, MemberRole
from storage.roster.members import MemberData
from storage.rules import periods
from storage.rules.vocabulary import ActivityKind, AttendanceStatus, Audience, CheckinMethod, PartyStatus, Role

ZONE = ZoneInfo("Asia/Shanghai")
YEAR = 2026
GROUPS = 10
NOW = datetime(YEAR, 12, 31, 20, 0, tzinfo=ZONE).astimezone(UTC)
REASONS = ("出差", "生病住院", "家中有事", "单位值班", "外出学习")
LEDGERS = ("attendance", "roster", "meetings")


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).astimezone(UTC)


async def seed(url: str, count: int) -> tuple[int, int, int]:
    """The branch and its year; (branch id, activities, attendance rows)."""
    rng = random.Random(11)
    db = Database(url)
    start = datetime(YEAR - 1, 12, 1, tzinfo=UTC)
    try:
        async with db.session() as session:
            rows = [MemberData(name=f"党员{i:04d}", status=PartyStatus.FULL if i % 9 else PartyStatus.PROBATIONARY,
                               party_group=f"第{i % GROUPS + 1}党小组", phone=f"138{i:08d}") for i in range(count - 1)]
            branch, founder, people = await branch_with_roster(session, rows, start)
            committee = people[:5]
            for m in committee[1:]:
                session.add(MemberRole(member_id=m.id, role=Role.ORGANIZER))
            plans = []  # (kind, day, audience, group, who)
            for month in range(1, 13):
                first = date(YEAR, month, 1)
                plans.append((ActivityKind.THEME_DAY, first + timedelta(days=4), Audience.BRANCH, None, people))
                plans.append((ActivityKind.COMMITTEE_MEETING, first + timedelta(days=9), Audience.COMMITTEE, None,
                              committee))
                for g in range(GROUPS):
                    group = f"第{g + 1}党小组"
                    plans.append((ActivityKind.GROUP_MEETING, first + timedelta(days=14 + g % 5), Audience.GROUP, group,
                                  [p for p in people if p.party_group == group]))
                if month % 3 == 0:
                    plans.append((ActivityKind.GENERAL_MEETING, first + timedelta(days=19), Audience.BRANCH, None, people))
                    plans.append((ActivityKind.PARTY_LECTURE, first + timedelta(days=24), Audience.BRANCH, None, people))
            attendance = 0
            for n, (kind, day, audience, group, who) in enumerate(plans):
                starts = _at(day, 9)
                activity_id = await session.scalar(insert(Activity).values(
                    branch_id=branch.id, kind=kind, title=f"{day:%m}月{kind.value}", starts_at=starts,
                    ends_at=starts + timedelta(hours=2), place="党员活动室", audience=audience, audience_group=group,
                    checkin_opens_at=starts - timedelta(minutes=30), checkin_closes_at=starts + timedelta(hours=3),
                    onsite=False, allow_remote=True, qr_secret=f"q{n}", created_by=founder.id, created_at=start,
                    cancelled=False, roster_frozen_at=starts - timedelta(minutes=30),
                ).returning(Activity.id))
                rows = []
                for p in who:
                    roll = rng.random()
                    status = (AttendanceStatus.PRESENT if roll < 0.85 else AttendanceStatus.ON_LEAVE if roll < 0.93
                              else AttendanceStatus.ABSENT)
                    leave = status == AttendanceStatus.ON_LEAVE
                    rows.append(dict(
                        activity_id=activity_id, member_id=p.id, expected=True, party_status=p.status,
                        party_group=p.party_group, status=status,
                        method=CheckinMethod.BUTTON if status == AttendanceStatus.PRESENT else None,
                        checked_in_at=starts - timedelta(minutes=rng.randint(0, 29))
                        if status == AttendanceStatus.PRESENT else None,
                        leave_reason=rng.choice(REASONS) if leave else None,
                        leave_requested_at=starts - timedelta(days=1) if leave else None,
                        makeup_done_at=starts + timedelta(days=7) if leave and rng.random() < 0.5 else None,
                        updated_at=starts,
                    ))
                await session.execute(insert(Attendance), rows)
                attendance += len(rows)
            return branch.id, len(plans), attendance
    finally:
        await db.dispose()


async def plain_query(db: Database, branch_id: int) -> int:
    """The same rows as the attendance ledger, fetched and nothing else."""
    start = datetime(YEAR, 1, 1, tzinfo=ZONE)
    end = datetime(YEAR + 1, 1, 1, tzinfo=ZONE)
    async with db.read() as session:
        result = await session.execute(
            select(Activity.id, Activity.kind, Activity.title, Activity.starts_at, Attendance.status,
                   Attendance.checked_in_at, Attendance.leave_reason, Attendance.makeup_done_at, Member.name)
            .join(Attendance, Attendance.activity_id == Activity.id).join(Member, Member.id == Attendance.member_id)
            .where(Activity.branch_id == branch_id, Activity.starts_at >= start, Activity.starts_at < end))
        return len(result.all())


async def ledger(db: Database, branch_id: int, which: str, t, laps: Laps) -> tuple[int, int]:
    """(data rows written, file bytes) of one ledger for the year, each part timed in ``laps``."""
    period = periods.year(YEAR)
    async with db.read() as session:
        branch = await session.get(Branch, branch_id)
        heading = books.Heading(branch.name, period, books.ATTENDANCE_LEDGER, "李书记",
                                NOW.astimezone(ZONE).replace(tzinfo=None), period.last)
        if which == "attendance":
            found = await queries.attendance(session, branch, period)
        elif which == "roster":
            found = await queries.roster(session, branch, period, NOW)
        else:
            found = await queries.meetings_record(session, branch, period, NOW)
    laps.lap("read")
    make = {"attendance": books.attendance_book, "roster": books.roster_book, "meetings": books.meetings_book}[which]
    book = make(t, heading, found)
    laps.lap("lay out")
    data = workbook.write(book)
    laps.lap("write")
    return sum(len(s.rows) for s in book.sheets), len(data)


def dues_grid(count: int) -> workbook.Book:
    """The shape of the 党费收缴台账 (issue 10's): a member by month grid of owed, paid and waived, with totals."""
    columns = [workbook.Column("姓名"), workbook.Column("党小组")]
    for month in range(1, 13):
        columns += [workbook.Column(h, workbook.MONEY, group=f"{YEAR}-{month:02d}") for h in ("应缴", "实缴", "减免")]
    rows = [[f"党员{i:04d}", f"第{i % GROUPS + 1}党小组"] + [Decimal(f"{i % 50}.{i % 100:02d}"), Decimal("12.50"), None] * 12
            for i in range(count)]
    totals = ["合计", None] + [Decimal("1.00")] * 36
    return workbook.Book([workbook.Sheet("党费收缴", "第一党支部党费收缴台账（2026年度）", columns, rows, totals=totals)])


async def main(argv: list[str] | None = None) -> int:
    args = size_options("python -m bench.ledgers", __doc__, argv)
    t = Catalogs().gettext("zh_CN")
    with tempfile.TemporaryDirectory(prefix="bench-ledgers-") as tmp:
        url = args.postgres or f"sqlite+aiosqlite:///{tmp}/bench.db"
        await fresh_database(url)
        clock = time.perf_counter()
        branch_id, activities, rows = await seed(url, args.members)
        print(f"{'PostgreSQL' if args.postgres else 'SQLite'}: {args.members} members, {activities} activities, "
              f"{rows} attendance rows in {YEAR} (seeded in {time.perf_counter() - clock:.1f} s)")
        db = Database(url)
        try:
            async def plain(laps: Laps) -> int:
                fetched = await plain_query(db, branch_id)
                laps.lap("query")
                assert fetched == rows, (fetched, rows)
                return fetched
            made = {which: partial(ledger, db, branch_id, which, t) for which in LEDGERS}
            samples = await in_turns(args.runs, {"plain": plain, **made})
        finally:
            await db.dispose()
    base = samples["plain"].medians()["total"]
    print(parts_header(22))
    print(plain_row("plain query", 22, base, rows))
    for which in LEDGERS:
        written, size = samples[which].last
        print(parts_row(which + " ledger", 22, samples[which].medians(), base, written, size))
    grid = dues_grid(args.members)
    writes = []
    for _ in range(args.runs):
        clock = time.perf_counter()
        size = len(workbook.write(grid))
        writes.append(time.perf_counter() - clock)
    print(f"{'dues-shaped grid':<22}{'':>8}{'':>9}{statistics.median(writes) * 1000:>6.0f}ms"
          f"{statistics.median(writes) * 1000:>6.0f}ms{statistics.median(writes) / base:>9.1f}{args.members:>8}"
          f"{size // 1024:>7}  (the writer alone: {args.members} members x 12 months x owed/paid/waived)")
    print(f"medians of {args.runs} runs; the attendance ledger holds the same rows as the plain query")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
