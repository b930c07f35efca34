"""Notices (通知): compose with a preview, audiences, the 收到 ledger, reminders and the author's report."""

from handlers.broadcasts import compose
from handlers.broadcasts.compose import upkeep

router = compose.router

__all__ = ["router", "upkeep"]
