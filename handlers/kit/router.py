"""The router: which handler a request goes to, by command, button, event or plain text."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from handlers.kit import access
from handlers.kit.access import Can
from handlers.kit.api import Button, ChatType, Event, Request
from handlers.kit.callbacks import Callback, decode
from handlers.kit.context import Context, Env
from handlers.kit.i18n import N_
from storage import updates as update_store
from storage.rules.numbers import row_id

Handler = Callable[[Context], Awaitable[None]]
C = TypeVar("C", bound=Callback)
Pressed = Callable[[Context, C], Awaitable[None]]
Prepare = Callable[[Env, Request], Awaitable[Any]]


@dataclass(frozen=True)
class Route:
    """A handler and what the router checks before it runs.

    ``can``: only members whose role allows it; a refusal is answered and audited in one
    place (``access.officer``) and the handler never runs. ``member``: only someone on a
    roster. Either way the handler finds the asker's entry and branch as ``ctx.actor`` and
    ``ctx.branch``.
    """

    handler: Callable[..., Awaitable[None]]
    chats: frozenset[ChatType] | None = None  # None: any chat
    can: Can | None = None
    member: bool = False
    #: Slow work done before the handler's transaction (see ``prepare``); its result is ``ctx.prepared``.
    prepare: Prepare | None = None
    help: str | None = None  # N_ line for /help: what it does, with an example ({date}, {month}, ...)
    #: A file route only for someone whose open dialog is of this kind; for anyone else it is not there.
    dialog: str | None = None

    async def admits(self, ctx: Context) -> bool:
        if self.can is not None:
            ctx.acting = await access.officer(ctx, self.can)
        elif self.member:
            ctx.acting = await access.me(ctx)
        else:
            return True
        return ctx.acting is not None


PRIVATE = frozenset({ChatType.PRIVATE})
GROUP = frozenset({ChatType.GROUP, ChatType.SUPERGROUP})


class Router:
    """Commands, button prefixes, events and a fallback for plain private text."""

    def __init__(self) -> None:
        self.commands: dict[str, Route] = {}
        self.callbacks: dict[type[Callback], Route] = {}
        self.events: dict[Event, list[Handler]] = {}
        self.text_handlers: list[Handler] = []  # tried in order; each may decline by returning
        self.document_handlers: list[Route] = []
        self.start_payloads: dict[str, Handler] = {}
        self.menu: list[tuple[str, str]] = []  # (command, N_ description) for the command menu

    def command(
        self,
        *names: str,
        chats: Iterable[ChatType] | None = None,
        menu: str | None = None,
        can: Can | None = None,
        member: bool = False,
        help: str | None = None,
        prepare: Prepare | None = None,
    ) -> Callable[[Handler], Handler]:
        """``menu``: the short description in Telegram's command menu; ``help``: the line /help
        shows (defaults to the menu's). A command with neither is left out of /help.

        ``prepare(env, request)`` does slow work (an export) before the handler's transaction,
        for someone the route admits; its result is ``ctx.prepared``."""

        def register(fn: Handler) -> Handler:
            for name in names:
                if name in self.commands:
                    raise ValueError(f"command /{name} registered twice")
                self.commands[name] = Route(fn, frozenset(chats) if chats else None, can, member, prepare=prepare,
                                            help=help or menu)
            if menu:
                self.menu.append((names[0], menu))
            return fn

        return register

    def callback(
        self, kind: type[C], *, can: Can | None = None, member: bool = False, prepare: Prepare | None = None
    ) -> Callable[[Pressed[C]], Pressed[C]]:
        """A handler for one kind of button; it gets the decoded value: ``async def f(ctx, pressed)``.

        ``prepare(env, request)``: slow work before the handler's transaction, as for commands."""

        def register(fn: Pressed[C]) -> Pressed[C]:
            if kind in self.callbacks:
                raise ValueError(f"callback {kind.__name__} registered twice")
            self.callbacks[kind] = Route(fn, None, can, member, prepare=prepare)
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

    def document(
        self,
        fn: Handler | None = None,
        *,
        chats: Iterable[ChatType] | None = None,
        can: Can | None = None,
        prepare: Prepare | None = None,
        dialog: str | None = None,
    ) -> Any:
        """A handler for files; outside ``chats`` it declines, and ``can`` is checked as for commands.

        ``prepare(env, request)`` downloads and reads the file before the handler's transaction.
        ``dialog``: the route exists only for someone whose open dialog is of that kind (a file asked for).
        """

        def register(fn: Handler) -> Handler:
            self.document_handlers.append(Route(fn, frozenset(chats) if chats else None, can, prepare=prepare,
                                                dialog=dialog))
            return fn

        return register(fn) if fn is not None else register

    def include(self, other: Router) -> None:
        for name, route in other.commands.items():
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = route
        for kind, found in other.callbacks.items():
            if kind in self.callbacks:
                raise ValueError(f"callback {kind.__name__} registered twice")
            self.callbacks[kind] = found
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
NOTHING_ASKED = N_("I am not waiting for an answer from you just now. Send /help to see what I can do.")
BAD_LINK = N_("This link is not valid. Ask whoever sent it for a new one.")
# What Telegram itself allows in a t.me/<bot>?start= payload; anything else was typed or forged.
_PAYLOAD = re.compile(r"[A-Za-z0-9_-]{1,64}", re.ASCII)


async def route(router: Router, ctx: Context) -> None:
    req = ctx.request
    ctx.commands = router.commands  # /help lists what is registered
    if req.event == Event.CALLBACK:
        pressed = decode(req.callback_data)  # None for anything we did not make
        found = router.callbacks.get(type(pressed)) if pressed is not None else None
        if found is None:
            ctx.toast(ctx.t(STALE_BUTTON), alert=True)
        elif await found.admits(ctx):
            await found.handler(ctx, pressed)
        ctx.toast()  # every button press gets an answer, even a silent one
        return
    if req.event != Event.MESSAGE:
        for handler in router.events.get(req.event, []):
            await handler(ctx)
        return
    if req.command is not None:
        payload = router.start_payloads.get(req.args.partition("-")[0])
        if req.command == "start" and req.chat.is_private and payload is not None:
            if not _PAYLOAD.fullmatch(req.args):
                ctx.reply(ctx.t(BAD_LINK))
                return
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
        if await found.admits(ctx):
            await found.handler(ctx)
        return
    chain = router.document_handlers if req.document is not None else [Route(h) for h in router.text_handlers]
    for step in chain:
        if step.chats is not None and req.chat.type not in step.chats:
            continue
        if not await _in_dialog(ctx.session, req, step.dialog):
            continue
        before = len(ctx.actions)
        if await step.admits(ctx):
            await step.handler(ctx)
        if len(ctx.actions) != before:
            return
    if req.chat.is_private and req.user is not None:
        ctx.reply(ctx.t(NOTHING_ASKED))  # no message goes unanswered


async def _in_dialog(session, request: Request, kind: str | None) -> bool:
    """Whether a route for dialog ``kind`` (None: any route) is there for the sender of ``request``."""
    if kind is None:
        return True
    if request.user is None or not request.chat.is_private:
        return False
    conv = await update_store.get_conversation(session, request.user.id)
    return conv is not None and conv.kind == kind


async def prepare(router: Router, env: Env, request: Request) -> Any:
    """Run the ``prepare`` of the route a file goes to, outside any write transaction.

    On SQLite the update's transaction holds the one writer's turn, so a download and a parse
    inside it would hold up every other update (check-ins among them). Only someone the route
    would admit gets this far, checked quietly in a read session; the route checks again, and
    answers and audits a refusal, in its transaction. A route with neither ``can`` nor ``member``
    (a committee's, whose officers are on no branch roster) checks its asker in its own prepare.
    """
    if request.event == Event.CALLBACK:
        pressed = decode(request.callback_data)
        step = router.callbacks.get(type(pressed)) if pressed is not None else None
        return await _prepare_for(step, env, request) if step is not None and step.prepare else None
    if request.event != Event.MESSAGE:
        return None
    if request.command is not None:  # a command with slow work (an export); never a deep link
        step = router.commands.get(request.command)
        if step is None or step.prepare is None or (step.chats is not None and request.chat.type not in step.chats):
            return None
        return await _prepare_for(step, env, request)
    if request.document is None:
        return None
    for step in router.document_handlers:
        if step.chats is not None and request.chat.type not in step.chats:
            continue
        if step.dialog is not None:
            async with env.db.read() as session:
                if not await _in_dialog(session, request, step.dialog):
                    continue
        if step.prepare is None:
            return None
        return await _prepare_for(step, env, request)
    return None


async def _prepare_for(step: Route, env: Env, request: Request) -> Any:
    assert step.prepare is not None
    if step.can is None and not step.member:
        return await step.prepare(env, request)
    async with env.db.read() as session:
        probe = Context(request=request, session=session, env=env, now=env.clock(),
                        locale=env.catalogs.default_locale)
        found = await access.me(probe, quiet=True)
        # Asked before the session ends: its rollback expires what it loaded (the roles).
        admitted = found is not None and (step.can is None or access.may(found[0], step.can))
    if not admitted:
        return None
    return await step.prepare(env, request)


def button(text: str, pressed: Callback) -> Button:
    """A callback button carrying ``pressed``, encoded by the one codec (at most 64 bytes)."""
    return Button(text, data=pressed.encode())


def int_arg(value: str) -> int | None:
    """A row number typed by someone (a command argument, a deep link), or None: the one rule
    for numbers people type (storage.rules.numbers.row_id)."""
    return row_id(value)
