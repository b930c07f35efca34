"""The attendance record an officer files in the ledger (台账), and the list of activities."""

from __future__ import annotations

from datetime import datetime

from handlers.activities.checkin import pick_activity
from handlers.activities.create import describe
from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.context import Context
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import LIST_SEPARATOR, local_time
from handlers.kit.router import PRIVATE, Router
from storage.activities import activities as activity_store
from storage.activities.activities import Record, RecordLine
from storage.models import Branch
from storage.rules.vocabulary import ActivityKind, PartyStatus

router = Router()

NAME_WITH = N_("{name} ({detail})")  # a name with what became of them; Chinese uses full-width brackets


def render_record(t: Gettext, record: Record, branch: Branch, *, with_reasons: bool, now: datetime | None = None) -> str:
    """Expected, present (full / probationary), on leave with reasons, absent; quorum for a 大会.

    While check-in is still open at ``now`` the record says it is not final, and those not there
    yet are "not yet checked in", not absent.
    """
    full, prob = PartyStatus.FULL, PartyStatus.PROBATIONARY
    sep = t(LIST_SEPARATOR)
    expected = record.present + record.on_leave + record.absent
    running = now is not None and now < record.activity.checkin_closes_at
    lines = [describe(t, record.activity, branch)]
    if running:
        lines.append(t(N_("Check-in is still open until {closes}: this record is not final.")).format(
            closes=local_time(record.activity.checkin_closes_at, branch.timezone)))
    lines += [
        "",
        t(N_("Expected: {n} ({full} full, {prob} probationary)")).format(
            n=record.expected, full=record.count(expected, full), prob=record.count(expected, prob)),
        t(N_("Present: {n} ({full} full, {prob} probationary)")).format(
            n=len(record.present), full=record.count(record.present, full), prob=record.count(record.present, prob)),
    ]
    if record.on_leave:
        if with_reasons:
            people = [t(NAME_WITH).format(name=line.member.name, detail=line.attendance.leave_reason or "")
                      for line in record.on_leave]
        else:
            people = [line.member.name for line in record.on_leave]
        lines.append(t(N_("On leave: {n} — {people}")).format(n=len(record.on_leave), people=sep.join(people)))
        owed = [line.member.name for line in record.on_leave if not line.attendance.makeup_done_at]
        done = [line.member.name for line in record.on_leave if line.attendance.makeup_done_at]
        if owed:
            lines.append(t(N_("Catch-up (补课) owed: {people}")).format(people=sep.join(owed)))
        if done:
            lines.append(t(N_("Catch-up (补课) done: {people}")).format(people=sep.join(done)))
    else:
        lines.append(t(N_("On leave: 0")))
    if record.absent:
        label = N_("Not yet checked in: {n} — {people}") if running else N_("Absent: {n} — {people}")
        lines.append(t(label).format(
            n=len(record.absent), people=sep.join(_absentee(t, line, with_reasons) for line in record.absent)))
    else:
        lines.append(t(N_("Not yet checked in: 0") if running else N_("Absent: 0")))
    if record.guests:
        lines.append(t(N_("Also present, not counted: {people}")).format(
            people=sep.join(line.member.name for line in record.guests)))
    proxies = [line.member.name for line in record.present if line.attendance and line.attendance.recorded_by]
    if proxies:
        lines.append(t(N_("Checked in by an officer: {people}")).format(people=sep.join(proxies)))
    if record.activity.kind == ActivityKind.GENERAL_MEETING:
        present_full = record.count(record.present, full)
        verdict = t(N_("quorum reached")) if record.quorum_met else t(N_("quorum NOT reached"))
        lines.append(t(N_("Full (voting) members present: {present}/{total}, {verdict}.")).format(
            present=present_full, total=record.full_expected, verdict=verdict))
    return "\n".join(lines)


def _absentee(t: Gettext, line: RecordLine, with_reasons: bool) -> str:
    """An absent name, with what became of their leave request where there was one."""
    reason = (line.attendance.leave_reason or "") if line.attendance and with_reasons else ""
    if line.leave_refused:
        note = t(N_("leave refused: {reason}") if reason else N_("leave refused")).format(reason=reason)
    elif line.leave_pending:
        note = t(N_("leave asked, not decided: {reason}") if reason else N_("leave asked, not decided")).format(reason=reason)
    else:
        return line.member.name
    return t(NAME_WITH).format(name=line.member.name, detail=note)


@router.command("record", chats=PRIVATE, menu=N_("attendance record of an activity"), can=Can.VIEW_RECORDS, help=N_("the attendance record of an activity: /record 12"))
async def show_record(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    number = ctx.request.args.strip()
    if number:
        activity = await pick_activity(ctx, branch, number)
    else:
        started = [a for a in await activity_store.recent(ctx.session, branch.id) if a.checkin_opens_at <= ctx.now]
        activity = started[0] if started else None
        if activity is None:
            ctx.reply(ctx.t(N_("No activity has started yet. /activities lists them.")))
    if activity is None:
        return
    await activity_store.freeze(ctx.session, activity, ctx.now)
    record = await activity_store.record(ctx.session, activity)
    await access.log(ctx, officer, "record.view", target=f"#{activity.id}")
    ctx.reply(render_record(ctx.t, record, branch, with_reasons=access.may(officer, Can.DECIDE_LEAVE), now=ctx.now))


@router.command("activities", menu=N_("recent and upcoming activities"), member=True, help=N_("recent and upcoming activities with their numbers"))
async def list_activities(ctx: Context) -> None:
    branch = ctx.branch
    recent = await activity_store.recent(ctx.session, branch.id, 10)
    if not recent:
        ctx.reply(ctx.t(N_("No activities yet.")))
        return
    lines = [ctx.t(N_("Activities of “{branch}”:")).format(branch=branch.name)]
    for activity in recent:
        counts = await activity_store.counts(ctx.session, activity)
        lines.append("")
        lines.append(describe(ctx.t, activity, branch))
        lines.append(ctx.t(N_("Checked in {present}/{expected} · on leave {leave}")).format(
            present=counts.present, expected=counts.expected, leave=counts.on_leave))
    ctx.reply("\n".join(lines))


