"""All features assembled: one router, and the renderers of what a Refresh may name."""

from __future__ import annotations

from handlers import (
    activities,
    branch,
    broadcasts,
    calendar,
    committee,
    dues,
    leave,
    ledgers,
    network,
    roster,
    service,
    summary,
)
from handlers.kit import dialog
from handlers.kit.events import ServiceReported, Subscribers
from handlers.kit.renderers import Renderers
from handlers.kit.router import Router


def build_router() -> Router:
    root = Router()
    # Order matters only for plain text and files: each dialog looks for its own conversation.
    # Notices before the roster: a file sent while composing a notice is the notice, not a roster.
    # The household file is taken only in its own dialog (a file route with dialog=), so it goes first.
    # Volunteer service before the roster too: a file sent during its photo step is answered, not imported.
    for feature in (dialog, network, branch, broadcasts, service, roster, activities, leave, calendar, ledgers,
                    committee, summary, dues):
        root.include(feature.router)
    return root


def build_events() -> Subscribers:
    """Who reacts to which domain event; features publish and never call each other for this."""
    subscribers = Subscribers()
    # Points and summaries subscribe here, e.g. subscribers.subscribe(CheckedIn, points.on_checked_in).
    subscribers.subscribe(ServiceReported, service.on_reported)  # the review card to the reviewers
    return subscribers


def build_renderers() -> Renderers:
    renderers = Renderers()
    renderers.register(activities.ANNOUNCEMENT, activities.render_announcement)  # the live count
    return renderers
