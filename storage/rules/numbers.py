"""Numbers people type: one rule for every command argument, deep link and /set value.

Only ASCII digits count (full-width ones, typed by Chinese input methods, are read as ASCII).
``str.isdigit`` and ``int`` accept far more — "²", "①", "١٢" — and an unbounded value overflows
the 32-bit integer keys the database compares it with, so every number goes through here.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

ID_MAX = 2**31 - 1  # the tables' integer keys (PostgreSQL INTEGER)
FULL_WIDTH_DIGITS = {0xFF10 + i: 0x30 + i for i in range(10)}  # ０..９
_ASCII_DIGITS = frozenset("0123456789")


def is_ascii_digits(text: str) -> bool:
    """Only 0-9, at least one: the digit rule shared with button data (handlers.kit.callbacks)."""
    return bool(text) and all(c in _ASCII_DIGITS for c in text)


def whole(text: str, low: int = 0, high: int = ID_MAX) -> int | None:
    """The whole number ``text`` writes, within ``low``..``high``; None for anything else
    (signs, decimals, exponents, other scripts' digits, or too many digits). Never raises."""
    digits = text.strip().translate(FULL_WIDTH_DIGITS)
    if not is_ascii_digits(digits) or len(digits.lstrip("0")) > len(str(high)):
        return None
    value = int(digits)
    return value if low <= value <= high else None


def row_id(text: str) -> int | None:
    """A row's number as people write it, ``12`` or ``#12``; None unless it could be a key."""
    text = text.strip()
    return whole(text[1:] if text.startswith(("#", "＃")) else text, 1, ID_MAX)


def looks_like_number(word: str) -> bool:
    """Whether a word was meant as a number (``12``, ``#12``, ``１２``, ``²``, ``-1``, ``1e3``) rather
    than part of a name: it is then read with ``row_id`` and, if that fails, answered "no such number"."""
    word = word.strip().lstrip("#＃").lstrip("+-")
    return bool(word) and word[0].isdigit()


# --- amounts of money (党费): what a Chinese user types, read to the 分 ----------------------

FULL_WIDTH_PUNCTUATION = {0xFF0E: ord("."), 0xFF0C: ord(","), 0x3002: ord("."), 0xFF0D: ord("-"), 0xFF0B: ord("+")}
_CURRENCY_WORDS = ("人民币", "rmb", "cny", "元整", "元", "块钱", "块", "¥", "￥", "yuan")
_MULTIPLIERS = {"千": 1000, "k": 1000, "万": 10000, "w": 10000}
MONEY_MAX = 10**7  # 一千万元: no monthly figure (an income, a payment) is larger


class MoneyProblem(StrEnum):
    """Why a typed amount was not taken; the handler says it in a sentence."""

    NOT_A_NUMBER = "not_a_number"
    NEGATIVE = "negative"
    TOO_PRECISE = "too_precise"  # more than two decimals: money is kept to the 分
    TOO_LARGE = "too_large"


def money(text: str, high: Decimal | int = MONEY_MAX) -> Decimal | MoneyProblem:
    """The amount in 元 that ``text`` writes, to the 分, or why not. Never raises.

    Takes ``30``, ``30.5``, ``30元``, ``￥30``, full-width ``３０００``, ``3千``, ``1.2万``, thousands
    separators ``3,000`` and a decimal comma ``3000,00``; refuses signs, exponents, other scripts'
    digits and more than two decimals.
    """
    raw = text.strip().translate(FULL_WIDTH_DIGITS).translate(FULL_WIDTH_PUNCTUATION).lower().replace(" ", "")
    if raw.startswith("-") or raw.startswith("负"):
        return MoneyProblem.NEGATIVE
    for word in _CURRENCY_WORDS:
        if raw.startswith(word):
            raw = raw[len(word):]
        if raw.endswith(word):
            raw = raw[: -len(word)]
    factor = 1
    if raw and raw[-1] in _MULTIPLIERS:
        factor, raw = _MULTIPLIERS[raw[-1]], raw[:-1]
    if "," in raw:
        head, _, tail = raw.rpartition(",")
        if "." not in raw and raw.count(",") == 1 and 1 <= len(tail) <= 2 and is_ascii_digits(head):
            raw = f"{head}.{tail}"  # 3000,00: a decimal comma
        elif all(is_ascii_digits(g) and len(g) == 3 for g in raw.split(".")[0].split(",")[1:]) \
                and 1 <= len(raw.split(",")[0]) <= 3:
            raw = raw.replace(",", "")  # 3,000 or 1,234.50: thousands
        else:
            return MoneyProblem.NOT_A_NUMBER
    whole_part, dot, fraction = raw.partition(".")
    if not is_ascii_digits(whole_part) or (dot and not is_ascii_digits(fraction)) or len(whole_part) > 12:
        return MoneyProblem.NOT_A_NUMBER
    value = Decimal(raw) * factor
    if value != value.quantize(Decimal("0.01")):
        return MoneyProblem.TOO_PRECISE
    if value > Decimal(high):
        return MoneyProblem.TOO_LARGE
    return value.quantize(Decimal("0.01"))
