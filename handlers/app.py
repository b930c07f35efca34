"""All features assembled into one router."""

from __future__ import annotations

from handlers import activities, branch, checkin, dialog, leave, record, roster
from handlers.context import Router


def build_router() -> Router:
    root = Router()
    # Order matters only for plain text: each dialog looks for its own conversation.
    for module in (dialog, branch, roster, activities, checkin, leave, record):
        root.include(module.router)
    return root
