"""Domain events: a feature says what happened; whoever cares has subscribed at assembly.

A feature publishes (``await events.publish(ctx, CheckedIn(...))``) and never calls the features
that react (points, summaries); those register in ``handlers.app.build_events``. A subscriber
runs in the publisher's transaction, before it commits: what it writes commits or rolls back
with the cause, and an exception in it fails the whole update, so nothing of it is kept.
Publish only what really happened (a repeated tap is no new check-in).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from storage.rules.vocabulary import CheckinMethod

if TYPE_CHECKING:
    from handlers.kit.context import Context


@dataclass(frozen=True, kw_only=True)
class Event:
    branch_id: int
    at: datetime


@dataclass(frozen=True, kw_only=True)
class CheckedIn(Event):
    """A member became present at an activity (by button, command, QR code or an officer)."""

    activity_id: int
    member_id: int
    method: CheckinMethod
    recorded_by: int | None = None  # the officer's member id, for a check-in on someone's behalf


@dataclass(frozen=True, kw_only=True)
class LeaveDecided(Event):
    """An officer approved or refused a pending leave request."""

    activity_id: int
    member_id: int
    approved: bool
    decided_by: int  # the officer's member id


@dataclass(frozen=True)
class ServiceReported:
    """A volunteer-service report was submitted, or resubmitted after an edit: it waits for review."""

    report_id: int
    branch_id: int


E = TypeVar("E", bound=Event)
Subscriber = Callable[["Context", Any], Awaitable[None]]


class Subscribers:
    """Who listens to which kind of event; filled once at assembly."""

    def __init__(self) -> None:
        self._by_type: dict[type[Event], list[Subscriber]] = defaultdict(list)

    def subscribe(self, event_type: type[E], subscriber: Callable[[Context, E], Awaitable[None]]) -> None:
        self._by_type[event_type].append(subscriber)

    def of(self, event: Event) -> list[Subscriber]:
        """Subscribers of the event's type and of its base types, in the order they subscribed."""
        return [s for kind in type(event).__mro__ if kind in self._by_type for s in self._by_type[kind]]


async def publish(ctx: Context, event: Event) -> None:
    for subscriber in ctx.env.events.of(event):
        await subscriber(ctx, event)
