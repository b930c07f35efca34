"""All features assembled into one router."""

from __future__ import annotations

from handlers import (
    activities,
    branch,
    broadcast,
    checkin,
    dialog,
    leave,
    record,
    roster,
    schedule,
)
from handlers.context import Router


def build_router() -> Router:
    root = Router()
    # Order matters only for plain text: each dialog looks for its own conversation.
    # broadcast before roster: a file sent while composing a notice is the notice, not a roster.
    for module in (dialog, branch, broadcast, roster, activities, checkin, leave, record, schedule):
        root.include(module.router)
    return root
