"""``python -m bench.summary``: the monthly summary of a 500-member branch with a year of history.

    python -m bench.summary                 500 members, SQLite (a fresh file), 30 runs each
    python -m bench.summary --members 2000  a larger branch
    python -m bench.summary --runs 100

Times ``storage.summary.compute`` for November 2026 (target: under 100 ms on SQLite) next to a
plain aggregate query of the same rows in the same run, and prints the ratio. See bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, insert, select

from storage.db import Database
from storage.models import (
    Activity,
    Attendance,
    Branch,
    DuesAllocation,
    DuesAmount,
    DuesPayment,
    Member,
    MemberRole,
    MembershipChange,
    ServiceCategory,
    ServiceReport,
)
from storage.rules import periods
from storage.rules.vocabulary import ActivityKind, AttendanceStatus, Audience, MembershipEvent, PartyStatus, Role
from storage.summary import summary as summaries

ZONE = ZoneInfo("Asia/Shanghai")
GROUPS = 5
OFFICERS = 7
TARGET_MS = 100.0


def at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE).astimezone(timezone.utc)


def plan(year: int) -> list[tuple[ActivityKind, date, Audience, str | None]]:
    """A year of a branch's meetings as 三会一课 asks for them."""
    found = []
    for month in range(1, 13):
        found.append((ActivityKind.THEME_DAY, date(year, month, 5), Audience.BRANCH, None))
        found.append((ActivityKind.COMMITTEE_MEETING, date(year, month, 8), Audience.COMMITTEE, None))
        for g in range(GROUPS):
            found.append((ActivityKind.GROUP_MEETING, date(year, month, 12 + g), Audience.GROUP, f"第{g + 1}党小组"))
        if month % 3 == 0:
            found.append((ActivityKind.GENERAL_MEETING, date(year, month, 20), Audience.BRANCH, None))
            found.append((ActivityKind.PARTY_LECTURE, date(year, month, 22), Audience.BRANCH, None))
    found.append((ActivityKind.LIFE_MEETING, date(year, 1, 25), Audience.BRANCH, None))
    found.append((ActivityKind.DEMOCRATIC_REVIEW, date(year, 1, 26), Audience.BRANCH, None))
    return found


async def populate(db: Database, members: int, seed: int = 1) -> tuple[int, int]:
    """One branch, ``members`` Party members, a year of activities with every expected person's row."""
    rng = random.Random(seed)
    start = at(date(2025, 12, 1), 9)
    async with db.session() as s:
        branch = Branch(chat_id=-1001, name="第一党支部", timezone="Asia/Shanghai", locale="zh_CN", settings={},
                        created_at=start)
        s.add(branch)
        await s.flush()
        people = []
        for i in range(members):
            status = PartyStatus.PROBATIONARY if i % 10 == 0 else PartyStatus.FULL
            people.append(dict(branch_id=branch.id, name=f"党员{i:04d}", status=status.value,
                               party_group=f"第{i % GROUPS + 1}党小组", active=True, mobile=False, created_at=start))
        await s.execute(insert(Member), people)
        rows = (await s.execute(select(Member.id, Member.status, Member.party_group).where(
            Member.branch_id == branch.id).order_by(Member.id))).all()
        ids = [r[0] for r in rows]
        await s.execute(insert(MemberRole), [dict(member_id=ids[i], role=(Role.SECRETARY if i == 0 else Role.ORGANIZER).value)
                                             for i in range(OFFICERS)])
        history = [dict(member_id=mid, at=start, event=MembershipEvent.ADDED.value, status=st, party_group=g,
                        active=True) for mid, st, g in rows]
        # Some leave during the year; they stay expected where the list was fixed before.
        leaving = {mid: at(date(2026, rng.randint(1, 11), rng.randint(1, 28)), 9) for mid in rng.sample(ids[OFFICERS:], members // 25)}
        history += [dict(member_id=mid, at=when, event=MembershipEvent.TRANSFERRED_OUT.value, status="full",
                         party_group=None, active=False) for mid, when in leaving.items()]
        await s.execute(insert(MembershipChange), history)
        group_of = {mid: g for mid, _st, g in rows}
        status_of = {mid: st for mid, st, _g in rows}
        officers = set(ids[:OFFICERS])
        count = 0
        for kind, day, audience, group in plan(2026):
            starts = at(day, 14)
            activity = Activity(branch_id=branch.id, kind=kind, title=f"{kind.value} {day}", starts_at=starts,
                                ends_at=starts + timedelta(hours=2), place="会议室", audience=audience,
                                audience_group=group, checkin_opens_at=starts - timedelta(minutes=30),
                                checkin_closes_at=starts + timedelta(hours=2), qr_secret="x", created_at=start,
                                cancelled=False, roster_frozen_at=starts - timedelta(minutes=30))
            s.add(activity)
            await s.flush()
            expected = [mid for mid in ids if (mid not in leaving or leaving[mid] > starts)
                        and (audience != Audience.GROUP or group_of[mid] == group)
                        and (audience != Audience.COMMITTEE or mid in officers)]
            attendance = []
            for mid in expected:
                roll = rng.random()
                status = (AttendanceStatus.PRESENT if roll < 0.8 else AttendanceStatus.ON_LEAVE if roll < 0.88
                          else AttendanceStatus.LEAVE_REFUSED if roll < 0.9 else AttendanceStatus.ABSENT)
                attendance.append(dict(
                    activity_id=activity.id, member_id=mid, expected=True, party_status=status_of[mid],
                    party_group=group_of[mid], status=status.value, updated_at=starts,
                    leave_reason="出差" if status in (AttendanceStatus.ON_LEAVE, AttendanceStatus.LEAVE_REFUSED) else None,
                    makeup_done_at=starts if status == AttendanceStatus.ON_LEAVE and rng.random() < 0.5 else None))
            await s.execute(insert(Attendance), attendance)
            count += len(attendance)
        await dues_and_service(s, branch.id, ids, start, rng)
        return branch.id, count


async def dues_and_service(s, branch_id: int, ids: list[int], start: datetime, rng: random.Random) -> None:
    """30 元 a month for everyone from December 2025, one payment a member covering the months paid
    (most pay every month, one in ten stopped some months ago), and about three volunteer reports a
    member in 2026 (most approved, some pending)."""
    months = ["2025-12", *(f"2026-{m:02d}" for m in range(1, 12))]
    await s.execute(insert(DuesAmount), [dict(member_id=mid, effective_month="2025-12", category="employed",
                                              basis_fen=300000, amount_fen=3000, extra_fen=0, source="set",
                                              created_at=start) for mid in ids])
    paid = {mid: months if i % 10 else months[: rng.randint(3, 10)] for i, mid in enumerate(ids)}
    payments = [DuesPayment(branch_id=branch_id, member_id=mid, amount_fen=3000 * len(paid[mid]), method="cash",
                            status="confirmed", source="officer", created_at=start, decided_at=start)
                for mid in ids]
    s.add_all(payments)
    await s.flush()
    await s.execute(insert(DuesAllocation), [dict(payment_id=p.id, member_id=p.member_id, month=month, amount_fen=3000)
                                             for p in payments for month in paid[p.member_id]])
    category = ServiceCategory(branch_id=branch_id, name="关爱空巢老人", position=0, created_at=start)
    other = ServiceCategory(branch_id=branch_id, name="社区环境整治", position=1, created_at=start)
    s.add_all([category, other])
    await s.flush()
    reports = []
    for mid in ids:
        for _ in range(3):
            day = date(2026, rng.randint(1, 11), rng.randint(1, 28))
            reports.append(dict(branch_id=branch_id, member_id=mid, served_on=day, minutes=rng.choice((60, 90, 120)),
                                category_id=rng.choice((category.id, other.id)), place="社区", people_served=rng.randint(1, 5),
                                description="志愿服务", status="approved" if rng.random() < 0.9 else "pending",
                                created_at=start, updated_at=start))
    await s.execute(insert(ServiceReport), reports)


async def plain(db: Database, branch_id: int, since: datetime, until: datetime) -> list:
    """The same rows in one aggregate: expected and present per activity kind."""
    async with db.read() as s:
        return (await s.execute(
            select(Activity.kind, func.count(), func.sum(case((Attendance.status == "present", 1), else_=0)))
            .join(Attendance, Attendance.activity_id == Activity.id)
            .where(Activity.branch_id == branch_id, ~Activity.cancelled, Activity.starts_at >= since,
                   Activity.starts_at < until, Attendance.expected.is_(True))
            .group_by(Activity.kind))).all()


async def compute(db: Database, branch_id: int, span: periods.Period, now: datetime):
    async with db.read() as s:
        branch = await s.get(Branch, branch_id)
        return await summaries.compute(s, branch, span, now)


async def timed(runs: int, fn) -> tuple[list[float], list[float]]:
    """Wall and CPU milliseconds of each run (CPU: this process, the database driver's thread included;
    on a machine others keep busy it is the steadier figure)."""
    await fn()  # warm: statement caches, the first connection
    wall, cpu = [], []
    for _ in range(runs):
        started, spent = time.perf_counter(), time.process_time()
        await fn()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - spent) * 1000)
    return wall, cpu


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.summary", description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'summary.db'}")
        await db.migrate()
        try:
            started = time.perf_counter()
            branch_id, rows = await populate(db, args.members)
            print(f"{args.members} members, {rows} attendance rows in 2026, written in {time.perf_counter() - started:.1f} s")
            now = at(date(2026, 12, 1), 9)
            month = periods.month(2026, 11)
            summary = await compute(db, branch_id, month, now)
            assert len(summary.attendance.members) >= args.members * 0.9, "the month has its members"
            assert summary.dues is not None and summary.dues.arrears and summary.service is not None
            assert summary.service.minutes and summary.service.pending, "with its dues and volunteer sections"
            # The summary of November reads the year from January (the yearly requirements).
            window = (at(date(2026, 1, 1), 0), at(date(2026, 12, 1), 0))
            results = {
                "summary 2026-11": await timed(args.runs, lambda: compute(db, branch_id, month, now)),
                "plain aggregate, same year's rows": await timed(args.runs, lambda: plain(db, branch_id, *window)),
                "summary 2026 (whole year)": await timed(max(5, args.runs // 3),
                                                         lambda: compute(db, branch_id, periods.year(2026), now)),
            }
        finally:
            await db.dispose()
    print(f"{'what':<36} {'wall ms':>8} {'p90':>7} {'CPU ms':>8}   (medians; load average {os.getloadavg()[0]:.1f})")
    wall, cpu = {}, {}
    for name, (walls, cpus) in results.items():
        walls.sort()
        wall[name], cpu[name] = statistics.median(walls), statistics.median(cpus)
        print(f"{name:<36} {wall[name]:>8.1f} {walls[int(len(walls) * 0.9) - 1]:>7.1f} {cpu[name]:>8.1f}")
    month, base = "summary 2026-11", "plain aggregate, same year's rows"
    ok = min(wall[month], cpu[month]) < TARGET_MS
    print(f"monthly summary: {wall[month]:.1f} ms wall, {cpu[month]:.1f} ms CPU "
          f"({'under' if ok else 'OVER'} the {TARGET_MS:.0f} ms target); "
          f"{wall[month] / wall[base]:.1f}× (wall) and {cpu[month] / cpu[base]:.1f}× (CPU) the plain aggregate of the same rows")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
