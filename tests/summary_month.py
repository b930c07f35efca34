"""A generated branch history for the summary tests: the storage is written as the bot would write
it, and a ledger of what was made is kept on the side, so that the tests compute every figure
on their own and compare."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import update

from storage import branches as branch_store
from storage.activities import activities as activity_store
from storage.activities.activities import ActivityPlan
from storage.models import Attendance, Member
from storage.roster import history
from storage.roster import members as member_store
from storage.roster.members import MemberData
from storage.rules.vocabulary import ActivityKind, AttendanceStatus, Audience, MembershipEvent, PartyStatus, Role

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
    return gen, ledger, who
