"""Setting a committee up: its secretary creates it, invites officers, keeps the join code;
branch secretaries link their branch with the code, an officer approves; either side unlinks."""

from __future__ import annotations

from typing import Annotated

from handlers.committee.common import acting, log, officer_of, tell_officers
from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.callbacks import ID, Callback, Choice, Flag
from handlers.kit.context import Context
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import LIST_SEPARATOR
from handlers.kit.router import PRIVATE, Router, button, int_arg
from storage import updates as update_store
from storage.committee import committees as store
from storage.committee.committees import LinkStatus, OfficerRole
from storage.models import Branch, Committee, CommitteeLink
from storage.roster import members as member_store
from storage.rules.names import normalize_name
from storage.rules.vocabulary import Role

router = Router()

NAME_LIMIT = 100
PENDING_SHOWN = 10


class LinkDecision(Callback, prefix="cml"):
    link: Annotated[int, ID]
    approve: Annotated[bool, Flag()]


class CodeAction(Callback, prefix="cmc"):
    committee: Annotated[int, ID]
    action: Annotated[str, Choice("new", "off", "inv")]


class ActFor(Callback, prefix="cma"):
    committee: Annotated[int, ID]


def code_line(t: Gettext, committee: Committee) -> str:
    if committee.join_code is None:
        return t(N_("Join code: none (revoked). Press “New join code” to make one."))
    return t(N_("Join code: {code}. A branch secretary sends me /link {code} in a private chat.")).format(
        code=store.shown_code(committee.join_code))


def decision_buttons(t: Gettext, link_id: int):
    return [[button(t(N_("Approve")), LinkDecision(link_id, True)), button(t(N_("Refuse")), LinkDecision(link_id, False))]]


# --- /committee ---------------------------------------------------------------------------------------


@router.command("committee", chats=PRIVATE, menu=N_("set up or show a committee (党委/党总支)"),
                help=N_("committees (党委/党总支): /committee 某某党委 sets one up with you as its secretary; "
                        "/committee alone shows yours, its join code and the branches asking to link"))
async def committee(ctx: Context) -> None:
    name = normalize_name(ctx.request.args)
    if name:
        await _create(ctx, name)
        return
    found = await store.roles_of(ctx.session, ctx.user_id)
    if not found:
        ctx.reply(ctx.t(N_("You are not an officer of any committee. To set one up, send /committee <name>, "
                           "for example /committee 某某街道党工委.")))
        return
    officer, current = found[0]
    t = ctx.t
    lines = [t(N_("Committee “{name}” (#{number}); you are its {role}.")).format(
        name=current.name, number=current.id,
        role=t(N_("secretary")) if officer.role == OfficerRole.SECRETARY else t(N_("officer")))]
    lines.append(code_line(t, current))
    lines.append(t(N_("Linked branches: {count}. /rollup shows them; /committee_notice sends them a notice.")).format(
        count=await store.count_linked(ctx.session, current.id)))
    officers = await store.officers(ctx.session, current.id)
    lines.append(t(N_("Officers: {names}")).format(names=t(LIST_SEPARATOR).join(o.name for o in officers)))
    rows = []
    if officer.role == OfficerRole.SECRETARY:
        rows.append([button(t(N_("New join code")), CodeAction(current.id, "new")),
                     button(t(N_("Revoke the code")), CodeAction(current.id, "off"))])
        rows.append([button(t(N_("Invite an officer")), CodeAction(current.id, "inv"))])
    for _officer, other in found[1:]:
        rows.append([button(t(N_("Act for “{name}”")).format(name=other.name[:30]), ActFor(other.id))])
    ctx.reply("\n".join(lines), rows or None)
    for link, branch in (await store.pending(ctx.session, current.id))[:PENDING_SHOWN]:
        ctx.reply(_request_text(t, branch, current), decision_buttons(t, link.id))


async def _create(ctx: Context, name: str) -> None:
    if len(name) > NAME_LIMIT:
        ctx.reply(ctx.t(N_("A committee's name may be at most {limit} characters.")).format(limit=NAME_LIMIT))
        return
    if await store.by_name_of(ctx.session, ctx.user_id, name) is not None:
        ctx.reply(ctx.t(N_("You already have a committee called “{name}”. /committee shows it.")).format(name=name))
        return
    user = ctx.request.user
    assert user is not None
    committee, _officer = await store.create(
        ctx.session, name=name, user_id=user.id, user_name=user.full_name, timezone=ctx.env.default_timezone,
        locale=ctx.locale, now=ctx.now)
    await log(ctx, committee, "committee.create", name=name)
    ctx.reply(ctx.t(N_("Committee “{name}” is set up, and you are its secretary.")).format(name=name) + "\n"
              + code_line(ctx.t, committee) + "\n"
              + ctx.t(N_("Each branch secretary links their branch with the code; you (or an officer) approve. "
                         "/committee shows the committee and invites officers; /rollup shows the branches.")))


@router.callback(ActFor)
async def act_for(ctx: Context, pressed: ActFor) -> None:
    found = await officer_of(ctx, pressed.committee)
    if found is None:
        return
    officer, committee = found
    await store.choose(ctx.session, officer, ctx.now)
    ctx.toast(ctx.t(N_("You now act for “{name}”.")).format(name=committee.name))


@router.callback(CodeAction)
async def code_action(ctx: Context, pressed: CodeAction) -> None:
    found = await officer_of(ctx, pressed.committee, secretary=True)
    if found is None:
        return
    _officer, committee = found
    t = ctx.t
    if pressed.action == "new":
        store.renew_code(committee, ctx.now)
        await log(ctx, committee, "committee.code_new")
        ctx.toast(t(N_("A new join code is made; the old one no longer works.")))
        ctx.reply(code_line(t, committee))
    elif pressed.action == "off":
        if store.revoke_code(committee, ctx.now):
            await log(ctx, committee, "committee.code_revoke")
        ctx.toast(t(N_("The join code is revoked: no branch can ask to link until you make a new one.")), alert=True)
    else:
        row = await store.invite(ctx.session, committee.id, ctx.user_id, ctx.now)
        await log(ctx, committee, "committee.officer_invite")
        ctx.toast()
        ctx.reply(t(N_("Send this link to the new officer; it works once, for {days} days:\n{link}")).format(
            days=store.INVITE_DAYS, link=ctx.deep_link(f"cof-{row.token}")))


@router.start_payload("cof")
async def redeem(ctx: Context) -> None:
    token = ctx.request.args.strip()[len("cof-"):]
    user = ctx.request.user
    assert user is not None
    row = await store.invite_by_token(ctx.session, token)
    if row is None or row.used_at is not None or row.expires_at <= ctx.now:
        ctx.reply(ctx.t(N_("This officer link is not valid any more. Ask the committee's secretary for a new one.")))
        await access.refused(ctx, "committee_invite", target=token[:20])
        return
    committee = await store.get(ctx.session, row.committee_id)
    assert committee is not None
    if await store.officer(ctx.session, committee.id, user.id) is not None:
        ctx.reply(ctx.t(N_("You are already an officer of “{name}”.")).format(name=committee.name))
        return
    officer = await store.use_invite(ctx.session, row, user.id, user.full_name, ctx.now)
    if officer is None:
        ctx.reply(ctx.t(N_("This officer link is not valid any more. Ask the committee's secretary for a new one.")))
        return
    await update_store.note_user(ctx.session, user.id, None, ctx.now, private_chat=True)
    await log(ctx, committee, "committee.officer_add", officer=officer.name)
    ctx.reply(ctx.t(N_("Welcome! You are now an officer of “{name}”. /rollup shows its branches; /help lists the rest.")).format(
        name=committee.name))


# --- linking a branch -------------------------------------------------------------------------------


def _request_text(t: Gettext, branch: Branch, committee: Committee) -> str:
    return t(N_("The branch “{branch}” (#{number}) asks to be linked to “{committee}”.")).format(
        branch=branch.name, number=branch.id, committee=committee.name)


@router.command("link", chats=PRIVATE, can=Can.LINK_COMMITTEE, menu=N_("link the branch to its committee"),
                help=N_("put your branch under its committee (党委) with the committee's join code: /link ABCD-EFGH-JKMN"))
async def link(ctx: Context) -> None:
    branch, secretary = ctx.branch, ctx.actor
    code = store.normal_code(ctx.request.args)
    if not code:
        ctx.reply(ctx.t(N_("Send /link followed by the join code your committee gave you, e.g. /link ABCD-EFGH-JKMN.")))
        return
    committee = await store.by_code(ctx.session, code)
    if committee is None:
        ctx.reply(ctx.t(N_("No committee has this join code. Check it with your committee; a revoked code no longer works.")))
        await access.refused(ctx, "bad_join_code", branch_id=branch.id)
        return
    current = await store.open_link(ctx.session, branch.id)
    if current is not None and current.committee_id != committee.id:
        other = await store.get(ctx.session, current.committee_id)
        ctx.reply(ctx.t(N_("“{branch}” is already linked to (or waiting for) “{committee}”. Send /unlink first to move it.")).format(
            branch=branch.name, committee=other.name if other else "-"))
        await access.refused(ctx, "linked_elsewhere", branch_id=branch.id, target=f"committee:{committee.id}")
        return
    row, created = await store.request_link(ctx.session, committee.id, branch.id, ctx.user_id, ctx.now)
    if row.committee_id != committee.id:  # another request won a race
        ctx.reply(ctx.t(N_("“{branch}” is already linked to (or waiting for) another committee. Send /unlink first to move it.")).format(
            branch=branch.name))
        return
    if row.status == LinkStatus.APPROVED:
        ctx.reply(ctx.t(N_("“{branch}” is already linked to “{committee}”.")).format(branch=branch.name, committee=committee.name))
        return
    if created:
        await access.log(ctx, secretary, "committee.link_request", target=f"committee:{committee.id}")
        await tell_officers(ctx, committee, lambda t: _request_text(t, branch, committee),
                            lambda t: decision_buttons(t, row.id))
    ctx.reply(ctx.t(N_("Asked “{committee}” to link “{branch}”. I will tell you when an officer decides.")).format(
        committee=committee.name, branch=branch.name))


@router.callback(LinkDecision)
async def decide(ctx: Context, pressed: LinkDecision) -> None:
    row = await store.link(ctx.session, pressed.link)
    if row is None:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    found = await officer_of(ctx, row.committee_id)
    if found is None:
        return
    _officer, committee = found
    branch = await ctx.session.get(Branch, row.branch_id)
    assert branch is not None
    if not await store.decide(ctx.session, row, pressed.approve, ctx.user_id, ctx.now):
        await ctx.session.refresh(row)
        ctx.toast(ctx.t(N_("This request was already decided ({status}).")).format(status=_status(ctx.t, row)), alert=True)
        return
    await log(ctx, committee, "committee.link_approve" if pressed.approve else "committee.link_refuse",
              branch_id=branch.id)
    t = ctx.t
    outcome = (t(N_("“{branch}” is now linked to “{committee}”.")) if pressed.approve
               else t(N_("The request of “{branch}” to link to “{committee}” is refused."))).format(
        branch=branch.name, committee=committee.name)
    if ctx.request.message_id is not None:
        ctx.edit(ctx.request.message_id, outcome)
    ctx.toast(outcome)
    rt = await ctx.t_user(row.requested_by_user_id, branch)
    told = (rt(N_("“{committee}” approved: “{branch}” is now linked to it, and its officers see the branch's figures "
                  "(aggregates only) in their roll-up.")) if pressed.approve
            else rt(N_("“{committee}” refused to link “{branch}”."))).format(committee=committee.name, branch=branch.name)
    ctx.send(row.requested_by_user_id, told)


def _status(t: Gettext, row: CommitteeLink) -> str:
    return {LinkStatus.PENDING: t(N_("waiting")), LinkStatus.APPROVED: t(N_("approved")),
            LinkStatus.REFUSED: t(N_("refused")), LinkStatus.ENDED: t(N_("ended"))}[LinkStatus(row.status)]


@router.command("unlink", chats=PRIVATE, can=Can.LINK_COMMITTEE, menu=N_("take the branch out of its committee"),
                help=N_("take your branch out of its committee (or withdraw a request to link)"))
async def unlink(ctx: Context) -> None:
    branch, secretary = ctx.branch, ctx.actor
    row = await store.open_link(ctx.session, branch.id)
    if row is None:
        ctx.reply(ctx.t(N_("“{branch}” is not linked to any committee.")).format(branch=branch.name))
        return
    committee = await store.get(ctx.session, row.committee_id)
    assert committee is not None
    was = row.status
    await store.end(ctx.session, row, ctx.user_id, ctx.now)
    await access.log(ctx, secretary, "committee.unlink", target=f"committee:{committee.id}", was=was)
    ctx.reply(ctx.t(N_("“{branch}” is no longer linked to “{committee}”.")).format(branch=branch.name, committee=committee.name))
    await tell_officers(ctx, committee, lambda t: t(N_("The branch “{branch}” (#{number}) unlinked itself from “{committee}”.")).format(
        branch=branch.name, number=branch.id, committee=committee.name))


@router.command("committee_unlink", chats=PRIVATE,
                help=N_("committee secretary: take a branch out of the committee by its number in /rollup: /committee_unlink 12"))
async def committee_unlink(ctx: Context) -> None:
    found = await acting(ctx, secretary=True)
    if found is None:
        return
    _officer, committee = found
    number = int_arg(ctx.request.args.strip().lstrip("#"))
    row = await store.linked_branch(ctx.session, committee.id, number) if number else None
    if row is None:
        ctx.reply(ctx.t(N_("No branch number {number} is linked to “{committee}”. /rollup shows the numbers.")).format(
            number=ctx.request.args.strip()[:20] or "-", committee=committee.name))
        return
    branch = await ctx.session.get(Branch, row.branch_id)
    assert branch is not None
    await store.end(ctx.session, row, ctx.user_id, ctx.now)
    await log(ctx, committee, "committee.unlink", branch_id=branch.id)
    ctx.reply(ctx.t(N_("“{branch}” is no longer linked to “{committee}”.")).format(branch=branch.name, committee=committee.name))
    for secretary in await member_store.officers(ctx.session, branch.id, [Role.SECRETARY]):
        if secretary.telegram_user_id is None:
            continue
        t = await ctx.t_user(secretary.telegram_user_id, branch)
        ctx.send(secretary.telegram_user_id, t(N_("“{committee}” took the branch “{branch}” out of the committee.")).format(
            committee=committee.name, branch=branch.name))
