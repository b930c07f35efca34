"""Who is asking, for which branch, and whether their role allows it — checked on every action."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum

from handlers.kit.api import Keyboard
from handlers.kit.context import Context
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import LIST_SEPARATOR, ROLE
from storage import audit
from storage import updates as update_store
from storage.models import Branch, Member
from storage.roster import members as member_store
from storage.rules.vocabulary import Role


class Can(StrEnum):
    MANAGE_ROLES = "manage_roles"
    CHANGE_SETTINGS = "change_settings"
    MANAGE_ROSTER = "manage_roster"
    DECIDE_JOIN = "decide_join"
    DECIDE_LEAVE = "decide_leave"
    MANAGE_ACTIVITIES = "manage_activities"
    CHECK_IN_OTHERS = "check_in_others"
    VIEW_RECORDS = "view_records"
    BROADCAST = "broadcast"
    MANAGE_NETWORK = "manage_network"  # households (联系户) and posts (设岗定责) of every member
    EXPORT = "export"  # the ledgers (台账) as files: personal information, so the keepers only
    LINK_COMMITTEE = "link_committee"  # put the branch under a committee (党委), or take it out
    MANAGE_SERVICE = "manage_service"  # the branch's kinds of volunteer service (志愿服务)
    REVIEW_SERVICE = "review_service"  # volunteer-service reports; a 党小组长 only their own group's
    VIEW_SERVICE_TOTALS = "view_service_totals"  # per member, group and category; a 党小组长 their group
    VIEW_SUMMARY = "view_summary"  # the branch's detailed summary: names, reasons, lapses
    MANAGE_DUES = "manage_dues"  # personal dues figures: the secretary and the 组织委员 who keeps the dues


_LEADERS = frozenset({Role.SECRETARY, Role.DEPUTY})
_KEEPERS = _LEADERS | {Role.ORGANIZER}
_OFFICERS = frozenset(Role)

# The one table of who may do what.
ALLOWED: dict[Can, frozenset[Role]] = {
    Can.MANAGE_ROLES: _LEADERS,
    Can.CHANGE_SETTINGS: _LEADERS,
    Can.MANAGE_ROSTER: _KEEPERS,
    Can.DECIDE_JOIN: _KEEPERS,
    Can.DECIDE_LEAVE: _KEEPERS,
    Can.MANAGE_ACTIVITIES: _OFFICERS,
    Can.CHECK_IN_OTHERS: _OFFICERS,
    Can.VIEW_RECORDS: _OFFICERS,
    Can.BROADCAST: _OFFICERS,
    Can.MANAGE_NETWORK: _KEEPERS,
    # 党小组长 and 宣传委员 are not given the ledgers: they hold leave reasons and phone numbers of the
    # whole branch. Their group's figures come with the summaries.
    Can.EXPORT: _KEEPERS,
    Can.LINK_COMMITTEE: frozenset({Role.SECRETARY}),
    Can.MANAGE_SERVICE: _LEADERS,
    Can.REVIEW_SERVICE: frozenset({Role.SECRETARY, Role.ORGANIZER, Role.GROUP_LEADER}),
    Can.VIEW_SERVICE_TOTALS: _OFFICERS,
    Can.VIEW_SUMMARY: _KEEPERS,
    Can.MANAGE_DUES: frozenset({Role.SECRETARY, Role.ORGANIZER}),
}

NOT_IN_ROSTER = N_(
    "You are not on any branch roster yet. Open the personal invite link your branch secretary "
    "sent you, or send /join in your branch group."
)
NOT_IN_THIS_BRANCH = N_(
    "You are not on this branch's roster yet. Send /join here and a branch officer will approve it."
)
NO_BRANCH_HERE = N_("This group is not set up as a branch yet. A group administrator can send /setup.")
REFUSED = N_("Only the {roles} can do this.")
ACTING_FOR = N_(
    "You are on the rosters of {count} branches; this is for “{branch}”. "
    "Send /branch to choose another one."
)


def may(member: Member, can: Can) -> bool:
    return bool(member.role_set & ALLOWED[can])


async def me(ctx: Context, *, quiet: bool = False) -> tuple[Member, Branch] | None:
    """The asker's roster entry and branch: the group's branch, or in private their own.

    In private, someone on several rosters acts for the branch they chose with /branch; until
    they choose, for the first one, and the first answer says so (once: it is then remembered).
    """
    req = ctx.request
    if req.user is None:
        return None
    if req.chat.is_group:
        branch = await ctx.branch_of_group()
        if branch is None:
            if not quiet:
                ctx.answer(ctx.t(NO_BRANCH_HERE))
                await _refused(ctx, None, None, "no_branch")
            return None
        member = await member_store.by_user(ctx.session, branch.id, req.user.id)
        if member is None:
            if not quiet:
                ctx.answer(ctx.t(NOT_IN_THIS_BRANCH))
                await _refused(ctx, branch.id, None, "not_in_branch")
            return None
        return member, branch
    found = await member_store.memberships(ctx.session, req.user.id)
    if not found:
        if not quiet:
            ctx.answer(ctx.t(NOT_IN_ROSTER))
            await _refused(ctx, None, None, "not_in_roster")
        return None
    pref = await update_store.get_pref(ctx.session, req.user.id)
    chosen = next((pair for pair in found if pref and pair[1].id == pref.current_branch_id), None)
    if chosen is not None or len(found) == 1 or quiet:
        return chosen or found[0]
    chosen = found[0]
    await update_store.set_current_branch(ctx.session, req.user.id, chosen[1].id, ctx.now)
    ctx.reply(ctx.t(ACTING_FOR).format(count=len(found), branch=chosen[1].name))
    return chosen


async def officer(ctx: Context, can: Can) -> tuple[Member, Branch] | None:
    """Like ``me``, but only for those whose role allows ``can``; refusals are audited."""
    found = await me(ctx)
    if found is None:
        return None
    member, branch = found
    if not may(member, can):
        roles = ctx.t(LIST_SEPARATOR).join(ctx.t(ROLE[r]) for r in Role if r in ALLOWED[can])
        ctx.answer(ctx.t(REFUSED).format(roles=roles), alert=True)
        await _refused(ctx, branch.id, member.id, "role", target=can.value)
        return None
    return member, branch


def attempted(ctx: Context) -> str:
    """What a refused person tried: "/new", the prefix of a button ("ack"), or the kind of message."""
    req = ctx.request
    if req.command:
        return f"/{req.command}"[:40]
    if req.callback_data is not None:
        return "button " + req.callback_data.partition(":")[0][:20]
    return req.event.value


async def not_on_roster(ctx: Context, branch: Branch | None, *, alert: bool = True) -> str:
    """Audit that someone on no roster (``branch`` None) or not on this branch's tried something;
    the answer to give them."""
    await _refused(ctx, branch.id if branch else None, None, "not_in_branch" if branch else "not_in_roster")
    return ctx.t(NOT_IN_THIS_BRANCH if branch else NOT_IN_ROSTER)


async def refused(ctx: Context, reason: str, *, branch_id: int | None = None, target: str | None = None) -> None:
    """Audit a refusal decided outside the role table (a committee's officers are not on a roster)."""
    await _refused(ctx, branch_id, None, reason, target=target)


async def _refused(ctx: Context, branch_id: int | None, member_id: int | None, reason: str, *, target: str | None = None) -> None:
    """Every refusal is audited, whoever tried: a stranger, someone of another branch, a member without the role."""
    await audit.record(
        ctx.session,
        action="refused",
        at=ctx.now,
        branch_id=branch_id,
        actor_user_id=ctx.request.user.id if ctx.request.user else None,
        actor_member_id=member_id,
        target=target or attempted(ctx),
        reason=reason,
        attempt=attempted(ctx),
    )


async def log(ctx: Context, actor: Member, action: str, target: str | None = None, **details) -> None:
    await audit.record(
        ctx.session,
        action=action,
        at=ctx.now,
        branch_id=actor.branch_id,
        actor_user_id=ctx.request.user.id if ctx.request.user else None,
        actor_member_id=actor.id,
        target=target,
        **details,
    )


async def notify(
    ctx: Context,
    branch: Branch,
    can: Can,
    render: Callable[[Gettext], str],
    buttons_for: Callable[[Gettext], Keyboard] | None = None,
) -> None:
    """Tell, privately and each in their own language, the officers whose role allows ``can``."""
    for officer in await member_store.officers(ctx.session, branch.id, ALLOWED[can]):
        if officer.telegram_user_id is None:
            continue
        t = await ctx.t_user(officer.telegram_user_id, branch)
        ctx.send(officer.telegram_user_id, render(t), buttons_for(t) if buttons_for else None)
