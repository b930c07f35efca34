"""Redraws as data: ``Refresh("announcement:12")`` names what to draw again, not how.

The feature that owns a kind ("announcement") registers its renderer at assembly
(handlers/app.py); the performer looks it up by the key's kind when the coalesced edit is due.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.kit.api import Edit
from handlers.kit.context import Env

# Gets a fresh session, the bot's environment and what follows the kind in the key ("12").
Renderer = Callable[[AsyncSession, Env, str], Awaitable[Edit | None]]
Redraw = Callable[[AsyncSession, str], Awaitable[Edit | None]]  # what the performer calls with a key


def refresh_key(kind: str, arg: object) -> str:
    return f"{kind}:{arg}"


class Renderers:
    def __init__(self) -> None:
        self._by_kind: dict[str, Renderer] = {}

    def register(self, kind: str, render: Renderer) -> None:
        if not kind or ":" in kind or kind in self._by_kind:
            raise ValueError(f"cannot register a renderer for {kind!r}")
        self._by_kind[kind] = render

    def knows(self, key: str) -> bool:
        return key.partition(":")[0] in self._by_kind

    async def render(self, session: AsyncSession, env: Env, key: str) -> Edit | None:
        kind, _, arg = key.partition(":")
        render = self._by_kind.get(kind)
        if render is None:
            raise LookupError(f"nothing draws {key!r}: its kind is not registered")
        return await render(session, env, arg)

    def for_env(self, env: Env) -> Redraw:
        async def redraw(session: AsyncSession, key: str) -> Edit | None:
            return await self.render(session, env, key)

        return redraw
