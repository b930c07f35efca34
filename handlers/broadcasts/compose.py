"""Notices from officers: compose, choose the audience, preview, send, and the "收到" ledger."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from handlers.broadcasts import wide
from handlers.kit import access, dialog
from handlers.kit.access import Can
from handlers.kit.api import Action, Keyboard, Queued
from handlers.kit.callbacks import ID, AnyOf, Callback, Choice, Flag, Int, Tagged
from handlers.kit.context import Context, Env, Outgoing, queue_message, readers_gettext, user_locale
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import LIST_SEPARATOR, local_time
from handlers.kit.router import PRIVATE, Router, button, int_arg
from storage import branches as branch_store
from storage import outbox
from storage import updates as update_store
from storage.activities import activities as activity_store
from storage.branches import BranchSettings
from storage.broadcasts import notices as store
from storage.broadcasts.notices import AckOutcome, Audience
from storage.models import Branch, Broadcast, Member
from storage.outbox import Status
from storage.roster import members as member_store
from storage.rules import attendance as attendance_rules

router = Router()


class GotIt(Callback, prefix="ack"):
    broadcast: Annotated[int, ID]


class NoticeAudience(Callback, prefix="ba"):
    # the group, members privately, or p<party group index>, c<activity id>, a<notice id>
    pick: Annotated[str | tuple[str, int], AnyOf(Choice("g", "m"), Tagged("pca", Int(0, ID.high)))]


class NoticeAck(Callback, prefix="bk"):
    ack: Annotated[bool, Flag()]


class NoticeSend(Callback, prefix="bs"):
    choice: Annotated[str, Choice("ok", "no")]


class Nudge(Callback, prefix="bn"):
    broadcast: Annotated[int, ID]


GOT_IT = N_("Got it (收到)")
MAX_TEXT = 3500  # leaves room for the header and the signature within one message


def notice_text(t: Gettext, broadcast: Broadcast, author: str, branch: Branch) -> str:
    return t(N_("【Notice】")) + "\n" + broadcast.text + "\n\n" + t(N_("— {author}, {branch}")).format(
        author=author, branch=branch.name)


def ack_buttons(t: Gettext, broadcast: Broadcast) -> Keyboard | None:
    return [[button(t(GOT_IT), GotIt(broadcast.id))]] if broadcast.require_ack else None


# --- composing -------------------------------------------------------------------------------


@router.command("broadcast", chats=PRIVATE, menu=N_("send a notice to the branch"), can=Can.BROADCAST, help=N_("send a notice (text, photo or document): you choose who gets it and whether 收到 is asked, then see a preview"))
async def start(ctx: Context) -> None:
    await dialog.begin(ctx, "broadcast", "content", {})
    ctx.reply(ctx.t(N_("Send me the notice: a text, or a photo or document with a caption. (/cancel stops.)")))


async def _content(ctx: Context) -> None:
    conv = await dialog.current(ctx, "broadcast")
    if conv is None or conv.step != "content":
        return
    found = await access.officer(ctx, Can.BROADCAST)
    if found is None:
        await dialog.end(ctx)
        return
    _author, branch = found
    req = ctx.request
    text = (req.text or "").strip()
    if not text and req.photo is None and req.document is None:
        ctx.reply(ctx.t(N_("Send me the notice: a text, or a photo or document with a caption. (/cancel stops.)")))
        return
    limit = 1000 if (req.photo or req.document) else MAX_TEXT
    if len(text) > limit:
        ctx.reply(ctx.t(N_("The notice is {length} characters long; please keep it under {limit}.")).format(
            length=len(text), limit=limit))
        return
    groups = sorted({m.party_group for m in await member_store.roster(ctx.session, branch.id) if m.party_group})
    opened = [a for a in await activity_store.recent(ctx.session, branch.id, 5) if a.checkin_opens_at <= ctx.now]
    earlier = await store.latest_with_ack(ctx.session, branch.id)
    await dialog.advance(
        ctx, conv, "audience", text=text,
        photo=req.photo.file_id if req.photo else None,
        document=req.document.file_id if req.document else None,
        groups=groups,
        activity=opened[0].id if opened else None,
        activity_title=opened[0].title if opened else None,
        earlier=earlier.id if earlier else None,
    )
    t = ctx.t
    rows = [[button(t(N_("The group: one post")), NoticeAudience("g"))],
            [button(t(N_("Everyone, privately")), NoticeAudience("m"))]]
    rows += [[button(t(N_("Party group {group}")).format(group=g), NoticeAudience(("p", i)))] for i, g in enumerate(groups)]
    if opened:
        rows.append([button(t(N_("Not checked in to #{number} {title}")).format(
            number=opened[0].id, title=opened[0].title[:20]), NoticeAudience(("c", opened[0].id)))])
    if earlier:
        rows.append([button(t(N_("Not yet 收到 for notice #{number}")).format(number=earlier.id), NoticeAudience(("a", earlier.id)))])
    ctx.reply(t(N_("Who is it for?")), rows)


router.text(_content)
router.document(_content, dialog="broadcast")


def _audience_choice(conv_data: dict, code: str | tuple[str, int]) -> tuple[Audience, str | None] | None:
    if code == "g":
        return Audience.GROUP, None
    if code == "m":
        return Audience.MEMBERS, None
    kind, number = code
    if kind == "p" and number < len(conv_data.get("groups", [])):
        return Audience.PARTY_GROUP, conv_data["groups"][number]
    if kind == "c" and number == conv_data.get("activity"):
        return Audience.NOT_CHECKED_IN, str(number)
    if kind == "a" and number == conv_data.get("earlier"):
        return Audience.NOT_ACKED, str(number)
    return None


@router.callback(NoticeAudience, can=Can.BROADCAST)
async def choose_audience(ctx: Context, pressed: NoticeAudience) -> None:
    conv = await dialog.pressed_at(ctx, "broadcast", "audience")
    if conv is None:
        return
    choice = _audience_choice(conv.data, pressed.pick)
    if choice is None:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    if not _in_scope(ctx, ctx.actor, *choice):
        return
    await dialog.advance(ctx, conv, "ack", audience=choice[0].value, audience_arg=choice[1])
    t = ctx.t
    ctx.reply(t(N_("Should members confirm with “收到”?")),
              [[button(t(N_("Yes, ask for 收到")), NoticeAck(True)), button(t(N_("No")), NoticeAck(False))]])


def _in_scope(ctx: Context, author: Member, audience: Audience, arg: str | None) -> bool:
    """A 党小组长 sends notices only to their own party group; says so when the choice is outside it."""
    scope = attendance_rules.party_group_scope(author.role_set, author.party_group)
    if scope is None or (audience == Audience.PARTY_GROUP and arg == scope):
        return True
    ctx.answer(ctx.t(N_("As a Party group leader you can send notices only to your own group ({group}).")).format(
        group=scope or "-"), alert=True)
    return False


@router.callback(NoticeAck, can=Can.BROADCAST)
async def choose_ack(ctx: Context, pressed: NoticeAck) -> None:
    conv = await dialog.pressed_at(ctx, "broadcast", "ack")
    if conv is None:
        return
    author, branch = ctx.actor, ctx.branch
    await dialog.advance(ctx, conv, "confirm", ack=pressed.ack)
    people = await store.audience(ctx.session, branch.id, Audience(conv.data["audience"]), conv.data["audience_arg"])
    reachable, unreachable = await _split_reachable(ctx, people)
    t = ctx.t
    draft = Broadcast(text=conv.data["text"], require_ack=conv.data["ack"], id=0)
    lines = [t(N_("Preview:")), "", notice_text(t, draft, author.name, branch), ""]
    if conv.data["audience"] == Audience.GROUP:
        lines.append(t(N_("It goes to the group as one post; {count} members can confirm.")).format(count=len(people)))
    else:
        lines.append(t(N_("It goes privately to {count} people.")).format(count=len(reachable)))
        if unreachable:
            lines.append(t(N_("{count} cannot be messaged privately (they have not started the bot): {names}. "
                              "The group will be asked to start the bot.")).format(
                count=len(unreachable), names=t(LIST_SEPARATOR).join(m.name for m in unreachable)))
    if not people:
        lines.append(t(N_("Nobody is in this audience, so nothing would be sent.")))
    ctx.reply("\n".join(lines), [[button(t(N_("Send")), NoticeSend("ok")), button(t(N_("Cancel")), NoticeSend("no"))]])


async def _split_reachable(ctx: Context, people: list[Member]) -> tuple[list[Member], list[Member]]:
    bound = [m.telegram_user_id for m in people if m.telegram_user_id]
    open_ = await update_store.private_chat_open(ctx.session, bound)
    reachable = [m for m in people if m.telegram_user_id in open_]
    return reachable, [m for m in people if m.telegram_user_id not in open_]


@router.callback(NoticeSend, can=Can.BROADCAST)
async def send(ctx: Context, pressed: NoticeSend) -> None:
    conv = await dialog.pressed_at(ctx, "broadcast", "confirm")
    if conv is None:
        return
    choice, author, branch = pressed.choice, ctx.actor, ctx.branch
    await dialog.end(ctx)
    if choice == "no":
        dialog.stopped(ctx)
        return
    data = conv.data
    if not _in_scope(ctx, author, Audience(data["audience"]), data.get("audience_arg")):
        return
    broadcast = await store.create(
        ctx.session, branch_id=branch.id, author_id=author.id, text=data["text"], photo=data.get("photo"),
        document=data.get("document"), audience=data["audience"], audience_arg=data.get("audience_arg"),
        require_ack=bool(data["ack"]), now=ctx.now,
    )
    people = await store.audience(ctx.session, branch.id, Audience(broadcast.audience), broadcast.audience_arg)
    reachable, unreachable = await _split_reachable(ctx, people)
    purpose = store.purpose_of(broadcast.id)
    gt = ctx.t_branch(branch)  # the group's post and hint speak the branch's language
    reachable_ids = {m.id for m in reachable}
    copies: list[Outgoing] = []
    if broadcast.audience == Audience.GROUP:
        copies.append(Outgoing(f"{purpose}:group", branch.chat_id, notice_text(gt, broadcast, author.name, branch),
                               ack_buttons(gt, broadcast), broadcast.photo, broadcast.document))
    readers = await readers_gettext(ctx.session, ctx.env.catalogs, [m.telegram_user_id for m in reachable], branch.locale)
    for member in people:
        chat = member.telegram_user_id if member.id in reachable_ids else None
        key = None
        if chat is not None and broadcast.audience != Audience.GROUP:
            key = f"{purpose}:{chat}"
            rt = readers[chat]  # a private copy speaks its reader's language
            copies.append(Outgoing(key, chat, notice_text(rt, broadcast, author.name, branch), ack_buttons(rt, broadcast),
                                   broadcast.photo, broadcast.document))
        store.add_delivery(ctx.session, broadcast, member, chat, key)
    await ctx.enqueue_many(purpose, copies)
    if unreachable and broadcast.audience != Audience.GROUP:
        hint = gt(N_("There is a new notice from the branch. {names}: please open a private chat with @{bot} and "
                     "press Start, so that notices reach you.")).format(
            names=gt(LIST_SEPARATOR).join(m.name for m in unreachable), bot=ctx.env.bot_username)
        await ctx.enqueue(f"{purpose}:hint", branch.chat_id, hint, purpose=purpose)
    await access.log(ctx, author, "broadcast.send", target=f"#{broadcast.id}", audience=broadcast.audience,
                     recipients=len(people), require_ack=broadcast.require_ack)
    ctx.reply(ctx.t(N_("Notice #{number} is on its way. I will report when every copy is delivered; "
                       "/acks {number} shows who has confirmed.")).format(number=broadcast.id))


# --- 收到 ------------------------------------------------------------------------------------


@router.callback(GotIt)
async def acknowledge(ctx: Context, pressed: GotIt) -> None:
    broadcast = await store.get(ctx.session, pressed.broadcast)
    if broadcast is None:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    member = await member_store.by_user(ctx.session, broadcast.branch_id, ctx.user_id)
    outcome = await store.acknowledge(ctx.session, broadcast.id, member.id, ctx.now) if member else AckOutcome.NOT_ADDRESSED
    ctx.toast(ctx.t({
        AckOutcome.RECORDED: N_("Thank you, noted as received."),
        AckOutcome.ALREADY: N_("You have already confirmed this notice."),
        AckOutcome.NOT_ADDRESSED: N_("This notice was not addressed to you; nothing to confirm."),
    }[outcome]))


async def _own_broadcast(ctx: Context, number: str) -> tuple[Member, Branch, Broadcast] | None:
    officer, branch = ctx.actor, ctx.branch
    if number:
        broadcast = await store.get(ctx.session, int_arg(number) or 0)
    else:
        broadcast = await store.latest(ctx.session, branch.id)
    if broadcast is None or broadcast.branch_id != branch.id:
        ctx.answer(ctx.t(N_("There is no notice number {number} in your branch.")).format(number=number[:20] or "-"))
        return None
    return officer, branch, broadcast


@router.command("acks", chats=PRIVATE, menu=N_("who has confirmed a notice"), can=Can.BROADCAST, help=N_("who tapped 收到 on a notice, with a button to remind the others: /acks 3"))
async def acks(ctx: Context) -> None:
    found = await _own_broadcast(ctx, ctx.request.args.strip())
    if found is None:
        return
    _officer, branch, broadcast = found
    lines = await store.ledger(ctx.session, broadcast.id)
    t = ctx.t
    sep = t(LIST_SEPARATOR)
    confirmed = [line for line in lines if line.delivery.acked_at]
    waiting = [line for line in lines if not line.delivery.acked_at]
    text = [t(N_("Notice #{number} of {date}: {confirmed}/{total} confirmed.")).format(
        number=broadcast.id, date=local_time(broadcast.created_at, branch.timezone),
        confirmed=len(confirmed), total=len(lines))]
    if not broadcast.require_ack:
        text = [t(N_("Notice #{number} did not ask for 收到.")).format(number=broadcast.id)]
    if confirmed:
        text.append(t(N_("Confirmed: {names}")).format(names=sep.join(line.member.name for line in confirmed)))
    if waiting and broadcast.require_ack:
        text.append(t(N_("Not yet: {names}")).format(names=sep.join(line.member.name for line in waiting)))
    cannot = [line.member.name for line in lines if line.delivery.chat_id is None]
    if cannot:
        text.append(t(N_("Cannot be messaged privately: {names}")).format(names=sep.join(cannot)))
    nudgeable = [line for line in waiting if line.delivery.chat_id is not None]
    buttons = [[button(t(N_("Remind the {count} who have not confirmed")).format(count=len(nudgeable)), Nudge(broadcast.id))]] \
        if broadcast.require_ack and nudgeable else None
    ctx.reply("\n".join(text), buttons)


async def _nudge(session, catalogs, branch: Branch, broadcast: Broadcast, deliveries, now) -> int:
    """Queue one reminder to each of ``deliveries`` that still needs one, in its reader's language; how many."""
    count = 0
    readers = await readers_gettext(session, catalogs, [d.chat_id for d in deliveries], branch.locale)
    for delivery in deliveries:
        number = await store.note_nudge(session, delivery, now)
        if number is None:
            continue
        t = readers[delivery.chat_id]
        text = t(N_("Reminder: please read and confirm this notice.")) + "\n\n" + broadcast.text[:500]
        await queue_message(session, now, f"nudge:{broadcast.id}:{delivery.id}:{number}", delivery.chat_id, text,
                            ack_buttons(t, broadcast), purpose=f"nudge:{broadcast.id}")
        count += 1
    return count


@router.callback(Nudge, can=Can.BROADCAST)
async def nudge_now(ctx: Context, pressed: Nudge) -> None:
    found = await _own_broadcast(ctx, str(pressed.broadcast))
    if found is None:
        return
    officer, branch, broadcast = found
    # The same budget as the automatic reminders: at most nudge_max each, and one per window, so
    # repeated taps (by one officer or several) do not pile reminders on anyone.
    settings = BranchSettings.of(branch)
    window = timedelta(hours=settings.nudge_after_hours or 24)
    waiting = await store.nudgeable(ctx.session, broadcast.id, ctx.now, window, settings.nudge_max)
    count = await _nudge(ctx.session, ctx.env.catalogs, branch, broadcast, waiting, ctx.now)
    if count:
        ctx.actions.append(Queued())
    await access.log(ctx, officer, "broadcast.nudge", target=f"#{broadcast.id}", count=count)
    if not count:
        ctx.toast(ctx.t(N_("Nobody to remind now: everyone waiting was reminded in the last {hours} hours "
                           "or has had {most} reminders already.")).format(
            hours=int(window.total_seconds() // 3600), most=settings.nudge_max), alert=True)
        return
    ctx.toast(ctx.t(N_("Reminded {count} people.")).format(count=count), alert=True)


# --- upkeep: automatic reminders and the delivery report ---------------------------------------


async def upkeep(env: Env) -> list[Action]:
    """Remind who has not confirmed (per branch settings) and report finished broadcasts to their authors."""
    now = env.clock()
    queued = 0
    async with env.db.session() as session:
        for branch in await branch_store.all_branches(session):
            settings = BranchSettings.of(branch)
            if not (settings.nudge_after_hours and settings.nudge_max):
                continue
            due = await store.due_nudges(session, now, timedelta(hours=settings.nudge_after_hours),
                                         settings.nudge_max, branch.id)
            by_broadcast: dict[int, tuple[Broadcast, list]] = {}
            for broadcast, delivery in due:
                by_broadcast.setdefault(broadcast.id, (broadcast, []))[1].append(delivery)
            for broadcast, deliveries in by_broadcast.values():
                queued += await _nudge(session, env.catalogs, branch, broadcast, deliveries, now)
        for broadcast in await store.finished_unreported(session):
            if not await store.claim_report(session, broadcast, now):
                continue
            if broadcast.committee_id is not None:  # a committee's notice to its branches
                found = await wide.report_for_author(session, env.catalogs, broadcast)
                if found is not None:
                    queued += await queue_message(session, now, f"report:{broadcast.id}", found[0], found[1],
                                                  purpose=f"report:{broadcast.id}")
                continue
            author = await session.get(Member, broadcast.author_id)
            branch = await session.get(Branch, broadcast.branch_id)
            if author is None or author.telegram_user_id is None:
                continue
            t = env.catalogs.gettext(await user_locale(session, env.catalogs, author.telegram_user_id, branch.locale))
            text = await report(session, t, broadcast)
            queued += await queue_message(session, now, f"report:{broadcast.id}", author.telegram_user_id, text,
                                          purpose=f"report:{broadcast.id}")
    return [Queued()] if queued else []


async def report(session, t: Gettext, broadcast: Broadcast) -> str:
    lines = await store.ledger(session, broadcast.id)
    rows = {row.key: row for row in await outbox.rows_for(session, store.purpose_of(broadcast.id))}
    sep = t(LIST_SEPARATOR)
    acked = sum(1 for line in lines if line.delivery.acked_at)
    text = [t(N_("Notice #{number} is delivered.")).format(number=broadcast.id)]
    if broadcast.audience == Audience.GROUP:
        group = rows.get(f"{store.purpose_of(broadcast.id)}:group")
        text.append(t(N_("Posted in the group.")) if group and group.status == Status.SENT
                    else t(N_("The group post failed: {reason}")).format(reason=group.last_error if group else "-"))
    else:
        delivered = [line for line in lines if line.status == Status.SENT]
        text.append(t(N_("Delivered privately: {count}.")).format(count=len(delivered)))
        blocked = [line.member.name for line in lines if line.status == Status.UNREACHABLE]
        if blocked:
            text.append(t(N_("Blocked the bot or cannot be reached: {names}")).format(names=sep.join(blocked)))
        failed = [f"{line.member.name} ({rows[line.delivery.outbox_key].last_error})"
                  for line in lines if line.status == Status.FAILED]
        if failed:
            text.append(t(N_("Failed: {names}")).format(names=sep.join(failed)))
        never = [line.member.name for line in lines if line.delivery.chat_id is None]
        if never:
            text.append(t(N_("Could not be sent privately (never started the bot): {names}")).format(names=sep.join(never)))
    if broadcast.require_ack:
        text.append(t(N_("Confirmed so far: {acked}/{total}. /acks {number} shows who.")).format(
            acked=acked, total=len(lines), number=broadcast.id))
    doubtful = sum(1 for row in rows.values() if row.possibly_duplicate and row.status == Status.SENT)
    if doubtful:
        text.append(t(N_("{count} copies may have arrived twice (the connection broke while sending).")).format(count=doubtful))
    return "\n".join(text)
