"""The roll-up's figures against answers computed here, independently, over generated branches.

The generator makes histories that change inside the periods asked (admissions, conversions,
transfers out and back, moves between party groups), activities called off, not yet over, or
never opened for check-in, attendance of every kind, branches of another committee and a branch
that unlinked. The expected figures are computed below with plain loops over what was generated.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from storage.committee import committees as store
from storage.committee import rollup as rollup_store
from storage.dues import ledger as dues_ledger
from storage.models import (
    Activity,
    Attendance,
    Branch,
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
from storage.rules import rollup as rules
from storage.rules.periods import parse_period
from storage.rules.vocabulary import (
    ActivityKind,
    AttendanceStatus,
    Audience,
    DuesCategory,
    MembershipEvent,
    PartyStatus,
    ServiceStatus,
    TeammateStatus,
)
from storage.service import totals as service_totals

ZONE = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 4, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 27)
GROUPS = ["一组", "二组", "三组"]
STATUSES = list(AttendanceStatus)


def local(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), ZONE).astimezone(timezone.utc)


def random_day(rng, start=date(2025, 10, 1), end=date(2026, 12, 20)) -> date:
    return start + timedelta(days=rng.randrange((end - start).days))


class World:
    """What was generated, kept in plain lists for the independent answers."""

    def __init__(self) -> None:
        self.history: dict[int, list[tuple[datetime, int, PartyStatus, str | None, bool]]] = {}  # member -> steps
        self.member_branch: dict[int, int] = {}
        self.activities: list[dict] = []
        self.attendance: dict[int, list[tuple[bool, AttendanceStatus]]] = {}  # activity -> (expected, status)


async def generate(session, rng) -> tuple[World, object, list[Branch]]:
    world = World()
    committee, _ = await store.create(session, name="党工委", user_id=900, user_name="Chair", timezone="Asia/Shanghai",
                                      locale="en", now=NOW - timedelta(days=400))
    other, _ = await store.create(session, name="别的党委", user_id=901, user_name="Other", timezone="Asia/Shanghai",
                                  locale="en", now=NOW - timedelta(days=400))
    branches = []
    for i in range(7):
        settings = {"meeting_rules": {"party_lecture": "month", "talk": "off"}} if i == 1 else {}
        # 支部3 was set up in the bot on 15 August: the months and quarters over before then are not asked of it.
        founded = datetime(2026, 8, 15, 2, tzinfo=timezone.utc) if i == 3 else NOW - timedelta(days=400)
        branch = Branch(chat_id=-1000 - i, name=f"支部{i}", timezone="Asia/Shanghai", locale="en", settings=settings,
                        created_at=founded)
        session.add(branch)
        await session.flush()
        branches.append(branch)
        owner = other if i == 5 else committee
        link, _ = await store.request_link(session, owner.id, branch.id, 1, NOW - timedelta(days=300))
        if i == 4:  # refused, then asked again and approved
            await store.decide(session, link, False, 900, NOW - timedelta(days=299))
            link, _ = await store.request_link(session, owner.id, branch.id, 1, NOW - timedelta(days=298))
        await store.decide(session, link, True, 900, NOW - timedelta(days=297))
        if i == 6:  # linked once, unlinked since
            await store.end(session, link, 1, NOW - timedelta(days=10))
        for m in range(rng.randint(6, 14)):
            await _member(session, rng, world, branch, m)
        for _ in range(rng.randint(25, 45)):
            await _activity(session, rng, world, branch)
        if i != 2:  # branch 2 keeps no dues here
            await _dues(session, rng, world, branch)
        await _service(session, rng, world, branch)
    await session.flush()
    return world, committee, branches


async def _member(session, rng, world, branch, m) -> None:
    status = rng.choice([PartyStatus.ACTIVIST, PartyStatus.PROBATIONARY, PartyStatus.FULL, PartyStatus.FULL])
    group = rng.choice(GROUPS + [None])
    member = Member(branch_id=branch.id, name=f"{branch.name}成员{m}", status=status, party_group=group, active=True,
                    created_at=NOW)
    session.add(member)
    await session.flush()
    world.member_branch[member.id] = branch.id
    steps = []
    at = local(random_day(rng, date(2025, 6, 1), date(2026, 10, 1)), rng.randint(0, 23))
    active = True
    for n in range(rng.randint(1, 5)):
        if n:
            at += timedelta(days=rng.randint(1, 120), hours=rng.randint(0, 23))
            change = rng.random()
            if change < 0.3 and status != PartyStatus.FULL:
                status = PartyStatus.PROBATIONARY if status == PartyStatus.ACTIVIST else PartyStatus.FULL
            elif change < 0.5:
                group = rng.choice(GROUPS)
            elif change < 0.75:
                active = not active
            else:
                status = rng.choice(list(PartyStatus))
        steps.append((at, n, status, group, active))
        session.add(MembershipChange(member_id=member.id, at=at, event=MembershipEvent.STATUS, status=status,
                                     party_group=group, active=active))
    world.history[member.id] = steps
    member.status, member.party_group, member.active = status, group, active


async def _activity(session, rng, world, branch) -> None:
    kind = rng.choice(list(ActivityKind))
    audience = rng.choice([Audience.BRANCH, Audience.BRANCH, Audience.GROUP, Audience.COMMITTEE])
    group = rng.choice(GROUPS) if audience == Audience.GROUP else None
    day = random_day(rng, date(2026, 6, 20), date(2026, 12, 10))
    starts = local(day, rng.choice([0, 7, 9, 14, 23]))  # 0 and 23 local: the day differs from UTC's
    ends = starts + timedelta(hours=2)
    cancelled = rng.random() < 0.1
    frozen = starts - timedelta(minutes=30) if rng.random() < 0.85 and starts < NOW else None
    activity = Activity(branch_id=branch.id, kind=kind, title="T", starts_at=starts, ends_at=ends, audience=audience,
                        audience_group=group, checkin_opens_at=starts - timedelta(minutes=30),
                        checkin_closes_at=ends + timedelta(minutes=30), qr_secret="x", created_at=starts,
                        cancelled=cancelled, roster_frozen_at=frozen)
    session.add(activity)
    await session.flush()
    rows = []
    members = [mid for mid, b in world.member_branch.items() if b == branch.id]
    if frozen or rng.random() < 0.3:  # unfrozen activities may still have check-ins
        for mid in rng.sample(members, rng.randint(0, len(members))):
            expected = rng.random() < 0.9
            status = rng.choice(STATUSES)
            rows.append((expected, status))
            session.add(Attendance(activity_id=activity.id, member_id=mid, expected=expected, status=status,
                                   updated_at=starts))
    world.activities.append(dict(id=activity.id, branch=branch.id, kind=kind, audience=audience, group=group,
                                 starts=starts, ends=ends, cancelled=cancelled, frozen=frozen is not None))
    world.attendance[activity.id] = rows


MONTHS = [f"2025-{m:02d}" for m in range(10, 13)] + [f"2026-{m:02d}" for m in range(1, 13)]


async def _dues(session, rng, world, branch) -> None:
    """Amounts with their history (some members only a category), payments of every status with
    allocations short of, equal to and beyond what was owed, reversals, waivers and a reversed one."""
    members = [mid for mid, b in world.member_branch.items() if b == branch.id]
    for mid in members:
        member = await session.get(Member, mid)
        member.dues_category = rng.choice([DuesCategory.STUDENT, DuesCategory.EMPLOYED, DuesCategory.OTHER, None])
        for month in sorted(rng.sample(MONTHS, rng.randint(0, 3))):
            session.add(DuesAmount(member_id=mid, effective_month=month, category=DuesCategory.EMPLOYED,
                                   basis_fen=rng.randint(100000, 900000), amount_fen=rng.choice([500, 1250, 3000, 0]),
                                   extra_fen=0, source="set", created_at=NOW))
        for _ in range(rng.randint(0, 6)):
            status = rng.choice(["confirmed", "confirmed", "pending", "rejected"])
            payment = DuesPayment(branch_id=branch.id, member_id=mid, amount_fen=None, method="cash", status=status,
                                  source="officer", created_at=NOW)
            session.add(payment)
            await session.flush()
            for month in rng.sample(MONTHS, rng.randint(1, 3)):
                session.add(DuesAllocation(payment_id=payment.id, member_id=mid, month=month,
                                           amount_fen=rng.choice([200, 500, 1250, 4000, -500])))
        if rng.random() < 0.3:
            lo = rng.randrange(len(MONTHS))
            waiver = DuesWaiver(branch_id=branch.id, member_id=mid, first_month=MONTHS[lo],
                                last_month=MONTHS[min(lo + rng.randint(0, 4), len(MONTHS) - 1)], note="困难",
                                created_at=NOW)
            session.add(waiver)
            await session.flush()
            if rng.random() < 0.3:
                session.add(DuesWaiver(branch_id=branch.id, member_id=mid, first_month=waiver.first_month,
                                       last_month=waiver.last_month, note="撤销", created_at=NOW,
                                       reverses_id=waiver.id))
    await session.flush()


async def _service(session, rng, world, branch) -> None:
    members = [mid for mid, b in world.member_branch.items() if b == branch.id]
    category = ServiceCategory(branch_id=branch.id, name="关爱空巢老人", created_at=NOW)
    session.add(category)
    await session.flush()
    for _ in range(rng.randint(0, 12)):
        reporter = rng.choice(members)
        report = ServiceReport(branch_id=branch.id, member_id=reporter, served_on=random_day(rng),
                               minutes=rng.choice([30, 60, 90, 150]), category_id=category.id, place="社区",
                               people_served=rng.randint(0, 9), description="服务",
                               status=rng.choice([ServiceStatus.APPROVED, ServiceStatus.APPROVED, ServiceStatus.PENDING,
                                                  ServiceStatus.REJECTED, ServiceStatus.WITHDRAWN]),
                               created_at=NOW, updated_at=NOW)
        session.add(report)
        await session.flush()
        for mate in rng.sample(members, rng.randint(0, 3)):
            session.add(ServiceTeammate(report_id=report.id, member_id=mate, status=rng.choice(list(TeammateStatus))))
    await session.flush()


# --- the answers, computed independently -----------------------------------------------------------


def bounds(label: str):
    period = parse_period(label, TODAY)
    start = datetime.combine(period.start, time(), ZONE)
    end = datetime.combine(period.end, time(), ZONE)
    return period, start, end, min(end - timedelta(microseconds=1), NOW)


def states(world, branch_id, as_of):
    found = []
    for mid, steps in world.history.items():
        if world.member_branch[mid] != branch_id:
            continue
        before = [s for s in steps if s[0] <= as_of]
        if before:
            last = max(before, key=lambda s: (s[0], s[1]))
            found.append(last)
    return [s for s in found if s[4]]


def held(world, branch_id, start, end):
    return [a for a in world.activities
            if a["branch"] == branch_id and not a["cancelled"] and start <= a["starts"] < end and a["ends"] <= NOW
            and any(st == AttendanceStatus.PRESENT for _e, st in world.attendance[a["id"]])]


def months_of(label):
    period = parse_period(label, TODAY)
    day, found = period.start, []
    while day < period.end:
        found.append(day)
        day = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return period, found


def expected_compliance(world, branch, label, groups_at_end):
    period, months = months_of(label)
    rules_of = {  # kind -> (months per period, audience required, per group)
        ActivityKind.THEME_DAY: (1, None, False), ActivityKind.COMMITTEE_MEETING: (1, None, False),
        ActivityKind.GROUP_MEETING: (1, Audience.GROUP, True), ActivityKind.GENERAL_MEETING: (3, Audience.BRANCH, False),
        ActivityKind.PARTY_LECTURE: (3, None, False), ActivityKind.LIFE_MEETING: (12, None, False),
        ActivityKind.DEMOCRATIC_REVIEW: (12, None, False), ActivityKind.TALK: (12, None, False),
    }
    if branch.settings:
        rules_of[ActivityKind.PARTY_LECTURE] = (1, None, False)
        del rules_of[ActivityKind.TALK]
    span = len(months)
    required = met = 0
    missing = []
    founded = branch.created_at.astimezone(ZONE).date()
    for kind, (length, audience, per_group) in rules_of.items():
        if length > span:
            continue
        for first in months[::length]:
            last_month = date(first.year + (first.month + length - 1) // 12, (first.month + length - 1) % 12 + 1, 1)
            if last_month <= founded:  # over before the branch used the bot: nothing is known of it
                continue
            lo, hi = datetime.combine(first, time(), ZONE), datetime.combine(last_month, time(), ZONE)
            for group in (sorted(groups_at_end) if per_group else [None]):
                done = any(a["kind"] == kind and lo <= a["starts"] < hi
                           and (audience is None or a["audience"] == audience)
                           and (group is None or a["group"] == group)
                           for a in held(world, branch.id, lo, hi))
                over = last_month <= TODAY
                if done or over:
                    required += 1
                    met += int(done)
                if over and not done and kind.value not in missing:
                    missing.append(kind.value)
    return required, met, missing


def rate(part, whole):
    return None if not whole else (Decimal(part * 1000) / whole / 10).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_rollup_figures_match_independent_answers(db, seed):
    rng = random.Random(seed)
    async with db.session() as session:
        world, committee, branches = await generate(session, rng)
    for label in ("2026-08", "2026Q3", "2026-11", "2026Q4", "2026"):
        await check(db, world, committee, branches, label)


async def check(db, world, committee, branches, label):
    async with db.session() as session:
        committee = await store.get(session, committee.id)
        period, start, end, as_of = bounds(label)
        result = await rollup_store.compute(session, committee, period, NOW)
    linked = [b for i, b in enumerate(branches) if i not in (5, 6)]
    assert [r.branch_id for r in result.rows] == [b.id for b in sorted(linked, key=lambda b: b.name)]
    assert [i.key for i in result.indicators] == ["members", "activities", "meetings", "attendance", "dues", "service"]
    first = f"{period.start.year:04d}-{period.start.month:02d}"
    last_day = min(period.last, TODAY)
    last = f"{last_day.year:04d}-{last_day.month:02d}"
    for row in result.rows:
        branch = next(b for b in branches if b.id == row.branch_id)
        on_roster = states(world, branch.id, as_of)
        count = {s: sum(1 for step in on_roster if step[2] == s) for s in PartyStatus}
        assert dict(row.cells["members"].values) == {
            "full": count[PartyStatus.FULL], "probationary": count[PartyStatus.PROBATIONARY],
            "party": count[PartyStatus.FULL] + count[PartyStatus.PROBATIONARY], "activist": count[PartyStatus.ACTIVIST]}

        done = held(world, branch.id, start, end)
        by_kind = {k.value: sum(1 for a in done if a["kind"] == k) for k in ActivityKind}
        assert dict(row.cells["activities"].values) == {**by_kind, "total": len(done)}

        groups = {step[3] for step in on_roster if step[3] and step[2] != PartyStatus.ACTIVIST}
        required, met, missing = expected_compliance(world, branch, label, groups)
        meetings = row.cells["meetings"]
        assert (meetings.values["required"], meetings.values["met"], meetings.values["rate"]) == (required, met, rate(met, required))
        assert sorted(meetings.missing) == sorted(missing) and meetings.short == (met < required)

        expected = present = leave = 0
        for a in world.activities:
            if a["branch"] == branch.id and a["frozen"] and not a["cancelled"] and start <= a["starts"] < end and a["ends"] <= NOW:
                for is_expected, status in world.attendance[a["id"]]:
                    if is_expected:
                        expected += 1
                        present += status == AttendanceStatus.PRESENT
                        leave += status == AttendanceStatus.ON_LEAVE
        attendance = row.cells["attendance"]
        assert dict(attendance.values) == {"expected": expected, "present": present, "on_leave": leave,
                                           "rate": rate(present, expected)}
        assert attendance.short == (expected > 0 and rate(present, expected) < 80)

        dues = row.cells["dues"]
        if branch.name == "支部2":  # keeps no dues: no rate, not 0%
            assert all(v is None for v in dues.values.values()) and not dues.short
        else:
            async with db.read() as session:
                book = await dues_ledger.ledger(session, branch.id, first, last)
            # The rate counts the months whose amount is known: what was paid against an unknown amount is left out.
            totals = book.totals(line for line in book.lines.values() if line.owing and line.owed is not None)
            assert totals.owed == book.totals().owed and totals.waived == book.totals().waived
            assert (dues.values["owed"], dues.values["paid"], dues.values["waived"]) == \
                (totals.owed, totals.paid, totals.waived)
            assert dues.values["outstanding"] == totals.outstanding
            settled = totals.paid + totals.waived
            assert dues.values["rate"] == (rate(int(settled * 100), int(totals.owed * 100)) if totals.owed else None)
            assert dues.short == (dues.values["rate"] is not None and dues.values["rate"] < 90)

        async with db.read() as session:
            served = await service_totals.branch_totals(session, branch.id, period.start, period.end)
        assert dict(row.cells["service"].values) == {
            "hours": (Decimal(served.minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
            "people_served": served.people_served, "reports": served.reports}
        assert row.short == (meetings.short or attendance.short or dues.short)
    # The same rows, as a sheet per indicator (what an .xlsx writer and a chart take).
    indicator, table = result.sheet("attendance")
    assert [c.key for c in indicator.columns] == ["expected", "present", "on_leave", "rate"]
    assert [name for name, _ in table] == [r.branch_name for r in result.rows]
    assert [values[1] for _, values in table] == [r.cells["attendance"].values["present"] for r in result.rows]


def test_compliance_counts_open_periods_only_once_met():
    from storage.rules.meetings import Held, requirements
    from storage.rules.rollup import compliance

    period = parse_period("2026Q4", TODAY)
    theme = [Held(ActivityKind.THEME_DAY, Audience.BRANCH, None, date(2026, 10, 9)),
             Held(ActivityKind.THEME_DAY, Audience.BRANCH, None, date(2026, 11, 1))]
    cell = compliance(period, TODAY, [r for r in requirements() if r.kind == ActivityKind.THEME_DAY], [], theme)
    assert cell.values == {"required": 2, "met": 2, "rate": Decimal("100.0")} and not cell.short  # December is to come
    groups = compliance(period, TODAY, [r for r in requirements() if r.kind == ActivityKind.GROUP_MEETING], ["一组", "二组"],
                        [Held(ActivityKind.GROUP_MEETING, Audience.GROUP, "一组", date(2026, 10, 1))])
    assert groups.values["required"] == 2 and groups.values["met"] == 1 and groups.short  # 二组 missed October
    assert groups.missing == ("group_meeting",)


def test_periods_are_read_as_written():
    assert parse_period("2026-11", TODAY).label == "2026-11"
    assert parse_period("2026年3月", TODAY).label == "2026-03"
    assert parse_period("２０２６Ｑ４", TODAY).start == date(2026, 10, 1)
    assert parse_period("2026q1", TODAY).end == date(2026, 4, 1)
    assert parse_period("2026年第二季度", TODAY).label == "2026Q2"
    assert parse_period("2026", TODAY).end == date(2027, 1, 1)
    assert parse_period("上月", TODAY).label == "2026-10"
    for bad in ("", "2026-13", "2026Q5", "11月", "0000", "tomorrow"):
        assert parse_period(bad, TODAY) is None, bad
    assert rules.percent(2, 3) == Decimal("66.7") and rules.percent(1, 0) is None
