"""/committee_notice: a committee officer's notice to every linked branch's secretary, or to every branch group.

Sent by the broadcasts feature (handlers.broadcasts.send_to_branches): the outbox and its
limits, and the same delivery report to the author once every copy is settled.
"""

from __future__ import annotations

from typing import Annotated

from handlers import broadcasts
from handlers.committee.common import acting, log
from handlers.kit import dialog
from handlers.kit.callbacks import Callback, Choice
from handlers.kit.context import Context
from handlers.kit.i18n import N_
from handlers.kit.labels import LIST_SEPARATOR
from handlers.kit.router import PRIVATE, Router, button
from storage import updates as update_store
from storage.broadcasts.notices import Audience
from storage.committee import committees as store

router = Router()

KIND = "cnotice"
MAX_TEXT = 3500


class NoticeTo(Callback, prefix="cmn"):
    to: Annotated[str, Choice("sec", "grp")]


class NoticeGo(Callback, prefix="cmg"):
    choice: Annotated[str, Choice("ok", "no")]


ASK = N_("Send me the text of the committee's notice. (/cancel stops.)")


@router.command("committee_notice", chats=PRIVATE, menu=N_("committee: a notice to every branch"),
                help=N_("committee officers: a notice to every linked branch's secretary, or to every branch group, "
                        "with a delivery report"))
async def start(ctx: Context) -> None:
    found = await acting(ctx)
    if found is None:
        return
    await dialog.begin(ctx, KIND, "content", {"committee": found[1].id})
    ctx.reply(ctx.t(ASK))


@router.text
async def content(ctx: Context) -> None:
    conv = await dialog.current(ctx, KIND)
    if conv is None or conv.step != "content":
        return
    text = (ctx.request.text or "").strip()
    if not text:
        ctx.reply(ctx.t(ASK))
        return
    if len(text) > MAX_TEXT:
        ctx.reply(ctx.t(N_("The notice is {length} characters long; please keep it under {limit}.")).format(
            length=len(text), limit=MAX_TEXT))
        return
    await dialog.advance(ctx, conv, "audience", text=text)
    t = ctx.t
    ctx.reply(t(N_("Who is it for?")), [[button(t(N_("Every branch secretary, privately")), NoticeTo("sec"))],
                                         [button(t(N_("Every branch group: one post each")), NoticeTo("grp"))]])


async def _officer(ctx: Context, conv):
    """The asker, still an officer of the committee the dialog began for (checked again at each step)."""
    found = await acting(ctx)
    if found is None or found[1].id != conv.data.get("committee"):
        if found is not None:
            ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        await dialog.end(ctx)
        return None
    return found


@router.callback(NoticeTo)
async def choose(ctx: Context, pressed: NoticeTo) -> None:
    conv = await dialog.pressed_at(ctx, KIND, "audience")
    if conv is None or (found := await _officer(ctx, conv)) is None:
        return
    _officer_row, committee = found
    audience = Audience.SECRETARIES if pressed.to == "sec" else Audience.BRANCH_GROUPS
    await dialog.advance(ctx, conv, "confirm", audience=audience.value)
    t = ctx.t
    lines = [t(N_("Preview:")), "", broadcasts.wide_text(t, conv.data["text"], ctx.request.user.full_name, committee.name), ""]
    branches = await store.linked_branches(ctx.session, committee.id)
    if audience == Audience.BRANCH_GROUPS:
        lines.append(t(N_("It goes to the groups of {count} branches, one post each.")).format(count=len(branches)))
    else:
        secretaries = await store.secretaries(ctx.session, committee.id)
        open_ = await update_store.private_chat_open(
            ctx.session, [m.telegram_user_id for m, _ in secretaries if m.telegram_user_id])
        lines.append(t(N_("It goes privately to the secretaries of {count} branches.")).format(
            count=len({b.id for _, b in secretaries})))
        cannot = [f"{m.name} ({b.name})" for m, b in secretaries if m.telegram_user_id not in open_]
        if cannot:
            lines.append(t(N_("{count} cannot be messaged privately (they have not started the bot): {names}")).format(
                count=len(cannot), names=t(LIST_SEPARATOR).join(cannot[:30]) + ("…" if len(cannot) > 30 else "")))
        without = len(branches) - len({b.id for _, b in secretaries})
        if without:
            lines.append(t(N_("{count} branches have no secretary on their roster.")).format(count=without))
    if not branches:
        lines.append(t(N_("No branch is linked yet, so nothing would be sent.")))
    ctx.reply("\n".join(lines), [[button(t(N_("Send")), NoticeGo("ok")), button(t(N_("Cancel")), NoticeGo("no"))]])


@router.callback(NoticeGo)
async def go(ctx: Context, pressed: NoticeGo) -> None:
    conv = await dialog.pressed_at(ctx, KIND, "confirm")
    if conv is None or (found := await _officer(ctx, conv)) is None:
        return
    _officer_row, committee = found
    await dialog.end(ctx)
    if pressed.choice == "no":
        dialog.stopped(ctx)
        return
    audience = Audience(conv.data["audience"])
    branches = await store.linked_branches(ctx.session, committee.id)
    secretaries = await store.secretaries(ctx.session, committee.id) if audience == Audience.SECRETARIES else []
    broadcast, copies = await broadcasts.send_to_branches(
        ctx, committee_id=committee.id, sender=committee.name, author_name=ctx.request.user.full_name,
        text=conv.data["text"], audience=audience, secretaries=secretaries, branches=branches)
    await log(ctx, committee, "committee.notice", notice=broadcast.id, audience=audience.value, copies=copies,
              branches=len(branches))
    ctx.reply(ctx.t(N_("Notice #{number} is on its way ({count} copies). I will report when every copy is delivered.")).format(
        number=broadcast.id, count=copies))
