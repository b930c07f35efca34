"""Fitting text into Telegram's limits."""

from __future__ import annotations

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_TOAST = 200  # the answer to a button press (answerCallbackQuery), alert or not


def fit_toast(text: str) -> str:
    """A toast within Telegram's limit: longer ones are cut at a word or line, with an ellipsis."""
    if len(text) <= MAX_TOAST:
        return text
    window = text[:MAX_TOAST - 1]
    cut = max(window.rfind(sep) for sep in ("\n", " ", "，", "、", "。"))
    return (window[:cut] if cut > MAX_TOAST // 2 else window).rstrip() + "…"


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Pieces of at most ``limit`` characters, cut at paragraph, then line, then word boundaries."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit]
        for sep in ("\n\n", "\n", " ", "、", "，"):
            cut = window.rfind(sep)
            if cut > limit // 2:
                pieces.append(rest[:cut].rstrip())
                rest = rest[cut + len(sep):].lstrip("\n")
                break
        else:
            pieces.append(window)
            rest = rest[limit:]
    if rest or not pieces:
        pieces.append(rest)
    return pieces
