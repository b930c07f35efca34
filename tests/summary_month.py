"""A generated branch history for the summary tests: the storage is written as the bot would write
it, and a ledger of what was made is kept on the side, so that the tests compute every figure
on their own and compare."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import update

from storage import branches as branch_store
from storage.activities import activities as activity_store
from storage.activities.activities import ActivityPlan
from storage.dues import payments as dues_payments
from storage.models import Attendance, Member
from storage.roster import history
from storage.roster import members as member_store
from storage.roster.members import MemberData
from storage.rules.vocabulary import (
    ActivityKind,
    AttendanceStatus,
    Audience,
    DuesCategory,
    MembershipEvent,
    PartyStatus,
    Role,
    ServiceStatus,
)
from storage.service import categories as service_categories
from storage.service import reports as service_reports
from storage.service import reviews as service_reviews

ZONE = ZoneInfo("Asia/Shanghai")
OUTCOMES = (AttendanceStatus.PRESENT,) * 5 + (AttendanceStatus.ON_LEAVE, AttendanceStatus.ON_LEAVE,
                                              AttendanceStatus.LEAVE_REFUSED, AttendanceStatus.LEAVE_REQUESTED,
                                              AttendanceStatus.ABSENT)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZONE).astimezone(timezone.utc)


@dataclass
class Person:
    id: int
    name: str
    status: PartyStatus
    group: str | None
    active: bool = True
    officer: bool = False


@dataclass
class Made:
    id: int
    kind: ActivityKind
    starts_at: datetime
    audience: Audience
    group: str | None
    cancelled: bool = False
    expected: dict[int, PartyStatus] = field(default_factory=dict)  # as the test knows the roster then
    outcome: dict[int, tuple[AttendanceStatus, str | None, bool]] = field(default_factory=dict)  # status, reason, makeup done
    guests: set[int] = field(default_factory=set)


@dataclass
class Ledger:
    branch_id: int
    people: dict[int, Person] = field(default_factory=dict)
    made: list[Made] = field(default_factory=list)
    # Dues as the test made them: the monthly amount from April, money confirmed or reported per
    # member and month, the months waived.
    amounts: dict[int, Decimal] = field(default_factory=dict)
    paid: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    pending: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    waived: set[tuple[int, str]] = field(default_factory=set)
    # Volunteer reports: (report id, reporter, confirmed teammates, served on, minutes, category, people, status)
    reports: list[tuple[int, int, tuple[int, ...], date, int, str, int, ServiceStatus]] = field(default_factory=list)

    def roster_expected(self, audience: Audience, group: str | None) -> dict[int, PartyStatus]:
        """Who is expected by the test's own record of the roster (not the bot's query)."""
        found = {}
        for p in self.people.values():
            if not p.active or p.status == PartyStatus.ACTIVIST:
                continue
            if audience == Audience.GROUP and p.group != group:
                continue
            if audience == Audience.COMMITTEE and not p.officer:
                continue
            found[p.id] = p.status
        return found


class Generator:
    def __init__(self, session, seed: int = 7) -> None:
        self.session = session
        self.random = random.Random(seed)
        self.ledger: Ledger | None = None
        self.forced: dict[int, AttendanceStatus] = {}  # member id -> the outcome they always have

    async def branch(self, now: datetime) -> Ledger:
        branch, founder = await branch_store.create_branch(
            self.session, chat_id=-100500, name="第一党支部", timezone="Asia/Shanghai", locale="zh_CN",
            founder_user_id=1, founder_name="书记", now=now)
        self.ledger = Ledger(branch.id)
        self.ledger.people[founder.id] = Person(founder.id, "书记", PartyStatus.FULL, None, officer=True)
        return self.ledger

    async def add(self, name: str, status: PartyStatus, group: str | None, now: datetime, *, officer: bool = False) -> int:
        member = await member_store.add_member(self.session, self.ledger.branch_id, MemberData(name, status, group), now)
        if officer:
            await member_store.grant_role(self.session, member, Role.ORGANIZER)
        self.ledger.people[member.id] = Person(member.id, name, status, group, officer=officer)
        return member.id

    async def remove(self, member_id: int, now: datetime) -> None:
        member = await self.session.get(Member, member_id)
        await member_store.remove(self.session, member, now)
        await self.session.flush()
        self.ledger.people[member_id].active = False

    async def admit(self, member_id: int, now: datetime) -> None:
        member = await self.session.get(Member, member_id)
        member.status = PartyStatus.PROBATIONARY
        await self.session.flush()
        history.remember(self.session, member, MembershipEvent.ADMITTED, now)
        self.ledger.people[member_id].status = PartyStatus.PROBATIONARY

    async def activity(self, kind: ActivityKind, starts: str, audience: Audience = Audience.BRANCH,
                       group: str | None = None, *, cancelled: bool = False, nobody: bool = False,
                       guests: tuple[int, ...] = (), there: tuple[int, ...] = ()) -> Made:
        starts_at = local(starts)
        activity = await activity_store.create(
            self.session, self.ledger.branch_id,
            ActivityPlan(kind, f"{kind.value} {starts}", starts_at, starts_at + timedelta(hours=1), None, audience, group),
            opens_before_minutes=30, closes_after_minutes=0, created_by=None, now=starts_at - timedelta(days=3))
        made = Made(activity.id, kind, starts_at, audience, group, cancelled)
        await activity_store.freeze(self.session, activity, activity.checkin_opens_at)
        made.expected = self.ledger.roster_expected(audience, group)
        for member_id in made.expected:
            status = AttendanceStatus.ABSENT if nobody else self.forced.get(member_id) or self.random.choice(OUTCOMES)
            if member_id in there:
                status = AttendanceStatus.PRESENT
            reason = None
            if status != AttendanceStatus.PRESENT and status != AttendanceStatus.ABSENT:
                reason = self.random.choice(["出差", "生病住院", "照顾家人"])
            done = status == AttendanceStatus.ON_LEAVE and self.random.random() < 0.4
            made.outcome[member_id] = (status, reason, done)
            await self.session.execute(
                update(Attendance).where(Attendance.activity_id == activity.id, Attendance.member_id == member_id)
                .values(status=status.value, leave_reason=reason, makeup_done_at=starts_at if done else None,
                        checked_in_at=starts_at if status == AttendanceStatus.PRESENT else None))
        for member_id in guests:  # an activist at a 党课: present, not counted
            self.session.add(Attendance(activity_id=activity.id, member_id=member_id, expected=False,
                                        party_status=self.ledger.people[member_id].status,
                                        status=AttendanceStatus.PRESENT, checked_in_at=starts_at, updated_at=starts_at))
            made.guests.add(member_id)
        if cancelled:
            activity.cancelled = True
        await self.session.flush()
        self.ledger.made.append(made)
        return made

    async def pay(self, member_id: int, months: list[str], amount: Decimal, *, confirmed: bool = True) -> None:
        """One payment spread over ``months`` in order, each month its amount while the money lasts."""
        member = await self.session.get(Member, member_id)
        founder = next(iter(self.ledger.people))
        await dues_payments.record(self.session, member, months, amount, method="cash",
                                   status="confirmed" if confirmed else "pending",
                                   source="officer" if confirmed else "member", by=founder if confirmed else member_id,
                                   now=local("2026-11-28 10:00"))
        book = self.ledger.paid if confirmed else self.ledger.pending
        left = amount
        for index, month in enumerate(months):
            share = left if index == len(months) - 1 else min(left, self.ledger.amounts[member_id])
            book[member_id, month] = book.get((member_id, month), Decimal(0)) + share
            left -= share

    async def dues(self, who: dict[str, int]) -> None:
        """Amounts from April for all but the two who came to the Party in November; November paid by
        most, one partly, one only self-reported, one waived; 李长缺 has paid nothing since May."""
        now = local("2026-04-01 12:00")
        founder = next(iter(self.ledger.people))
        without = {who["activist"], who["newcomer"], who["guest"]}
        for person in list(self.ledger.people.values()):
            if person.id in without or person.status == PartyStatus.ACTIVIST:
                continue
            amount = Decimal("30.00") if person.id % 2 else Decimal("12.50")
            member = await self.session.get(Member, person.id)
            dues_payments.set_amount(self.session, member, "2026-04", DuesCategory.EMPLOYED, amount, basis=amount * 100,
                                     source="set", by=founder, now=now)
            self.ledger.amounts[person.id] = amount
        await self.session.flush()
        before = [f"2026-{m:02d}" for m in range(4, 11)]
        for member_id, amount in self.ledger.amounts.items():
            if member_id == who["lapse6"]:
                await self.pay(member_id, ["2026-04", "2026-05"], amount * 2)  # then nothing: six months by November
                continue
            await self.pay(member_id, before, amount * len(before))
            if member_id == who["m4"]:
                await self.pay(member_id, ["2026-11"], Decimal("5.00"))  # part of November
            elif member_id == who["m5"]:
                await self.pay(member_id, ["2026-11"], amount + Decimal("20.00"))  # with a voluntary extra
            elif member_id == who["m6"]:
                await self.pay(member_id, ["2026-11"], amount, confirmed=False)  # reported, not confirmed
            elif member_id == who["m7"]:
                member = await self.session.get(Member, member_id)
                dues_payments.waive(self.session, member, "2026-11", "2026-11", "支委会 减免", founder,
                                    local("2026-11-20 10:00"))
                self.ledger.waived.add((member_id, "2026-11"))
            else:
                await self.pay(member_id, ["2026-11"], amount)
        await self.session.flush()

    async def service(self, who: dict[str, int]) -> None:
        """Volunteer reports of November: approved, a team report with one confirmed and one silent
        teammate, one pending, one rejected, and one approved in October (outside the month)."""
        founder = next(iter(self.ledger.people))
        categories = await service_categories.ensure(self.session, self.ledger.branch_id, local("2026-04-01 12:00"))
        first, second = categories[0], categories[1]
        plans = [  # reporter, teammates (confirmed, silent), day, minutes, category, people served, decision
            (who["m0"], (), (), date(2026, 11, 8), 120, first, 5, ServiceStatus.APPROVED),
            (who["m2"], (who["m4"],), (who["m6"],), date(2026, 11, 14), 90, second, 3, ServiceStatus.APPROVED),
            (who["m1"], (), (), date(2026, 11, 21), 45, first, 2, ServiceStatus.APPROVED),
            (who["m3"], (), (), date(2026, 11, 26), 60, second, 4, ServiceStatus.PENDING),
            (who["m5"], (), (), date(2026, 11, 27), 240, first, 9, ServiceStatus.REJECTED),
            (who["m0"], (), (), date(2026, 10, 30), 30, second, 1, ServiceStatus.APPROVED),
        ]
        for reporter, confirmed, silent, day, minutes, category, people, decision in plans:
            at = datetime.combine(day, datetime.min.time(), ZONE).astimezone(timezone.utc) + timedelta(hours=12)
            data = service_reports.ReportData(day, minutes, category.id, "社区", people, "志愿服务",
                                              teammate_ids=(*confirmed, *silent))
            submitted = await service_reports.submit(self.session, self.ledger.branch_id, reporter, data, at)
            for row in submitted.invited:
                if row.member_id in confirmed:
                    await service_reports.decide_teammate(self.session, row, True, at)
            if decision != ServiceStatus.PENDING:
                await service_reviews.decide(self.session, submitted.report.id, founder, decision,
                                             "重复" if decision == ServiceStatus.REJECTED else None, at)
            self.ledger.reports.append((submitted.report.id, reporter, confirmed, day, minutes, category.name, people,
                                        decision))
        await self.session.flush()


async def november(session, seed: int = 7) -> tuple[Generator, Ledger, dict[str, int]]:
    """A branch from April to November 2026: monthly theme days, and in November a bit of everything.

    Returns names of the people with a part to play (who lapses, who moved) and their ids.
    """
    gen = Generator(session, seed)
    ledger = await gen.branch(local("2026-04-01 09:00"))
    who: dict[str, int] = {}
    for i in range(8):
        group = "第一党小组" if i % 2 else "第二党小组"
        who[f"m{i}"] = await gen.add(f"党员{i}", PartyStatus.FULL if i % 3 else PartyStatus.PROBATIONARY, group,
                                     local("2026-04-01 10:00"), officer=i == 1)
    who["activist"] = await gen.add("积极分子甲", PartyStatus.ACTIVIST, "第一党小组", local("2026-04-01 10:00"))
    who["lapse2"] = await gen.add("王缺席", PartyStatus.FULL, "第一党小组", local("2026-04-01 10:00"))
    who["lapse6"] = await gen.add("李长缺", PartyStatus.FULL, "第二党小组", local("2026-04-01 10:00"))
    who["leaves"] = await gen.add("赵调出", PartyStatus.FULL, "第二党小组", local("2026-04-01 10:00"))
    gen.forced[who["lapse6"]] = AttendanceStatus.ABSENT  # from May on: past the six-month line by November
    for month in range(5, 12):
        if month >= 9:
            gen.forced[who["lapse2"]] = AttendanceStatus.ABSENT  # from September: two months by November
        else:
            gen.forced[who["lapse2"]] = AttendanceStatus.PRESENT
        await gen.activity(ActivityKind.THEME_DAY, f"2026-{month:02d}-05 09:00", there=(who["m1"],))
    # The quarter's general meeting was in October: November's summary finds it for Q4.
    await gen.activity(ActivityKind.GENERAL_MEETING, "2026-10-20 14:00", there=(next(iter(ledger.people)),))
    await gen.activity(ActivityKind.COMMITTEE_MEETING, "2026-10-31 23:00", Audience.COMMITTEE)  # October, locally
    founder = next(iter(ledger.people))
    await gen.activity(ActivityKind.COMMITTEE_MEETING, "2026-11-03 09:00", Audience.COMMITTEE, there=(founder,))
    await gen.activity(ActivityKind.GROUP_MEETING, "2026-11-06 19:00", Audience.GROUP, "第一党小组", there=(who["m1"],))
    await gen.admit(who["activist"], local("2026-11-10 09:00"))  # now probationary: expected from here on
    await gen.activity(ActivityKind.PARTY_LECTURE, "2026-11-12 14:00", there=(who["m1"],))
    await gen.remove(who["leaves"], local("2026-11-15 09:00"))
    who["newcomer"] = await gen.add("孙新来", PartyStatus.FULL, "第三党小组", local("2026-11-15 10:00"))
    who["guest"] = await gen.add("周积极", PartyStatus.ACTIVIST, None, local("2026-11-15 10:00"))
    await gen.activity(ActivityKind.PARTY_LECTURE, "2026-11-19 14:00", guests=(who["guest"],))
    await gen.activity(ActivityKind.THEME_DAY, "2026-11-20 09:00", cancelled=True)
    await gen.activity(ActivityKind.OTHER, "2026-11-25 09:00", nobody=True)  # nobody checked in: not held
    await gen.activity(ActivityKind.GROUP_MEETING, "2026-11-30 23:00", Audience.GROUP, "第一党小组",
                       there=(who["m1"],))  # still November
    await gen.activity(ActivityKind.THEME_DAY, "2026-12-01 00:30", there=(who["m1"],))  # December, locally
    await gen.dues(who)
    await gen.service(who)
    return gen, ledger, who
