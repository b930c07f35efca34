"""Notices (通知): compose with a preview, audiences, the 收到 ledger, reminders and the author's report."""

from handlers.broadcasts import compose
from handlers.broadcasts.compose import upkeep
from handlers.broadcasts.wide import send_to_branches, wide_text

router = compose.router

__all__ = ["router", "upkeep", "send_to_branches", "wide_text"]
