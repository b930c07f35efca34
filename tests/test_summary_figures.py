"""The summary's figures, one by one, against a generated history whose answers the test works out itself."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from storage.models import Branch, Member
from storage.roster import members as member_store
from storage.roster.members import MemberData
from storage.rules import periods
from storage.rules.meetings import Period
from storage.rules.vocabulary import ActivityKind, AttendanceStatus, Audience, PartyStatus
from storage.summary import summary as summaries
from tests.summary_month import ZONE, Made, local, november

NOV_START, NOV_END = local("2026-11-01 00:00"), local("2026-12-01 00:00")


def in_november(made: Made) -> bool:
    return NOV_START <= made.starts_at < NOV_END


def held(made: Made) -> bool:
    present = any(o[0] == AttendanceStatus.PRESENT for o in made.outcome.values()) or made.guests
    return not made.cancelled and bool(present) and made.starts_at + timedelta(hours=1) <= NOV_END


def months(since: date, today: date) -> int:
    """Whole calendar months, counted by hand."""
    count = 0
    while True:
        year, month = since.year + (since.month - 1 + count + 1) // 12, (since.month - 1 + count + 1) % 12 + 1
        try:
            step = date(year, month, since.day)
        except ValueError:  # no such day in that month: its last day
            step = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
        if step > today:
            return count
        count += 1


async def test_every_figure_of_a_generated_month(db):
    async with db.session() as session:
        gen, ledger, who = await november(session)
        branch = await session.get(Branch, ledger.branch_id)
        span = periods.parse_period("2026-11", date(2026, 12, 1))
        summary = await summaries.compute(session, branch, span, local("2026-12-01 09:00"))

    made = [m for m in ledger.made if in_november(m) and held(m)]
    assert [a.id for a in summary.attendance.activities] == [m.id for m in sorted(made, key=lambda m: m.starts_at)]
    names = {p.id: p.name for p in ledger.people.values()}

    # Activities held by kind: the cancelled one, the one nobody checked in to, October's and December's are out.
    by_kind = {kind: sum(1 for m in made if m.kind == kind) for kind in ActivityKind}
    assert summary.meetings.held_by_kind == by_kind
    assert by_kind[ActivityKind.THEME_DAY] == 1 and by_kind[ActivityKind.GROUP_MEETING] == 2
    unrecorded = [m.id for m in ledger.made if in_november(m) and not m.cancelled and not held(m)
                  and m.starts_at + timedelta(hours=1) <= NOV_END]
    assert [a.id for a in summary.meetings.unrecorded] == unrecorded
    assert ActivityKind.OTHER in [a.kind for a in summary.meetings.unrecorded]

    # Per activity, and the rate over the month.
    for figures in summary.attendance.activities:
        m = next(x for x in made if x.id == figures.id)
        outcomes = [o[0] for o in m.outcome.values()]
        assert figures.expected == len(m.expected)
        assert figures.present == outcomes.count(AttendanceStatus.PRESENT)
        assert figures.on_leave == outcomes.count(AttendanceStatus.ON_LEAVE)
        assert figures.absent == len(outcomes) - figures.present - figures.on_leave
        assert figures.guests == len(m.guests)
    expected = sum(len(m.expected) for m in made)
    present = sum(1 for m in made for o in m.outcome.values() if o[0] == AttendanceStatus.PRESENT)
    assert (summary.attendance.expected, summary.attendance.present) == (expected, present)
    assert summary.attendance.rate == Fraction(present, expected)

    # Per member, by the lists as they were: who left mid-month counts before, who came after.
    per_member: dict[int, list] = {}
    for m in made:
        for member_id, outcome in m.outcome.items():
            per_member.setdefault(member_id, []).append(outcome)
    assert {f.member_id for f in summary.attendance.members} == set(per_member)
    assert who["leaves"] in per_member and who["newcomer"] in per_member
    assert who["guest"] not in per_member
    for figures in summary.attendance.members:
        outcomes = per_member[figures.member_id]
        assert figures.name == names[figures.member_id]
        assert figures.expected == len(outcomes)
        assert figures.present == sum(1 for o in outcomes if o[0] == AttendanceStatus.PRESENT)
        assert figures.on_leave == sum(1 for o in outcomes if o[0] == AttendanceStatus.ON_LEAVE)
        assert figures.makeups_owed == sum(1 for o in outcomes if o[0] == AttendanceStatus.ON_LEAVE and not o[2])

    # Absentees with their reasons, and who owes 补课.
    absences = {(m.id, member_id, o[0], o[1]) for m in made for member_id, o in m.outcome.items()
                if o[0] != AttendanceStatus.PRESENT}
    assert {(a.activity_id, a.member_id, a.status, a.reason) for a in summary.attendance.absences} == absences
    owed = {(m.id, member_id) for m in made for member_id, o in m.outcome.items()
            if o[0] == AttendanceStatus.ON_LEAVE and not o[2]}
    assert {(a.activity_id, a.member_id) for a in summary.attendance.makeups_owed} == owed

    # Membership at the month's end: the one who left is gone, the activist admitted is probationary.
    active = [p for p in ledger.people.values() if p.active]
    assert summary.membership.by_status == {s: sum(1 for p in active if p.status == s) for s in PartyStatus}

    # 三会一课 against the requirements.
    table = {(c.kind, c.group): c for c in summary.meetings.compliance}
    assert table[ActivityKind.THEME_DAY, None].held == 1 and table[ActivityKind.THEME_DAY, None].complete
    assert table[ActivityKind.COMMITTEE_MEETING, None].held == 1  # the one of 31 October (Beijing) is October's
    assert table[ActivityKind.GROUP_MEETING, "第一党小组"].held == 2
    groups_at_end = sorted({p.group for p in active if p.group and p.status != PartyStatus.ACTIVIST})
    assert sorted(g for k, g in table if k == ActivityKind.GROUP_MEETING) == groups_at_end
    assert not table[ActivityKind.GROUP_MEETING, "第二党小组"].met
    general = table[ActivityKind.GENERAL_MEETING, None]
    assert (general.period, general.start, general.end, general.held, general.complete) == (
        Period.QUARTER, date(2026, 10, 1), date(2026, 12, 1), 1, False)
    assert table[ActivityKind.PARTY_LECTURE, None].held == 2
    life = table[ActivityKind.LIFE_MEETING, None]
    assert (life.start, life.end, life.held, life.complete) == (date(2026, 1, 1), date(2026, 12, 1), 0, False)
    assert {(c.kind, c.group) for c in summary.meetings.missing} == {
        (ActivityKind.GROUP_MEETING, "第二党小组"), (ActivityKind.GROUP_MEETING, "第三党小组"),
        (ActivityKind.LIFE_MEETING, None), (ActivityKind.DEMOCRATIC_REVIEW, None), (ActivityKind.TALK, None)}

    # Near the six-month line, counted by hand from each member's whole record up to the month's end.
    today = date(2026, 11, 30)
    lapsing = {}
    for person in active:
        if person.status == PartyStatus.ACTIVIST:
            continue
        record = sorted((m.starts_at, m.outcome[person.id][0]) for m in ledger.made
                        if person.id in m.outcome and not m.cancelled and m.starts_at + timedelta(hours=1) <= NOV_END)
        since = None
        for at, status in record:
            if status in (AttendanceStatus.PRESENT, AttendanceStatus.ON_LEAVE):
                since = None
            elif since is None:
                since = at.astimezone(ZONE).date()
        if since is not None and months(since, today) >= 2:
            lapsing[person.id] = (since, months(since, today))
    assert {line.member_id: (line.since, line.months) for line in summary.lapses} == lapsing
    assert lapsing[who["lapse2"]] == (date(2026, 9, 5), 2) and lapsing[who["lapse6"]] == (date(2026, 5, 5), 6)
    assert summary.lapse_of(who["lapse6"]).stage == 6 and summary.lapse_of(who["lapse2"]).stage == 2


async def test_later_roster_changes_do_not_rewrite_the_month(db):
    async with db.session() as session:
        gen, ledger, who = await november(session, seed=11)
        branch = await session.get(Branch, ledger.branch_id)
        span = periods.month(2026, 11)
        before = await summaries.compute(session, branch, span, local("2026-12-01 09:00"))
        # December: one leaves, one comes, one is admitted, one changes group.
        await gen.remove(who["m2"], local("2026-12-03 09:00"))
        await member_store.add_member(session, branch.id, MemberData("钱后来", PartyStatus.FULL, "第二党小组"),
                                      local("2026-12-03 09:00"))
        member = await session.get(Member, who["m3"])
        member.party_group = "第九党小组"
        after = await summaries.compute(session, branch, span, local("2026-12-10 09:00"))
    assert after == before


async def test_a_quarter_checks_each_month_and_a_period_in_progress_is_not_final(db):
    async with db.session() as session:
        gen, ledger, who = await november(session)
        branch = await session.get(Branch, ledger.branch_id)
        quarter = await summaries.compute(session, branch, periods.quarter(2026, 4), local("2026-12-01 09:00"))
    themes = [c for c in quarter.meetings.compliance if c.kind == ActivityKind.THEME_DAY]
    assert [(c.start, c.end, c.held, c.complete) for c in themes] == [
        (date(2026, 10, 1), date(2026, 11, 1), 1, True),
        (date(2026, 11, 1), date(2026, 12, 1), 1, True),
        (date(2026, 12, 1), date(2027, 1, 1), 1, False)]  # December is not over: the month is not final
    assert quarter.as_of == local("2026-12-01 09:00")  # read as of now: the quarter is not over
    assert quarter.meetings.held_by_kind[ActivityKind.GENERAL_MEETING] == 1
    committee = [c for c in quarter.meetings.compliance if c.kind == ActivityKind.COMMITTEE_MEETING]
    assert [c.held for c in committee] == [1, 1, 0]
    assert all(a.audience != Audience.COMMITTEE or a.expected == 2 for a in quarter.attendance.activities)


async def test_the_chart_of_a_month_in_chinese_has_every_glyph(db):
    import warnings
    from dataclasses import replace

    from bot.i18n import Catalogs
    from handlers.kit import charts
    from handlers.summary import chart, chart_note
    from storage.rules.vocabulary import ServiceStatus

    async with db.session() as session:
        gen, ledger, who = await november(session)
        branch = await session.get(Branch, ledger.branch_id)
        summary = await summaries.compute(session, branch, periods.month(2026, 11), local("2026-12-01 09:00"))
    t = Catalogs("zh_CN").gettext("zh_CN")
    title, panels = chart(t, summary)
    text = title + chart_note(t) + "".join(p.title + "".join(p.labels) for p in panels)
    assert "主题党日" in text and "出勤率" in text and "第一党小组" in text
    hours = panels[-1]  # volunteer hours per category, as the test made them
    made = {}
    for _rid, reporter, mates, day, minutes, category, _people, status in ledger.reports:
        if status == ServiceStatus.APPROVED and day.month == 11:
            made[category] = made.get(category, 0) + minutes * (1 + len(mates))
    assert "各类志愿服务时长" in hours.title and "5.75" in hours.title
    assert dict(zip(hours.labels, hours.values, strict=True)) == {c: round(m / 60, 2) for c, m in made.items()}
    assert len(chart(t, replace(summary, service=None))[1]) == len(panels) - 1  # no hours: no panel
    assert charts.missing(text) == set()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a box instead of a glyph would warn "Glyph ... missing from font(s)"
        png = charts.render(title, panels, chart_note(t))
    assert png.startswith(b"\x89PNG")


async def test_dues_and_volunteer_service_of_the_month(db):
    from decimal import Decimal

    from storage.rules.vocabulary import ServiceStatus
    from storage.service import totals as service_totals

    async with db.session() as session:
        gen, ledger, who = await november(session)
        branch = await session.get(Branch, ledger.branch_id)
        summary = await summaries.compute(session, branch, periods.month(2026, 11), local("2026-12-01 09:00"))
        own_minutes = {mid: await service_totals.member_minutes(session, branch.id, mid, date(2026, 11, 1),
                                                                date(2026, 12, 1)) for mid in ledger.people}
    names = {p.id: p.name for p in ledger.people.values()}
    nov, zero = "2026-11", Decimal(0)

    # Dues: everyone who was a Party member on the roster on some day of November owes it; the two
    # who came to the Party in November have no amount yet.
    owing = {p.id for p in ledger.people.values() if p.status != PartyStatus.ACTIVIST}
    assert who["leaves"] in owing and who["activist"] in owing and who["guest"] not in owing
    known = {mid: ledger.amounts[mid] for mid in owing if mid in ledger.amounts}
    paid = {mid: min(ledger.paid.get((mid, nov), zero), a) for mid, a in known.items()}
    waived = {mid: a - paid[mid] if (mid, nov) in ledger.waived else zero for mid, a in known.items()}
    outstanding = {mid: a - paid[mid] - waived[mid] for mid, a in known.items()}
    dues = summary.dues
    assert dues is not None and (dues.first, dues.last) == (nov, nov)
    assert dues.owed == sum(known.values()) and dues.paid == sum(paid.values())
    assert dues.waived == sum(waived.values()) == ledger.amounts[who["m7"]]
    assert dues.outstanding == sum(outstanding.values())
    assert dues.rate == Fraction(sum(paid.values()) + sum(waived.values())) / Fraction(sum(known.values()))
    assert (dues.owing, dues.unknown) == (len(owing), len(owing) - len(known)) and dues.unknown == 2
    assert dues.settled == sum(1 for v in outstanding.values() if v == 0)
    assert dues.pending == ledger.pending[who["m6"], nov] == ledger.amounts[who["m6"]]
    assert [m.name for m in dues.pending_members] == [names[who["m6"]]]
    still = {mid for mid, v in outstanding.items() if v} | (owing - set(known))
    assert {m.member_id for m in dues.owing_members} == still
    assert {who["m4"], who["m6"], who["lapse6"]} <= still and who["m7"] not in still
    for m in dues.members:
        if m.member_id in known:
            assert (m.owed, m.paid, m.waived, m.outstanding) == (
                known[m.member_id], paid[m.member_id], waived[m.member_id], outstanding[m.member_id])
    assert dues.of(who["m4"]).outstanding == ledger.amounts[who["m4"]] - Decimal("5.00")
    # Arrears at the month's end, counted by hand: the run of unpaid months up to November.
    arrears = {}
    for mid, amount in ledger.amounts.items():
        if not ledger.people[mid].active:
            continue
        run = []
        for month in [f"2026-{m:02d}" for m in range(11, 3, -1)]:
            if ledger.paid.get((mid, month), zero) >= amount or (mid, month) in ledger.waived:
                break
            run.append(month)
        if len(run) >= 2:
            arrears[mid] = (run[-1], len(run), amount * len(run) - sum(ledger.paid.get((mid, m), zero) for m in run))
    assert {a.member_id: (a.since, a.months, a.outstanding) for a in dues.arrears} == arrears
    assert arrears == {who["lapse6"]: ("2026-06", 6, ledger.amounts[who["lapse6"]] * 6)}
    assert dues.arrears[0].stage == 6

    # Volunteer service: only approved reports of November, a team report for each confirmed teammate.
    credited: dict[int, int] = {}
    by_category: dict[str, int] = {}
    people = 0
    for _rid, reporter, mates, day, minutes, category, served, status in ledger.reports:
        if status != ServiceStatus.APPROVED or not date(2026, 11, 1) <= day < date(2026, 12, 1):
            continue
        people += served
        for mid in (reporter, *mates):
            credited[mid] = credited.get(mid, 0) + minutes
            by_category[category] = by_category.get(category, 0) + minutes
    service = summary.service
    assert service is not None
    assert service.minutes == sum(credited.values()) == 120 + 90 * 2 + 45
    assert service.people_served == people == 10
    assert {mid: m for mid, _name, m in service.by_member} == credited
    assert who["m6"] not in credited and who["m3"] not in credited and who["m5"] not in credited
    assert [m for _mid, _name, m in service.by_member] == sorted(credited.values(), reverse=True)
    assert dict(service.by_category) == by_category
    assert [r.report_id for r in service.pending] == [
        r[0] for r in ledger.reports if r[7] == ServiceStatus.PENDING]
    assert {mid: service.minutes_of(mid) for mid in ledger.people} == own_minutes


async def test_the_texts_show_dues_and_service_to_whom_they_belong(db):
    from bot.i18n import Catalogs
    from handlers.summary import detail_text, group_text, own_text

    async with db.session() as session:
        gen, ledger, who = await november(session)
        branch = await session.get(Branch, ledger.branch_id)
        summary = await summaries.compute(session, branch, periods.month(2026, 11), local("2026-12-01 09:00"))
    t = Catalogs("en").gettext("en")
    names = {p.id: p.name for p in ledger.people.values()}
    amounts = {f"{a:.2f}" for a in ledger.amounts.values()} | {"5.00", "元"}
    rate = percent_of(summary.dues.rate)

    group = group_text(t, summary)
    assert f"Party dues: {rate} of what was owed collected" in group
    assert "345" not in group and "5.75 hours" in group and "10 people served" in group
    for name in names.values():
        assert name not in group
    for text in amounts:
        assert text not in group
    public = group_text(t, summary, named=True)  # the branch's 党务公开 on: names, still no amounts
    assert names[who["m0"]] in public and names[who["lapse6"]] in public
    assert "Not paid yet (党务公开)" in public and "Most hours: 1. " in public
    for text in amounts:
        assert text not in public

    detail = detail_text(t, summary)
    lapse6, m4, m6, m3 = (names[who[k]] for k in ("lapse6", "m4", "m6", "m3"))
    assert f"· {m4}: {ledger.amounts[who['m4']] - 5:.2f} 元 (2026-11)" in detail
    assert f"· {m6}: {ledger.amounts[who['m6']]:.2f} 元" in detail  # waiting for confirmation
    assert "Near the six-month line (自行脱党) by attendance" in detail
    assert (f"· {lapse6}: unpaid since 2026-06 (6 months, {ledger.amounts[who['lapse6']] * 6:.2f} 元): "
            "the branch has to decide now") in detail
    pending = next(r for r in ledger.reports if r[1] == who["m3"])
    assert f"#{pending[0]} {m3}, 2026-11-26, 1 hours" in detail
    top = sorted(((m, names[mid]) for mid, _n, m in summary.service.by_member), key=lambda x: (-x[0], x[1]))
    assert "Most hours: " + " · ".join(f"{i}. {n} {m / 60:g}" for i, (m, n) in enumerate(top, start=1)) in detail
    assert f"Most hours: 1. {names[who['m0']]} 2 · " in detail

    # The deputy reads the detail too, but no member's dues amount: those are for the secretary and the 组织委员.
    deputy = detail_text(t, summary, with_dues=False)
    assert f"Party dues: {rate} of what was owed collected" in deputy
    assert f"{len(summary.dues.owing_members)} members still owe dues for the period." in deputy
    assert f"· {lapse6}: unpaid since 2026-06 (6 months): the branch has to decide now" in deputy
    assert "Dues outstanding:" not in deputy and "waiting for confirmation" not in deputy
    assert f"{ledger.amounts[who['m4']] - 5:.2f}" not in deputy and f"{ledger.amounts[who['lapse6']] * 6:.2f}" not in deputy
    assert f"#{pending[0]} {m3}, 2026-11-26, 1 hours" in deputy  # the rest of the detail is the same

    mine = own_text(t, summary, who["m4"], names[who["m4"]])
    assert f"outstanding {ledger.amounts[who['m4']] - 5:.2f} 元" in mine
    assert "Your volunteer service: 1.5 approved hours." in mine
    for other in (lapse6, m6, m3, names[who["m0"]]):
        assert other not in mine
    assert "Most hours" not in mine and f"{summary.dues.owed:.2f}" not in mine


def percent_of(value) -> str:
    from handlers.summary.render import percent

    return percent(value)


async def test_money_paid_where_no_amount_is_known_is_counted_as_paid_but_not_in_the_rate(db):
    """The collection rate sets what was paid or waived against what was owed, in the months whose
    amount is known: in the summary as in the totals the roll-up reads. Money from someone whose amount
    is not known yet shows as paid and settles their month, but is not set against others' amounts."""
    from decimal import Decimal

    from storage.dues import totals as dues_totals

    november_span, at = periods.month(2026, 11), local("2026-12-01 09:00")
    async with db.session() as session:
        gen, ledger, who = await november(session)
        branch = await session.get(Branch, ledger.branch_id)
        before = (await summaries.compute(session, branch, november_span, at)).dues
        await gen.pay(who["activist"], ["2026-11"], Decimal("20.00"))  # came to the Party in November: no amount yet
    async with db.session() as session:
        branch = await session.get(Branch, ledger.branch_id)
        after = (await summaries.compute(session, branch, november_span, at)).dues
        stored = (await dues_totals.read(session, [branch.id], "2026-11", "2026-11"))[branch.id]
    assert after.paid == before.paid + Decimal("20.00") and after.settled == before.settled + 1
    assert after.owed == before.owed and after.rate == before.rate < 1
    assert after.rate == Fraction(stored.paid_fen + stored.waived_fen, stored.owed_fen)
