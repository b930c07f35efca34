"""The router: which handler a request goes to, by command, button, event or plain text."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from handlers.kit.api import Button, ChatType, Event
from handlers.kit.context import Context
from handlers.kit.i18n import N_

Handler = Callable[[Context], Awaitable[None]]


@dataclass(frozen=True)
class Route:
    handler: Handler
    chats: frozenset[ChatType] | None  # None: any chat


PRIVATE = frozenset({ChatType.PRIVATE})
GROUP = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


class Router:
    """Commands, button prefixes, events and a fallback for plain private text."""

    def __init__(self) -> None:
        self.commands: dict[str, Route] = {}
        self.callbacks: dict[str, Handler] = {}
        self.events: dict[Event, list[Handler]] = {}
        self.text_handlers: list[Handler] = []  # tried in order; each may decline by returning
        self.document_handlers: list[Handler] = []
        self.start_payloads: dict[str, Handler] = {}
        self.menu: list[tuple[str, str]] = []  # (command, N_ description) for the command menu

    def command(
        self, *names: str, chats: Iterable[ChatType] | None = None, menu: str | None = None
    ) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            for name in names:
                if name in self.commands:
                    raise ValueError(f"command /{name} registered twice")
                self.commands[name] = Route(fn, frozenset(chats) if chats else None)
            if menu:
                self.menu.append((names[0], menu))
            return fn

        return register

    def callback(self, prefix: str) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            if prefix in self.callbacks:
                raise ValueError(f"callback prefix {prefix} registered twice")
            self.callbacks[prefix] = fn
            return fn

        return register

    def on(self, event: Event) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self.events.setdefault(event, []).append(fn)
            return fn

        return register

    def start_payload(self, prefix: str) -> Callable[[Handler], Handler]:
        """Deep links ``t.me/<bot>?start=<prefix>-...`` arrive as ``/start <prefix>-...``."""

        def register(fn: Handler) -> Handler:
            self.start_payloads[prefix] = fn
            return fn

        return register

    def text(self, fn: Handler) -> Handler:
        self.text_handlers.append(fn)
        return fn

    def document(self, fn: Handler) -> Handler:
        self.document_handlers.append(fn)
        return fn

    def include(self, other: Router) -> None:
        for name, route in other.commands.items():
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = route
        for prefix, fn in other.callbacks.items():
            if prefix in self.callbacks:
                raise ValueError(f"callback prefix {prefix} registered twice")
            self.callbacks[prefix] = fn
        for event, fns in other.events.items():
            self.events.setdefault(event, []).extend(fns)
        self.text_handlers.extend(other.text_handlers)
        self.document_handlers.extend(other.document_handlers)
        self.start_payloads.update(other.start_payloads)
        self.menu.extend(other.menu)


WRONG_CHAT = {
    PRIVATE: N_("Please send this command to me in a private chat."),
    GROUP: N_("Please send this command in the branch group."),
}
UNKNOWN_COMMAND = N_("I do not know the command /{command}. Send /help to see what I can do.")
STALE_BUTTON = N_("This button is no longer valid.")


async def route(router: Router, ctx: Context) -> None:
    req = ctx.request
    if req.event == Event.CALLBACK:
        prefix, _, _rest = (req.callback_data or "").partition(":")
        handler = router.callbacks.get(prefix)
        if handler is None:
            ctx.toast(ctx.t(STALE_BUTTON), alert=True)
        else:
            await handler(ctx)
        ctx.toast()  # every button press gets an answer, even a silent one
        return
    if req.event != Event.MESSAGE:
        for handler in router.events.get(req.event, []):
            await handler(ctx)
        return
    if req.command is not None:
        payload = router.start_payloads.get(req.args.partition("-")[0])
        if req.command == "start" and req.chat.is_private and payload is not None:
            await payload(ctx)  # a deep link: t.me/<bot>?start=<prefix>-...
            return
        found = router.commands.get(req.command)
        if found is None:
            if req.chat.is_private:
                ctx.reply(ctx.t(UNKNOWN_COMMAND).format(command=req.command))
            return  # in a group, commands may be meant for other bots
        if found.chats is not None and req.chat.type not in found.chats:
            ctx.reply(ctx.t(WRONG_CHAT[PRIVATE if PRIVATE <= found.chats else GROUP]))
            return
        await found.handler(ctx)
        return
    chain = router.document_handlers if req.document is not None else router.text_handlers
    for handler in chain:
        before = len(ctx.actions)
        await handler(ctx)
        if len(ctx.actions) != before:
            return


def button(text: str, *parts: object) -> Button:
    """A callback button whose data is ``prefix:arg:arg``; kept well under 64 bytes."""
    data = ":".join(str(p) for p in parts)
    if len(data.encode()) > 64:
        raise ValueError(f"callback data too long: {data!r}")
    return Button(text, data=data)


def callback_args(ctx: Context, count: int) -> list[str] | None:
    """The parts after the prefix, or None when the data is not what we made (forged, stale)."""
    parts = (ctx.request.callback_data or "").split(":")[1:]
    return parts if len(parts) == count else None


def int_arg(value: str) -> int | None:
    return int(value) if value.isdigit() and len(value) < 12 else None
