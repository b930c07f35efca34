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

    from bot.i18n import Catalogs
    from handlers.kit import charts
    from handlers.summary import chart, chart_note

    async with db.session() as session:
        gen, ledger, who = await november(session)
        branch = await session.get(Branch, ledger.branch_id)
        summary = await summaries.compute(session, branch, periods.month(2026, 11), local("2026-12-01 09:00"))
    t = Catalogs("zh_CN").gettext("zh_CN")
    title, panels = chart(t, summary)
    text = title + chart_note(t) + "".join(p.title + "".join(p.labels) for p in panels)
    assert "主题党日" in text and "出勤率" in text and "第一党小组" in text
    assert charts.missing(text) == set()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a box instead of a glyph would warn "Glyph ... missing from font(s)"
        png = charts.render(title, panels, chart_note(t))
    assert png.startswith(b"\x89PNG")
