"""The 组织委员's and the secretary's dues work, privately: a month, a member, pending reports,
payments for one or many, amounts, waivers and corrections. Every change is audited."""

from __future__ import annotations

from decimal import Decimal

from handlers.dues.buttons import DuesConfirm, DuesReject
from handlers.dues.common import (
    PROXY_WORDS,
    amount_text,
    check_months,
    current_month,
    method_of,
    months_text,
    nothing_outstanding,
    payment_line,
    read_money,
)
from handlers.dues.member import declare, statement
from handlers.kit import access, dialog
from handlers.kit.access import Can
from handlers.kit.context import Context
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import LIST_SEPARATOR
from handlers.kit.router import PRIVATE, Router, button
from handlers.roster import named
from storage.dues import ledger as dues_ledger
from storage.dues import payments as dues_payments
from storage.dues.ledger import CONFIRMED
from storage.dues.payments import Decision
from storage.models import Branch, DuesPayment, Member
from storage.roster import members as member_store
from storage.rules import dues as rules
from storage.rules.dues import ZERO
from storage.rules.numbers import row_id

router = Router()

MAX_REASON = 300
NAME_SEPARATORS = ("、", ",", "，", ";", "；")


def _parts(ctx: Context) -> list[str]:
    return [p.strip() for p in ctx.request.args.replace("｜", "|").split("|")]


async def month_overview(ctx: Context, t: Gettext, branch: Branch, month: str) -> str:
    """For one month: expected, collected, pending and outstanding, with names."""
    book = await dues_ledger.ledger(ctx.session, branch.id, month, month)
    lines = book.of_month(month)
    owing = [line for line in lines if line.owing]
    totals = book.totals(lines)
    name = lambda line: book.members[line.member_id].name  # noqa: E731
    out = [t(N_("Party dues for {month}")).format(month=month),
           t(N_("Expected: {count} members, {amount}")).format(count=len(owing), amount=amount_text(t, totals.owed))
           + (" + " + t(N_("{count} amounts not known yet")).format(count=totals.unknown) if totals.unknown else ""),
           t(N_("Collected: {amount} ({settled} of {count} settled)")).format(
               amount=amount_text(t, totals.paid + totals.extra), settled=totals.settled, count=len(owing))]
    if totals.extra > 0:
        out.append(t(N_("Of it voluntary, beyond what was owed: {amount}")).format(amount=amount_text(t, totals.extra)))
    pending = [line for line in lines if line.pending > 0 or line.pending_unknown]
    if pending:
        out.append(t(N_("Waiting for confirmation: {names}")).format(names=t(LIST_SEPARATOR).join(
            f"{name(line)} {amount_text(t, line.pending) if not line.pending_unknown else '?'}" for line in pending)))
    waived = [line for line in owing if line.waiver]
    if waived:
        out.append(t(N_("Waived (减免): {names}")).format(names=t(LIST_SEPARATOR).join(name(line) for line in waived)))
    unpaid = sorted((line for line in owing if not line.settled), key=name)
    if unpaid:
        out.append(t(N_("Outstanding: {amount}")).format(amount=amount_text(t, totals.outstanding)))
        out += [f"· {name(line)} {amount_text(t, line.outstanding)}" for line in unpaid]
    else:
        out.append(t(N_("Nothing outstanding.")))
    return "\n".join(out)


@router.command("duesmonth", chats=PRIVATE, can=Can.MANAGE_DUES, menu=N_("Party dues of a month"),
                help=N_("Party dues of a month: expected, collected, pending, outstanding with names: /duesmonth {month}"))
async def dues_month(ctx: Context) -> None:
    branch = ctx.branch
    arg = ctx.request.args.strip()
    month = rules.parse_month(arg) if arg else current_month(ctx, branch)
    if month is None:
        ctx.reply(ctx.t(N_("Write the month like /duesmonth {month}.")).format(month=current_month(ctx, branch)))
        return
    ctx.reply(await month_overview(ctx, ctx.t, branch, month))


async def _member_any(ctx: Context, branch: Branch, name: str) -> Member | None:
    """A member by name, also one who has left (their history stays)."""
    member = await member_store.by_name(ctx.session, branch.id, name.strip()) if name.strip() else None
    if member is None:
        return await named(ctx, branch, name)
    return member


@router.command("duesof", chats=PRIVATE, can=Can.MANAGE_DUES,
                help=N_("one member's Party dues: amounts, months, payments, waivers: /duesof 张三"))
async def dues_of(ctx: Context) -> None:
    branch = ctx.branch
    if not ctx.request.args.strip():
        ctx.reply(ctx.t(N_("Write whose dues to show: /duesof 张三")))
        return
    member = await _member_any(ctx, branch, ctx.request.args)
    if member is None:
        return
    t = ctx.t
    text = await statement(ctx, t, member, branch)
    history = await dues_ledger.amount_history(ctx.session, member.id)
    if history:
        basis = t(N_("basis {basis} 元"))
        text += "\n" + t(N_("Amounts:")) + "\n" + "\n".join(
            f"{row.effective_month} {amount_text(t, rules.from_fen(row.amount_fen))}"
            + (" (" + basis.format(basis=rules.yuan(rules.from_fen(row.basis_fen))) + ")"
               if row.basis_fen is not None else "") for row in history[-12:])
    await access.log(ctx, ctx.actor, "dues.view_member", target=member.name)
    ctx.reply(text)


@router.command("duespending", chats=PRIVATE, can=Can.MANAGE_DUES, menu=N_("dues payments to confirm"),
                help=N_("members' dues reports waiting for you, with Confirm and Reject buttons"))
async def dues_pending(ctx: Context) -> None:
    branch = ctx.branch
    waiting = await dues_ledger.pending(ctx.session, branch.id, limit=20)
    if not waiting:
        ctx.reply(ctx.t(N_("No dues reports are waiting for confirmation.")))
        return
    names = {m.id: m.name for m in await member_store.roster(ctx.session, branch.id, active_only=False)}
    for payment, rows in waiting:
        ctx.reply(f"{names.get(payment.member_id, '?')}: " + payment_line(ctx.t, payment, rows, names),
                  [[button(ctx.t(N_("Confirm")), DuesConfirm(payment.id)),
                    button(ctx.t(N_("Reject")), DuesReject(payment.id))]])


async def _payment_here(ctx: Context, payment_id: int) -> DuesPayment | None:
    payment = await dues_ledger.get_payment(ctx.session, payment_id)
    if payment is None or payment.branch_id != ctx.branch.id:
        return None
    return payment


async def _tell_member(ctx: Context, branch: Branch, payment: DuesPayment, render) -> None:
    """The member (and who paid for them) hear privately what became of a payment."""
    rows = await dues_ledger.allocations(ctx.session, payment.id)
    months = [r.month for r in rows]
    for member_id in {payment.member_id, payment.payer_id} - {None}:
        member = await member_store.get(ctx.session, member_id)
        if member is None or member.telegram_user_id is None:
            continue
        mt = await ctx.t_user(member.telegram_user_id, branch)
        ctx.send(member.telegram_user_id, render(mt, months))


@router.callback(DuesConfirm, can=Can.MANAGE_DUES)
async def confirm(ctx: Context, pressed: DuesConfirm) -> None:
    payment = await _payment_here(ctx, pressed.payment)
    if payment is None:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    outcome = await dues_payments.confirm(ctx.session, payment, ctx.actor.id, ctx.now)
    if outcome == Decision.ALREADY:
        ctx.toast(ctx.t(N_("This report has already been decided.")), alert=True)
        return
    if outcome == Decision.UNKNOWN_AMOUNT:
        ctx.toast(ctx.t(N_("The amount owed is not known yet: set it first with /duesset, then confirm.")), alert=True)
        return
    officer = ctx.actor
    await access.log(ctx, officer, "dues.confirm", target=f"#{payment.id}", member=payment.member_id,
                     amount=str(dues_payments.total(payment)))
    member = await member_store.get(ctx.session, payment.member_id)
    rows = await dues_ledger.allocations(ctx.session, payment.id)
    verdict = ctx.t(N_("Confirmed by {officer}.")).format(officer=officer.name)
    if ctx.request.message_id:
        ctx.edit(ctx.request.message_id, f"{member.name}: " + payment_line(ctx.t, payment, rows) + "\n" + verdict)
    ctx.toast(verdict)
    await _tell_member(ctx, ctx.branch, payment, lambda t, months: t(N_(
        "Your Party dues payment #{number} for {months} ({amount}) is confirmed. Thank you!")).format(
        number=payment.id, months=months_text(t, months), amount=amount_text(t, dues_payments.total(payment))))


@router.callback(DuesReject, can=Can.MANAGE_DUES)
async def reject_button(ctx: Context, pressed: DuesReject) -> None:
    payment = await _payment_here(ctx, pressed.payment)
    if payment is None:
        ctx.toast(ctx.t(N_("This button is no longer valid.")), alert=True)
        return
    if payment.status != "pending":
        ctx.toast(ctx.t(N_("This report has already been decided.")), alert=True)
        return
    await dialog.begin(ctx, "duesreject", "reason", {"payment": payment.id})
    ask = ctx.t(N_("Why is #{number} rejected? Reply with the reason (the member reads it), or send /cancel.")).format(
        number=payment.id)
    ctx.send(ctx.user_id, ask)
    ctx.toast(ask)


@router.text
async def reject_reason(ctx: Context) -> None:
    answer = await dialog.officer_answer(ctx, "duesreject", Can.MANAGE_DUES, limit=MAX_REASON)
    if answer is None:
        return
    conv, officer, branch, reason = answer
    await dialog.end(ctx)
    payment = await dues_ledger.get_payment(ctx.session, conv.data.get("payment") or 0)
    if payment is None or payment.branch_id != branch.id:
        ctx.reply(ctx.t(N_("This button is no longer valid.")))
        return
    if await dues_payments.reject(ctx.session, payment, officer.id, reason, ctx.now) == Decision.ALREADY:
        ctx.reply(ctx.t(N_("This report has already been decided.")))
        return
    await access.log(ctx, officer, "dues.reject", target=f"#{payment.id}", member=payment.member_id, reason=reason)
    ctx.reply(ctx.t(N_("#{number} is rejected; the member is told why.")).format(number=payment.id))
    await _tell_member(ctx, branch, payment, lambda t, months: t(N_(
        "Your Party dues report #{number} for {months} was not confirmed: {reason}. Please talk to {officer}, "
        "or report it again with /paid.")).format(
        number=payment.id, months=months_text(t, months), reason=reason, officer=officer.name))


PAY_USAGE = N_(
    "Record payments, for one member or many:\n/duespay 张三、李四 | {month} | 30 | 现金\n"
    "names | months (or a run {month}~{next}) | amount each in 元 (- for what each owes) | how paid (现金, 微信, 支付宝, 转账) "
    "| 代缴 李四 when another member paid | a reason for back-payment (补交) beyond {limit} months.")


@router.command("duespay", chats=PRIVATE, can=Can.MANAGE_DUES, menu=N_("record Party dues payments"),
                help=N_("record dues paid, for one or many: /duespay 张三、李四 | {month} | 30 | 现金"))
async def dues_pay(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    t = ctx.t
    current = current_month(ctx, branch)
    usage = t(PAY_USAGE).format(month=current, next=rules.add_months(current, 2), limit=rules.BACKPAY_MONTHS)
    parts = _parts(ctx)
    if len(parts) < 2 or not parts[0]:
        ctx.reply(usage)
        return
    raw = parts[0]
    for sep in NAME_SEPARATORS:
        raw = raw.replace(sep, "、")
    names: list[str] = []
    for piece in (p.strip() for p in raw.split("、") if p.strip()):  # 张三、李四; 张三 李四; Li Ming, Wang Wu
        whole_name = await member_store.by_name(ctx.session, branch.id, " ".join(piece.split()))
        names += [whole_name.name] if whole_name is not None else piece.split()
    names = list(dict.fromkeys(names))
    months = rules.parse_months(parts[1])
    if months is None:
        ctx.reply(t(N_("I cannot read the months “{value}”. Write them like {month} or {month}~{next}.")).format(
            value=parts[1][:40], month=current, next=rules.add_months(current, 2)))
        return
    amount: Decimal | None = None
    if len(parts) > 2 and parts[2] not in ("", "-", "－"):
        amount = read_money(ctx, parts[2])
        if amount is None:
            return
        if amount <= 0:
            ctx.reply(t(N_("Write the amount paid, more than 0 元; a mistake is corrected with /duesfix.")))
            return
    method, payer, override = "cash", None, None
    for part in parts[3:]:
        if not part:
            continue
        head = part.split(maxsplit=1)
        if method_of(part):
            method = method_of(part)
        elif head[0] in PROXY_WORDS or part.startswith(("代缴", "代交")):
            name = part.removeprefix("代缴").removeprefix("代交").strip() if not head[0] in PROXY_WORDS else (head[1] if len(head) > 1 else "")
            payer = await named(ctx, branch, name)
            if payer is None:
                return
        else:
            override = part[:MAX_REASON]
    members = []
    for name in names:
        member = await named(ctx, branch, name)
        if member is None:
            return
        if not await check_months(ctx, member, branch, months, officer=True, override=override):
            return
        if amount is None and await nothing_outstanding(ctx, member, months):
            return
        members.append(member)
    old = any(rules.back_payment_needs_override(m, current) for m in months)
    recorded = []
    for member in members:
        payment = await dues_payments.record(
            ctx.session, member, months, amount, method=method, status=CONFIRMED, source="officer", by=officer.id,
            now=ctx.now, payer_id=payer.id if payer and payer.id != member.id else None,
            override_reason=override if old else None, note=None if old else override)
        recorded.append((member, payment))
        await access.log(ctx, officer, "dues.record", target=f"#{payment.id} {member.name}", months=months,
                         amount=str(dues_payments.total(payment)), method=method,
                         payer=payer.name if payer else None, **({"override": override} if old else {}))
    lines = [t(N_("Recorded:"))] + [
        f"#{p.id} {m.name} {months_text(t, months)} {amount_text(t, dues_payments.total(p))}" for m, p in recorded]
    if old:
        lines.append(t(N_("Back-payment beyond {limit} months, with the reason: {reason}")).format(
            limit=rules.BACKPAY_MONTHS, reason=override))
    ctx.reply("\n".join(lines))
    for _member, payment in recorded:
        await _tell_member(ctx, branch, payment, lambda mt, ms, p=payment: mt(N_(
            "The 组织委员 recorded your Party dues payment #{number} for {months} ({amount}). Thank you!")).format(
            number=p.id, months=months_text(mt, ms), amount=amount_text(mt, dues_payments.total(p))))


SET_USAGE = N_(
    "Set a member's monthly amount: /duesset 张三 | 在职 4500 | {month} — the category with the basis (pay after tax, "
    "or pension for 退休), a fixed category alone (学生, 失业, 低保, 农民), or 其他 with the amount; from which month "
    "(this month if left out). Earlier months keep their amounts.")


@router.command("duesset", chats=PRIVATE, can=Can.MANAGE_DUES,
                help=N_("set a member's monthly dues amount: /duesset 张三 | 在职 4500 | {month}"))
async def dues_set(ctx: Context) -> None:
    branch = ctx.branch
    parts = _parts(ctx)
    current = current_month(ctx, branch)
    if len(parts) < 2 or not parts[0] or not parts[1]:
        ctx.reply(ctx.t(SET_USAGE).format(month=current))
        return
    member = await named(ctx, branch, parts[0])
    if member is None:
        return
    month = current
    if len(parts) > 2 and parts[2]:
        month = rules.parse_month(parts[2])
        if month is None:
            ctx.reply(ctx.t(N_("Write the month like {month}.")).format(month=current))
            return
        first = await dues_ledger.first_owed(ctx.session, member)
        if first is not None and month < first:
            month = first  # nothing before membership is owed anyway
    await declare(ctx, member, branch, parts[1].split(), source="set", month=month)


WAIVE_USAGE = N_("Waive (减免) a member's dues for months, with the branch's decision: /dueswaive 张三 | {month}~{next} | 支委会决定：重病")


@router.command("dueswaive", chats=PRIVATE, can=Can.MANAGE_DUES,
                help=N_("waive (减免) a member's dues for months: /dueswaive 张三 | {month} | 支委会决定"))
async def dues_waive(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    parts = _parts(ctx)
    current = current_month(ctx, branch)
    if len(parts) < 3 or not parts[0] or not parts[2]:
        ctx.reply(ctx.t(WAIVE_USAGE).format(month=current, next=rules.add_months(current, 2)))
        return
    member = await named(ctx, branch, parts[0])
    if member is None:
        return
    months = rules.parse_months(parts[1])
    if months is None or rules.months_apart(months[0], months[-1]) + 1 != len(months):
        ctx.reply(ctx.t(N_("Write the months as one run, like {month} or {month}~{next}.")).format(
            month=current, next=rules.add_months(current, 2)))
        return
    owed = set(await dues_ledger.owed_months(ctx.session, member, months[0], months[-1]))
    if not owed:
        ctx.reply(ctx.t(N_("{name} owes no dues for {month}: they were not a Party member of the branch then.")).format(
            name=member.name, month=months[0]))
        return
    note = parts[2][:MAX_REASON]
    waiver = dues_payments.waive(ctx.session, member, months[0], months[-1], note, officer.id, ctx.now)
    await ctx.session.flush()
    await access.log(ctx, officer, "dues.waive", target=f"w{waiver.id} {member.name}", first=months[0],
                     last=months[-1], note=note)
    ctx.reply(ctx.t(N_("Waived (减免) w{number}: {name}, {months}. These months are settled without payment.")).format(
        number=waiver.id, name=member.name, months=months_text(ctx.t, months)))


FIX_USAGE = N_("Correct an entry with one that reverses it: /duesfix #12 recorded twice — a payment's number "
               "(/duesof shows them), or w3 for a waiver, then why. Then record what is right.")


@router.command("duesfix", chats=PRIVATE, can=Can.MANAGE_DUES,
                help=N_("correct a dues payment or waiver by reversing it: /duesfix #12 recorded twice"))
async def dues_fix(ctx: Context) -> None:
    officer, branch = ctx.actor, ctx.branch
    words = ctx.request.args.split(maxsplit=1)
    if len(words) < 2:
        ctx.reply(ctx.t(FIX_USAGE))
        return
    target, reason = words[0], words[1].strip()[:MAX_REASON]
    if target.lower().startswith("w"):
        number = row_id(target[1:])
        waiver = await dues_payments.get_waiver(ctx.session, number) if number else None
        if waiver is None or waiver.branch_id != branch.id:
            ctx.reply(ctx.t(N_("There is no waiver {number}.")).format(number=target[:20]) + "\n" + ctx.t(FIX_USAGE))
            return
        entry = await dues_payments.reverse_waiver(ctx.session, waiver, officer.id, reason, ctx.now)
        if entry is None:
            ctx.reply(ctx.t(N_("Waiver w{number} has been reversed already.")).format(number=waiver.id))
            return
        await access.log(ctx, officer, "dues.reverse_waiver", target=f"w{waiver.id}", reason=reason)
        ctx.reply(ctx.t(N_("Waiver w{number} is reversed ({reason}); those months are owed again.")).format(
            number=waiver.id, reason=reason))
        return
    number = row_id(target)
    payment = await _payment_here(ctx, number) if number else None
    if payment is None:
        ctx.reply(ctx.t(N_("There is no payment {number}.")).format(number=target[:20]) + "\n" + ctx.t(FIX_USAGE))
        return
    if payment.status == "pending":
        ctx.reply(ctx.t(N_("#{number} is still waiting for confirmation: reject it instead (/duespending).")).format(
            number=payment.id))
        return
    entry = await dues_payments.reverse(ctx.session, payment, officer.id, reason, ctx.now)
    if entry is None:
        ctx.reply(ctx.t(N_("#{number} cannot be reversed: it was rejected, is a correction itself, or was reversed already."))
                  .format(number=payment.id))
        return
    await access.log(ctx, officer, "dues.reverse", target=f"#{payment.id}", correction=entry.id, reason=reason)
    member = await member_store.get(ctx.session, payment.member_id)
    ctx.reply(ctx.t(N_("#{number} is reversed by #{entry} ({reason}). {name}'s months are owed again until the right "
                       "payment is recorded.")).format(number=payment.id, entry=entry.id, reason=reason, name=member.name))
    await _tell_member(ctx, ctx.branch, payment, lambda t, months: t(N_(
        "The 组织委员 corrected your Party dues payment #{number} for {months}: {reason}. /dues shows what you owe now.")
        ).format(number=payment.id, months=months_text(t, months), reason=reason))


__all__ = ["ZERO", "month_overview", "router"]
