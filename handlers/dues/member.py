"""A member's own dues, privately: /dues, /paid (a self-report), /basis (their income basis)."""

from __future__ import annotations

from decimal import Decimal

from handlers.dues.buttons import BasisStill, DuesConfirm, DuesReject
from handlers.dues.common import (
    CATEGORY,
    PROXY_WORDS,
    SOURCE,
    amount_text,
    check_months,
    current_month,
    method_of,
    months_text,
    nothing_outstanding,
    payment_line,
    read_money,
)
from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.context import Context
from handlers.kit.i18n import N_, Gettext
from handlers.kit.router import PRIVATE, Router, button
from handlers.roster import parse_dues_category
from storage.branches import BranchSettings
from storage.dues import ledger as dues_ledger
from storage.dues import payments as dues_payments
from storage.dues.ledger import PENDING
from storage.models import Branch, Member
from storage.roster import members as member_store
from storage.rules import dues as rules
from storage.rules.dues import ZERO, yuan
from storage.rules.numbers import FULL_WIDTH_DIGITS, looks_like_number
from storage.rules.vocabulary import DuesCategory

router = Router()

HISTORY_MONTHS = 36  # how far back a member's view looks


async def statement(ctx: Context, t: Gettext, member: Member, branch: Branch, *, private_basis: bool = True) -> str:
    """A member's dues: monthly amount and basis, paid through, what is owed, payments with status."""
    current = current_month(ctx, branch)
    first = await dues_ledger.first_owed(ctx.session, member)
    if first is None:
        return t(N_("{name} owes no Party dues: only Party members (probationary and full) pay them.")).format(name=member.name)
    first = max(first, rules.add_months(current, -HISTORY_MONTHS + 1))
    last = rules.add_months(current, BranchSettings.of(branch).dues_ahead_months)
    book = await dues_ledger.ledger(ctx.session, branch.id, first, last, member_ids=[member.id])
    holding = await dues_ledger.holding(ctx.session, member, current)
    lines = [t(N_("Party dues of {name}")).format(name=member.name)]
    if holding.amount is None:
        lines.append(t(N_("Monthly amount: not known yet. Send /basis with your monthly pay after tax (or pension), "
                          "for example /basis 4500, or ask the 组织委员.")))
    else:
        what = t(CATEGORY[holding.category]) if holding.category else "-"
        if holding.basis is not None and private_basis:
            what += ", " + t(N_("basis {basis} 元")).format(basis=yuan(holding.basis))
        lines.append(t(N_("Monthly amount: {amount} ({what}; {source}{since})")).format(
            amount=amount_text(t, holding.amount), what=what, source=t(SOURCE.get(holding.source, SOURCE["none"])),
            since=(", " + t(N_("from {month}")).format(month=holding.effective_month)) if holding.effective_month else ""))
        if holding.extra > 0:
            lines.append(t(N_("Voluntary extra: {amount} a month")).format(amount=amount_text(t, holding.extra)))
    through = None  # the last month of the run of settled months from the first, paid ahead included
    for line in book.of_member(member.id):
        if line.owing and not line.settled:
            break
        if line.owing:
            through = line.month
    owed_lines = [line for line in book.of_member(member.id) if line.owing and line.month <= current]
    lines.append(t(N_("Paid through: {month}")).format(month=through or "-"))
    unpaid = [line for line in owed_lines if not line.settled]
    if unpaid:
        known = sum((line.outstanding for line in unpaid if line.outstanding is not None), ZERO)
        lines.append(t(N_("Owed: {months}, {amount} in all")).format(
            months=months_text(t, [line.month for line in unpaid]), amount=amount_text(t, known)
            + ("" if all(line.outstanding is not None for line in unpaid) else " + " + t(N_("amounts not known yet")))))
    else:
        lines.append(t(N_("Owed: nothing. Thank you!")))
    payments = await dues_ledger.payments_of(ctx.session, member.id, limit=10)
    if payments:
        names = {m.id: m.name for m in await member_store.roster(ctx.session, branch.id, active_only=False)}
        lines.append(t(N_("Payments:")))
        lines += [payment_line(t, p, rows, names) for p, rows in payments]
    waivers = await dues_ledger.waivers_of(ctx.session, member.id)
    for waiver in waivers:
        if waiver.reverses_id is None:
            lines.append(t(N_("Waived (减免) w{number}: {first}~{last} — {note}")).format(
                number=waiver.id, first=waiver.first_month, last=waiver.last_month, note=waiver.note))
    return "\n".join(lines)


@router.command("dues", chats=PRIVATE, menu=N_("your Party dues"), member=True,
                help=N_("your Party dues: the monthly amount, paid through, what you owe, your payments"))
async def my_dues(ctx: Context) -> None:
    ctx.reply(await statement(ctx, ctx.t, ctx.actor, ctx.branch) + "\n\n" + ctx.t(N_(
        "After paying, tell me with /paid, for example /paid {month} or /paid {month} 30 微信.")).format(
        month=current_month(ctx, ctx.branch)))


PAID_USAGE = N_(
    "Tell me what you paid: /paid {month} 30 微信 — the months (one, or a run like {month}~{next}), the amount in 元 "
    "(leave it out for what you owe), how you paid. For someone else (代缴): /paid {month} 30 代 张三. "
    "The 组织委员 confirms it.")


@router.command("paid", chats=PRIVATE, menu=N_("tell the 组织委员 you paid your dues"), member=True,
                help=N_("you have paid Party dues: /paid for this month, /paid {month} 30 微信 with the amount"))
async def paid(ctx: Context) -> None:
    reporter, branch = ctx.actor, ctx.branch
    t = ctx.t
    current = current_month(ctx, branch)
    usage = t(PAID_USAGE).format(month=current, next=rules.add_months(current, 1))
    words = ctx.request.args.replace("，", " ").split()
    months: list[str] = []
    amount: Decimal | None = None
    method = "unknown"
    member = reporter
    index = 0
    while index < len(words):
        word = words[index]
        if word.lower() in PROXY_WORDS or (word.startswith(("代", "代缴")) and len(word) > 1 and not looks_like_number(word)):
            name = words[index + 1] if word.lower() in PROXY_WORDS and index + 1 < len(words) else word.removeprefix("代缴").removeprefix("代")
            if word.lower() in PROXY_WORDS:
                index += 1
            other = await member_store.by_name(ctx.session, branch.id, name) if name else None
            if other is None or not other.active:
                ctx.reply(t(N_("There is nobody called “{name}” on the roster. /roster shows who is.")).format(name=name[:50]))
                return
            member = other
        elif (found := rules.parse_months(word)) is not None:
            months += [m for m in found if m not in months]
        elif word[:1].translate(FULL_WIDTH_DIGITS).isdigit() and (
                any(c in word for c in "-－/年月") or rules.parse_month(f"{word}-01") is not None):
            # a month mistyped, or a year alone (2026 元 is written 2026元)
            ctx.reply(t(N_("Write the month like /paid {month}, or just /paid for this month.")).format(month=current))
            return
        elif method_of(word):
            method = method_of(word)
        elif looks_like_number(word) or word[0] in "¥￥-" or word[-1] in "元千万":
            amount = read_money(ctx, word)
            if amount is None:
                return
        else:
            ctx.reply(t(N_("I cannot read “{value}”.")).format(value=word[:30]) + "\n" + usage)
            return
        index += 1
    months = sorted(months) or [current]
    if amount is not None and amount <= 0:
        ctx.reply(t(N_("Write the amount you paid, more than 0 元.")) + "\n" + usage)
        return
    cap = rules.table(BranchSettings.of(branch).values).cap
    if amount is not None and amount > cap * len(months) * 10:
        ctx.reply(t(N_("{amount} for {count} months is far more than the dues table asks. Please check it; a large "
                       "voluntary payment is recorded by the 组织委员.")).format(amount=amount_text(t, amount), count=len(months)))
        return
    if not await check_months(ctx, member, branch, months, officer=False):
        return
    if amount is None and await nothing_outstanding(ctx, member, months):
        return
    waiting = await dues_ledger.pending(ctx.session, branch.id, limit=500)
    for payment, rows in waiting:
        if payment.member_id == member.id and {r.month for r in rows} & set(months):
            ctx.reply(t(N_("Your report #{number} for {months} is still waiting for the 组织委员; I will tell you their answer."))
                      .format(number=payment.id, months=months_text(t, [r.month for r in rows])))
            return
    payment = await dues_payments.record(
        ctx.session, member, months, amount, method=method, status=PENDING, source="self", by=reporter.id,
        now=ctx.now, payer_id=reporter.id if member.id != reporter.id else None)
    await access.log(ctx, reporter, "dues.report", target=f"#{payment.id} {member.name}", months=months,
                     amount=str(amount) if amount is not None else None)
    total = dues_payments.total(payment)
    ctx.reply(t(N_("Noted: #{number}, {months}, {amount}. The 组织委员 will confirm it; I will tell you.")).format(
        number=payment.id, months=months_text(t, months), amount=amount_text(t, total)))
    await tell_officers_of_report(ctx, branch, payment, member, reporter, months)


async def tell_officers_of_report(ctx: Context, branch: Branch, payment, member: Member, reporter: Member,
                                  months: list[str]) -> None:
    total = dues_payments.total(payment)

    def render(t: Gettext) -> str:
        text = t(N_("{name} reports paying Party dues: #{number}, {months}, {amount}.")).format(
            name=reporter.name, number=payment.id, months=months_text(t, months), amount=amount_text(t, total))
        if member.id != reporter.id:
            text += " " + t(N_("For {name} (代缴).")).format(name=member.name)
        return text

    await access.notify(ctx, branch, Can.MANAGE_DUES, render, lambda t: [[
        button(t(N_("Confirm")), DuesConfirm(payment.id)), button(t(N_("Reject")), DuesReject(payment.id))]])


BASIS_USAGE = N_(
    "Tell me your dues basis privately: /basis 4500 — the fixed regular part of your monthly pay after tax, in 元; "
    "retired members: /basis 退休 3800 (the pension); students, the unemployed, on 低保 or rural members: /basis 学生, "
    "/basis 失业, /basis 低保, /basis 农民. Add +20 for a voluntary extra each month. Only you and the officers "
    "who keep the dues see it.")


@router.command("basis", chats=PRIVATE, member=True,
                help=N_("your dues basis, privately: /basis 4500 (pay after tax), /basis 退休 3800, /basis 学生"))
async def basis(ctx: Context) -> None:
    member, branch = ctx.actor, ctx.branch
    words = ctx.request.args.split()
    if not words:
        holding = await dues_ledger.holding(ctx.session, member, current_month(ctx, branch))
        current = ctx.t(N_("Now: {amount} a month, {source}.")).format(
            amount=amount_text(ctx.t, holding.amount), source=ctx.t(SOURCE.get(holding.source, SOURCE["none"])))
        ctx.reply(current + "\n\n" + ctx.t(BASIS_USAGE))
        return
    await declare(ctx, member, branch, words, source="declared", month=current_month(ctx, branch))


async def declare(ctx: Context, member: Member, branch: Branch, words: list[str], *, source: str, month: str) -> bool:
    """Set ``member``'s amount from ``words`` (category, basis or amount, +extra) from ``month``; answers."""
    t = ctx.t
    category: DuesCategory | None = None
    value: Decimal | None = None
    extra = ZERO
    for word in words:
        found = parse_dues_category(word)
        if found is not None:
            category = found
        elif word.startswith(("+", "＋")):
            extra = read_money(ctx, word[1:])
            if extra is None:
                return False
        else:
            value = read_money(ctx, word)
            if value is None:
                return False
    category = category or member.dues_category or DuesCategory.EMPLOYED
    table = rules.table(BranchSettings.of(branch).values)
    if rules.needs_basis(category):
        if value is None:
            ctx.reply(t(N_("Write the monthly amount in 元 as well, for example /basis {category} 4500.")).format(
                category=words[0]))
            return False
        amount, basis_value = rules.monthly(table, category, value), value
    elif category == DuesCategory.OTHER:
        if value is None or source == "declared":
            ctx.reply(t(N_("For members of another category the 组织委员 sets the monthly amount.")))
            return False
        amount, basis_value = value, None
    else:
        amount, basis_value = rules.monthly(table, category), None
    dues_payments.set_amount(ctx.session, member, month, category, amount, basis=basis_value, extra=extra,
                             source=source, by=ctx.actor.id, now=ctx.now)
    await access.log(ctx, ctx.actor, "dues.amount", target=member.name, month=month, category=category.value,
                     amount=str(amount), source=source)
    text = t(N_("Saved: from {month}, {name} pays {amount} a month ({category}).")).format(
        month=month, name=member.name, amount=amount_text(t, amount), category=t(CATEGORY[category]))
    if extra > 0:
        text += " " + t(N_("With the voluntary extra: {amount}.")).format(amount=amount_text(t, rules.with_extra(amount, extra)))
    if rules.needs_basis(category) and amount == table.cap:
        text += " " + t(N_("That is the monthly cap of your branch."))
    ctx.reply(text)
    return True


@router.callback(BasisStill, member=True)
async def basis_still(ctx: Context, pressed: BasisStill) -> None:
    member, branch = ctx.actor, ctx.branch
    if pressed.member != member.id:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    month = current_month(ctx, branch)
    holding = await dues_ledger.holding(ctx.session, member, month)
    if holding.amount is None or holding.category is None:
        ctx.toast(ctx.t(N_("There is no basis to confirm yet: send /basis with it.")), alert=True)
        return
    if holding.source == "confirmed" and holding.effective_month == month:
        ctx.toast(ctx.t(N_("Already confirmed. Thank you!")))
        return
    dues_payments.set_amount(ctx.session, member, month, holding.category, holding.amount, basis=holding.basis,
                             extra=holding.extra, source="confirmed", by=member.id, now=ctx.now)
    await access.log(ctx, member, "dues.basis_confirmed", target=member.name, month=month)
    ctx.toast(ctx.t(N_("Confirmed. Thank you!")))
    if ctx.request.message_id:
        ctx.edit(ctx.request.message_id, ctx.t(N_("Your dues basis is confirmed: {amount} a month.")).format(
            amount=amount_text(ctx.t, holding.amount)))
