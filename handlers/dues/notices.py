"""What the calendar says about dues: the deadline reminder, arrears (2/4/6 months), the yearly basis question.

The calendar's notifier (handlers.calendar.reminders) calls these with its own ways to queue a
message (``queue``) and to write to members privately (``privately``), so every message goes to
the outbox in the calendar's transaction under a key that is claimed once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from zoneinfo import ZoneInfo

from handlers.dues.buttons import BasisStill
from handlers.dues.common import amount_text, months_text
from handlers.kit.access import ALLOWED, Can
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import LIST_SEPARATOR, local_time
from handlers.kit.router import button
from storage.branches import BranchSettings
from storage.calendar import events
from storage.dues import ledger as dues_ledger
from storage.models import Branch, Member
from storage.roster import members as member_store
from storage.rules import dues as rules
from storage.rules import lapse as lapse_rules
from storage.rules.dues import ZERO
from storage.rules.vocabulary import PARTY_MEMBERS

Queue = Callable[..., Awaitable[None]]  # (session, key, chat_id, text, buttons=None)
Privately = Callable[..., Awaitable[None]]  # (session, branch, members, key, render(t, member), buttons=None)

ARREARS_LOOKBACK = 12  # months the arrears check reads


async def deadline(session, branch: Branch, when: datetime, key: str, *, gt: Gettext, queue: Queue,
                   privately: Privately) -> None:
    """The dues deadline: privately to each who owes for the month, with the amount; the group hears
    totals only, and the names of who has not paid only when the branch has 党务公开 on."""
    zone = ZoneInfo(branch.timezone)
    month = rules.month_of(when.astimezone(zone).date())
    book = await dues_ledger.ledger(session, branch.id, month, month)
    roster = {m.id: m for m in await member_store.roster(session, branch.id) if m.status in PARTY_MEMBERS}
    owing = [line for line in book.of_month(month) if line.owing and line.member_id in roster]
    unpaid = [line for line in owing if not line.settled]
    deadline_text = local_time(when, branch.timezone)
    text = gt(N_("Party dues for {month} are due by {deadline}: {paid} of {total} have paid. "
                 "After paying, send /paid to me in a private chat.")).format(
        month=month, deadline=deadline_text, paid=len(owing) - len(unpaid), total=len(owing))
    if BranchSettings.of(branch).publicity and unpaid:
        text += "\n" + gt(N_("Not paid yet (党务公开): {names}")).format(
            names=gt(LIST_SEPARATOR).join(sorted(roster[line.member_id].name for line in unpaid)))
    await queue(session, f"{key}:group", branch.chat_id, text)
    lines = {line.member_id: line for line in unpaid}
    await privately(session, branch, [roster[line.member_id] for line in unpaid], key, lambda t, m: t(N_(
        "Reminder, {name}: your Party dues for {month} are due by {deadline}: {amount}. After paying, send /paid; "
        "/dues shows your account.")).format(name=m.name, month=month, deadline=deadline_text,
                                             amount=amount_text(t, lines[m.id].outstanding)))


async def daily(session, branch: Branch, now: datetime, *, privately: Privately) -> None:
    """Once a day: arrears warnings at 2 and 4 months and the flag at 6, each once; in the branch's
    month, the yearly question to confirm or update one's basis."""
    await arrears(session, branch, now, privately=privately)
    await basis_question(session, branch, now, privately=privately)


async def arrears(session, branch: Branch, now: datetime, *, privately: Privately) -> None:
    zone = ZoneInfo(branch.timezone)
    current = rules.month_of(now.astimezone(zone).date())
    last = rules.add_months(current, -1)  # the last month already due
    book = await dues_ledger.ledger(session, branch.id, rules.add_months(last, -ARREARS_LOOKBACK + 1), last)
    roster = {m.id: m for m in await member_store.roster(session, branch.id) if m.status in PARTY_MEMBERS}
    keepers = await member_store.officers(session, branch.id, ALLOWED[Can.MANAGE_DUES])
    for member_id, member in sorted(roster.items()):
        # A month whose amount is not known (no basis declared, nothing paid) is not counted: the
        # branch has not put this member's dues in the ledger yet; /duesmonth lists them.
        lines = [line for line in book.of_member(member_id) if line.owing and (line.owed is not None or line.settled)]
        found = lapse_rules.dues_arrears([(rules.first_day(line.month), line.settled) for line in lines],
                                         rules.first_day(last))
        if found is None or found.stage == 0:
            continue
        key = f"duesarrears:{member.id}:{rules.month_of(found.since)}:{found.stage}"
        if not await events.claim_event(session, key, due_at=now, now=now, branch_id=branch.id):
            continue
        run = [line for line in lines if not line.settled and rules.month_of(found.since) <= line.month <= last]
        owed = sum((line.outstanding or ZERO for line in run), ZERO)
        months = [line.month for line in run]
        flag = found.stage >= lapse_rules.LINE_MONTHS
        await privately(session, branch, [member], f"{key}:member", lambda t, m, f=flag, ms=months, o=owed: (t(N_(
            "{name}, your Party dues for {months} are not paid ({amount}). Six months without paying and without "
            "good reason count as leaving the Party (自行脱党): please pay now, or talk to the 组织委员 if you "
            "cannot.")) if not f else t(N_(
            "{name}, your Party dues have not been paid for six months ({months}, {amount}). Without good reason "
            "this counts as leaving the Party (自行脱党): the branch has to decide now. Please talk to the "
            "secretary at once."))).format(name=m.name, months=months_text(t, ms), amount=amount_text(t, o)))
        await privately(session, branch, [k for k in keepers if k.id != member.id], f"{key}:officers",
                        lambda t, _k, f=flag, ms=months, o=owed, who=member: (t(N_(
                            "{name} has not paid Party dues for {count} months ({months}, {amount}). Six months "
                            "without good reason count as leaving the Party (自行脱党): please talk with them."))
                            if not f else t(N_(
                            "{name} has not paid Party dues for six months ({months}, {amount}). Without good "
                            "reason this counts as leaving the Party (自行脱党): the branch has to decide about "
                            "{name} now."))).format(name=who.name, count=len(ms), months=months_text(t, ms),
                                                     amount=amount_text(t, o)))


async def basis_question(session, branch: Branch, now: datetime, *, privately: Privately) -> None:
    month_setting = BranchSettings.of(branch).dues_basis_month
    local = now.astimezone(ZoneInfo(branch.timezone)).date()
    if not month_setting or local.month != month_setting or not await dues_ledger.keeps_dues(session, branch.id):
        return  # a branch that keeps no amounts here is not asked about them
    key = f"duesbasis:{branch.id}:{local.year}"
    if not await events.claim_event(session, key, due_at=now, now=now, branch_id=branch.id):
        return
    month = rules.month_of(local)
    members: list[Member] = [m for m in await member_store.roster(session, branch.id) if m.status in PARTY_MEMBERS]
    holdings = {m.id: await dues_ledger.holding(session, m, month) for m in members}

    def render(t: Gettext, member: Member) -> str:
        holding = holdings[member.id]
        text = t(N_("{name}, once a year the branch asks everyone to confirm their Party dues basis.")).format(name=member.name)
        if holding.amount is None:
            return text + " " + t(N_("I have none for you yet: send /basis with the fixed regular part of your "
                                     "monthly pay after tax, for example /basis 4500 (retired: /basis 退休 3800)."))
        now_text = t(N_("Now: {amount} a month")).format(amount=amount_text(t, holding.amount))
        if holding.basis is not None:
            now_text += ", " + t(N_("basis {basis} 元")).format(basis=rules.yuan(holding.basis))
        return text + "\n" + now_text + "\n" + t(N_("Tap the button if it is still right, or send /basis with the new one."))

    def buttons_for(member: Member):
        return lambda t: [[button(t(N_("Still right")), BasisStill(member.id))]] if holdings[member.id].amount is not None else None

    for member in members:
        await privately(session, branch, [member], key, render, buttons_for(member))
