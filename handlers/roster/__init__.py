"""The roster: members, roles, invites, join requests, the roster file, leaving the group."""

from handlers.roster import members
from handlers.roster.import_file import parse_dues_category
from handlers.roster.members import named

router = members.router

__all__ = ["named", "parse_dues_category", "router"]
