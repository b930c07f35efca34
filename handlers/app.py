"""All features assembled: one router, and the renderers of what a Refresh may name."""

from __future__ import annotations

from handlers import activities, branch, broadcasts, calendar, dues, leave, roster
from handlers.kit import dialog
from handlers.kit.events import Subscribers
from handlers.kit.renderers import Renderers
from handlers.kit.router import Router


def build_router() -> Router:
    root = Router()
    # Order matters only for plain text and files: each dialog looks for its own conversation.
    # Notices before the roster: a file sent while composing a notice is the notice, not a roster.
    for feature in (dialog, branch, broadcasts, roster, activities, leave, calendar, dues):
        root.include(feature.router)
    return root


def build_events() -> Subscribers:
    """Who reacts to which domain event; features publish and never call each other for this."""
    subscribers = Subscribers()
    # Points and summaries subscribe here, e.g. subscribers.subscribe(CheckedIn, points.on_checked_in).
    return subscribers


def build_renderers() -> Renderers:
    renderers = Renderers()
    renderers.register(activities.ANNOUNCEMENT, activities.render_announcement)  # the live count
    return renderers
