"""What the dues views share: labels, reading months and amounts people type, the checks on months."""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from handlers.kit.context import Context
from handlers.kit.i18n import N_, Gettext
from handlers.kit.labels import LIST_SEPARATOR
from storage.branches import BranchSettings
from storage.dues import ledger as dues_ledger
from storage.models import Branch, DuesAllocation, DuesPayment, Member
from storage.rules import dues as rules
from storage.rules.dues import yuan
from storage.rules.numbers import MoneyProblem, money
from storage.rules.vocabulary import DuesCategory

CATEGORY = {
    DuesCategory.EMPLOYED: N_("employed"),
    DuesCategory.RETIRED: N_("retired"),
    DuesCategory.STUDENT: N_("student"),
    DuesCategory.UNEMPLOYED: N_("unemployed"),
    DuesCategory.SUBSISTENCE: N_("on 低保"),
    DuesCategory.RURAL: N_("rural"),
    DuesCategory.OTHER: N_("other"),
}
SOURCE = {
    "declared": N_("declared by the member"),
    "set": N_("set by the 组织委员"),
    "confirmed": N_("confirmed by the member"),
    "table": N_("the fixed amount for the category"),
    "none": N_("not set yet"),
}
STATUS = {
    "pending": N_("waiting for confirmation"),
    "confirmed": N_("confirmed"),
    "rejected": N_("rejected"),
}
METHOD_WORDS = {
    "cash": ("现金", "cash"),
    "wechat": ("微信", "wechat", "weixin"),
    "alipay": ("支付宝", "alipay"),
    "transfer": ("转账", "银行转账", "transfer", "bank"),
    "other": ("其他", "other"),
}
METHOD = {
    "cash": N_("cash"), "wechat": N_("WeChat"), "alipay": N_("Alipay"), "transfer": N_("bank transfer"),
    "other": N_("other"), "unknown": N_("not said"),
}
PROXY_WORDS = ("代缴", "代交", "代", "by")

MONEY_PROBLEM = {
    MoneyProblem.NOT_A_NUMBER: N_("“{value}” is not an amount. Write it in 元 like 30, 30.5 or 3千."),
    MoneyProblem.NEGATIVE: N_("An amount cannot be negative: “{value}”. A mistake is corrected with /duesfix."),
    MoneyProblem.TOO_PRECISE: N_("“{value}” has more than two decimals; amounts are kept to the 分 (0.01 元)."),
    MoneyProblem.TOO_LARGE: N_("“{value}” is more than any monthly figure I take. Please check the amount."),
}


def method_of(word: str) -> str | None:
    word = word.strip().lower()
    return next((key for key, words in METHOD_WORDS.items() if word in words), None)


def read_money(ctx: Context, text: str) -> Decimal | None:
    """The amount ``text`` writes; answers with the reason and returns None when it is not one."""
    value = money(text)
    if isinstance(value, MoneyProblem):
        ctx.reply(ctx.t(MONEY_PROBLEM[value]).format(value=text.strip()[:30]))
        return None
    return value


def current_month(ctx: Context, branch: Branch) -> str:
    return rules.month_of(ctx.now.astimezone(ZoneInfo(branch.timezone)).date())


def months_text(t: Gettext, months: list[str]) -> str:
    """``2026-11``, ``2026-11~2027-01`` for a run, listed otherwise."""
    if not months:
        return "-"
    runs: list[list[str]] = [[months[0]]]
    for month in months[1:]:
        if rules.months_apart(runs[-1][-1], month) == 1:
            runs[-1].append(month)
        else:
            runs.append([month])
    return t(LIST_SEPARATOR).join(r[0] if len(r) == 1 else f"{r[0]}~{r[-1]}" for r in runs)


def amount_text(t: Gettext, amount: Decimal | None) -> str:
    return t(N_("{amount} 元")).format(amount=yuan(amount)) if amount is not None else t(N_("amount not known yet"))


async def check_months(ctx: Context, member: Member, branch: Branch, months: list[str], *, officer: bool,
                       override: str | None = None) -> bool:
    """Whether ``member`` can pay ``months`` now; answers why not. Months must be owed (after
    admission, before leaving), not further ahead than the branch allows, and not further back
    than the back-payment rule unless an officer gives a reason."""
    t = ctx.t
    current = current_month(ctx, branch)
    ahead = BranchSettings.of(branch).dues_ahead_months
    late = [m for m in months if rules.months_apart(current, m) > ahead]
    if late:
        ctx.reply(t(N_("{month} is too far ahead: your branch takes payments at most {ahead} months ahead (预交).")
                    ).format(month=late[0], ahead=ahead))
        return False
    owed = set(await dues_ledger.owed_months(ctx.session, member, months[0], months[-1]))
    not_owed = [m for m in months if m not in owed]
    if not_owed:
        first = await dues_ledger.first_owed(ctx.session, member)
        if first is not None and not_owed[0] < first:
            ctx.reply(t(N_("{name} owes no dues for {month}: that is before their membership (from {first}).")).format(
                name=member.name, month=not_owed[0], first=first))
        else:
            ctx.reply(t(N_("{name} owes no dues for {month}: they were not a Party member of the branch then.")).format(
                name=member.name, month=not_owed[0]))
        return False
    old = [m for m in months if rules.back_payment_needs_override(m, current)]
    if old and not override:
        if officer:
            ctx.reply(t(N_("{month} is more than {limit} months back. Back-payment (补交) beyond {limit} months needs "
                           "a reason: add it as the last part, for example | 补交原因：长期外出务工.")).format(
                month=old[0], limit=rules.BACKPAY_MONTHS))
        else:
            ctx.reply(t(N_("{month} is more than {limit} months back. Back-payment (补交) beyond {limit} months is "
                           "recorded by the 组织委员 with a reason: please talk to them.")).format(
                month=old[0], limit=rules.BACKPAY_MONTHS))
        return False
    return True


def payment_line(t: Gettext, payment: DuesPayment, rows: list[DuesAllocation], names: dict[int, str] | None = None) -> str:
    """``#12 2026-11~2026-12 60.00 元, cash — confirmed``."""
    months = months_text(t, [r.month for r in rows])
    amount = amount_text(t, rules.from_fen(payment.amount_fen) if payment.amount_fen is not None else None)
    if payment.source == "reversal":
        text = t(N_("#{number} correction of #{original}: {months} {amount}")).format(
            number=payment.id, original=payment.reverses_id, months=months, amount=amount)
    else:
        text = t(N_("#{number} {months} {amount}, {method} — {status}")).format(
            number=payment.id, months=months, amount=amount, method=t(METHOD.get(payment.method, METHOD["other"])),
            status=t(STATUS.get(payment.status, STATUS["pending"])))
    if payment.payer_id and names and payment.payer_id in names:
        text += " " + t(N_("(paid by {name})")).format(name=names[payment.payer_id])
    if payment.status == "rejected" and payment.reason:
        text += " " + t(N_("(reason: {reason})")).format(reason=payment.reason)
    return text


async def nothing_outstanding(ctx: Context, member: Member, months: list[str]) -> bool:
    """Whether ``member`` owes nothing more for ``months`` (so "what I owe" would be 0 元); says so."""
    book = await dues_ledger.ledger(ctx.session, member.branch_id, months[0], months[-1], member_ids=[member.id])
    lines = [book.line(member.id, m) for m in months]
    if all(line is not None and line.settled for line in lines):
        ctx.reply(ctx.t(N_("{name} owes nothing more for {months}. For a voluntary payment give the amount.")).format(
            name=member.name, months=months_text(ctx.t, months)))
        return True
    return False
