"""Who acts for a committee: its officers, checked on every action, refusals audited."""

from __future__ import annotations

from handlers.kit import access
from handlers.kit.context import Context
from handlers.kit.i18n import N_
from storage import audit
from storage.committee import committees as store
from storage.committee.committees import OfficerRole
from storage.models import Committee, CommitteeOfficer

NOT_AN_OFFICER = N_("Only officers of a committee (党委/党总支) can do this. To set one up, send /committee <name>.")
NOT_ITS_OFFICER = N_("You are not an officer of this committee.")
SECRETARY_ONLY = N_("Only the committee's secretary can do this.")


async def acting(ctx: Context, *, secretary: bool = False) -> tuple[CommitteeOfficer, Committee] | None:
    """The committee the asker acts for (the one they chose last), or None with a refusal, audited."""
    found = await store.roles_of(ctx.session, ctx.user_id) if ctx.request.user else []
    if not found:
        ctx.answer(ctx.t(NOT_AN_OFFICER), alert=True)
        await access.refused(ctx, "not_committee_officer")
        return None
    officer, committee = found[0]
    if secretary and officer.role != OfficerRole.SECRETARY:
        ctx.answer(ctx.t(SECRETARY_ONLY), alert=True)
        await access.refused(ctx, "not_committee_secretary", target=f"committee:{committee.id}")
        return None
    return officer, committee


async def officer_of(ctx: Context, committee_id: int, *, secretary: bool = False) -> tuple[CommitteeOfficer, Committee] | None:
    """The asker as an officer of this committee (a button names it), or None with a refusal, audited."""
    committee = await store.get(ctx.session, committee_id)
    officer = await store.officer(ctx.session, committee_id, ctx.user_id) if committee else None
    if officer is None or committee is None:
        ctx.answer(ctx.t(NOT_ITS_OFFICER), alert=True)
        await access.refused(ctx, "not_committee_officer", target=f"committee:{committee_id}")
        return None
    if secretary and officer.role != OfficerRole.SECRETARY:
        ctx.answer(ctx.t(SECRETARY_ONLY), alert=True)
        await access.refused(ctx, "not_committee_secretary", target=f"committee:{committee_id}")
        return None
    return officer, committee


async def log(ctx: Context, committee: Committee, action: str, *, branch_id: int | None = None, **details) -> None:
    """Audit what an officer did for the committee (``branch_id``: the branch it concerned)."""
    await audit.record(ctx.session, action=action, at=ctx.now, branch_id=branch_id, actor_user_id=ctx.user_id,
                       target=f"committee:{committee.id}", **details)


async def tell_officers(ctx: Context, committee: Committee, render, buttons_for=None) -> None:
    """A private message to every officer of the committee, each in their own language."""
    for officer in await store.officers(ctx.session, committee.id):
        t = await ctx.t_user(officer.telegram_user_id)
        ctx.send(officer.telegram_user_id, render(t), buttons_for(t) if buttons_for else None)
