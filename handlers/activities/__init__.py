"""Activities: creating and announcing them, check-in (button, command, QR code, by an officer), the record."""

from handlers.activities import checkin, create, record
from handlers.activities.checkin import not_for_you, pick_activity
from handlers.activities.create import (
    ANNOUNCEMENT,
    AskLeave,
    CheckIn,
    announce,
    announcement_at,
    announcement_key,
    describe,
    refresh_announcement,
    render_announcement,
)
from handlers.activities.record import render_record
from handlers.kit.router import Router

router = Router()
for _part in (create, checkin, record):
    router.include(_part.router)

__all__ = [
    "ANNOUNCEMENT", "AskLeave", "CheckIn", "announce", "announcement_at", "announcement_key", "describe", "not_for_you", "pick_activity",
    "refresh_announcement", "render_announcement", "render_record", "router",
]
