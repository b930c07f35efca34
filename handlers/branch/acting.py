"""Which branch someone on several rosters (a mobile member, an officer of two branches) acts for.

In private chats ``access.me`` answers for the chosen branch; in a group the group's branch
always applies, so nothing here concerns groups.
"""

from __future__ import annotations

from typing import Annotated

from handlers.kit import access
from handlers.kit.callbacks import ID, Callback
from handlers.kit.context import Context
from handlers.kit.i18n import N_
from handlers.kit.router import PRIVATE, STALE_BUTTON, Router, button
from storage import updates as update_store
from storage.models import Branch, Member
from storage.roster import members as member_store

router = Router()


class ChooseBranch(Callback, prefix="br"):
    branch: Annotated[int, ID]


def _keyboard(found: list[tuple[Member, Branch]], current: Branch):
    return [[button(("✓ " if branch.id == current.id else "") + branch.name, ChooseBranch(branch.id))] for _, branch in found]


@router.command("branch", chats=PRIVATE, menu=N_("choose the branch you act for"), help=N_("which branch you act for, if you are on two rosters"))
async def choose_branch(ctx: Context) -> None:
    found = await member_store.memberships(ctx.session, ctx.user_id)
    if not found:
        ctx.reply(await access.not_on_roster(ctx, None))
        return
    current = await access.me(ctx, quiet=True)
    assert current is not None
    _, branch = current
    if len(found) == 1:
        ctx.reply(ctx.t(N_("You are on the roster of “{branch}” only; everything you do with me is for it.")).format(
            branch=branch.name))
        return
    ctx.reply(
        ctx.t(N_("You are on the rosters of {count} branches. In this chat you act for “{branch}”. Choose:")).format(
            count=len(found), branch=branch.name),
        _keyboard(found, branch),
    )


@router.callback(ChooseBranch)
async def branch_chosen(ctx: Context, pressed: ChooseBranch) -> None:
    branch_id = pressed.branch
    found = await member_store.memberships(ctx.session, ctx.user_id) if ctx.request.user else []
    # Only a branch whose roster the presser is really on, whatever the button says.
    chosen = next((pair for pair in found if pair[1].id == branch_id), None)
    if chosen is None or not ctx.request.chat.is_private:
        ctx.toast(ctx.t(STALE_BUTTON), alert=True)
        return
    member, branch = chosen
    await update_store.set_current_branch(ctx.session, ctx.user_id, branch.id, ctx.now)
    await access.log(ctx, member, "branch.choose", target=branch.name)
    text = ctx.t(N_("You now act for “{branch}” in this chat. /branch switches again.")).format(branch=branch.name)
    if ctx.request.message_id is not None:
        ctx.edit(ctx.request.message_id, text, _keyboard(found, branch))
    ctx.toast(text)
