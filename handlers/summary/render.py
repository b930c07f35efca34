"""The summary in words and as a chart: aggregates for the group, the detail for the officers
entitled, and a member's own figures. Each section of ``storage.summary.Summary`` is one block;
a section that is not there (no data of that kind yet) is left out, never shown as zeros.
"""

from __future__ import annotations

from datetime import date, datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

from handlers.kit import charts
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import KIND, LIST_SEPARATOR
from storage.rules import periods
from storage.rules.meetings import Period, period_containing
from storage.rules.vocabulary import ActivityKind, AttendanceStatus, PartyStatus
from storage.summary.summary import Absence, ActivityFigures, Compliance, Summary

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


def group_text(t: Gettext, summary: Summary) -> str:
    """Aggregates only: no name, no reason, nothing personal."""
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
    return "\n".join(lines)


def _absence(t: Gettext, absence: Absence, with_reasons: bool) -> str:
    what = t(ABSENCE.get(absence.status, N_("absent")))
    if with_reasons and absence.reason:
        what = t(LABELLED).format(label=what, value=absence.reason)
    return t(N_("{name} ({detail})")).format(name=absence.name, detail=what)


def detail_text(t: Gettext, summary: Summary, *, with_reasons: bool = True) -> str:
    """For the officers entitled: names, reasons, who owes 补课, who is near the six-month line."""
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
        lines += ["", t(N_("Near the six-month line (自行脱党), taking part in nothing:"))]
        for lapse in summary.lapses:
            message = (N_("{name}: since {since} ({months} months): the branch has to decide now")
                       if lapse.stage >= 6 else N_("{name}: since {since} ({months} months): please talk with them"))
            lines.append("· " + t(message).format(name=lapse.name, since=lapse.since.isoformat(), months=lapse.months))
    missing = [c for c in summary.meetings.missing if c.period in (Period.QUARTER, Period.YEAR) or c.complete]
    if missing:
        lines += ["", t(N_("三会一课 meetings still missing:"))]
        lines += [compliance_line(t, c) for c in missing]
    if summary.meetings.unrecorded:
        lines += ["", t(N_("Ended with nobody checked in (not counted as held): {activities}")).format(
            activities=sep.join(activity_label(t, x, tz) for x in summary.meetings.unrecorded))]
    return "\n".join(lines)


def own_text(t: Gettext, summary: Summary, member_id: int, name: str) -> str:
    """A member's own figures, and nothing of anyone else's."""
    lines = _header(t, OWN_TITLE, summary, name=name)
    mine = summary.member(member_id)
    if mine is None:
        lines += ["", t(N_("You were not expected at any activity held in this period."))]
        return "\n".join(lines)
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
    return "\n".join(lines)


# --- the chart ------------------------------------------------------------------------------------

def chart(t: Gettext, summary: Summary) -> tuple[str, list[charts.Bars]]:
    """What ``charts.render`` draws for a summary: attendance per activity held (aggregates only).

    Returns the arguments of ``charts.render(title, panels)``; sections with figures of their own
    (hours per category) add a panel here.
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
    return title, panels


def _short(summary: Summary, kind: ActivityKind) -> bool:
    """A kind with a requirement not met over a period that is over."""
    return any(c.kind == kind and c.complete and not c.met for c in summary.meetings.compliance)


def chart_note(t: Gettext) -> str:
    return t(N_("* a requirement not met. Attendance = present / expected, as fixed when check-in opened."))

