"""The branch calendar: recurring dates (/rule), what the calendar says and to whom (reminders, notices)."""

from handlers.calendar import commands
from handlers.calendar.reminders import Reminders

router = commands.router

__all__ = ["Reminders", "router"]
