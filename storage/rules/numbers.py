"""Numbers people type: one rule for every command argument, deep link and /set value.

Only ASCII digits count (full-width ones, typed by Chinese input methods, are read as ASCII).
``str.isdigit`` and ``int`` accept far more — "²", "①", "١٢" — and an unbounded value overflows
the 32-bit integer keys the database compares it with, so every number goes through here.
"""

from __future__ import annotations

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
