"""The Party-dues table (党费): who pays what each month, as data, with the branch's overrides.

Employed members pay a rate of the fixed regular part of their monthly pay after tax, retired
members of their pension, by brackets whose upper bounds are inclusive (3000 元 exactly is in
the first bracket). Students, the unemployed and members on 低保 pay a fixed 0.2 元; rural
members a fixed amount the branch sets, from 0.2 to 1 元. A month's amount is capped (1000 元
by default). Voluntary extra payments are allowed on top and are never owed.

Amounts are ``Decimal`` 元 to the 分, never float. The branch settings (storage.rules.settings)
hold the overrides: the cap, the rural amount and the rounding. Months are ``"YYYY-MM"`` strings,
as the ledger stores them; the helpers here do their arithmetic.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, ROUND_UP, Decimal

from storage.rules.numbers import FULL_WIDTH_DIGITS, whole
from storage.rules.vocabulary import DuesCategory

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Bracket:
    up_to: Decimal | None  # inclusive; None: no upper bound
    rate: Decimal


EMPLOYED = (
    Bracket(Decimal(3000), Decimal("0.005")),
    Bracket(Decimal(5000), Decimal("0.01")),
    Bracket(Decimal(10000), Decimal("0.015")),
    Bracket(None, Decimal("0.02")),
)
RETIRED = (
    Bracket(Decimal(5000), Decimal("0.005")),
    Bracket(None, Decimal("0.01")),
)
FIXED = Decimal("0.20")  # students, the unemployed, 低保
FIXED_CATEGORIES = frozenset({DuesCategory.STUDENT, DuesCategory.UNEMPLOYED, DuesCategory.SUBSISTENCE})
BY_BASIS = frozenset({DuesCategory.EMPLOYED, DuesCategory.RETIRED})  # need an income or a pension
RURAL_LOW, RURAL_HIGH = Decimal("0.20"), Decimal("1.00")
CAP = Decimal(1000)
BACKPAY_MONTHS = 6  # back-payment (补交) of more months needs an officer's override with a reason

ROUNDINGS = {0: ROUND_HALF_UP, 1: ROUND_DOWN, 2: ROUND_UP}  # the setting dues_rounding: 四舍五入, 舍去, 进位


@dataclass(frozen=True)
class Table:
    """The table one branch uses: the Party's brackets with the branch's cap, rural amount and rounding."""

    employed: tuple[Bracket, ...] = EMPLOYED
    retired: tuple[Bracket, ...] = RETIRED
    fixed: Decimal = FIXED
    rural: Decimal = RURAL_LOW
    cap: Decimal = CAP
    rounding: str = ROUND_HALF_UP
    brackets: Mapping[DuesCategory, tuple[Bracket, ...]] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "brackets", {DuesCategory.EMPLOYED: self.employed, DuesCategory.RETIRED: self.retired})
        if not RURAL_LOW <= self.rural <= RURAL_HIGH:
            raise ValueError(f"the rural amount is between {RURAL_LOW} and {RURAL_HIGH} 元")


def table(values: Mapping[str, int]) -> Table:
    """The table from a branch's settings values (``BranchSettings.of(branch).values``)."""
    return Table(
        rural=Decimal(values.get("dues_rural_fen", 20)) / 100,
        cap=Decimal(values.get("dues_cap_yuan", 1000)),
        rounding=ROUNDINGS.get(values.get("dues_rounding", 0), ROUND_HALF_UP),
    )


def rate(brackets: tuple[Bracket, ...], basis: Decimal) -> Decimal:
    """The rate of the bracket ``basis`` falls in; upper bounds are inclusive."""
    for bracket in brackets:
        if bracket.up_to is None or basis <= bracket.up_to:
            return bracket.rate
    return brackets[-1].rate


def needs_basis(category: DuesCategory) -> bool:
    return category in BY_BASIS


def monthly(rules: Table, category: DuesCategory, basis: Decimal | None = None) -> Decimal | None:
    """What a member of ``category`` owes a month by the table, capped and rounded to the 分.

    None when the table cannot say: an income or pension basis is missing, or the category is
    "other" (the 组织委员 sets the amount).
    """
    if category in FIXED_CATEGORIES:
        return rules.fixed.quantize(FEN)
    if category == DuesCategory.RURAL:
        return rules.rural.quantize(FEN)
    if category not in BY_BASIS or basis is None or basis < 0:
        return None
    amount = (basis * rate(rules.brackets[category], basis)).quantize(FEN, rounding=rules.rounding)
    return min(amount, rules.cap.quantize(FEN))


def with_extra(amount: Decimal, extra: Decimal) -> Decimal:
    """What a member pays a month with a voluntary extra on top: the cap limits what is owed, not what is given."""
    if extra < 0:
        raise ValueError("a voluntary extra is not negative")
    return (amount + extra).quantize(FEN)


def yuan(amount: Decimal | None) -> str:
    """``30.00`` as people read it; ``-`` for an amount not known."""
    return "-" if amount is None else f"{amount.quantize(FEN)}"


def to_fen(amount: Decimal) -> int:
    """The whole 分 of an amount already to the 分, as the ledger stores it."""
    return int((amount * 100).to_integral_value())


def from_fen(fen: int | None) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN) if fen else ZERO


# --- months ("YYYY-MM") ----------------------------------------------------------------------


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def month_index(month: str) -> int:
    return int(month[:4]) * 12 + int(month[5:7]) - 1


def from_index(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def add_months(month: str, count: int) -> str:
    return from_index(month_index(month) + count)


def months_from(first: str, last: str) -> Iterator[str]:
    """Every month from ``first`` to ``last``, both included."""
    for index in range(month_index(first), month_index(last) + 1):
        yield from_index(index)


def months_apart(earlier: str, later: str) -> int:
    return month_index(later) - month_index(earlier)


def first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def back_payment_needs_override(month: str, current: str, limit: int = BACKPAY_MONTHS) -> bool:
    """Whether paying ``month`` in ``current`` is a back-payment (补交) beyond the rule's months."""
    return months_apart(month, current) > limit


_RANGE_WORDS = ("~", "～", "..", "至", "到", "—", "–")
_LIST_SEPARATORS = (",", "，", "、", ";", "；")


def parse_month(text: str) -> str | None:
    """``2026-11``, ``2026-1``, ``2026/11``, ``2026年11月``, ``２０２６-１１`` → ``"2026-11"``; None otherwise."""
    raw = text.strip().translate(FULL_WIDTH_DIGITS).replace("年", "-").replace("/", "-").replace("．", "-")
    raw = raw.removesuffix("月").replace("－", "-")
    year, dash, number = raw.partition("-")
    if not dash or len(year) != 4:
        return None
    y, m = whole(year, 2000, 2100), whole(number, 1, 12)
    if y is None or m is None or len(number) > 2:
        return None
    return f"{y:04d}-{m:02d}"


MAX_MONTHS = 36  # one entry covers at most three years


def parse_months(text: str) -> list[str] | None:
    """The months ``text`` lists, in order and each once: ``2026-11``, ``2026-11~2027-01``,
    ``2026-11,2026-12``; None when any part is not a month, a range runs backwards or it is too long."""
    raw = text.strip()
    for sep in _LIST_SEPARATORS:
        raw = raw.replace(sep, " ")
    for word in _RANGE_WORDS:
        raw = raw.replace(word, "~")
    raw = raw.replace(" ~ ", "~").replace("~ ", "~").replace(" ~", "~")
    found: list[str] = []
    for part in raw.split():
        first, tilde, last = part.partition("~")
        a = parse_month(first)
        b = parse_month(last) if tilde else a
        if a is None or b is None or b < a or months_apart(a, b) >= MAX_MONTHS:
            return None
        found += [m for m in months_from(a, b) if m not in found]
    if not found or len(found) > MAX_MONTHS:
        return None
    return sorted(found)


def months_owed(changes: Iterable[tuple[date, bool]], first: str, last: str) -> list[str]:
    """The months from ``first`` to ``last`` a member owes dues for, from their membership history.

    ``changes`` holds, oldest first, each change's local date and whether from then on they were a
    Party member (probationary or full) on the roster. A month is owed when they were one on any of
    its days: a probationary member owes from the month of admission, one who left owes that month
    and nothing after it.
    """
    steps = list(changes)
    lo, hi = month_index(first), month_index(last)
    owed: set[int] = set()
    for index, (day, member) in enumerate(steps):
        end = steps[index + 1][0] if index + 1 < len(steps) else None
        if not member or (end is not None and end <= day):  # not a member then, or for no day at all
            continue
        # Owed from the month of ``day`` through the month of the span's last day (the day before ``end``).
        until = hi if end is None else (end.year * 12 + end.month - 1) - (end.day == 1)
        owed.update(range(max(lo, day.year * 12 + day.month - 1), min(hi, until) + 1))
    return [from_index(index) for index in sorted(owed)]


def allocate(total: Decimal | None, outstanding: list[tuple[str, Decimal | None]]) -> dict[str, Decimal | None]:
    """How a payment of ``total`` covers its months: each month in order gets what is still
    outstanding for it, while the money lasts; what is left over (a voluntary extra) goes to the
    last month. ``total`` None ("what I owe"): each month its outstanding amount, None where unknown."""
    if total is None:
        return {month: owed for month, owed in outstanding}
    shares: dict[str, Decimal | None] = {}
    left = total
    for month, owed in outstanding:
        share = min(left, max(owed or ZERO, ZERO))
        shares[month] = share.quantize(FEN)
        left -= share
    if outstanding and left > 0:
        last = outstanding[-1][0]
        shares[last] = (shares[last] + left).quantize(FEN)
    return shares
