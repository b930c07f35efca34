"""Notices to many branches at once (a committee's): to each branch secretary privately, or to each branch group.

The same machinery as a branch's notice: one ``Broadcast`` row, a ``Delivery`` per secretary,
outbox rows under the broadcast's purpose (so the outbox's limits apply: one message a second
per chat, 20 a minute per group, about 30 a second in all) and the same delivery report to
the author once every copy is settled (``compose.upkeep``).
"""

from __future__ import annotations

from handlers.kit.context import Context, Outgoing, readers_gettext, user_locale
from handlers.kit.i18n import N_, Catalogs, Gettext
from handlers.kit.labels import LIST_SEPARATOR
from storage import outbox
from storage import updates as update_store
from storage.broadcasts import notices as store
from storage.broadcasts.notices import Audience
from storage.models import Branch, Broadcast, Member
from storage.outbox import Status


def wide_text(t: Gettext, text: str, author: str, sender: str) -> str:
    return t(N_("【Notice】")) + "\n" + text + "\n\n" + t(N_("— {author}, {branch}")).format(author=author, branch=sender)


async def reachable(ctx: Context, people: list[Member]) -> set[int]:
    """The Telegram ids among ``people`` that have opened a private chat with the bot."""
    return set(await update_store.private_chat_open(ctx.session, [m.telegram_user_id for m in people
                                                                 if m.telegram_user_id]))


async def send_to_branches(
    ctx: Context,
    *,
    committee_id: int,
    sender: str,
    author_name: str,
    text: str,
    audience: Audience,
    secretaries: list[tuple[Member, Branch]],
    branches: list[Branch],
) -> tuple[Broadcast, int]:
    """Queue a committee's notice; the broadcast and how many copies were queued."""
    broadcast = await store.create_for_committee(ctx.session, committee_id=committee_id, author_user_id=ctx.user_id,
                                                 text=text, audience=audience, now=ctx.now)
    purpose = store.purpose_of(broadcast.id)
    copies: list[Outgoing] = []
    if audience == Audience.BRANCH_GROUPS:
        for branch in branches:
            copies.append(Outgoing(store.group_key(broadcast.id, branch.id), branch.chat_id,
                                   wide_text(ctx.t_branch(branch), text, author_name, sender)))
    else:
        open_ = await reachable(ctx, [m for m, _ in secretaries])
        readers = await readers_gettext(ctx.session, ctx.env.catalogs, list(open_), ctx.env.catalogs.default_locale)
        queued: set[int] = set()
        for member, _branch in secretaries:
            chat = member.telegram_user_id if member.telegram_user_id in open_ else None
            key = f"{purpose}:{chat}" if chat is not None else None
            if chat is not None and chat not in queued:  # a secretary of two branches gets one copy
                queued.add(chat)
                copies.append(Outgoing(key, chat, wide_text(readers[chat], text, author_name, sender)))
            store.add_delivery(ctx.session, broadcast, member, chat, key)
    await ctx.enqueue_many(purpose, copies)
    return broadcast, len(copies)


async def report_for_author(session, catalogs: Catalogs, broadcast: Broadcast) -> tuple[int, str] | None:
    """(chat, text) of the delivery report of a committee's notice, in its author's language."""
    if broadcast.author_user_id is None:
        return None
    t = catalogs.gettext(await user_locale(session, catalogs, broadcast.author_user_id, catalogs.default_locale))
    return broadcast.author_user_id, await report(session, t, broadcast)


async def report(session, t: Gettext, broadcast: Broadcast) -> str:
    """What became of each copy: as a branch notice's report says it, with the branch of each name."""
    rows = {row.key: row for row in await outbox.rows_for(session, store.purpose_of(broadcast.id))}
    sep = t(LIST_SEPARATOR)
    text = [t(N_("Notice #{number} is delivered.")).format(number=broadcast.id)]
    if broadcast.audience == Audience.BRANCH_GROUPS:
        prefix = f"{store.purpose_of(broadcast.id)}:group:"
        posts = {int(key[len(prefix):]): row for key, row in rows.items() if key.startswith(prefix)}
        names = await store.branches_by_id(session, list(posts))
        posted = [b for b, row in posts.items() if row.status == Status.SENT]
        text.append(t(N_("Posted in {posted} of {total} branch groups.")).format(posted=len(posted), total=len(posts)))
        failed = [f"{names[b].name} ({row.last_error or row.status})" for b, row in sorted(posts.items())
                  if row.status != Status.SENT]
        if failed:
            text.append(t(N_("Not posted: {names}")).format(names=sep.join(failed)))
        return "\n".join(text)
    lines = await store.ledger(session, broadcast.id)
    names = await store.branches_by_id(session, sorted({line.member.branch_id for line in lines}))

    def who(line) -> str:
        return f"{line.member.name} ({names[line.member.branch_id].name})"

    delivered = [line for line in lines if line.status == Status.SENT]
    text.append(t(N_("Delivered privately: {count}.")).format(count=len(delivered)))
    blocked = [who(line) for line in lines if line.status == Status.UNREACHABLE]
    if blocked:
        text.append(t(N_("Blocked the bot or cannot be reached: {names}")).format(names=sep.join(blocked)))
    failed = [f"{who(line)}: {rows[line.delivery.outbox_key].last_error}" for line in lines if line.status == Status.FAILED]
    if failed:
        text.append(t(N_("Failed: {names}")).format(names=sep.join(failed)))
    never = [who(line) for line in lines if line.delivery.chat_id is None]
    if never:
        text.append(t(N_("Could not be sent privately (never started the bot): {names}")).format(names=sep.join(never)))
    doubtful = sum(1 for row in rows.values() if row.possibly_duplicate and row.status == Status.SENT)
    if doubtful:
        text.append(t(N_("{count} copies may have arrived twice (the connection broke while sending).")).format(count=doubtful))
    return "\n".join(text)
