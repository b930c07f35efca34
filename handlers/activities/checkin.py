"""Checking in: the 签到 button, /checkin, the room's QR code and officers checking others in."""

from __future__ import annotations

import hmac
import io

import segno

from handlers.activities.create import NO_SUCH_ACTIVITY, CheckIn, describe, refresh_announcement
from handlers.kit import access, events
from handlers.kit.access import Can
from handlers.kit.context import Context
from handlers.kit.i18n import N_
from handlers.kit.labels import audience_text, local_time
from handlers.kit.router import PRIVATE, Router, int_arg
from handlers.roster import named
from storage.activities import activities as activity_store
from storage.activities.activities import CheckinOutcome
from storage.branches import BranchSettings
from storage.models import Activity, Branch, Member
from storage.rules import attendance as attendance_rules
from storage.rules.numbers import looks_like_number
from storage.rules.vocabulary import CheckinMethod

router = Router()


def refusal(ctx: Context, activity: Activity, branch: Branch) -> str | None:
    """Why nobody can check in to ``activity`` right now, or None when the window is open."""
    if activity.cancelled:
        return ctx.t(N_("This activity was cancelled."))
    if ctx.now < activity.checkin_opens_at:
        return ctx.t(N_("Check-in for “{title}” opens at {opens}.")).format(
            title=activity.title, opens=local_time(activity.checkin_opens_at, branch.timezone))
    if ctx.now >= activity.checkin_closes_at:
        return ctx.t(N_("Check-in for “{title}” has closed.")).format(title=activity.title)
    return None


def not_for_you(ctx: Context, activity: Activity) -> str:
    return ctx.t(N_("“{title}” is for {audience}; you do not need to check in.")).format(
        title=activity.title, audience=audience_text(ctx.t, activity.audience, activity.audience_group))


async def check_in(ctx: Context, activity: Activity, member: Member, branch: Branch, method: CheckinMethod) -> str:
    """Try to check ``member`` in; returns the sentence for them. Nothing changes on refusal."""
    problem = refusal(ctx, activity, branch)
    if problem:
        return problem
    remote = method in (CheckinMethod.BUTTON, CheckinMethod.COMMAND)
    if activity.onsite and remote and not (member.mobile and activity.allow_remote):
        return ctx.t(N_("“{title}” takes check-ins on site: scan the QR code in the room.")).format(title=activity.title)
    outcome = await activity_store.check_in(ctx.session, activity, member, method, ctx.now)
    if outcome == CheckinOutcome.NOT_EXPECTED:
        return not_for_you(ctx, activity)
    if outcome == CheckinOutcome.ALREADY:
        return ctx.t(N_("{name}, you have already checked in to “{title}”.")).format(name=member.name, title=activity.title)
    await events.publish(ctx, events.CheckedIn(branch_id=branch.id, at=ctx.now, activity_id=activity.id,
                                               member_id=member.id, method=method))
    refresh_announcement(ctx, activity.id)
    return ctx.t(N_("{name}, you are checked in to “{title}”.")).format(name=member.name, title=activity.title)


async def _activity_in_branch(ctx: Context, activity_id: int | None) -> tuple[Activity, Branch, Member | None] | None:
    """The activity, its branch and the asker's roster entry there, in one query (the check-in hot path)."""
    return await activity_store.for_checkin(ctx.session, activity_id, ctx.user_id) if activity_id else None


@router.callback(CheckIn)
async def button_check_in(ctx: Context, pressed: CheckIn) -> None:
    found = await _activity_in_branch(ctx, pressed.activity)
    if found is None:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    activity, branch, member = found
    if member is None:
        ctx.toast(await access.not_on_roster(ctx, branch), alert=True)
        return
    ctx.toast(await check_in(ctx, activity, member, branch, CheckinMethod.BUTTON), alert=True)


async def pick_activity(ctx: Context, branch: Branch, number: str) -> Activity | None:
    """The activity the asker means: the number they gave, or the only one open now."""
    if number:
        activity = await activity_store.get(ctx.session, int_arg(number) or 0)
        if activity is None or activity.branch_id != branch.id:
            ctx.reply(ctx.t(NO_SUCH_ACTIVITY).format(number=number[:20]))
            return None
        return activity
    candidates = await activity_store.open_now(ctx.session, branch.id, ctx.now)
    if not candidates:
        ctx.reply(ctx.t(N_("No activity is open for check-in now. /activities lists them.")))
        return None
    if len(candidates) > 1:
        listing = "\n".join(f"#{a.id} {a.title}" for a in candidates)
        ctx.reply(ctx.t(N_("Several activities are open; add the number, for example /checkin {number}:")).format(
            number=candidates[0].id) + "\n" + listing)
        return None
    return candidates[0]


@router.command("checkin", menu=N_("check in to the activity open now"), member=True, help=N_("check in to the activity open now (or tap 签到 under its announcement)"))
async def command_check_in(ctx: Context) -> None:
    member, branch = ctx.actor, ctx.branch
    activity = await pick_activity(ctx, branch, ctx.request.args.strip())
    if activity is not None:
        ctx.reply(await check_in(ctx, activity, member, branch, CheckinMethod.COMMAND))


@router.start_payload("ci")
async def qr_check_in(ctx: Context) -> None:
    parts = ctx.request.args.strip().split("-", 2)
    found = await _activity_in_branch(ctx, int_arg(parts[1]) if len(parts) == 3 else None)
    if found is None or not hmac.compare_digest(found[0].qr_secret, parts[2]):
        ctx.reply(ctx.t(N_("This check-in code is not valid. Ask the organiser for the current one.")))
        return
    activity, branch, member = found
    if member is None:
        await access.not_on_roster(ctx, branch)  # audited; the answer suits a private chat:
        ctx.reply(ctx.t(access.NOT_IN_ROSTER))
        return
    ctx.reply(await check_in(ctx, activity, member, branch, CheckinMethod.QR))


def qr_link(ctx: Context, activity: Activity) -> str:
    return ctx.deep_link(f"ci-{activity.id}-{activity.qr_secret}")


def qr_png(link: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(link, error="m").save(buffer, kind="png", scale=12, border=4)
    return buffer.getvalue()


@router.command("qr", chats=PRIVATE, menu=N_("check-in QR code for the room"), can=Can.MANAGE_ACTIVITIES, help=N_("the check-in QR code for the room: /qr 12"))
async def qr(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    number = ctx.request.args.strip()
    activity = await pick_activity(ctx, branch, number) if number else await _next_activity(ctx, branch)
    if activity is None:
        return
    link = qr_link(ctx, activity)
    await access.log(ctx, officer, "activity.qr", target=f"#{activity.id}")
    caption = describe(ctx.t, activity, branch) + "\n" + ctx.t(N_("Scan to check in: {link}")).format(link=link)
    ctx.photo(ctx.request.chat.id, qr_png(link), f"checkin-{activity.id}.png", caption)


async def _next_activity(ctx: Context, branch: Branch) -> Activity | None:
    """The activity open now, else the next one to start."""
    upcoming = [a for a in await activity_store.recent(ctx.session, branch.id, 20) if a.checkin_closes_at > ctx.now]
    if not upcoming:
        ctx.reply(ctx.t(N_("No activity is open for check-in now. /activities lists them.")))
        return None
    return min(upcoming, key=lambda a: a.starts_at)


@router.command("checkin_for", chats=PRIVATE, can=Can.CHECK_IN_OTHERS, help=N_("check someone in (a member without a phone): /checkin_for 张三 12"))
async def check_in_for(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    words = ctx.request.args.split()
    number = words.pop() if len(words) > 1 and looks_like_number(words[-1]) else ""
    name = " ".join(words)
    if not name:
        ctx.reply(ctx.t(N_("Write the name, and the activity number if several are open: /checkin_for 张三 12")))
        return
    member = await named(ctx, branch, name)
    if member is None:
        return
    activity = await pick_activity(ctx, branch, number)
    if activity is None:
        return
    problem = _proxy_problem(ctx, officer, activity, branch, member)
    if problem:
        ctx.reply(problem)
        return
    if not await activity_store.may_check_in(ctx.session, activity, member):
        ctx.reply(ctx.t(N_("“{title}” is for {audience}; {name} is not expected there.")).format(
            title=activity.title, audience=audience_text(ctx.t, activity.audience, activity.audience_group),
            name=member.name))
        return
    outcome = await activity_store.check_in(ctx.session, activity, member, CheckinMethod.PROXY, ctx.now, officer.id)
    if outcome == CheckinOutcome.ALREADY:
        ctx.reply(ctx.t(N_("{name} was already checked in to “{title}”.")).format(name=member.name, title=activity.title))
        return
    await events.publish(ctx, events.CheckedIn(branch_id=branch.id, at=ctx.now, activity_id=activity.id,
                                               member_id=member.id, method=CheckinMethod.PROXY, recorded_by=officer.id))
    await access.log(ctx, officer, "checkin.proxy", target=member.name, activity=activity.id)
    refresh_announcement(ctx, activity.id)
    ctx.reply(ctx.t(N_("{name} is checked in to “{title}” (recorded by you).")).format(name=member.name, title=activity.title))
    if ctx.now >= activity.checkin_closes_at:  # the record has gone out: tell who received it what changed
        await access.notify(ctx, branch, Can.VIEW_RECORDS, lambda t: t(N_(
            "The record of “{title}” #{number} has changed: {officer} checked {name} in afterwards. "
            "/record {number} shows it as it is now.")).format(
            title=activity.title, number=activity.id, officer=officer.name, name=member.name))


def _proxy_problem(ctx: Context, officer: Member, activity: Activity, branch: Branch, member: Member) -> str | None:
    """Why an officer may not check ``member`` in to ``activity`` on their behalf now, or None."""
    if ctx.now < activity.checkin_opens_at or activity.cancelled:
        return refusal(ctx, activity, branch)
    settings = BranchSettings.of(branch)
    deadline = attendance_rules.proxy_deadline(activity.checkin_closes_at, hours=settings.proxy_checkin_hours)
    if ctx.now >= deadline:
        return ctx.t(N_("Check-in for “{title}” closed more than {hours} hours ago; it can no longer be changed.")).format(
            title=activity.title, hours=settings.proxy_checkin_hours)
    scope = attendance_rules.party_group_scope(officer.role_set, officer.party_group)
    if scope is not None and member.party_group != scope:
        return ctx.t(N_("As a Party group leader you can check in only members of your own group ({group}).")).format(
            group=scope or "-")
    return None
