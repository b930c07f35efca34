"""Typed callback data: one codec for every button.

Each kind of button is a small declared type, a prefix and typed fields::

    class CheckIn(Callback, prefix="ci"):
        activity: Annotated[int, ID]

``CheckIn(12).encode()`` is ``"ci:12"``; ``decode("ci:12")`` is ``CheckIn(12)``. Button data comes
back from the client and is never trusted: anything that is not exactly what we would have
encoded (an unknown prefix, the wrong number of parts, a number out of range or written with
other digits than ASCII ones, a word not among the choices) decodes to None, and the router
answers "This button is no longer valid." before any handler runs.

The wire format is ``prefix:field:field`` and must stay as it is for every prefix in use:
buttons already posted in group chats, and rows already waiting in the outbox, carry it.
"""

from __future__ import annotations

import dataclasses
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, ClassVar, Self, dataclass_transform, get_type_hints

from storage.rules.numbers import ID_MAX, is_ascii_digits

MAX_BYTES = 64  # Telegram's limit for callback data
SEPARATOR = ":"


class Invalid(ValueError):
    """Callback data that we did not make."""


class Field(ABC):
    """How one value is written in callback data; ``width`` is the most bytes it can take."""

    width: int

    @abstractmethod
    def encode(self, value: Any) -> str: ...

    @abstractmethod
    def decode(self, text: str) -> Any: ...


@dataclasses.dataclass(frozen=True)
class Int(Field):
    """A whole number within ``low``..``high``, in ASCII digits without leading zeros."""

    low: int
    high: int

    def __post_init__(self) -> None:
        if not 0 <= self.low <= self.high:
            raise ValueError("Int fields are for non-negative ranges")

    @property
    def width(self) -> int:  # type: ignore[override]
        return len(str(self.high))

    def encode(self, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, int) or not self.low <= value <= self.high:
            raise ValueError(f"{value!r} is not a whole number from {self.low} to {self.high}")
        return str(value)

    def decode(self, text: str) -> int:
        # isdigit() alone would let through "²", "①" or "٣", which int() then chokes on or reads.
        if not is_ascii_digits(text) or len(text) > self.width or (len(text) > 1 and text[0] == "0"):
            raise Invalid(text)
        value = int(text)
        if not self.low <= value <= self.high:
            raise Invalid(text)
        return value


ID = Int(1, ID_MAX)  # a row id: the tables' integer keys
INDEX = Int(0, 999)  # a position in a short list kept with a dialog


class Choice(Field):
    """One of a few values, each written as a short word: ``Choice("ok", "no")``, ``Choice(*ActivityKind)``,
    or ``Choice({"f": PartyStatus.FULL, "p": PartyStatus.PROBATIONARY})`` for values written otherwise."""

    def __init__(self, *options: Any) -> None:
        if len(options) == 1 and isinstance(options[0], Mapping):
            self.by_word: dict[str, Any] = dict(options[0])
        else:
            self.by_word = {str(option): option for option in options}
        if not self.by_word or any(not word or SEPARATOR in word for word in self.by_word):
            raise ValueError("a choice needs words without ':'")
        self.by_value = {value: word for word, value in self.by_word.items()}
        self.width = max(len(word.encode()) for word in self.by_word)

    def encode(self, value: Any) -> str:
        try:
            return self.by_value[value]
        except (KeyError, TypeError):
            raise ValueError(f"{value!r} is not among {list(self.by_word)}") from None

    def decode(self, text: str) -> Any:
        if text not in self.by_word:
            raise Invalid(text)
        return self.by_word[text]


class Flag(Choice):
    """Yes or no, written 1 or 0."""

    def __init__(self) -> None:
        super().__init__({"1": True, "0": False})


@dataclasses.dataclass(frozen=True)
class Text(Field):
    """A short non-empty text (a party group's name); only the last field of a kind may be one,
    and it may contain ':'."""

    max_bytes: int

    @property
    def width(self) -> int:  # type: ignore[override]
        return self.max_bytes

    def encode(self, value: Any) -> str:
        if not isinstance(value, str) or not value or len(value.encode()) > self.max_bytes:
            raise ValueError(f"{value!r} is not a text of 1 to {self.max_bytes} bytes")
        return value

    def decode(self, text: str) -> str:
        if not text or len(text.encode()) > self.max_bytes or not text.isprintable():
            raise Invalid(text)
        return text


@dataclasses.dataclass(frozen=True)
class Tagged(Field):
    """A letter and a number in one part, like ``p0`` or ``c12``: decodes to ``("c", 12)``."""

    tags: str
    number: Int

    @property
    def width(self) -> int:  # type: ignore[override]
        return 1 + self.number.width

    def encode(self, value: Any) -> str:
        if not isinstance(value, tuple) or len(value) != 2 or value[0] not in self.tags or len(value[0]) != 1:
            raise ValueError(f"{value!r} is not a (tag, number) pair with a tag among {self.tags!r}")
        return value[0] + self.number.encode(value[1])

    def decode(self, text: str) -> tuple[str, int]:
        if not text or text[0] not in self.tags:
            raise Invalid(text)
        return text[0], self.number.decode(text[1:])


class AnyOf(Field):
    """The first of several fields that reads the text: ``AnyOf(Choice("b", "c"), INDEX)``."""

    def __init__(self, *options: Field) -> None:
        self.options = options
        self.width = max(option.width for option in options)

    def encode(self, value: Any) -> str:
        for option in self.options:
            try:
                return option.encode(value)
            except ValueError:
                continue
        raise ValueError(f"{value!r} fits none of the options")

    def decode(self, text: str) -> Any:
        for option in self.options:
            try:
                return option.decode(text)
            except Invalid:
                continue
        raise Invalid(text)


_KINDS: dict[str, type[Callback]] = {}


@dataclass_transform(frozen_default=True)
class Callback:
    """A kind of button; subclasses declare ``prefix=`` and their fields as ``Annotated[type, Field]``."""

    prefix: ClassVar[str]
    codec: ClassVar[tuple[tuple[str, Field], ...]]

    def __init_subclass__(cls, *, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or SEPARATOR in prefix or not prefix.isascii():
            raise ValueError(f"bad callback prefix {prefix!r}")
        if prefix in _KINDS:
            raise ValueError(f"callback prefix {prefix!r} declared twice ({_KINDS[prefix].__name__}, {cls.__name__})")
        dataclasses.dataclass(frozen=True)(cls)
        hints = get_type_hints(cls, include_extras=True)
        codec = []
        for field in dataclasses.fields(cls):  # type: ignore[arg-type]
            found = [m for m in getattr(hints[field.name], "__metadata__", ()) if isinstance(m, Field)]
            if len(found) != 1:
                raise TypeError(f"{cls.__name__}.{field.name} needs exactly one Field in Annotated[...]")
            codec.append((field.name, found[0]))
        if not codec or any(isinstance(f, Text) for _, f in codec[:-1]):
            raise TypeError(f"{cls.__name__}: at least one field, and only the last may be Text")
        width = len(prefix) + sum(len(SEPARATOR) + f.width for _, f in codec)
        if width > MAX_BYTES:
            raise TypeError(f"{cls.__name__} may take {width} bytes; callback data holds {MAX_BYTES}")
        cls.prefix, cls.codec = prefix, tuple(codec)
        _KINDS[prefix] = cls

    def __post_init__(self) -> None:
        self.encode()  # a value that cannot be written is a bug where the button is made

    def encode(self) -> str:
        return SEPARATOR.join([self.prefix, *(f.encode(getattr(self, name)) for name, f in self.codec)])

    @classmethod
    def make(cls, *values: Any) -> Self | None:
        """The button value, or None when the values do not fit (too long a name, out of range)."""
        try:
            return cls(*values)
        except ValueError:
            return None


def decode(data: str | None) -> Callback | None:
    """The button pressed, or None for anything we did not make; never raises."""
    try:
        if not data or len(data.encode()) > MAX_BYTES:  # a lone surrogate cannot be encoded: ValueError
            return None
        prefix, sep, rest = data.partition(SEPARATOR)
        kind = _KINDS.get(prefix)
        if kind is None:
            return None
        parts = rest.split(SEPARATOR, len(kind.codec) - 1)  # a Text last field keeps its ':'
        if not sep or len(parts) != len(kind.codec):
            return None
        return kind(**{name: f.decode(part) for (name, f), part in zip(kind.codec, parts)})
    except ValueError:  # Invalid, or a decoded value the kind refuses
        return None


def kinds() -> dict[str, type[Callback]]:
    """Every declared kind by prefix (for tests and documentation)."""
    return dict(_KINDS)
