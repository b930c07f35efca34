"""The branch's kinds of volunteer service: listed for members, added and retired by the secretary."""

from __future__ import annotations

from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.context import Context
from handlers.kit.i18n import N_
from handlers.kit.router import PRIVATE, Router
from storage.rules.names import normalize_name
from storage.service import categories

router = Router()


@router.command("categories", chats=PRIVATE, member=True,
                help=N_("the kinds of volunteer service your branch reports"))
async def list_categories(ctx: Context) -> None:
    found = await categories.ensure(ctx.session, ctx.branch.id, ctx.now)
    ctx.reply(ctx.t(N_("Kinds of volunteer service: {names}")).format(names="、".join(c.name for c in found)) + "\n"
              + ctx.t(N_("The secretary adds one with /addcategory 名称 and retires one with /retirecategory 名称.")))


def _name(ctx: Context) -> str | None:
    name = normalize_name(ctx.request.args)
    if not name or len(name) > categories.MAX_NAME:
        ctx.reply(ctx.t(N_("Write the name of the kind of service after the command, 1 to {limit} characters: "
                           "/addcategory 环境整治")).format(limit=categories.MAX_NAME))
        return None
    return name


@router.command("addcategory", chats=PRIVATE, can=Can.MANAGE_SERVICE,
                help=N_("add a kind of volunteer service: /addcategory 环境整治"))
async def add_category(ctx: Context) -> None:
    name = _name(ctx)
    if name is None:
        return
    outcome = await categories.add(ctx.session, ctx.branch.id, name, ctx.now)
    if outcome == categories.Added.EXISTS:
        ctx.reply(ctx.t(N_("“{name}” is already a kind of service.")).format(name=name))
        return
    await access.log(ctx, ctx.actor, "service.category_add", target=name, restored=outcome == categories.Added.RESTORED)
    ctx.reply(ctx.t(N_("Added “{name}”: members can choose it from now on.")).format(name=name))


@router.command("retirecategory", chats=PRIVATE, can=Can.MANAGE_SERVICE,
                help=N_("stop offering a kind of volunteer service (reports made with it keep it): /retirecategory 其他"))
async def retire_category(ctx: Context) -> None:
    name = _name(ctx)
    if name is None:
        return
    retired = await categories.retire(ctx.session, ctx.branch.id, name, ctx.now)
    if retired is None:
        names = "、".join(c.name for c in await categories.active(ctx.session, ctx.branch.id))
        ctx.reply(ctx.t(N_("There is no kind of service “{name}” in use. In use: {names}.")).format(name=name, names=names))
        return
    await access.log(ctx, ctx.actor, "service.category_retire", target=retired.name)
    ctx.reply(ctx.t(N_("Retired “{name}”: it is no longer offered; reports made with it keep it.")).format(name=retired.name))
