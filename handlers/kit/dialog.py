"""Multi-step dialogs keep their step in the database, so a restart loses nothing."""

from __future__ import annotations

from typing import Any

from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.context import Context
from handlers.kit.i18n import N_
from handlers.kit.router import PRIVATE, Router
from storage import updates as update_store
from storage.models import Branch, Conversation, Member

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
OUT_OF_BOUNDS = N_("Please keep it between 1 and {limit} characters; yours has {length}. Try again, or send /cancel.")


async def officer_answer(ctx: Context, kind: str, can: Can, *, limit: int | None = None
                         ) -> tuple[Conversation, Member, Branch, str] | None:
    """(dialog, officer, branch, text) when an officer answers their open dialog of ``kind`` in words,
    the white space of the text folded; else None.

    None as well when the asker may no longer ``can`` (they are told, and the dialog ends), and, with a
    ``limit``, when the text is empty or longer than that (they are asked again; the dialog waits).
    """
    conv = await current(ctx, kind)
    if conv is None or ctx.request.text is None:
        return None
    found = await access.officer(ctx, can)
    if found is None:  # no longer an officer
        await end(ctx)
        return None
    officer, branch = found
    text = " ".join(ctx.request.text.split())
    if limit is not None and not 0 < len(text) <= limit:
        ctx.reply(ctx.t(OUT_OF_BOUNDS).format(limit=limit, length=len(text)))
        return None
    return conv, officer, branch, text


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
