"""/export KIND [period]: a ledger as an .xlsx file, privately, to an officer entitled to it; audited.

The ledger is read in a read-only session and written in a worker process before the update's
transaction (``prepare``), so a large one never holds up check-ins on SQLite. The handler then
checks the asker again, audits the export and queues the file to them through the outbox.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.kit import access, offload, workbook
from handlers.kit.access import Can
from handlers.kit.api import Request, Upload
from handlers.kit.context import Context, Env, Prepared
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import LIST_SEPARATOR
from handlers.kit.router import PRIVATE, Router
from handlers.ledgers import books, kinds
from handlers.ledgers.kinds import Job, LedgerKind
from storage.models import Branch, Member
from storage.rules import periods
from storage.rules.periods import Period

log = logging.getLogger(__name__)
router = Router()

#: Seconds a ledger may take to write in the worker.
WRITE_TIMEOUT = 60.0

USAGE = N_("Send /export and a ledger, and a period if you like: /export {kind} {period}. "
           "Ledgers: {kinds}. Periods: {examples}; without one, this year so far.")
UNKNOWN_KIND = N_("There is no ledger called “{kind}”. Ledgers: {kinds}. Example: /export {example}.")
BAD_PERIOD = N_("I cannot read “{period}” as a period. Write a month, quarter, half-year or year, "
                "for example {examples}.")
NOT_BEGUN = N_("{period} has not begun yet. Choose a period up to today, for example {example}.")
CAPTION = N_("{ledger}, {branch}, {period}. Keep it safe: it holds personal information.")
TOO_SLOW = N_("The ledger took too long to make. Try a shorter period, for example {example}.")


@dataclass(frozen=True)
class Asked:
    """What /export asked for, once read; or the sentence saying why it cannot be."""

    kind: LedgerKind | None = None
    period: Period | None = None
    problem: str | None = None


def _kinds_text(t: Gettext) -> str:
    return t(LIST_SEPARATOR).join(f"{k.key} ({t(k.name)})" for k in kinds.KINDS)


def read_args(t: Gettext, args: str, today) -> Asked:
    words = args.split()
    examples = t(LIST_SEPARATOR).join(periods.EXAMPLES)
    if not words:
        return Asked(problem=t(USAGE).format(kind=kinds.KINDS[0].key, period=today.year, kinds=_kinds_text(t),
                                                examples=examples))
    kind = kinds.find(words[0])
    if kind is None:
        return Asked(problem=t(UNKNOWN_KIND).format(kind=words[0][:30], kinds=_kinds_text(t),
                                                       example=f"{kinds.KINDS[0].key} {today.year}"))
    if len(words) == 1:
        return Asked(kind, kind.default(today))
    typed = " ".join(words[1:])
    period = periods.parse_period(typed, today)
    if period is None:
        return Asked(kind, problem=t(BAD_PERIOD).format(period=typed[:30], examples=examples))
    if period.start > today:
        return Asked(kind, problem=t(NOT_BEGUN).format(period=period.label, example=f"{kind.key} {today.year}"))
    return Asked(kind, period)


def filename(t: Gettext, kind: LedgerKind, branch: Branch, period: Period) -> str:
    name = f"{t(kind.name)}-{branch.name}-{period.label}.xlsx"
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name)[:200]


async def make(session, env: Env, branch: Branch, member: Member, kind: LedgerKind, period: Period,
               now: datetime) -> Upload:
    """Read and write the ledger (the writing in a worker process); raises offload.Failed if too slow."""
    t = env.catalogs.gettext(branch.locale)  # the ledger is in the branch's language, like its records
    zone = ZoneInfo(branch.timezone)
    today = now.astimezone(zone).date()
    heading = books.Heading(branch=branch.name, period=period, ledger=kind.name, made_by=member.name,
                            made_at=now.astimezone(zone).replace(tzinfo=None), as_of=min(period.last, today))
    book = await kind.build(Job(session, branch, period, now, t, heading))
    data = await offload.run(workbook.write, book, timeout=WRITE_TIMEOUT)
    return Upload(filename(t, kind, branch, period), data)


async def prepare_export(env: Env, request: Request) -> Prepared | None:
    """The ledger made before the transaction, for someone the route admits (checked quietly, and
    again by the route); None when the request cannot be read or the work failed (the handler says why)."""
    now = env.clock()
    async with env.db.read() as session:
        probe = Context(request=request, session=session, env=env, now=now, locale=env.catalogs.default_locale)
        found = await access.me(probe, quiet=True)
        if found is None:
            return None
        member, branch = found
        today = now.astimezone(ZoneInfo(branch.timezone)).date()
        asked = read_args(env.catalogs.gettext(branch.locale), request.args, today)
        if asked.problem is not None or not access.may(member, asked.kind.can):
            return None
        try:
            made = await make(session, env, branch, member, asked.kind, asked.period, now)
        except offload.Failed:
            return None
        return Prepared((branch.id, member.id, asked.kind.key, asked.period.label), made)


@router.command("export", chats=PRIVATE, can=Can.EXPORT, prepare=prepare_export, menu=N_("a ledger (台账) as an Excel file"),
                help=N_("/export attendance {month}: a ledger as an Excel file "
                        "(roster, attendance, meetings, dues, service), privately"))
async def export(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    today = ctx.now.astimezone(ZoneInfo(branch.timezone)).date()
    asked = read_args(ctx.t, ctx.request.args, today)
    if asked.problem is not None:
        ctx.reply(asked.problem)
        return
    kind, period = asked.kind, asked.period
    if kind.can != Can.EXPORT and not access.may(officer, kind.can):  # a ledger kept for fewer officers
        await access.officer(ctx, kind.can)
        return
    made = ctx.prepared_for(branch.id, officer.id, kind.key, period.label)
    if made is None:
        try:  # admitted now but not when prepared (a role given meanwhile): make it here
            made = await make(ctx.session, ctx.env, branch, officer, kind, period, ctx.now)
        except offload.Failed:
            ctx.reply(ctx.t(TOO_SLOW).format(example=f"{kind.key} {today.year}-{today.month:02d}"))
            return
    await access.log(ctx, officer, "export", target=kind.key, period=period.label, filename=made.filename,
                     size=len(made.data))
    caption = ctx.t(CAPTION).format(ledger=ctx.t(kind.name), branch=branch.name, period=books.period_text(ctx.t, period))
    await ctx.enqueue(f"export:{ctx.user_id}:{ctx.request.update_id}", ctx.user_id, caption, purpose="export",
                      document=made)
