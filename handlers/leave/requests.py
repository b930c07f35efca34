"""Asking for leave (请假): the reason privately, a decision by an officer, the answer to the member."""

from __future__ import annotations

from typing import Annotated

from handlers.activities import AskLeave, describe, not_for_you, pick_activity, refresh_announcement
from handlers.kit import access, dialog, events
from handlers.kit.access import Can
from handlers.kit.callbacks import ID, Callback
from handlers.kit.context import Context
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import local_time
from handlers.kit.router import PRIVATE, Router, button, int_arg
from storage import updates as update_store
from storage.activities import activities as activity_store
from storage.branches import BranchSettings
from storage.models import Activity, Attendance, Branch, Member
from storage.roster import members as member_store
from storage.rules import attendance as attendance_rules
from storage.rules.numbers import looks_like_number
from storage.rules.vocabulary import AttendanceStatus

router = Router()


class ApproveLeave(Callback, prefix="la"):
    attendance: Annotated[int, ID]


class RefuseLeave(Callback, prefix="lr"):
    attendance: Annotated[int, ID]


MAX_REASON = 300
ASK_REASON = N_("Why can you not attend “{title}”? Reply with the reason (at most {limit} characters), or send /cancel.")


async def _leave_problem(ctx: Context, activity: Activity, member: Member, branch: Branch) -> str | None:
    """Why ``member`` cannot ask leave from ``activity`` now, or None. Leave is asked in advance."""
    deadline = attendance_rules.leave_deadline(
        activity.starts_at, before_minutes=BranchSettings.of(branch).leave_before_minutes)
    if activity.cancelled or ctx.now >= deadline:
        return ctx.t(N_("Leave from “{title}” had to be asked before {deadline}. If you could not come, talk to "
                        "the branch secretary.")).format(title=activity.title, deadline=local_time(deadline, branch.timezone))
    if not await activity_store.is_expected(ctx.session, activity, member):
        return not_for_you(ctx, activity)
    row = await activity_store.attendance_of(ctx.session, activity.id, member.id)
    if row is not None and row.status == AttendanceStatus.PRESENT:
        return ctx.t(N_("You have checked in to “{title}”, so there is no leave to ask.")).format(title=activity.title)
    if row is not None and row.status in (AttendanceStatus.LEAVE_REQUESTED, AttendanceStatus.ON_LEAVE):
        return ctx.t(N_("You have already asked for leave from “{title}”.")).format(title=activity.title)
    return None


async def _member_and_activity(ctx: Context, activity_id: int | None) -> tuple[Member, Activity, Branch] | str:
    activity = await activity_store.get(ctx.session, activity_id) if activity_id else None
    if activity is None:
        return ctx.t(N_("This button is no longer valid."))
    branch = await ctx.session.get(Branch, activity.branch_id)
    member = await member_store.by_user(ctx.session, branch.id, ctx.user_id)
    if member is None:
        return await access.not_on_roster(ctx, branch)
    return member, activity, branch


@router.callback(AskLeave)
async def leave_button(ctx: Context, pressed: AskLeave) -> None:
    found = await _member_and_activity(ctx, pressed.activity)
    if isinstance(found, str):
        ctx.toast(found, alert=True)
        return
    member, activity, branch = found
    problem = await _leave_problem(ctx, activity, member, branch)
    if problem:
        ctx.toast(problem, alert=True)
        return
    asking = await dialog.current_of(ctx, "leave")
    if asking is not None and asking.data.get("activity") == activity.id:  # a second press: asked once
        ctx.toast(ctx.t(N_("I have asked you for the reason in our private chat.")), alert=True)
        return
    pref = await update_store.get_pref(ctx.session, ctx.user_id)
    if pref is not None and pref.private_chat_open:
        await dialog.begin(ctx, "leave", "reason", {"activity": activity.id})
        ctx.send(ctx.user_id, ctx.t(ASK_REASON).format(title=activity.title, limit=MAX_REASON))
        ctx.toast(ctx.t(N_("I have asked you for the reason in our private chat.")), alert=True)
    else:  # the bot may not write first: open the private chat through a deep link
        ctx.toast(url=ctx.deep_link(f"lv-{activity.id}"))


@router.start_payload("lv")
async def leave_link(ctx: Context) -> None:
    found = await _member_and_activity(ctx, int_arg(ctx.request.args.strip()[len("lv-"):]))
    if isinstance(found, str):
        ctx.reply(found)
        return
    member, activity, branch = found
    problem = await _leave_problem(ctx, activity, member, branch)
    if problem:
        ctx.reply(problem)
        return
    await dialog.begin(ctx, "leave", "reason", {"activity": activity.id})
    ctx.reply(ctx.t(ASK_REASON).format(title=activity.title, limit=MAX_REASON))


@router.command("leave", chats=PRIVATE, menu=N_("ask for leave from an activity"), member=True, help=N_("ask for leave from the next activity, before it starts: /leave 出差"))
async def leave_command(ctx: Context) -> None:
    member, branch = ctx.actor, ctx.branch
    words = ctx.request.args.split(maxsplit=1)
    number = words[0] if words and looks_like_number(words[0]) else ""
    reason = (words[1] if number and len(words) > 1 else ("" if number else ctx.request.args)).strip()
    activity = await pick_activity(ctx, branch, number) if number else await _next_for(ctx, branch, member)
    if activity is None:
        return
    problem = await _leave_problem(ctx, activity, member, branch)
    if problem:
        ctx.reply(problem)
        return
    if not reason:
        await dialog.begin(ctx, "leave", "reason", {"activity": activity.id})
        ctx.reply(ctx.t(ASK_REASON).format(title=activity.title, limit=MAX_REASON))
        return
    await _file(ctx, member, activity, branch, reason)


async def _next_for(ctx: Context, branch: Branch, member: Member) -> Activity | None:
    """The next activity this member is expected at that has not ended."""
    for activity in sorted(await activity_store.recent(ctx.session, branch.id, 20), key=lambda a: a.starts_at):
        if activity.starts_at > ctx.now and await activity_store.is_expected(ctx.session, activity, member):
            return activity
    ctx.reply(ctx.t(N_("You have no upcoming activity to ask leave from.")))
    return None


@router.text
async def leave_reason(ctx: Context) -> None:
    conv = await dialog.current(ctx, "leave")
    if conv is None or ctx.request.text is None:
        return
    found = await _member_and_activity(ctx, conv.data.get("activity"))
    if isinstance(found, str):
        await dialog.end(ctx)
        ctx.reply(found)
        return
    member, activity, branch = found
    reason = " ".join(ctx.request.text.split())
    if not reason or len(reason) > MAX_REASON:
        ctx.reply(ctx.t(N_("Please keep the reason between 1 and {limit} characters; yours has {length}.")).format(
            limit=MAX_REASON, length=len(reason)))
        return
    problem = await _leave_problem(ctx, activity, member, branch)
    await dialog.end(ctx)
    if problem:
        ctx.reply(problem)
        return
    await _file(ctx, member, activity, branch, reason)


async def _file(ctx: Context, member: Member, activity: Activity, branch: Branch, reason: str) -> None:
    if len(reason) > MAX_REASON:
        ctx.reply(ctx.t(N_("Please keep the reason between 1 and {limit} characters; yours has {length}.")).format(
            limit=MAX_REASON, length=len(reason)))
        return
    row = await activity_store.request_leave(ctx.session, activity, member, reason, ctx.now)
    if row is None:
        ctx.reply(ctx.t(N_("You have checked in to “{title}”, so there is no leave to ask.")).format(title=activity.title))
        return
    refresh_announcement(ctx, activity.id)
    ctx.reply(ctx.t(N_("Your leave request for “{title}” is with the branch officers; I will tell you their answer.")).format(title=activity.title))

    def render(t: Gettext) -> str:
        return _request_text(t, member, activity, branch, reason)

    def buttons(t: Gettext):
        return [[button(t(N_("Approve")), ApproveLeave(row.id)), button(t(N_("Refuse")), RefuseLeave(row.id))]]

    await access.notify(ctx, branch, Can.DECIDE_LEAVE, render, buttons)


def _request_text(t: Gettext, member: Member, activity: Activity, branch: Branch, reason: str) -> str:
    return (t(N_("{name} asks for leave:")).format(name=member.name) + "\n"
            + describe(t, activity, branch) + "\n" + t(N_("Reason: {reason}")).format(reason=reason))


async def _decide(ctx: Context, row_id: int, approve: bool) -> None:
    row: Attendance | None = await activity_store.get_attendance(ctx.session, row_id)
    activity = await activity_store.get(ctx.session, row.activity_id) if row else None
    if row is None or activity is None:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    officer, branch = ctx.actor, ctx.branch
    if branch.id != activity.branch_id:  # decided only by an officer of the activity's own branch
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    if not await activity_store.decide_leave(ctx.session, row, approve, officer.id, ctx.now):
        ctx.toast(ctx.t(N_("This request has already been decided.")), alert=True)
        return
    await events.publish(ctx, events.LeaveDecided(branch_id=branch.id, at=ctx.now, activity_id=activity.id,
                                                  member_id=row.member_id, approved=approve, decided_by=officer.id))
    member = await member_store.get(ctx.session, row.member_id)
    await access.log(ctx, officer, "leave.approve" if approve else "leave.refuse", target=member.name, activity=activity.id)
    refresh_announcement(ctx, activity.id)
    t = ctx.t
    verdict = (t(N_("Approved by {officer}.")) if approve else t(N_("Refused by {officer}."))).format(officer=officer.name)
    if ctx.request.message_id:
        ctx.edit(ctx.request.message_id, _request_text(t, member, activity, branch, row.leave_reason or "") + "\n" + verdict)
    ctx.toast(verdict)
    if member.telegram_user_id:
        mt = await ctx.t_user(member.telegram_user_id, branch)
        text = (mt(N_("Your leave from “{title}” was approved. Please catch up on what you missed afterwards."))
                if approve else
                mt(N_("Your leave from “{title}” was not approved. Please attend, or talk to {officer}.")))
        ctx.send(member.telegram_user_id, text.format(title=activity.title, officer=officer.name))


@router.callback(ApproveLeave, can=Can.DECIDE_LEAVE)
async def approve(ctx: Context, pressed: ApproveLeave) -> None:
    await _decide(ctx, pressed.attendance, True)


@router.callback(RefuseLeave, can=Can.DECIDE_LEAVE)
async def refuse(ctx: Context, pressed: RefuseLeave) -> None:
    await _decide(ctx, pressed.attendance, False)
