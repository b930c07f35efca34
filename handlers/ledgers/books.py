"""The ledgers' layouts: rows read by storage.ledgers turned into workbook descriptions, in one language.

Pure functions of their input (no database): each takes what a query returned and a ``Heading``
(the branch, the period, who made it and when) and gives a ``workbook.Book``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import AUDIENCE, KIND, LIST_SEPARATOR, ROLE, STATUS, audience_text
from handlers.kit.workbook import DATE, DATETIME, DECIMAL1, INTEGER, MONEY, PERCENT, Book, Column, Sheet
from storage.ledgers.dues import DuesRecord
from storage.ledgers.queries import ActivityEntry, RosterEntry, Unit
from storage.ledgers.service import ServiceRecord
from storage.rules import periods
from storage.rules.meetings import Period as Every
from storage.rules.periods import Period, Span
from storage.rules.vocabulary import AttendanceStatus, CheckinMethod, DuesCategory, MembershipEvent, Role

PERIOD_TEXT: dict[Span, str | tuple[str, str]] = {
    Span.MONTH: N_("{year}-{index:02d}"),
    Span.QUARTER: N_("quarter {index} of {year}"),
    Span.HALF: (N_("first half of {year}"), N_("second half of {year}")),
    Span.YEAR: N_("the year {year}"),
}
TITLE = N_("{branch} · {ledger} · {period}")
NOTE = N_("Made by {name} at {at}; figures as of {asof}.")
YES, NO = N_("yes"), N_("no")

EVENT = {
    MembershipEvent.ADDED: N_("put on the roster"),
    MembershipEvent.ADMITTED: N_("admitted as probationary member"),
    MembershipEvent.CONVERTED: N_("converted to full member"),
    MembershipEvent.STATUS: N_("status corrected"),
    MembershipEvent.GROUP: N_("moved to another Party group"),
    MembershipEvent.TRANSFERRED_OUT: N_("taken off the roster"),
    MembershipEvent.RETURNED: N_("back on the roster"),
}
DUES_CATEGORY = {
    DuesCategory.EMPLOYED: N_("employed"),
    DuesCategory.RETIRED: N_("retired"),
    DuesCategory.STUDENT: N_("student"),
    DuesCategory.UNEMPLOYED: N_("unemployed"),
    DuesCategory.SUBSISTENCE: N_("on subsistence allowance"),
    DuesCategory.RURAL: N_("rural"),
    DuesCategory.OTHER: N_("other"),
}
ATTENDANCE = {
    AttendanceStatus.PRESENT: N_("present"),
    AttendanceStatus.ON_LEAVE: N_("on leave"),
    AttendanceStatus.ABSENT: N_("absent"),
    AttendanceStatus.LEAVE_REQUESTED: N_("absent (leave asked, not decided)"),
    AttendanceStatus.LEAVE_REFUSED: N_("absent (leave refused)"),
}
GUEST = N_("attended, not expected")
METHOD = {
    CheckinMethod.BUTTON: N_("button"),
    CheckinMethod.COMMAND: N_("command"),
    CheckinMethod.QR: N_("QR code"),
    CheckinMethod.PROXY: N_("recorded by an officer"),
}
EVERY = {
    Every.MONTH: N_("monthly"),
    Every.QUARTER: N_("quarterly"),
    Every.YEAR: N_("yearly"),
}
PER_GROUP = N_("{every}, in each Party group")
HELD, MISSING, RUNNING = N_("held"), N_("not held"), N_("not yet due")
UNRECORDED = N_("before the bot kept records")
TOTAL = N_("Total")


@dataclass(frozen=True)
class Heading:
    """What every sheet's title and note rows say."""

    branch: str
    period: Period
    ledger: str  # N_ msgid of the ledger's name
    made_by: str
    made_at: datetime  # local
    as_of: date  # the last day the figures cover (the period's, or today for a running one)


def period_text(t: Gettext, period: Period) -> str:
    text = PERIOD_TEXT[period.span]
    if isinstance(text, tuple):
        text = text[period.index - 1]
    return t(text).format(year=period.year, index=period.index)


def _title(t: Gettext, h: Heading, sheet: str | None = None) -> str:
    ledger = t(h.ledger) if sheet is None else f"{t(h.ledger)} · {t(sheet)}"
    return t(TITLE).format(branch=h.branch, ledger=ledger, period=period_text(t, h.period))


def _notes(t: Gettext, h: Heading) -> list[str]:
    return [t(NOTE).format(name=h.made_by, at=h.made_at.strftime("%Y-%m-%d %H:%M"), asof=h.as_of.isoformat())]


def _sheet(t: Gettext, h: Heading, name: str, columns: list[Column], rows: list[list], totals: list | None = None,
           *, main: bool = False, notes: tuple[str, ...] = ()) -> Sheet:
    return Sheet(t(name), _title(t, h, None if main else name), columns, rows, _notes(t, h) + [t(n) for n in notes],
                 totals)


def _rate(part: int, whole: int) -> Decimal | None:
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001")) if whole else None


def _roles(t: Gettext, roles: frozenset[Role]) -> str:
    return t(LIST_SEPARATOR).join(t(ROLE[r]) for r in Role if r in roles)


# --- 花名册 -----------------------------------------------------------------------------------

ROSTER = N_("Roster")
HISTORY = N_("Status history")


def roster_book(t: Gettext, h: Heading, entries: list[RosterEntry]) -> Book:
    columns = [Column(t(N_("No.")), INTEGER), Column(t(N_("Name"))), Column(t(N_("Party status"))),
               Column(t(N_("Party group"))), Column(t(N_("Roles"))), Column(t(N_("Dues category"))),
               Column(t(N_("Mobile phone"))), Column(t(N_("Joined the Party")), DATE),
               Column(t(N_("Mobile member"))), Column(t(N_("On the roster"))), Column(t(N_("Left the roster")), DATE)]
    rows = [[i, e.name, t(STATUS[e.status]), e.party_group, _roles(t, e.roles),
             t(DUES_CATEGORY[e.dues_category]) if e.dues_category else None, e.phone, e.joined_on,
             t(YES if e.mobile else NO), t(YES if e.on_roster else NO), e.left_on]
            for i, e in enumerate(entries, 1)]
    history_columns = [Column(t(N_("No.")), INTEGER), Column(t(N_("Name"))), Column(t(N_("Date")), DATE),
                       Column(t(N_("Change"))), Column(t(N_("Party status"))), Column(t(N_("Party group"))),
                       Column(t(N_("On the roster")))]
    changes = sorted(((e.name, c) for e in entries for c in e.history), key=lambda pair: (pair[1].at, pair[0]))
    history_rows = [[i, name, c.at.date(), t(EVENT[c.event]), t(STATUS[c.status]), c.party_group,
                     t(YES if c.active else NO)] for i, (name, c) in enumerate(changes, 1)]
    return Book([_sheet(t, h, ROSTER, columns, rows, main=True),
                 _sheet(t, h, HISTORY, history_columns, history_rows)])


# --- 会议签到台账 ------------------------------------------------------------------------------

ATTENDANCE_LEDGER = N_("Attendance ledger")
ACTIVITIES = N_("Activities")
SIGN_IN = N_("Sign-in sheet")
BY_MEMBER = N_("By member")
CANCELLED, NOT_OPENED, NO_RECORD = N_("cancelled"), N_("check-in not opened yet"), N_("no check-in was taken")
MADE_UP, OWED = N_("caught up"), N_("catch-up owed")


def attendance_book(t: Gettext, h: Heading, activities: list[ActivityEntry]) -> Book:
    present, leave = (AttendanceStatus.PRESENT,), (AttendanceStatus.ON_LEAVE,)
    absent = (AttendanceStatus.ABSENT, AttendanceStatus.LEAVE_REQUESTED, AttendanceStatus.LEAVE_REFUSED)
    overview = [Column(t(N_("No.")), INTEGER), Column(t(N_("Date")), DATE), Column(t(N_("Time"))),
                Column(t(N_("Kind"))), Column(t(N_("Title"))), Column(t(N_("Place"))), Column(t(N_("Audience"))),
                Column(t(N_("Expected")), INTEGER), Column(t(N_("Present")), INTEGER),
                Column(t(N_("On leave")), INTEGER), Column(t(N_("Absent")), INTEGER),
                Column(t(N_("Attendance rate")), PERCENT), Column(t(N_("Note")))]
    rows, sums = [], [0, 0, 0, 0]
    for i, a in enumerate(activities, 1):
        counted = a.frozen and not a.cancelled
        figures = [a.expected, a.count(*present), a.count(*leave), a.count(*absent)] if counted else [None] * 4
        if counted:
            sums = [s + f for s, f in zip(sums, figures, strict=True)]
        note = t(CANCELLED) if a.cancelled else None if a.frozen else t(NOT_OPENED if a.ends_at > h.made_at else NO_RECORD)
        rows.append([i, a.starts_at.date(), f"{a.starts_at:%H:%M}–{a.ends_at:%H:%M}", t(KIND[a.kind]), a.title,
                     a.place, audience_text(t, a.audience, a.audience_group) if a.audience in AUDIENCE else None,
                     *figures, _rate(figures[1], figures[0]) if counted else None, note])
    totals = [t(TOTAL), None, None, None, None, None, None, *sums, _rate(sums[1], sums[0]), None]

    detail = [Column(t(N_("No.")), INTEGER), Column(t(N_("Date")), DATE), Column(t(N_("Activity"))),
              Column(t(N_("Kind"))), Column(t(N_("Name"))), Column(t(N_("Party status on the day"))),
              Column(t(N_("Party group"))), Column(t(N_("Attendance"))), Column(t(N_("Checked in at")), DATETIME),
              Column(t(N_("How"))), Column(t(N_("Leave reason"))), Column(t(N_("Catch-up"))),
              Column(t(N_("Caught up at")), DATETIME)]
    lines, n = [], 0
    per_member: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    groups: dict[int, str | None] = {}
    for a in activities:
        if a.cancelled:
            continue
        for line in a.lines:
            if not line.expected and line.status != AttendanceStatus.PRESENT:
                continue  # welcome but not come: nothing to record
            n += 1
            makeup = None
            if line.expected and line.status == AttendanceStatus.ON_LEAVE:
                makeup = t(MADE_UP if line.made_up_at else OWED)
            lines.append([n, a.starts_at.date(), a.title, t(KIND[a.kind]), line.name,
                          t(STATUS[line.party_status]) if line.party_status else None, line.party_group,
                          t(ATTENDANCE[line.status] if line.expected else GUEST), line.checked_in_at,
                          t(METHOD[line.method]) if line.method else None, line.leave_reason, makeup, line.made_up_at])
            if line.expected:
                figures = per_member[line.name, line.member_id]
                figures[0] += 1
                figures[1] += line.status in present
                figures[2] += line.status in leave
                figures[3] += line.status in absent
                figures[4] += line.owes_makeup
                groups[line.member_id] = line.party_group
    summary = [Column(t(N_("No.")), INTEGER), Column(t(N_("Name"))), Column(t(N_("Party group"))),
               Column(t(N_("Expected")), INTEGER), Column(t(N_("Present")), INTEGER),
               Column(t(N_("On leave")), INTEGER), Column(t(N_("Absent")), INTEGER),
               Column(t(N_("Attendance rate")), PERCENT), Column(t(N_("Catch-ups owed")), INTEGER)]
    people = sorted(per_member.items())
    member_rows = [[i, name, groups[member_id], *f[:4], _rate(f[1], f[0]), f[4]]
                   for i, ((name, member_id), f) in enumerate(people, 1)]
    all_f = [sum(f[k] for _, f in people) for k in range(5)]
    member_totals = [t(TOTAL), None, None, *all_f[:4], _rate(all_f[1], all_f[0]), all_f[4]]
    return Book([
        _sheet(t, h, ACTIVITIES, overview, rows, totals, main=True),
        _sheet(t, h, SIGN_IN, detail, lines),
        _sheet(t, h, BY_MEMBER, summary, member_rows, member_totals),
    ])


# --- 三会一课 -----------------------------------------------------------------------------------

MEETINGS_LEDGER = N_("Three meetings and one lecture")
COMPLIANCE = N_("Compliance")
BY_PERIOD = N_("By period")


def _unit_label(unit: Unit) -> str:
    every = unit.requirement.period
    if every == Every.MONTH:
        return periods.month(unit.start.year, unit.start.month).label
    if every == Every.QUARTER:
        return periods.quarter_of(unit.start).label
    return periods.year(unit.start.year).label


def meetings_book(t: Gettext, h: Heading, units: list[Unit]) -> Book:
    def required(unit: Unit) -> str:
        every = t(EVERY[unit.requirement.period])
        return t(PER_GROUP).format(every=every) if unit.requirement.per_group else every

    detail = [Column(t(N_("No.")), INTEGER), Column(t(N_("Meeting"))), Column(t(N_("Required"))),
              Column(t(N_("Party group"))), Column(t(N_("Period"))), Column(t(N_("Held?"))),
              Column(t(N_("Times")), INTEGER), Column(t(N_("Dates"))), Column(t(N_("Titles")))]
    rows = []
    tally: dict[tuple, list[int]] = {}
    for i, unit in enumerate(units, 1):
        counted = unit.recorded or unit.held  # before the branch was set up here nothing is known to be missing
        state = HELD if unit.held else (UNRECORDED if not unit.recorded else MISSING if unit.over else RUNNING)
        rows.append([i, t(KIND[unit.requirement.kind]), required(unit), unit.group, _unit_label(unit), t(state),
                     len(unit.meetings), "、".join(f"{m.starts_at:%Y-%m-%d}" for m in unit.meetings) or None,
                     "、".join(m.title for m in unit.meetings) or None])
        key = (unit.requirement.kind, unit.requirement.period, unit.group)
        counts = tally.setdefault(key, [0, 0, 0, 0])  # due, held, missing, times
        counts[0] += counted and (unit.over or unit.held)
        counts[1] += unit.held
        counts[2] += counted and unit.over and not unit.held
        counts[3] += len(unit.meetings)
    summary = [Column(t(N_("No.")), INTEGER), Column(t(N_("Meeting"))), Column(t(N_("Required"))),
               Column(t(N_("Party group"))), Column(t(N_("Periods due")), INTEGER),
               Column(t(N_("Periods held")), INTEGER), Column(t(N_("Periods missed")), INTEGER),
               Column(t(N_("Meetings held")), INTEGER), Column(t(N_("Completion rate")), PERCENT)]
    first = {}
    for unit in units:
        first.setdefault((unit.requirement.kind, unit.requirement.period, unit.group), unit)
    summary_rows = [[i, t(KIND[kind]), required(first[kind, every, group]), group, *counts, _rate(counts[1], counts[0])]
                    for i, ((kind, every, group), counts) in enumerate(tally.items(), 1)]
    return Book([
        _sheet(t, h, COMPLIANCE, summary, summary_rows, main=True),
        _sheet(t, h, BY_PERIOD, detail, rows),
    ])


# --- 党费收缴台账 ------------------------------------------------------------------------------

DUES_LEDGER = N_("Party-dues ledger")
DUES_GRID = N_("Dues by month")
PAYMENTS = N_("Payments")
WAIVERS = N_("Waivers")
OWED, PAID, WAIVED, OUTSTANDING = N_("Owed"), N_("Paid"), N_("Waived"), N_("Outstanding")
DUES_GRID_NOTE = N_("Paid counts confirmed payments only, up to what was owed; waived is settled by the branch's "
                    "decision (减免). Blank: not owed that month (not yet a Party member, or off the roster), or no "
                    "amount known yet.")
PAYMENTS_NOTE = N_("Only confirmed payments count as paid; those waiting for confirmation and those rejected are "
                   "listed here but not counted. A correction is a confirmed entry with a negative amount.")
PAYMENT_STATUS = {"confirmed": N_("confirmed"), "pending": N_("waiting for confirmation"), "rejected": N_("rejected")}
PAYMENT_METHOD = {"cash": N_("cash"), "wechat": N_("WeChat"), "alipay": N_("Alipay"), "transfer": N_("bank transfer"),
                  "other": N_("other"), "unknown": N_("not said")}
CORRECTION = N_("corrects No. {number}: {reason}")
IN_FORCE, REVERSED_ON = N_("in force"), N_("reversed on {date}")


def _month_heading(t: Gettext, month: str) -> str:
    return period_text(t, periods.month(int(month[:4]), int(month[5:7])))


def dues_book(t: Gettext, h: Heading, record: DuesRecord) -> Book:
    book = record.book
    months = book.months
    columns = [Column(t(N_("No.")), INTEGER), Column(t(N_("Name"))), Column(t(N_("Party group")))]
    for month in months:
        group = _month_heading(t, month)
        columns += [Column(t(OWED), MONEY, group=group), Column(t(PAID), MONEY, group=group),
                    Column(t(WAIVED), MONEY, group=group)]
    total = t(TOTAL)
    columns += [Column(t(OWED), MONEY, group=total), Column(t(PAID), MONEY, group=total),
                Column(t(WAIVED), MONEY, group=total), Column(t(OUTSTANDING), MONEY, group=total)]
    rows = []
    for i, member in enumerate(record.members, 1):
        row = [i, member.name, member.party_group]
        for month in months:
            line = book.line(member.member_id, month)
            row += [line.owed, line.paid, line.waived] if line is not None and line.owing else [None, None, None]
        sums = book.member_totals(member.member_id)
        known = sums.unknown < sums.owing  # some amount known (the sums are of the known ones)
        row += [sums.owed if known else None, sums.paid, sums.waived, sums.outstanding if known else None]
        rows.append(row)
    totals = [total, None, None]
    for month in months:
        sums = book.month_totals(month)
        totals += [sums.owed, sums.paid, sums.waived]
    sums = book.totals()
    totals += [sums.owed, sums.paid, sums.waived, sums.outstanding]

    pay_columns = [Column(t(N_("No.")), INTEGER), Column(t(N_("Entered at")), DATETIME), Column(t(N_("Name"))),
                   Column(t(N_("Months covered"))), Column(t(N_("Amount")), MONEY), Column(t(N_("Method"))),
                   Column(t(N_("Paid by (代缴)"))), Column(t(N_("Status"))), Column(t(N_("Note")))]
    numbers = {p.payment_id: i for i, p in enumerate(record.payments, 1)}
    pay_rows = []
    for i, p in enumerate(record.payments, 1):
        if p.correction_of is not None:
            note = t(CORRECTION).format(number=numbers.get(p.correction_of, "?"), reason=p.reason or "")
        else:
            note = p.reason if p.status == "rejected" else p.note
        pay_rows.append([i, p.at, p.member, t(LIST_SEPARATOR).join(p.months), p.amount,
                         t(PAYMENT_METHOD.get(p.method, PAYMENT_METHOD["other"])), p.payer,
                         t(PAYMENT_STATUS.get(p.status, p.status)), note])
    waiver_columns = [Column(t(N_("No.")), INTEGER), Column(t(N_("Name"))), Column(t(N_("From month"))),
                      Column(t(N_("To month"))), Column(t(N_("Reason"))), Column(t(N_("Recorded by"))),
                      Column(t(N_("Recorded at")), DATETIME), Column(t(N_("Standing")))]
    waiver_rows = [[i, w.member, w.first_month, w.last_month, w.note, w.recorded_by, w.at,
                    t(IN_FORCE) if w.reversed_at is None else t(REVERSED_ON).format(date=w.reversed_at.date().isoformat())]
                   for i, w in enumerate(record.waivers, 1)]
    return Book([
        _sheet(t, h, DUES_GRID, columns, rows, totals, main=True, notes=(DUES_GRID_NOTE,)),
        _sheet(t, h, PAYMENTS, pay_columns, pay_rows, notes=(PAYMENTS_NOTE,)),
        _sheet(t, h, WAIVERS, waiver_columns, waiver_rows),
    ])


# --- 志愿服务台账 ------------------------------------------------------------------------------

SERVICE_LEDGER = N_("Volunteer service ledger")
APPROVED_REPORTS = N_("Approved reports")
SERVICE_TOTALS = N_("By member and category")
APPROVED_ONLY = N_("Only approved reports are listed and counted; those waiting for review, sent back for a change, "
                   "rejected or withdrawn are not.")
TOTALS_NOTE = N_("Hours are per person: a team report counts for the reporter and for each teammate who confirmed. "
                 "In the total row each report is counted once.")
REPORTS_COUNT = N_("Reports")


def _hours(minutes: int) -> Decimal:
    return Decimal(minutes) / 60


def service_book(t: Gettext, h: Heading, record: ServiceRecord) -> Book:
    columns = [Column(t(N_("No.")), INTEGER), Column(t(N_("Date")), DATE), Column(t(N_("Name"))),
               Column(t(N_("Teammates (confirmed)"))), Column(t(N_("Hours served")), DECIMAL1), Column(t(N_("Category"))),
               Column(t(N_("Place"))), Column(t(N_("People served")), INTEGER), Column(t(N_("What was done"))),
               Column(t(N_("Household"))), Column(t(N_("Post"))), Column(t(N_("Reviewed by"))),
               Column(t(N_("Reviewed at")), DATETIME)]
    rows = [[i, r.served_on, r.member, t(LIST_SEPARATOR).join(r.teammates) or None, _hours(r.minutes), r.category,
             r.place, r.people_served, r.description, r.household, r.post, r.reviewer, r.reviewed_at]
            for i, r in enumerate(record.reports, 1)]
    totals = [t(TOTAL), None, None, None, None, None, None, sum(r.people_served for r in record.reports),
              None, None, None, None, None]
    sums = [Column(t(N_("No.")), INTEGER), Column(t(N_("Name"))), Column(t(N_("Party group")))]
    for name in [*record.categories, t(TOTAL)]:
        sums += [Column(t(N_("Hours served")), DECIMAL1, group=name), Column(t(REPORTS_COUNT), INTEGER, group=name)]
    sum_rows = []
    for i, tally in enumerate(record.tallies, 1):
        row = [i, tally.member, tally.party_group]
        for name in record.categories:
            row += [_hours(tally.minutes[name]), tally.reports[name]] if name in tally.minutes else [None, None]
        row += [_hours(sum(tally.minutes.values())), sum(tally.reports.values())]
        sum_rows.append(row)
    sum_totals = [t(TOTAL), None, None]
    for name in record.categories:
        sum_totals += [_hours(sum(x.minutes.get(name, 0) for x in record.tallies)),
                       sum(1 for r in record.reports if r.category == name)]
    sum_totals += [_hours(sum(sum(x.minutes.values()) for x in record.tallies)), len(record.reports)]
    return Book([
        _sheet(t, h, APPROVED_REPORTS, columns, rows, totals, main=True, notes=(APPROVED_ONLY,)),
        _sheet(t, h, SERVICE_TOTALS, sums, sum_rows, sum_totals, notes=(APPROVED_ONLY, TOTALS_NOTE)),
    ])
