"""Setting a group up as a branch, its settings, officer roles, language and help."""

from __future__ import annotations

from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from handlers.kit import access, dialog
from handlers.kit.access import Can
from handlers.kit.api import Button, Event
from handlers.kit.callbacks import Callback, Choice
from handlers.kit.context import Context
from handlers.kit.examples import examples
from handlers.kit.i18n import N_
from handlers.kit.labels import ROLE_WORDS, STATUS, lookup, roles_text
from handlers.kit.router import GROUP, PRIVATE, Router, button
from handlers.roster import named
from storage import branches as branch_store
from storage import updates as update_store
from storage.branches import BranchSettings
from storage.roster import members as member_store
from storage.rules import settings as rules_settings
from storage.rules.names import normalize_name
from storage.rules.settings import Setting
from storage.rules.vocabulary import Role

router = Router()

WELCOME_GROUP = N_(
    "Hello! I help this Party branch with check-ins, leave and meeting records. "
    "A group administrator can send /setup <branch name> | <your real name> to set the group up as a "
    "branch."
)


@router.on(Event.BOT_ADDED)
async def bot_added(ctx: Context) -> None:
    if ctx.request.chat.is_group and await ctx.branch_of_group() is None:
        ctx.reply(ctx.t(WELCOME_GROUP))


@router.on(Event.GROUP_MIGRATED)
async def group_migrated(ctx: Context) -> None:
    new_id = ctx.request.new_chat_id
    if new_id is not None:
        await branch_store.move_chat(ctx.session, ctx.request.chat.id, new_id)


@router.on(Event.BOT_REMOVED)
async def bot_removed(ctx: Context) -> None:
    branch = await ctx.branch_of_group()
    if branch is None:
        return
    await access.notify(ctx, branch, Can.MANAGE_ROSTER, lambda t: t(N_(
        "I was removed from the group of “{branch}”, so I cannot post announcements there. "
        "Add me back to the group to carry on; the roster and records are kept."
    )).format(branch=branch.name))


#: As long as a roster entry's name may be.
REAL_NAME_LIMIT = 50
_SEPARATORS = ("|", "｜")  # a full-width bar is what a Chinese keyboard types

ASK_REAL_NAME = N_(
    "To set up “{name}”, send me your real name as it stands on the roster, for example 张三. "
    "You will be its secretary. /cancel stops."
)
BAD_REAL_NAME_LINE = N_(
    "Write your real name as it stands on the roster (at most {limit} characters) after a bar, "
    "for example: /setup {name} | 张三"
)
BAD_REAL_NAME = N_(
    "Send your real name as it stands on the roster, at most {limit} characters, for example 张三."
)


def _real_name(text: str) -> str | None:
    """The name as a roster entry keeps it, or None when it is blank or too long."""
    name = normalize_name(text)
    return name if name and len(name) <= REAL_NAME_LIMIT else None


@router.command("setup", chats=GROUP, menu=N_("set this group up as a branch"), help=N_("set this group up as a branch, in the group, by a group administrator: /setup 第一党支部 | 张三"))
async def setup(ctx: Context) -> None:
    req = ctx.request
    existing = await ctx.branch_of_group()
    if existing is not None:
        ctx.reply(ctx.t(N_("This group is already the branch “{name}”. Send /settings to see its settings.")).format(name=existing.name))
        return
    if not await ctx.env.is_chat_admin(req.chat.id, ctx.user_id):
        ctx.reply(ctx.t(N_("Only an administrator of this group can set it up as a branch.")))
        return
    args = req.args.replace(_SEPARATORS[1], _SEPARATORS[0])
    branch_part, bar, founder_part = args.partition(_SEPARATORS[0])
    name = " ".join(branch_part.split()) or (req.chat.title or "").strip()
    if not name or len(name) > 100:
        ctx.reply(ctx.t(N_("Please give the branch a name of at most 100 characters, for example: /setup 第一党支部")))
        return
    if bar:
        founder_name = _real_name(founder_part)
        if founder_name is None:
            ctx.reply(ctx.t(BAD_REAL_NAME_LINE).format(limit=REAL_NAME_LIMIT, name=name))
            return
        await _create(ctx, req.chat.id, name, founder_name)
        return
    # Roster entries go by real name, which Telegram does not know: ask the founder privately.
    await dialog.begin(ctx, "setup", "real_name", {"chat_id": req.chat.id, "name": name})
    pref = await update_store.get_pref(ctx.session, ctx.user_id)
    if pref is not None and pref.private_chat_open:
        ctx.send(ctx.user_id, (await ctx.t_user(ctx.user_id))(ASK_REAL_NAME).format(name=name))
        ctx.reply(ctx.t(N_(
            "To finish setting up “{name}”, I have asked you in a private chat for your real name."
        )).format(name=name))
        return
    ctx.reply(
        ctx.t(N_(
            "To finish setting up “{name}”, open a private chat with me with the button below and "
            "tell me your real name, or send it here in one line: /setup {name} | 张三"
        )).format(name=name),
        [[Button(ctx.t(N_("Open a private chat")), url=ctx.deep_link("setup"))]],
    )


@router.start_payload("setup")
async def setup_opened(ctx: Context) -> None:
    """The founder followed the group's link into a private chat: ask for the name now."""
    conv = await dialog.current(ctx, "setup")
    if conv is None:
        ctx.reply(ctx.t(N_("No branch is waiting to be set up by you. A group administrator sends /setup in the group.")))
        return
    ctx.reply(ctx.t(ASK_REAL_NAME).format(name=conv.data["name"]))


class SetupConfirm(Callback, prefix="sc"):
    choice: Annotated[str, Choice("ok", "no")]


@router.text
async def setup_real_name(ctx: Context) -> None:
    conv = await dialog.current(ctx, "setup")
    if conv is None:
        return
    if conv.step != "real_name":
        ctx.reply(ctx.t(N_("Please use the buttons above, or send /cancel.")))
        return
    founder_name = _real_name(ctx.request.text or "")
    if founder_name is None:
        ctx.reply(ctx.t(BAD_REAL_NAME).format(limit=REAL_NAME_LIMIT))
        return
    await dialog.advance(ctx, conv, "confirm", founder=founder_name)
    ctx.reply(
        ctx.t(N_("Set up the group as the branch “{name}”, with you, {founder}, as its secretary?")).format(
            name=conv.data["name"], founder=founder_name),
        [[button(ctx.t(N_("Set up")), SetupConfirm("ok")), button(ctx.t(N_("Cancel")), SetupConfirm("no"))]],
    )


@router.callback(SetupConfirm)
async def setup_confirmed(ctx: Context, pressed: SetupConfirm) -> None:
    conv = await dialog.pressed_at(ctx, "setup", "confirm")
    if conv is None:
        return
    chat_id, name, founder_name = conv.data["chat_id"], conv.data["name"], conv.data["founder"]
    await dialog.end(ctx)
    if pressed.choice == "no":
        dialog.stopped(ctx)
        return
    existing = await branch_store.by_chat(ctx.session, chat_id)
    if existing is not None:
        ctx.reply(ctx.t(N_("The group has meanwhile been set up as the branch “{name}”; nothing was changed.")).format(name=existing.name))
        return
    if not await ctx.env.is_chat_admin(chat_id, ctx.user_id):  # they may have lost the right since
        ctx.reply(ctx.t(N_("Only an administrator of this group can set it up as a branch.")))
        return
    await _create(ctx, chat_id, name, founder_name)


async def _create(ctx: Context, chat_id: int, name: str, founder_name: str) -> None:
    """The branch of group ``chat_id`` with the asker as its secretary, announced in the group and to them."""
    req = ctx.request
    branch, founder = await branch_store.create_branch(
        ctx.session,
        chat_id=chat_id,
        name=name,
        timezone=ctx.env.default_timezone,
        locale=ctx.env.catalogs.default_locale,
        founder_user_id=ctx.user_id,
        founder_name=founder_name,
        founder_telegram_name=req.user.full_name[:200] if req.user else None,
        now=ctx.now,
    )
    await access.log(ctx, founder, "branch.setup", target=name, chat_id=chat_id)
    t = ctx.t_branch(branch)
    ctx.send(
        chat_id,
        t(N_(
            "This group is now the branch “{name}” (time zone {tz}). Secretary: {secretary}.\n"
            "Next, in a private chat with me: send the roster as a CSV or Excel file, "
            "or add people with /add. Members can also send /join here."
        )).format(name=name, tz=branch.timezone, secretary=founder.name)
    )
    ctx.send(
        ctx.user_id,
        (await ctx.t_user(ctx.user_id, branch))(N_(
            "You are the secretary of “{name}”. Send me the roster file (columns: 姓名, 政治面貌, "
            "党小组, 党费类别; optional 手机, 入党时间), then /invites for everyone's personal link. "
            "/help lists everything."
        )).format(name=name),
    )


SETTING_WORDS = {  # the branch's own fields; the local-practice settings are in storage.rules.settings
    "timezone": ("timezone", "tz", "时区"),
    "language": ("language", "lang", "locale", "语言"),
    "name": ("name", "名称", "支部名称"),
}


def _setting_line(ctx: Context, entry: Setting, value: int) -> str:
    return ctx.t(N_("{label} ({key}): {value} {unit}, from {low} to {high}")).format(
        label=ctx.t(entry.label), key=entry.key, value=value, unit=ctx.t(entry.unit), low=entry.low, high=entry.high)


def _settings_text(ctx: Context, branch) -> str:
    s = BranchSettings.of(branch)
    lines = [
        ctx.t(N_("Settings of “{name}”:")).format(name=branch.name),
        ctx.t(N_("time zone (timezone): {tz}")).format(tz=branch.timezone),
        ctx.t(N_("group language (language): {locale}")).format(locale=branch.locale),
    ]
    lines += [_setting_line(ctx, entry, getattr(s, entry.name)) for entry in rules_settings.REGISTRY]
    lines.append(ctx.t(N_("Change one with /set <name> <value>, for example /set checkin_before 15")))
    return "\n".join(lines)


@router.command("settings", menu=N_("show the branch settings"), can=Can.VIEW_RECORDS, help=N_("every branch setting with its value and range"))
async def show_settings(ctx: Context) -> None:
    ctx.reply(_settings_text(ctx, ctx.branch))


@router.command("set", can=Can.CHANGE_SETTINGS, help=N_("change a setting: /set checkin_before 15, /set timezone Asia/Urumqi, /set language en"))
async def change_setting(ctx: Context) -> None:
    member, branch = ctx.actor, ctx.branch
    key_text, _, value = ctx.request.args.strip().partition(" ")
    value = value.strip()
    key = lookup(SETTING_WORDS, key_text)
    entry = rules_settings.REGISTRY.lookup(key_text) if key is None else None
    if entry is not None and not value:  # /set checkin_before: what it is and what it may be
        current = getattr(BranchSettings.of(branch), entry.name)
        ctx.reply(_setting_line(ctx, entry, current) + "\n" + ctx.t(entry.help))
        return
    if key is None and entry is None and key_text:
        ctx.reply(ctx.t(N_("There is no setting “{name}”.")).format(name=key_text[:40]) + "\n\n" + _settings_text(ctx, branch))
        return
    if (key is None and entry is None) or not value:
        ctx.reply(_settings_text(ctx, branch))
        return
    if key == "timezone":
        try:
            ZoneInfo(value)
            ok = value in available_timezones()
        except (ZoneInfoNotFoundError, ValueError):
            ok = False
        if not ok:
            ctx.reply(ctx.t(N_("“{value}” is not a time zone I know. Use a name like Asia/Shanghai or Asia/Urumqi.")).format(value=value))
            return
        branch_store.set_timezone(branch, value)
    elif key == "language":
        locale = ctx.env.catalogs.locale_for(value)
        if locale is None:
            ctx.reply(ctx.t(N_("Choose zh (简体中文) or en (English).")))
            return
        branch_store.set_locale(branch, locale)
        value = locale
        if ctx.request.chat.is_group:
            ctx.locale = locale  # answer in the language just chosen
    elif key == "name":
        if len(value) > 100:
            ctx.reply(ctx.t(N_("Please give the branch a name of at most 100 characters, for example: /setup 第一党支部")))
            return
        branch_store.rename(branch, value)
    else:
        assert entry is not None
        number = entry.parse(value)
        if number is None:
            ctx.reply(ctx.t(N_("{key} takes a whole number from {low} to {high}.")).format(
                key=entry.key, low=entry.low, high=entry.high) + " " + ctx.t(entry.help))
            return
        branch_store.save_settings(branch, BranchSettings.of(branch).with_value(entry.name, number))
        key, value = entry.name, str(number)
    await access.log(ctx, member, "settings.change", target=key, value=value)
    ctx.reply(ctx.t(N_("Saved.")) + "\n\n" + _settings_text(ctx, branch))


async def _role_change(ctx: Context, grant: bool) -> None:
    actor, branch = ctx.actor, ctx.branch
    parts = ctx.request.args.split()
    role = lookup(ROLE_WORDS, parts[-1]) if len(parts) >= 2 else None
    if role is None:
        ctx.reply(ctx.t(N_(
            "Write the name and the role, for example /grant 张三 组织委员. "
            "Roles: 书记, 副书记, 组织委员, 宣传委员, 党小组长."
        )))
        return
    name = " ".join(parts[:-1])
    member = await named(ctx, branch, name)
    if member is None:
        return
    if grant:
        changed = await member_store.grant_role(ctx.session, member, role)
    else:
        if role == Role.SECRETARY and await member_store.last_secretary(ctx.session, member):
            ctx.reply(ctx.t(N_("A branch needs a secretary: give the role to someone else first.")))
            return
        changed = await member_store.revoke_role(ctx.session, member, role)
    if changed:
        await access.log(ctx, actor, "role.grant" if grant else "role.revoke", target=member.name, role=role.value)
    roles = roles_text(ctx.t, member.role_set) or ctx.t(N_("no officer role"))
    ctx.reply(ctx.t(N_("{name}: {roles}.")).format(name=member.name, roles=roles))


@router.command("grant", menu=N_("give someone an officer role"), can=Can.MANAGE_ROLES, help=N_("give an officer role: /grant 张三 组织委员 (书记, 副书记, 组织委员, 宣传委员, 党小组长)"))
async def grant(ctx: Context) -> None:
    await _role_change(ctx, grant=True)


@router.command("revoke", can=Can.MANAGE_ROLES, help=N_("take an officer role away: /revoke 张三 组织委员"))
async def revoke(ctx: Context) -> None:
    await _role_change(ctx, grant=False)


@router.command("lang", menu=N_("choose your language"), help=N_("your language: /lang zh for 中文, /lang en for English"))
async def choose_language(ctx: Context) -> None:
    arg = ctx.request.args.strip()
    locale = ctx.env.catalogs.locale_for(arg) if arg else None
    if locale is None:
        ctx.reply(ctx.t(N_("Send /lang zh for 简体中文 or /lang en for English.")))
        return
    await update_store.set_locale(ctx.session, ctx.user_id, locale, ctx.now)
    ctx.reply(ctx.env.catalogs.gettext(locale)(N_("I will speak English with you.")))


@router.command("me", chats=PRIVATE, menu=N_("your own profile"), member=True, help=N_("your own profile"))
async def profile(ctx: Context) -> None:
    member, branch = ctx.actor, ctx.branch
    t = ctx.t
    lines = [
        t(N_("{name}, {branch}")).format(name=member.name, branch=branch.name),
        t(N_("Party status: {status}")).format(status=t(STATUS[member.status])),
    ]
    if member.party_group:
        lines.append(t(N_("Party group: {group}")).format(group=member.party_group))
    if member.role_set:
        lines.append(t(N_("Roles: {roles}")).format(roles=roles_text(t, member.role_set)))
    if member.mobile:
        lines.append(t(N_("Mobile Party member: may check in remotely where an activity allows it")))
    if member.phone:
        lines.append(t(N_("Phone: {phone}")).format(phone=member.phone))
    if member.joined_on:
        lines.append(t(N_("Joined the Party: {date}")).format(date=member.joined_on.isoformat()))
    ctx.reply("\n".join(lines))


HELP_HEAD = N_("What I can do:")
OFFICER_HEAD = N_("For officers (in a private chat with me):")
ROSTER_FILE_HELP = N_("send a CSV or Excel file — import or update the roster (columns 姓名, 政治面貌, 党小组, 党费类别)")
OFFICERS_GO_PRIVATE = N_("Officers: send /help to me in a private chat to see your commands.")


def help_lines(ctx: Context, routes, keep) -> list[str]:
    """One line per registered command that ``keep(route)`` admits, from its declared help text,
    with example dates relative to today: the list can never miss a command or show a past date."""
    tz = ctx.acting[1].timezone if ctx.acting else ctx.env.default_timezone
    values = examples(ctx.t, ctx.now, tz)
    lines, seen = [], set()
    for name, route in routes.items():
        if route.help is None or id(route) in seen or not keep(route):
            continue
        seen.add(id(route))  # a command registered under two names is listed once
        lines.append(f"/{name} — " + ctx.t(route.help).format(**values))
    return lines


def help_text(ctx: Context, member, in_group: bool) -> str:
    """/help for the asker: the member commands; an officer's own, only in private."""
    routes = ctx.commands
    public = help_lines(ctx, routes, lambda r: r.can is None and (member is None or r.handler is not setup))
    text = ctx.t(HELP_HEAD) + "\n" + "\n".join(public)
    if member is None or not member.role_set:
        return text
    if in_group:
        return text + "\n\n" + ctx.t(OFFICERS_GO_PRIVATE)
    own = help_lines(ctx, routes, lambda r: r.can is not None and access.may(member, r.can))
    if access.may(member, Can.MANAGE_ROSTER):
        own.insert(0, ctx.t(ROSTER_FILE_HELP))
    return text + "\n\n" + ctx.t(OFFICER_HEAD) + "\n" + "\n".join(own)


@router.command("help", menu=N_("what I can do"))
async def help_(ctx: Context) -> None:
    found = await access.me(ctx, quiet=True)
    if found:
        ctx.acting = found
    ctx.reply(help_text(ctx, found[0] if found else None, ctx.request.chat.is_group))


@router.command("start", chats=PRIVATE)
async def start(ctx: Context) -> None:
    found = await access.me(ctx, quiet=True)
    if found:
        ctx.reply(ctx.t(N_("Welcome back, {name}. /help shows what I can do.")).format(name=found[0].name))
    else:
        ctx.reply(ctx.t(N_(
            "Hello! I am the assistant of Party branches. If your branch uses me, open the personal "
            "invite link your secretary sent you, or send /join in the branch group."
        )))

