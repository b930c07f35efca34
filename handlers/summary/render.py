"""The summary in words and as a chart: aggregates for the group, the detail for the officers
entitled, and a member's own figures. Each section of ``storage.summary.Summary`` is one block;
a section that is not there (no data of that kind yet) is left out, never shown as zeros.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from handlers.kit import charts
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import KIND, LIST_SEPARATOR
from storage.branches import BranchSettings
from storage.models import Branch
from storage.rules import periods
from storage.rules.dues import yuan
from storage.rules.meetings import Period, period_containing
from storage.rules.vocabulary import ActivityKind, AttendanceStatus, PartyStatus
from storage.summary.summary import Absence, ActivityFigures, Compliance, DuesSection, ServiceSection, Summary

PERIOD_TITLE = {
    periods.Span.MONTH: N_("the month {label}"),
    periods.Span.QUARTER: N_("the quarter {label}"),
    periods.Span.HALF: N_("the half-year {label}"),
    periods.Span.YEAR: N_("the year {label}"),
}
GROUP_TITLE = N_("“{branch}”: activity summary of {period}")
DETAIL_TITLE = N_("“{branch}”: the detail for officers, {period}")
OWN_TITLE = N_("{name}, your figures in “{branch}”, {period}")
NOT_FINAL = N_("{period} is not over yet: the figures stand as of {when}.")
WITH_GROUP = N_("{kind} ({group})")  # a meeting of one party group; Chinese uses full-width brackets
LABELLED = N_("{label}: {value}")  # Chinese uses the full-width colon
ABSENCE = {
    AttendanceStatus.ON_LEAVE: N_("on leave"),
    AttendanceStatus.ABSENT: N_("absent"),
    AttendanceStatus.LEAVE_REFUSED: N_("absent, leave refused"),
    AttendanceStatus.LEAVE_REQUESTED: N_("absent, leave asked but not decided"),
}


TOP = 5  # members named for their hours (in the group only when the branch's publicity is on)


def hours(minutes: int) -> str:
    """Minutes as hours people read: 3, 2.5 (as volunteer service writes them)."""
    return f"{minutes / 60:g}"


def amount(t: Gettext, value: Decimal) -> str:
    return t(N_("{amount} 元")).format(amount=yuan(value))


def publicity(branch: Branch) -> bool:
    """The branch's 党务公开 setting: names (never amounts) of who has not paid and who served most
    may appear in the group, as the dues deadline and the service recognition post do."""
    return bool(BranchSettings.of(branch).publicity)


def percent(value: Fraction | None) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%".replace(".0%", "%")


def period_name(t: Gettext, span: periods.Period) -> str:
    return t(PERIOD_TITLE[span.span]).format(label=span.label)


def _day(moment: datetime, timezone: str) -> str:
    return moment.astimezone(ZoneInfo(timezone)).strftime("%m-%d")


def activity_label(t: Gettext, activity: ActivityFigures, timezone: str) -> str:
    """"11-06 Theme Party Day", "11-12 Party group meeting (第一党小组)": what the chart and lists call it."""
    label = f"{_day(activity.starts_at, timezone)} {t(KIND[activity.kind])}"
    return t(WITH_GROUP).format(kind=label, group=activity.audience_group) if activity.audience_group else label


def _window(c: Compliance) -> str:
    if c.period == Period.MONTH:
        return periods.month(c.start.year, c.start.month).label
    if c.period == Period.QUARTER:
        return periods.quarter(c.start.year, (c.start.month - 1) // 3 + 1).label
    return periods.year(c.start.year).label


def compliance_line(t: Gettext, c: Compliance) -> str:
    kind = t(KIND[c.kind])
    if c.group:
        kind = t(WITH_GROUP).format(kind=kind, group=c.group)
    if c.met:
        return t(N_("✓ {kind} ({window}): held {n}")).format(kind=kind, window=_window(c), n=c.held)
    if c.complete:
        return t(N_("✗ {kind} ({window}): not held")).format(kind=kind, window=_window(c))
    last = date.fromordinal(periods_end(c).toordinal() - 1)
    return t(N_("… {kind} ({window}): not held yet, due by {last}")).format(kind=kind, window=_window(c),
                                                                          last=last.isoformat())


def periods_end(c: Compliance) -> date:
    return period_containing(c.start, c.period)[1]


def _attendance_line(t: Gettext, summary: Summary) -> str:
    a = summary.attendance
    return t(N_("Attendance: {present} of {expected} expected were present ({rate}); {leave} on leave.")).format(
        present=a.present, expected=a.expected, rate=percent(a.rate), leave=a.on_leave)


def _header(t: Gettext, title: str, summary: Summary, **names) -> list[str]:
    lines = [t(title).format(branch=summary.branch_name, period=period_name(t, summary.span), **names)]
    end = datetime.combine(summary.span.end, datetime.min.time(), ZoneInfo(summary.timezone))
    if summary.as_of < end:
        when = summary.as_of.astimezone(ZoneInfo(summary.timezone)).strftime("%Y-%m-%d %H:%M")
        lines.append(t(NOT_FINAL).format(period=period_name(t, summary.span), when=when))
    return lines


def _top(t: Gettext, service: ServiceSection) -> str:
    return t(N_("Most hours: {list}")).format(list=" · ".join(
        f"{i}. {name} {hours(m)}" for i, (_mid, name, m) in enumerate(service.by_member[:TOP], start=1)))


def _service_line(t: Gettext, service: ServiceSection) -> str:
    return t(N_("Approved volunteer hours: {hours} hours by {members} members, {people} people served.")).format(
        hours=hours(service.minutes), members=len(service.by_member), people=service.people_served)


def _dues_line(t: Gettext, dues: DuesSection) -> str:
    return t(N_("Party dues: {rate} of what was owed collected (paid or waived); {settled} of {owing} "
                "member-months settled.")).format(rate=percent(dues.rate), settled=dues.settled, owing=dues.owing)


def group_text(t: Gettext, summary: Summary, *, named: bool = False) -> str:
    """Aggregates only: no reason, no amount of anyone's, nothing personal. With ``named`` (the
    branch's 党务公开 setting) it names who served most and who has not paid, never amounts."""
    lines = _header(t, GROUP_TITLE, summary)
    m = summary.meetings
    lines += ["", t(N_("Activities held: {n}")).format(n=m.held)]
    lines += ["· " + t(LABELLED).format(label=t(KIND[kind]), value=n) for kind, n in m.held_by_kind.items() if n]
    if m.compliance:
        lines += ["", t(N_("三会一课 and the yearly meetings:"))]
        lines += [compliance_line(t, c) for c in m.compliance]
    lines += ["", _attendance_line(t, summary)]
    counts = summary.membership.by_status
    lines.append(t(N_("On the roster at the end: {full} full members, {prob} probationary, {act} activists.")).format(
        full=counts[PartyStatus.FULL], prob=counts[PartyStatus.PROBATIONARY], act=counts[PartyStatus.ACTIVIST]))
    if summary.service is not None:
        lines += ["", _service_line(t, summary.service)]
        if named and summary.service.by_member:
            lines.append(_top(t, summary.service))
    if summary.dues is not None:
        lines += ["", _dues_line(t, summary.dues)]
        owing = summary.dues.owing_members
        if owing:
            lines.append(t(N_("{n} members still owe dues for the period.")).format(n=len(owing)))
            if named:
                lines.append(t(N_("Not paid yet (党务公开): {names}")).format(
                    names=t(LIST_SEPARATOR).join(m.name for m in owing)))
    return "\n".join(lines)


def _absence(t: Gettext, absence: Absence, with_reasons: bool) -> str:
    what = t(ABSENCE.get(absence.status, N_("absent")))
    if with_reasons and absence.reason:
        what = t(LABELLED).format(label=what, value=absence.reason)
    return t(N_("{name} ({detail})")).format(name=absence.name, detail=what)


def detail_text(t: Gettext, summary: Summary, *, with_reasons: bool = True, with_dues: bool = True) -> str:
    """For the officers entitled: names, reasons, who owes 补课, who is near the six-month line.

    ``with_dues`` False (an officer not entitled to personal dues figures, e.g. the deputy): the
    branch's dues totals and who is near the line by dues, but no member's amounts."""
    sep = t(LIST_SEPARATOR)
    a, tz = summary.attendance, summary.timezone
    lines = _header(t, DETAIL_TITLE, summary)
    lines += ["", _attendance_line(t, summary)]
    if a.activities:
        lines += ["", t(N_("Per activity (present/expected, on leave):"))]
        for activity in a.activities:
            lines.append(t(N_("{activity}: {present}/{expected} ({rate}), on leave {leave}")).format(
                activity=activity_label(t, activity, tz), present=activity.present, expected=activity.expected,
                rate=percent(activity.rate), leave=activity.on_leave))
        lines += ["", t(N_("Per member (present/expected, on leave, absent):"))]
        for member in a.members:
            lines.append(t(N_("{name}: {present}/{expected}, on leave {leave}, absent {absent}")).format(
                name=member.name, present=member.present, expected=member.expected, leave=member.on_leave,
                absent=member.absent))
    by_activity: dict[int, list[Absence]] = {}
    for absence in a.absences:
        by_activity.setdefault(absence.activity_id, []).append(absence)
    if by_activity:
        lines += ["", t(N_("Not there, and why:"))]
        for activity_id, missed in by_activity.items():
            label = activity_label(t, summary.activity(activity_id), tz)
            lines.append(t(LABELLED).format(label=label, value=sep.join(_absence(t, x, with_reasons) for x in missed)))
    owed = a.makeups_owed
    if owed:
        lines += ["", t(N_("Catch-up (补课) still owed:"))]
        lines += [f"· {x.name} — {activity_label(t, summary.activity(x.activity_id), tz)}" for x in owed]
    if summary.lapses:
        lines += ["", t(N_("Near the six-month line (自行脱党) by attendance, taking part in nothing:"))]
        for lapse in summary.lapses:
            message = (N_("{name}: since {since} ({months} months): the branch has to decide now")
                       if lapse.stage >= 6 else N_("{name}: since {since} ({months} months): please talk with them"))
            lines.append("· " + t(message).format(name=lapse.name, since=lapse.since.isoformat(), months=lapse.months))
    if summary.dues is not None and summary.dues.arrears:
        lines += ["", t(N_("Near the six-month line (自行脱党) by dues, paying nothing:"))]
        for arrears in summary.dues.arrears:
            if with_dues:
                message = (N_("{name}: unpaid since {since} ({months} months, {amount}): the branch has to decide now")
                           if arrears.stage >= 6 else
                           N_("{name}: unpaid since {since} ({months} months, {amount}): please talk with them"))
            else:
                message = (N_("{name}: unpaid since {since} ({months} months): the branch has to decide now")
                           if arrears.stage >= 6 else N_("{name}: unpaid since {since} ({months} months): please talk with them"))
            lines.append("· " + t(message).format(name=arrears.name, since=arrears.since, months=arrears.months,
                                                  amount=amount(t, arrears.outstanding)))
    missing = [c for c in summary.meetings.missing if c.period in (Period.QUARTER, Period.YEAR) or c.complete]
    if missing:
        lines += ["", t(N_("三会一课 meetings still missing:"))]
        lines += [compliance_line(t, c) for c in missing]
    if summary.meetings.unrecorded:
        lines += ["", t(N_("Ended with nobody checked in (not counted as held): {activities}")).format(
            activities=sep.join(activity_label(t, x, tz) for x in summary.meetings.unrecorded))]
    if summary.dues is not None:
        lines += ["", _dues_detail(t, summary.dues) if with_dues else _dues_totals(t, summary.dues)]
    if summary.service is not None:
        lines += ["", _service_detail(t, summary.service)]
    return "\n".join(lines)


def _dues_totals(t: Gettext, dues: DuesSection) -> str:
    """The branch's dues figures: no member's amount in them."""
    lines = [_dues_line(t, dues), t(N_("Owed {owed}, paid {paid}, waived {waived}, outstanding {outstanding}.")).format(
        owed=amount(t, dues.owed), paid=amount(t, dues.paid), waived=amount(t, dues.waived),
        outstanding=amount(t, dues.outstanding))]
    if dues.unknown:
        lines.append(t(N_("{n} member-months owed with no amount known yet (no basis declared): not counted.")).format(
            n=dues.unknown))
    if dues.owing_members:
        lines.append(t(N_("{n} members still owe dues for the period.")).format(n=len(dues.owing_members)))
    return "\n".join(lines)


def _dues_detail(t: Gettext, dues: DuesSection) -> str:
    lines = [_dues_totals(t, dues)]
    owing = dues.owing_members
    if owing:
        lines.append(t(N_("Dues outstanding:")))
        lines += ["· " + t(N_("{name}: {amount} ({months})")).format(
            name=m.name, amount=amount(t, m.outstanding) if m.outstanding else t(N_("amount not known yet")),
            months=t(LIST_SEPARATOR).join(m.unpaid) or "-") for m in owing]
    waiting = dues.pending_members
    if waiting:
        lines.append(t(N_("Payments reported, waiting for confirmation (/duespending):")))
        lines += ["· " + t(LABELLED).format(
            label=m.name, value=amount(t, m.pending) if m.pending else t(N_("amount not known yet"))) for m in waiting]
    return "\n".join(lines)


def _service_detail(t: Gettext, service: ServiceSection) -> str:
    lines = [_service_line(t, service)]
    if service.by_category:
        lines.append(t(N_("By category: {list}")).format(
            list=" · ".join(t(N_("{name} {hours}h")).format(name=name, hours=hours(m)) for name, m in service.by_category)))
    if service.by_member:
        lines.append(_top(t, service))
    if service.pending:
        lines.append(t(N_("Waiting for review, not counted (/reviews):")))
        lines += ["· " + t(N_("#{number} {name}, {date}, {hours} hours")).format(
            number=r.report_id, name=r.name, date=r.served_on.isoformat(), hours=hours(r.minutes))
            for r in service.pending]
    return "\n".join(lines)


def own_text(t: Gettext, summary: Summary, member_id: int, name: str) -> str:
    """A member's own figures, and nothing of anyone else's."""
    lines = _header(t, OWN_TITLE, summary, name=name)
    lines += _own_attendance(t, summary, member_id)
    dues = summary.dues.of(member_id) if summary.dues is not None else None
    if dues is not None:
        lines += ["", t(N_("Your Party dues: owed {owed}, paid {paid}, waived {waived}, outstanding {outstanding}.")).format(
            owed=amount(t, dues.owed), paid=amount(t, dues.paid), waived=amount(t, dues.waived),
            outstanding=amount(t, dues.outstanding))]
        if dues.unpaid:
            lines.append(t(N_("Not settled yet: {months}. /dues shows your account.")).format(
                months=t(LIST_SEPARATOR).join(dues.unpaid)))
        if dues.pending or dues.pending_unknown:
            lines.append(t(N_("Reported by you, waiting for confirmation: {amount}.")).format(
                amount=amount(t, dues.pending) if dues.pending else t(N_("amount not known yet"))))
    if summary.service is not None:
        lines += ["", t(N_("Your volunteer service: {hours} approved hours.")).format(
            hours=hours(summary.service.minutes_of(member_id)))]
    return "\n".join(lines)


def _own_attendance(t: Gettext, summary: Summary, member_id: int) -> list[str]:
    lines: list[str] = []
    mine = summary.member(member_id)
    if mine is None:
        return ["", t(N_("You were not expected at any activity held in this period."))]
    lines += ["", t(N_("Expected at {expected} activities: present {present}, on leave {leave}, absent {absent} ({rate}).")).format(
        expected=mine.expected, present=mine.present, leave=mine.on_leave, absent=mine.absent, rate=percent(mine.rate))]
    missed = summary.absences_of(member_id)
    if missed:
        lines += ["", t(N_("Missed:"))]
        for x in missed:
            what = t(ABSENCE.get(x.status, N_("absent")))
            if x.reason:
                what = t(LABELLED).format(label=what, value=x.reason)
            lines.append("· " + t(N_("{name} ({detail})")).format(
                name=activity_label(t, summary.activity(x.activity_id), summary.timezone), detail=what))
    owed = [x for x in missed if x.owes_makeup]
    if owed:
        lines += ["", t(N_("Catch-up (补课) you still owe: {activities}. Ask the secretary for the materials.")).format(
            activities=t(LIST_SEPARATOR).join(activity_label(t, summary.activity(x.activity_id), summary.timezone)
                                             for x in owed))]
    return lines


# --- the chart ------------------------------------------------------------------------------------

def chart(t: Gettext, summary: Summary) -> tuple[str, list[charts.Bars]]:
    """What ``charts.render`` draws for a summary (aggregates only): attendance per activity held,
    activities by kind, and volunteer hours per category when there are any.

    Returns the arguments of ``charts.render(title, panels)``.
    """
    a = summary.attendance
    title = f"{summary.branch_name} · {period_name(t, summary.span)}"
    panels = []
    if a.activities:
        panels.append(charts.Bars(
            t(N_("Attendance per activity (overall {rate})")).format(rate=percent(a.rate)),
            tuple(activity_label(t, x, summary.timezone) for x in a.activities),
            tuple(round(float(x.rate or 0) * 100, 1) for x in a.activities),
            unit="%", high=100.0))
    kinds = [(kind, n) for kind, n in summary.meetings.held_by_kind.items() if n or kind != ActivityKind.OTHER]
    panels.append(charts.Bars(t(N_("Activities held by kind")), tuple(t(KIND[k]) for k, _ in kinds),
                              tuple(float(n) for _, n in kinds),
                              short=tuple(_short(summary, k) for k, _ in kinds)))
    service = summary.service
    if service is not None and service.minutes:
        panels.append(charts.Bars(
            t(N_("Volunteer hours per category ({hours} hours, {people} people served)")).format(
                hours=hours(service.minutes), people=service.people_served),
            tuple(name for name, _m in service.by_category), tuple(round(m / 60, 2) for _n, m in service.by_category),
            unit=" h"))
    return title, panels


def _short(summary: Summary, kind: ActivityKind) -> bool:
    """A kind with a requirement not met over a period that is over."""
    return any(c.kind == kind and c.complete and not c.met for c in summary.meetings.compliance)


def chart_note(t: Gettext) -> str:
    return t(N_("* a requirement not met. Attendance = present / expected, as fixed when check-in opened."))

