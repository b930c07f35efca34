"""The last line before the database: every value written fits its column, on both backends.

SQLite stores anything; PostgreSQL refuses a NUL character in any text or JSON, a string longer
than its VARCHAR, and an INTEGER beyond 32 bits, and the whole transaction is lost. Requests are
cleaned where they arrive (handlers.kit.inbound) and handlers refuse what is too long with a
sentence; what still gets here (an audit target built from a long name, a file name) is made to
fit, with a warning, instead of failing the update for the person who sent it.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import JSON, Integer, String, event, inspect
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

INT32 = (-(2**31), 2**31 - 1)


def _no_nul(value: Any) -> Any:
    """A JSON value without NUL characters in any of its strings."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list):
        return [_no_nul(v) for v in value]
    if isinstance(value, dict):
        return {_no_nul(k): _no_nul(v) for k, v in value.items()}
    return value


def fit(obj: Any) -> None:
    """Trim and clean ``obj``'s column values in place; refuses an integer beyond its column."""
    state = inspect(obj)
    mapper = state.mapper
    for prop in mapper.column_attrs:
        column = prop.columns[0]
        value = state.dict.get(prop.key)  # loaded values only: reading an expired one would load it (no IO here)
        if value is None:
            continue
        kind = column.type
        if isinstance(kind, String) and isinstance(value, str):
            fitted = value.replace("\x00", "")
            if kind.length is not None and len(fitted) > kind.length:
                log.warning("%s.%s: %d characters cut to %d", mapper.class_.__name__, prop.key, len(fitted), kind.length)
                fitted = fitted[: kind.length]
            if fitted != value:
                setattr(obj, prop.key, fitted)
        elif isinstance(kind, JSON):
            fitted = _no_nul(value)
            if fitted != value:
                setattr(obj, prop.key, fitted)
        elif type(kind) is Integer and isinstance(value, int) and not INT32[0] <= value <= INT32[1]:
            raise ValueError(f"{mapper.class_.__name__}.{prop.key} = {value} does not fit a 32-bit column")


@event.listens_for(Session, "before_flush")
def _fit_all(session: Session, _context: Any, _instances: Any) -> None:
    for obj in [*session.new, *session.dirty]:
        fit(obj)
