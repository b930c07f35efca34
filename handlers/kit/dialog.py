"""Multi-step dialogs keep their step in the database, so a restart loses nothing."""

from __future__ import annotations

from typing import Any

from handlers.kit.context import Context
from handlers.kit.i18n import N_
from handlers.kit.router import PRIVATE, Router
from storage import updates as update_store
from storage.models import Conversation

router = Router()


async def begin(ctx: Context, kind: str, step: str, data: dict[str, Any]) -> None:
    await update_store.start_conversation(ctx.session, ctx.user_id, kind, step, data, ctx.now)


async def current(ctx: Context, kind: str) -> Conversation | None:
    if ctx.request.user is None or not ctx.request.chat.is_private:
        return None
    conv = await update_store.get_conversation(ctx.session, ctx.user_id)
    return conv if conv is not None and conv.kind == kind else None


async def current_of(ctx: Context, kind: str) -> Conversation | None:
    """The asker's open dialog of ``kind``, wherever they are now (a button pressed in the group)."""
    if ctx.request.user is None:
        return None
    conv = await update_store.get_conversation(ctx.session, ctx.user_id)
    return conv if conv is not None and conv.kind == kind else None


async def advance(ctx: Context, conv: Conversation, step: str, **data: Any) -> None:
    update_store.advance_conversation(conv, step, data, ctx.now)


async def end(ctx: Context) -> None:
    await update_store.end_conversation(ctx.session, ctx.user_id)


STOPPED = N_("Stopped. Nothing was saved.")


def stopped(ctx: Context) -> None:
    """Say that a dialog ended without saving: as a toast for its button and as a message."""
    ctx.toast(ctx.t(STOPPED))
    ctx.reply(ctx.t(STOPPED))


@router.command("cancel", chats=PRIVATE, menu=N_("stop what we are doing"), help=N_("stop a question-and-answer dialog; nothing is saved"))
async def cancel(ctx: Context) -> None:
    conv = await update_store.get_conversation(ctx.session, ctx.user_id)
    await end(ctx)
    ctx.reply(ctx.t(STOPPED if conv else N_("There is nothing to stop.")))


async def pressed_at(ctx: Context, kind: str, step: str) -> Conversation | None:
    """The dialog a button belongs to, or None (and a toast) when it is stale.

    A button is good only while its dialog waits at ``step``; what it carries has already been
    decoded and checked by the callback codec.
    """
    conv = await current(ctx, kind)
    if conv is None or conv.step != step:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return None
    return conv
