"""The roster: file import, adding and removing people, invites, /join, leaving the group."""

from __future__ import annotations

from typing import Annotated

from handlers.kit import access, offload, sheets
from handlers.kit.access import Can
from handlers.kit.api import Event, Request, Send
from handlers.kit.callbacks import ID, Callback, Choice
from handlers.kit.context import Context, Env
from handlers.kit.i18n import N_, Gettext, LazyText
from handlers.kit.labels import STATUS, local_time, roles_text
from handlers.kit.router import GROUP, PRIVATE, Router, button
from handlers.roster.import_file import (
    MAX_FILE_BYTES,
    RosterParse,
    RosterProblem,
    normalize_phone,
    parse_dues_category,
    parse_roster,
    parse_status,
)
from storage import updates as update_store
from storage.branches import BranchSettings
from storage.models import Branch, JoinRequest, Member
from storage.roster import members as member_store
from storage.roster.members import InviteOutcome, MemberData
from storage.rules.names import name_key, normalize_name
from storage.rules.vocabulary import JoinStatus, PartyStatus

router = Router()


class JoinAsEntry(Callback, prefix="jb"):
    """Approve a join request as an existing, not yet linked roster entry."""

    request: Annotated[int, ID]
    member: Annotated[int, ID]


class JoinAsNew(Callback, prefix="jn"):
    request: Annotated[int, ID]
    status: Annotated[PartyStatus, Choice({"f": PartyStatus.FULL, "p": PartyStatus.PROBATIONARY})]


class RemoveMember(Callback, prefix="rmv"):
    member: Annotated[int, ID]
    choice: Annotated[str, Choice("ok", "no")]


class JoinReject(Callback, prefix="jr"):
    request: Annotated[int, ID]


async def named(ctx: Context, branch: Branch, name: str) -> Member | None:
    """The active roster entry called ``name``; answers the asker when there is none."""
    name = normalize_name(name)
    member = await member_store.by_name(ctx.session, branch.id, name) if name else None
    if member is None and name:  # li ming for Li Ming: the same name, as typed in a hurry
        member = await member_store.lookalike(ctx.session, branch.id, name)
    if member is None or not member.active:
        ctx.reply(ctx.t(N_("There is nobody called “{name}” on the roster. /roster shows who is.")).format(name=name[:50]))
        return None
    return member


# --- import ----------------------------------------------------------------------------------


#: Problems listed in the reply; a longer report goes with it as a file.
LISTED_PROBLEMS = 10
#: Problems quoted in the reply when the whole report is attached.
QUOTED_PROBLEMS = 5


def _too_large(size: int | None) -> bool:
    return size is not None and size > MAX_FILE_BYTES


async def read_roster_upload(env: Env, request: Request) -> RosterParse | None:
    """The roster file read in a worker process, before the import's transaction (see router.prepare)."""
    doc = request.document
    assert doc is not None
    if _too_large(doc.size):
        return None  # the handler says so, without downloading it
    data = await env.download(doc)
    try:
        return await offload.run(parse_roster, data, doc.file_name or "")
    except offload.Failed:
        return RosterParse(rows=[], problems=[
            RosterProblem(row=None, reason=LazyText(sheets.WORDING[sheets.Problem.TOO_SLOW]))])


def reply_with_problems(
    ctx: Context, lines: list[str], problems: list[tuple[int | None, str]], filename: str, after: tuple[str, ...] = ()
) -> None:
    """Reply with ``lines``, the problems and ``after``; past ``LISTED_PROBLEMS`` problems, their
    counts and the first few, and the whole list follows, to the uploader only, as a CSV file."""
    t = ctx.t
    if len(problems) <= LISTED_PROBLEMS:
        ctx.reply("\n".join(lines + [text for _, text in problems] + list(after)))
        return
    lines = lines + [t(N_("{count} problems in {rows} rows. The first {shown} are below; the attached file lists all of them.")).format(
        count=len(problems), rows=len({r for r, _ in problems}), shown=QUOTED_PROBLEMS)]
    lines.extend(text for _, text in problems[:QUOTED_PROBLEMS])
    ctx.reply("\n".join(lines + list(after)))
    ctx.document(
        ctx.request.chat.id,
        sheets.report_csv((t(N_("Row")), t(N_("Problem"))), problems),
        "problems.csv",
        t(N_("Every problem found in “{filename}”.")).format(filename=filename[:60]),
    )


@router.document(chats=PRIVATE, can=Can.MANAGE_ROSTER, prepare=read_roster_upload)
async def import_file(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    doc = ctx.request.document
    assert doc is not None
    if _too_large(doc.size):
        ctx.reply(ctx.t(N_("The file is too large ({size} KB). A roster file may be at most {limit} KB.")).format(
            size=doc.size // 1024, limit=MAX_FILE_BYTES // 1024))
        return
    parsed = ctx.prepared
    if parsed is None:  # admitted here but not when prepared (a role given meanwhile): read it now
        parsed = await read_roster_upload(ctx.env, ctx.request)
    assert isinstance(parsed, RosterParse)
    t = ctx.t
    problems = [(p.row, p.reason.render(t)) for p in parsed.problems]
    if not parsed.ok:
        reply_with_problems(ctx, [t(N_("Nothing was imported:"))], problems, doc.file_name or "")
        return
    result = await member_store.import_roster(
        ctx.session,
        branch.id,
        [
            MemberData(r.name, r.status, r.party_group, r.dues_category, r.phone, r.joined_on, r.mobile)
            for r in parsed.rows
        ],
        ctx.now,
    )
    await access.log(
        ctx, officer, "roster.import", target=doc.file_name,
        created=len(result.created), updated=len(result.updated), rejected=len({r for r, _ in problems}),
    )
    lines = [t(N_("Roster imported into “{branch}”: {created} added, {updated} updated, {unchanged} unchanged.")).format(
        branch=branch.name, created=len(result.created), updated=len(result.updated), unchanged=len(result.unchanged))]
    if result.created:
        lines.append(t(N_("Added: {names}")).format(names=", ".join(result.created)))
    if result.updated:
        lines.append(t(N_("Updated: {names}")).format(names=", ".join(result.updated)))
    for name, existing in result.lookalikes:
        lines.append(t(LOOKALIKE).format(name=name, existing=existing))
    if problems:
        lines.append(t(N_("Rows not taken ({count}):")).format(count=len({r for r, _ in problems})))
    reply_with_problems(ctx, lines, problems, doc.file_name or "",
                        after=(t(N_("Send /invites for everyone's personal invite link.")),))


LOOKALIKE = N_("“{name}” was not added: it looks like “{existing}”, already on the roster. If they are two "
               "different people, add a mark to the name, such as 张伟(财务).")


def _split_fields(args: str) -> list[str]:
    for sep in ("|", "｜", ",", "，"):
        if sep in args:
            return [p.strip() for p in args.split(sep)]
    return args.split()


@router.command("add", chats=PRIVATE, menu=N_("add one person to the roster"), can=Can.MANAGE_ROSTER, help=N_("add one person: /add 张三 正式 第一党小组 在职 13800138000"))
async def add(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    t = ctx.t
    usage = t(N_(
        "Write: /add name status [party group] [dues category] [phone], for example "
        "/add 张三 正式 第一党小组 在职 13800138000. Status is 正式, 预备 or 积极分子."
    ))
    fields = _split_fields(ctx.request.args)
    if len(fields) < 2 or not fields[0]:
        ctx.reply(usage)
        return
    name, status_text, *rest = fields
    name = normalize_name(name)
    status = parse_status(status_text)
    if status is None or not name or len(name) > 50:
        ctx.reply(usage)
        return
    group = rest[0] if rest and rest[0] not in ("-", "") else None
    dues = None
    phone = None
    try:
        if len(rest) > 1 and rest[1] not in ("-", ""):
            dues = parse_dues_category(rest[1])
            if dues is None:
                raise ValueError
        if len(rest) > 2:
            phone = normalize_phone(rest[2])
    except ValueError:
        ctx.reply(usage)
        return
    if group is not None and len(group) > 50:
        ctx.reply(usage)
        return
    alike = await member_store.lookalike(ctx.session, branch.id, name)
    if alike is not None:
        ctx.reply(t(LOOKALIKE).format(name=name, existing=alike.name))
        return
    member = await member_store.add_member(
        ctx.session, branch.id, MemberData(name, status, group, dues, phone), ctx.now
    )
    if member is None:
        ctx.reply(t(N_("“{name}” is already on the roster. To tell two people apart, add a mark to the name, such as 张伟(财务).")).format(name=name))
        return
    await access.log(ctx, officer, "roster.add", target=name, status=status.value)
    invite = await member_store.new_invite(ctx.session, member, ctx.now, BranchSettings.of(branch).invite_days)
    ctx.reply(t(N_("Added {name} ({status}). Personal invite link, to forward to them:\n{link}")).format(
        name=name, status=t(STATUS[status]), link=ctx.deep_link(f"inv-{invite.token}")))


@router.command("remove", chats=PRIVATE, can=Can.MANAGE_ROSTER, help=N_("take someone off the roster (asks to confirm): /remove 张三"))
async def remove(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    name = ctx.request.args.strip()
    member = await named(ctx, branch, name)
    if member is None:
        return
    if member.id == officer.id:
        ctx.reply(ctx.t(N_("You cannot take yourself off the roster.")))
        return
    if await member_store.last_secretary(ctx.session, member):
        ctx.reply(ctx.t(N_("{name} is the branch's only secretary: a branch needs one, so give the role to "
                           "someone else first (/grant).")).format(name=member.name))
        return
    ctx.reply(ctx.t(N_("Take {name} ({status}) off the roster? Their records are kept.")).format(
        name=member.name, status=ctx.t(STATUS[member.status])),
        [[button(ctx.t(N_("Take off the roster")), RemoveMember(member.id, "ok")),
          button(ctx.t(N_("Keep")), RemoveMember(member.id, "no"))]])


@router.callback(RemoveMember, can=Can.MANAGE_ROSTER)
async def remove_confirmed(ctx: Context, pressed: RemoveMember) -> None:
    officer, branch = ctx.actor, ctx.branch
    member = await member_store.get(ctx.session, pressed.member)
    if member is None or member.branch_id != branch.id or not member.active:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    if pressed.choice == "no":
        ctx.toast(ctx.t(N_("Nothing was changed.")))
        ctx.edit(ctx.request.message_id, ctx.t(N_("{name} stays on the roster.")).format(name=member.name))
        return
    if member.id == officer.id:
        ctx.toast(ctx.t(N_("You cannot take yourself off the roster.")), alert=True)
        return
    if await member_store.last_secretary(ctx.session, member):
        ctx.toast(ctx.t(N_("{name} is the branch's only secretary: a branch needs one, so give the role to "
                           "someone else first (/grant).")).format(name=member.name), alert=True)
        return
    await member_store.remove(ctx.session, member, ctx.now)
    await access.log(ctx, officer, "roster.remove", target=member.name)
    ctx.toast()
    ctx.edit(ctx.request.message_id, ctx.t(N_("{name} is no longer on the roster; their records are kept.")).format(name=member.name))


@router.command("roster", chats=PRIVATE, menu=N_("the branch roster"), can=Can.VIEW_RECORDS, help=N_("the branch roster"))
async def show_roster(ctx: Context) -> None:
    branch = ctx.branch
    t = ctx.t
    people = await member_store.roster(ctx.session, branch.id)
    lines = [t(N_("Roster of “{branch}” ({count} people):")).format(branch=branch.name, count=len(people))]
    group = object()
    for m in people:
        if m.party_group != group:
            group = m.party_group
            lines.append("")
            lines.append("【" + (group or t(N_("no party group"))) + "】")
        notes = [t(STATUS[m.status])]
        if m.role_set:
            notes.append(roles_text(t, m.role_set))
        if m.mobile:
            notes.append(t(N_("mobile")))
        notes.append(t(N_("linked")) if m.telegram_user_id else t(N_("not linked yet")))
        if m.left_at:
            notes.append(t(N_("left the group")))
        lines.append(f"{m.name} · " + " · ".join(notes))
    ctx.reply("\n".join(lines))


# --- invites ---------------------------------------------------------------------------------


def _invite_line(ctx: Context, branch: Branch, member: Member, invite) -> str:
    return ctx.t(N_("{name}: {link} (valid until {until})")).format(
        name=member.name, link=ctx.deep_link(f"inv-{invite.token}"), until=local_time(invite.expires_at, branch.timezone)[:10])


@router.command("invites", chats=PRIVATE, menu=N_("personal invite links"), can=Can.MANAGE_ROSTER, help=N_("personal invite links for everyone not yet linked"))
async def invites(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    days = BranchSettings.of(branch).invite_days
    pending = [m for m in await member_store.roster(ctx.session, branch.id) if m.telegram_user_id is None]
    if not pending:
        ctx.reply(ctx.t(N_("Everyone on the roster has linked their Telegram account.")))
        return
    lines = [ctx.t(N_(
        "Personal invite links: forward each to its owner. A link works once and binds the account that opens it."
    ))]
    for member in pending:
        lines.append(_invite_line(ctx, branch, member, await member_store.usable_invite(ctx.session, member, ctx.now, days)))
    await access.log(ctx, officer, "invite.list", count=len(pending))
    ctx.reply("\n".join(lines))


@router.command("invite", chats=PRIVATE, can=Can.MANAGE_ROSTER, help=N_("a new invite link for one person (the old one stops working): /invite 张三"))
async def invite_one(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    name = ctx.request.args.strip()
    member = await named(ctx, branch, name)
    if member is None:
        return
    if member.telegram_user_id is not None:
        ctx.reply(ctx.t(N_("{name} has already linked a Telegram account.")).format(name=name))
        return
    invite = await member_store.new_invite(ctx.session, member, ctx.now, BranchSettings.of(branch).invite_days)
    await access.log(ctx, officer, "invite.new", target=name)
    ctx.reply(ctx.t(N_("A new link for {name}; earlier links for them no longer work.")).format(name=name)
              + "\n" + _invite_line(ctx, branch, member, invite))


INVITE_ANSWERS = {
    InviteOutcome.UNKNOWN: N_("This invite link is not valid. Ask your branch secretary for a new one."),
    InviteOutcome.EXPIRED: N_("This invite link has expired. Ask your branch secretary for a new one."),
    InviteOutcome.USED: N_("This invite link has already been used. Ask your branch secretary for a new one."),
    InviteOutcome.ALREADY_BOUND: N_("This roster entry is already linked to another Telegram account. Please talk to your branch secretary."),
    InviteOutcome.ACCOUNT_TAKEN: N_("Your Telegram account is already linked to another person on this branch's roster. Please talk to your branch secretary."),
}


@router.start_payload("inv")
async def redeem(ctx: Context) -> None:
    token = ctx.request.args.strip()[len("inv-"):]
    user = ctx.request.user
    assert user is not None
    outcome, member = await member_store.redeem_invite(ctx.session, token, user.id, user.full_name[:200], ctx.now)
    if outcome != InviteOutcome.BOUND or member is None:
        ctx.reply(ctx.t(INVITE_ANSWERS[outcome]))
        return
    branch = await ctx.session.get(Branch, member.branch_id)
    await update_store.note_user(ctx.session, user.id, None, ctx.now, private_chat=True)
    await access.log(ctx, member, "invite.redeem", target=member.name)
    ctx.reply(ctx.t(N_("Welcome, {name}! Your Telegram account is now linked to the roster of “{branch}”. /help shows what I can do.")).format(
        name=member.name, branch=branch.name))


# --- /join -----------------------------------------------------------------------------------


@router.command("join", chats=GROUP, menu=N_("ask to be added to this branch's roster"), help=N_("in the group: ask to be added to the branch roster"))
async def join(ctx: Context) -> None:
    branch = await ctx.branch_of_group()
    if branch is None:
        ctx.reply(ctx.t(access.NO_BRANCH_HERE))
        return
    user = ctx.request.user
    assert user is not None
    if await member_store.by_user(ctx.session, branch.id, user.id) is not None:
        ctx.reply(ctx.t(N_("{name}, you are already on the roster.")).format(name=user.full_name))
        return
    if not user.full_name:  # nothing visible was left of it (handlers.kit.inbound)
        ctx.reply(ctx.t(N_("Your Telegram name is blank. Set a name in Telegram's settings, then send /join again.")))
        return
    request, created = await member_store.open_join_request(
        ctx.session, branch.id, user.id, user.full_name, user.username, ctx.now)
    if created:
        await _ask_keepers(ctx, branch, request)
    ctx.reply(ctx.t(N_(
        "{name}, your request to join the roster is with the branch officers. "
        "To hear the answer privately, open a chat with @{bot} and press Start."
    )).format(name=user.full_name, bot=ctx.env.bot_username))


async def _ask_keepers(ctx: Context, branch: Branch, request: JoinRequest) -> None:
    unbound = next(
        (m for m in await member_store.roster(ctx.session, branch.id)
         if m.telegram_user_id is None and name_key(m.name) == name_key(request.telegram_name)),
        None,
    )
    handle = f" (@{request.username})" if request.username else ""

    def render(t: Gettext) -> str:
        return t(N_("{name}{handle} asks to join the roster of “{branch}”.")).format(
            name=request.telegram_name, handle=handle, branch=branch.name)

    def buttons(t: Gettext):
        rows = []
        if unbound is not None:
            rows.append([button(t(N_("Approve as {name} on the roster")).format(name=unbound.name), JoinAsEntry(request.id, unbound.id))])
        rows.append([
            button(t(N_("Approve: full member")), JoinAsNew(request.id, PartyStatus.FULL)),
            button(t(N_("Approve: probationary")), JoinAsNew(request.id, PartyStatus.PROBATIONARY)),
        ])
        rows.append([button(t(N_("Reject")), JoinReject(request.id))])
        return rows

    await access.notify(ctx, branch, Can.DECIDE_JOIN, render, buttons)


async def _join_decision(ctx: Context, request_id: int) -> tuple[JoinRequest, Member, Branch] | None:
    """Common checks for the three decision buttons; answers and returns None when stale."""
    request = await member_store.get_join_request(ctx.session, request_id)
    if request is None:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return None
    officer, branch = ctx.actor, ctx.branch
    if branch.id != request.branch_id:  # decided only by an officer of the branch asked
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return None
    if request.status != JoinStatus.PENDING:
        ctx.toast(ctx.t(N_("This request has already been decided.")), alert=True)
        return None
    return request, officer, branch


async def _settle(ctx: Context, request: JoinRequest, officer: Member, branch: Branch, member: Member | None) -> None:
    approved = member is not None
    if not await member_store.decide_join_request(ctx.session, request, member, officer, ctx.now):
        ctx.toast(ctx.t(N_("This request has already been decided.")), alert=True)
        return
    await access.log(ctx, officer, "join.approve" if approved else "join.reject",
                     target=request.telegram_name, member=member.name if member else None)
    t = ctx.t
    verdict = (t(N_("Approved by {officer}: {name} is on the roster.")).format(officer=officer.name, name=member.name)
               if member else t(N_("Rejected by {officer}.")).format(officer=officer.name))
    if ctx.request.message_id:
        ctx.edit(ctx.request.message_id, t(N_("{name}{handle} asks to join the roster of “{branch}”.")).format(
            name=request.telegram_name, handle=f" (@{request.username})" if request.username else "", branch=branch.name)
            + "\n" + verdict)
    ctx.toast(verdict)
    person_t = await ctx.t_user(request.telegram_user_id, branch)
    if member:
        text = person_t(N_("Your request to join the roster of “{branch}” was approved. Welcome, {name}!")).format(branch=branch.name, name=member.name)
    else:
        text = person_t(N_("Your request to join the roster of “{branch}” was not approved. Please talk to the branch secretary.")).format(branch=branch.name)
    group_t = ctx.t_branch(branch)
    # If they never opened a private chat with the bot, say it where they asked.
    note = (group_t(N_("{name}: your request to join the roster was approved.")) if member
            else group_t(N_("{name}: your request to join the roster was not approved; please talk to the branch secretary.")))
    ctx.send(request.telegram_user_id, text, fallback=Send(branch.chat_id, note.format(name=request.telegram_name)))


@router.callback(JoinAsEntry, can=Can.DECIDE_JOIN)
async def approve_bind(ctx: Context, pressed: JoinAsEntry) -> None:
    found = await _join_decision(ctx, pressed.request)
    if found is None:
        return
    request, officer, branch = found
    member = await member_store.get(ctx.session, pressed.member)
    if member is None or member.branch_id != branch.id or not member.active or member.telegram_user_id is not None:
        ctx.toast(ctx.t(N_("That roster entry is already linked or gone. Use the other buttons.")), alert=True)
        return
    await member_store.bind(ctx.session, member, request.telegram_user_id, request.telegram_name)
    await _settle(ctx, request, officer, branch, member)


@router.callback(JoinAsNew, can=Can.DECIDE_JOIN)
async def approve_new(ctx: Context, pressed: JoinAsNew) -> None:
    found = await _join_decision(ctx, pressed.request)
    if found is None:
        return
    request, officer, branch = found
    status = pressed.status
    name = normalize_name(request.telegram_name)[:50] or f"user{request.telegram_user_id}"
    existing = await member_store.by_name(ctx.session, branch.id, name)
    alike = await member_store.lookalike(ctx.session, branch.id, name) if existing is None else None
    if alike is not None:
        ctx.toast(ctx.t(LOOKALIKE).format(name=name, existing=alike.name), alert=True)
        return
    if existing is not None and (existing.active or existing.telegram_user_id is not None):
        ctx.toast(ctx.t(N_("“{name}” is already on the roster. To tell two people apart, add a mark to the name, such as 张伟(财务).")).format(name=name), alert=True)
        return
    if existing is not None:  # an earlier entry of someone who had been taken off: bring it back
        member = await member_store.bring_back(ctx.session, existing, status, ctx.now)
    else:
        member = await member_store.add_member(ctx.session, branch.id, MemberData(name, status), ctx.now)
    await member_store.bind(ctx.session, member, request.telegram_user_id, request.telegram_name)
    await _settle(ctx, request, officer, branch, member)


@router.callback(JoinReject, can=Can.DECIDE_JOIN)
async def reject(ctx: Context, pressed: JoinReject) -> None:
    found = await _join_decision(ctx, pressed.request)
    if found is None:
        return
    request, officer, branch = found
    await _settle(ctx, request, officer, branch, None)


# --- people joining and leaving the group ------------------------------------------------------


@router.on(Event.MEMBER_LEFT)
async def member_left(ctx: Context) -> None:
    req: Request = ctx.request
    branch = await ctx.branch_of_group()
    if branch is None or req.member is None:
        return
    member = await member_store.by_user(ctx.session, branch.id, req.member.id)
    if member is None or not await member_store.mark_left(ctx.session, member, ctx.now, kicked=req.kicked):
        return
    await access.log(ctx, member, "member.left_group", target=member.name, kicked=req.kicked)

    def render(t: Gettext) -> str:
        what = t(N_("was removed from")) if req.kicked else t(N_("left"))
        return t(N_("{name} {what} the group of “{branch}”. They stay on the roster; if they have moved to another branch, send /remove {name}.")).format(
            name=member.name, what=what, branch=branch.name)

    await access.notify(ctx, branch, Can.MANAGE_ROSTER, render)


@router.on(Event.MEMBER_JOINED)
async def member_joined(ctx: Context) -> None:
    req = ctx.request
    branch = await ctx.branch_of_group()
    if branch is None or req.member is None:
        return
    member = await member_store.by_user(ctx.session, branch.id, req.member.id)
    if member is not None:
        await member_store.mark_back(ctx.session, member)
        return
    if ctx.request.message_id is None:
        return  # a chat_member update: the service message about the same join greets them
    ctx.reply(ctx.t_branch(branch)(N_("Welcome, {name}! Send /join to be added to the branch roster.")).format(name=req.member.full_name))
