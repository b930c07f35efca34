"""The roster: members, roles, invites, join requests, the roster file, leaving the group."""

from handlers.roster import members
from handlers.roster.import_file import MAX_FILE_BYTES, normalize_phone, parse_dues_category
from handlers.roster.members import named, reply_with_problems

router = members.router

__all__ = ["MAX_FILE_BYTES", "named", "normalize_phone", "parse_dues_category", "reply_with_problems", "router"]
