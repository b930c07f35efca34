"""Households (联系户): each member's own list, added by them or assigned by an officer.

A household's address and phone go only to its member and to the officers who keep the network
(Can.MANAGE_NETWORK), in private chat; anyone else asking about it is refused.
"""

from __future__ import annotations

from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.context import Context
from handlers.kit.i18n import N_, Gettext
from handlers.kit.router import PRIVATE, Router, int_arg
from handlers.network.forms import KIND_LABEL, Checked, household, split_fields
from handlers.roster import named
from storage.branches import BranchSettings
from storage.models import Household, Member
from storage.network import households as household_store
from storage.network import posts as post_store
from storage.roster import members as member_store
from storage.rules.names import normalize_name

router = Router()

USAGE_ADD = N_("Write: /household name | kind | address | phone, for example "
               "/household 王奶奶（空巢） | 空巢老人 | 幸福村3组 | 13800000000. The kind is 空巢老人, 留守儿童, 困难户 or 其他; "
               "address and phone may be left out.")
USAGE_ASSIGN = N_("Write: /assign_household member | name | kind | address | phone, for example "
                  "/assign_household 张三 | 王奶奶（空巢） | 空巢老人 | 幸福村3组 | 13800000000.")
USAGE_EDIT = N_("Write: /edit_household number | name | kind | address | phone, with the number /households shows, "
                "for example /edit_household 12 | 王奶奶（空巢） | 空巢老人 | 幸福村4组 | 13800000000.")
NOT_YOURS = N_("There is no household #{number} among yours. /households lists them with their numbers.")
DUPLICATE = N_("{name} already has a household called “{label}”. Give this one another name, such as 王奶奶（幸福村）.")


def line(t: Gettext, h: Household, last_visit=None) -> str:
    """One household with its personal data: only for its member and the officers."""
    parts = [f"#{h.id} {h.label}", t(KIND_LABEL[h.kind])]
    if h.address:
        parts.append(h.address)
    if h.phone:
        parts.append(h.phone)
    parts.append(t(N_("last visit {date}")).format(date=last_visit.isoformat()) if last_visit else t(N_("no visit yet")))
    return " · ".join(parts)


def problems_text(t: Gettext, checked: Checked) -> str:
    return "\n".join(p.render(t) for p in checked.problems)


async def listing(ctx: Context, member: Member, *, own: bool) -> str:
    t = ctx.t
    target = BranchSettings.of(ctx.branch).household_target
    found = await household_store.of_member(ctx.session, member.id)
    visits = await household_store.last_visits(ctx.session, [h.id for h in found])
    head = (t(N_("Your households (联系户): {count}, the branch asks for {target}.")) if own else
            t(N_("Households (联系户) of {name}: {count}, the branch asks for {target}."))).format(
        name=member.name, count=len(found), target=target)
    lines = [head] + [line(t, h, visits.get(h.id)) for h in found]
    if not found:
        lines.append(t(N_("None yet.")))
    lines.append(t(N_("/household adds one, /edit_household and /remove_household change them (with their number).")))
    return "\n".join(lines)


@router.command("households", chats=PRIVATE, member=True, menu=N_("the households you keep in touch with"),
                help=N_("your households (联系户), with their numbers; officers: /households 张三"))
async def show(ctx: Context) -> None:
    me, branch = ctx.actor, ctx.branch
    name = ctx.request.args.strip()
    if not name:
        ctx.reply(await listing(ctx, me, own=True))
        return
    if not access.may(me, Can.MANAGE_NETWORK):
        other = await member_store.by_name(ctx.session, branch.id, normalize_name(name))
        if other is None or other.id != me.id:
            await access.log(ctx, me, "refused", target=name[:50], reason="household_of_another", attempt="/households")
            ctx.reply(ctx.t(N_("You can see only your own households: send /households without a name.")))
            return
    member = await named(ctx, branch, name)
    if member is None:
        return
    if member.id != me.id:
        await access.log(ctx, me, "household.view", target=member.name)
    ctx.reply(await listing(ctx, member, own=member.id == me.id))


async def _added(ctx: Context, member: Member, checked: Checked) -> Household | None:
    assert checked.data is not None
    created = await household_store.add(ctx.session, member, checked.data, by=ctx.actor.id, now=ctx.now)
    if created is None:
        ctx.reply(ctx.t(DUPLICATE).format(name=member.name, label=checked.data.label))
    return created


def _count_line(t: Gettext, count: int, target: int) -> str:
    if count >= target:
        return t(N_("That makes {count}; the branch asks for {target}.")).format(count=count, target=target)
    return t(N_("That makes {count}; the branch asks for {target}, so {missing} more.")).format(
        count=count, target=target, missing=target - count)


@router.command("household", chats=PRIVATE, member=True,
                help=N_("add a household you keep in touch with: /household 王奶奶（空巢） | 空巢老人 | 幸福村3组 | 13800000000"))
async def add_own(ctx: Context) -> None:
    me = ctx.actor
    fields = split_fields(ctx.request.args)
    if not ctx.request.args.strip() or len(fields) > 4:
        ctx.reply(ctx.t(USAGE_ADD))
        return
    checked = household(*fields)
    if checked.data is None:
        ctx.reply(problems_text(ctx.t, checked) + "\n" + ctx.t(USAGE_ADD))
        return
    created = await _added(ctx, me, checked)
    if created is None:
        return
    await access.log(ctx, me, "household.add", target=str(created.id), member=me.name)
    count = len(await household_store.of_member(ctx.session, me.id))
    ctx.reply(ctx.t(N_("Added: {line}")).format(line=line(ctx.t, created)) + "\n"
              + _count_line(ctx.t, count, BranchSettings.of(ctx.branch).household_target))


@router.command("assign_household", chats=PRIVATE, can=Can.MANAGE_NETWORK,
                help=N_("link a member with a household: /assign_household 张三 | 王奶奶（空巢） | 空巢老人 | 幸福村3组 | 13800000000"))
async def assign(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    fields = split_fields(ctx.request.args)
    if len(fields) < 2 or len(fields) > 5 or not fields[0]:
        ctx.reply(ctx.t(USAGE_ASSIGN))
        return
    checked = household(*fields[1:])
    if checked.data is None:
        ctx.reply(problems_text(ctx.t, checked) + "\n" + ctx.t(USAGE_ASSIGN))
        return
    member = await named(ctx, branch, fields[0])
    if member is None:
        return
    created = await _added(ctx, member, checked)
    if created is None:
        return
    await access.log(ctx, officer, "household.assign", target=str(created.id), member=member.name)
    count = len(await household_store.of_member(ctx.session, member.id))
    ctx.reply(ctx.t(N_("{name} is now linked with: {line}")).format(name=member.name, line=line(ctx.t, created)) + "\n"
              + _count_line(ctx.t, count, BranchSettings.of(branch).household_target))
    if member.telegram_user_id is not None and member.telegram_user_id != ctx.user_id:
        t = await ctx.t_user(member.telegram_user_id, branch)
        ctx.send(member.telegram_user_id, t(N_("The branch has linked you with a household you keep in touch with (联系户): "
                                               "{line}\n/households lists yours.")).format(line=line(t, created)))


async def _household_for(ctx: Context, text: str) -> Household | None:
    """The household numbered ``text`` that the asker may change: their own, or any of the branch's for an
    officer. Anything else gets one sentence (it does not tell whether the household exists) and is audited."""
    me, branch = ctx.actor, ctx.branch
    number = int_arg(text)
    found = await household_store.get(ctx.session, number) if number is not None else None
    if found is not None and found.removed_at is None and found.branch_id == branch.id and (
            found.member_id == me.id or access.may(me, Can.MANAGE_NETWORK)):
        return found
    if found is not None:
        await access.log(ctx, me, "refused", target=str(found.id), reason="household_of_another",
                         attempt=access.attempted(ctx))
    ctx.reply(ctx.t(NOT_YOURS).format(number=(text or "?")[:12]))
    return None


@router.command("edit_household", chats=PRIVATE, member=True,
                help=N_("change a household: /edit_household 12 | 王奶奶（空巢） | 空巢老人 | 幸福村4组 | 13800000000"))
async def edit(ctx: Context) -> None:
    me = ctx.actor
    fields = split_fields(ctx.request.args)
    if len(fields) < 2 or len(fields) > 5:
        ctx.reply(ctx.t(USAGE_EDIT))
        return
    target = await _household_for(ctx, fields[0])
    if target is None:
        return
    checked = household(*fields[1:])
    if checked.data is None:
        ctx.reply(problems_text(ctx.t, checked) + "\n" + ctx.t(USAGE_EDIT))
        return
    member = await member_store.get(ctx.session, target.member_id)
    changed = await household_store.change(ctx.session, target, checked.data)
    if changed is None:
        ctx.reply(ctx.t(DUPLICATE).format(name=member.name, label=checked.data.label))
        return
    if not changed:
        ctx.reply(ctx.t(N_("Nothing was changed: #{number} already reads so.")).format(number=target.id))
        return
    await access.log(ctx, me, "household.edit", target=str(target.id), member=member.name)
    ctx.reply(ctx.t(N_("Saved: {line}")).format(line=line(ctx.t, target)))


@router.command("remove_household", chats=PRIVATE, member=True,
                help=N_("take a household off the list (reports of visits to it are kept): /remove_household 12"))
async def remove(ctx: Context) -> None:
    me = ctx.actor
    target = await _household_for(ctx, ctx.request.args.strip())
    if target is None:
        return
    household_store.remove(target, ctx.now)
    member = await member_store.get(ctx.session, target.member_id)
    await access.log(ctx, me, "household.remove", target=str(target.id), member=member.name)
    ctx.reply(ctx.t(N_("Removed #{number} {label} from the households of {name}. Reports of visits to it are kept.")).format(
        number=target.id, label=target.label, name=member.name))


@router.command("move_household", chats=PRIVATE, can=Can.MANAGE_NETWORK,
                help=N_("give a household to another member: /move_household 12 | 李四"))
async def move(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    fields = split_fields(ctx.request.args)
    if len(fields) != 2 or not fields[1]:
        ctx.reply(ctx.t(N_("Write: /move_household number | member, for example /move_household 12 | 李四.")))
        return
    target = await _household_for(ctx, fields[0])
    if target is None:
        return
    member = await named(ctx, branch, fields[1])
    if member is None:
        return
    if member.id == target.member_id:
        ctx.reply(ctx.t(N_("Nothing was changed: #{number} is already with {name}.")).format(number=target.id, name=member.name))
        return
    if not await household_store.move(ctx.session, target, member):
        ctx.reply(ctx.t(DUPLICATE).format(name=member.name, label=target.label))
        return
    await access.log(ctx, officer, "household.move", target=str(target.id), member=member.name)
    ctx.reply(ctx.t(N_("#{number} {label} is now with {name}.")).format(number=target.id, label=target.label, name=member.name))
    if member.telegram_user_id is not None and member.telegram_user_id != ctx.user_id:
        t = await ctx.t_user(member.telegram_user_id, branch)
        ctx.send(member.telegram_user_id, t(N_("The branch has linked you with a household you keep in touch with (联系户): "
                                               "{line}\n/households lists yours.")).format(line=line(t, target)))


@router.command("network", chats=PRIVATE, can=Can.MANAGE_NETWORK, menu=N_("households and posts per member"),
                help=N_("who has fewer households than the branch asks for, and who holds no post"))
async def overview(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    t = ctx.t
    target = BranchSettings.of(branch).household_target
    below, reached = await household_store.below_target(ctx.session, branch.id, target)
    lines = [t(N_("Service network of “{branch}”: each Party member should keep in touch with {target} households.")).format(
        branch=branch.name, target=target)]
    if below:
        lines.append(t(N_("Below the target ({count}):")).format(count=len(below)))
        lines.extend(t(N_("{name}: {count} of {target}")).format(name=x.member.name, count=x.households, target=target)
                     for x in below)
    else:
        lines.append(t(N_("Everyone has reached the target.")))
    lines.append(t(N_("At or above the target: {count}.")).format(count=len(reached)))
    idle = await post_store.without_post(ctx.session, branch.id)
    if idle:
        lines.append(t(N_("Without a post ({count}): {names}")).format(
            count=len(idle), names=t(N_(", ")).join(m.name for m in idle)))
    lines.append(t(N_("/assign_household links a member with a household, /give_post gives a post.")))
    await access.log(ctx, officer, "network.view", below=len(below))
    ctx.reply("\n".join(lines))
