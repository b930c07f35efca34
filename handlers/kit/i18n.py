"""Translation markers for handlers.

Handlers never load catalogs themselves: the runtime hands each request a translator for the
person being answered. ``N_`` marks a message for extraction where it is translated later,
for example a reason kept in a data structure until we know whose language to answer in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now."""
    return message


@dataclass(frozen=True)
class LazyText:
    """A message id with its parameters, translated when the reader's language is known."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def render(self, gettext: "Gettext") -> str:
        return gettext(self.msgid).format(**self.params)


class Gettext(Protocol):
    def __call__(self, message: str, /) -> str: ...


class Catalogs(Protocol):
    """Provided by the runtime: loaded translation catalogs."""

    default_locale: str

    def gettext(self, locale: str) -> Gettext: ...

    def locale_for(self, language_code: str | None) -> str | None:
        """The supported locale for a Telegram language code, or None if unsupported."""
        ...
