"""The catch-up (补课) owed for approved leave: marked done by the member or by an officer."""

from __future__ import annotations

from typing import Annotated

from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.callbacks import ID, Callback
from handlers.kit.context import Context
from handlers.kit.i18n import N_
from handlers.kit.router import PRIVATE, Router, int_arg
from handlers.roster import named
from storage.activities import activities as activity_store
from storage.models import Activity, Attendance, Member
from storage.roster import members as member_store
from storage.rules.numbers import looks_like_number

router = Router()


class CaughtUp(Callback, prefix="mk"):
    """The member's own button under the catch-up reminder."""

    attendance: Annotated[int, ID]

USAGE = N_("Send /makeup NUMBER when you have caught up on an activity you were on leave from; "
           "officers: /makeup NAME NUMBER.")


async def _settle(ctx: Context, actor: Member, row: Attendance, activity: Activity, member: Member) -> str:
    if not await activity_store.mark_makeup_done(ctx.session, row, actor.id, ctx.now):
        return ctx.t(N_("{name} owes no catch-up for “{title}”.")).format(name=member.name, title=activity.title)
    await access.log(ctx, actor, "makeup.done", target=member.name, activity=activity.id)
    return ctx.t(N_("Noted: {name} has caught up on “{title}” (补课).")).format(name=member.name, title=activity.title)


@router.command("makeup", chats=PRIVATE, menu=N_("note a catch-up (补课) as done"), help=N_("you have caught up (补课) on an activity you were on leave from: /makeup 12; officers note it for someone: /makeup 张三 12"))
async def makeup(ctx: Context) -> None:
    found = await access.me(ctx)
    if found is None:
        return
    me, branch = found
    words = ctx.request.args.split()
    typed = words.pop() if words and looks_like_number(words[-1]) else None
    number = int_arg(typed) if typed is not None else None
    if typed is not None and number is None:
        ctx.reply(ctx.t(N_("There is no activity number {number} in your branch. /activities lists them.")).format(number=typed[:20])
                  + "\n" + ctx.t(USAGE))
        return
    member = me
    if words:  # an officer, for someone else
        if not access.may(me, Can.DECIDE_LEAVE):
            found = await access.officer(ctx, Can.DECIDE_LEAVE)  # answers and audits the refusal
            return
        member = await named(ctx, branch, " ".join(words))
        if member is None:
            return
    owed = await activity_store.makeups_owed(ctx.session, member.id)
    if number is not None:
        owed = [(row, activity) for row, activity in owed if activity.id == number]
    if not owed:
        ctx.reply(ctx.t(N_("{name} owes no catch-up (补课) now.")).format(name=member.name) + "\n" + ctx.t(USAGE))
        return
    if len(owed) > 1:
        listing = "\n".join(f"#{activity.id} {activity.title}" for _row, activity in owed)
        ctx.reply(ctx.t(N_("Which one? Add its number:")) + "\n" + listing)
        return
    row, activity = owed[0]
    ctx.reply(await _settle(ctx, me, row, activity, member))


@router.callback(CaughtUp)
async def makeup_button(ctx: Context, pressed: CaughtUp) -> None:
    row = await activity_store.get_attendance(ctx.session, pressed.attendance)
    member = await member_store.get(ctx.session, row.member_id) if row else None
    if row is None or member is None or member.telegram_user_id != ctx.user_id:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    activity = await activity_store.get(ctx.session, row.activity_id)
    ctx.toast(await _settle(ctx, member, row, activity, member), alert=True)
