"""Who takes part in an activity and what counts: quorum, the check-in window, leave, catch-up.

Pure rules, no database: the storage and the handlers ask these functions and nothing else.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from fractions import Fraction

from storage.rules.vocabulary import ActivityKind, AttendanceStatus, PartyStatus, Role

# Party members are expected; activists (积极分子) may come to what is open to them and are
# recorded, but never counted as expected and never in a quorum.
EXPECTED_STATUSES = frozenset({PartyStatus.FULL, PartyStatus.PROBATIONARY})
VOTING_STATUSES = frozenset({PartyStatus.FULL})
OPEN_TO_ACTIVISTS = frozenset({ActivityKind.PARTY_LECTURE, ActivityKind.OTHER})

# A 支部党员大会 needs more than half of the voting members present; an election more than four-fifths.
QUORUM = {"meeting": Fraction(1, 2), "election": Fraction(4, 5)}

# What became of an expected person, as the record shows it.
TOOK_PART = frozenset({AttendanceStatus.PRESENT})
EXCUSED = frozenset({AttendanceStatus.ON_LEAVE})  # approved leave only: a pending request excuses nobody


def may_attend(kind: ActivityKind, status: PartyStatus) -> bool:
    """Whether someone of ``status`` may check in at all (expected or welcome)."""
    return status in EXPECTED_STATUSES or kind in OPEN_TO_ACTIVISTS


def quorum_met(present_voting: int, voting_expected: int, *, election: bool = False) -> bool:
    """More than half (an election: more than four-fifths) of the voting members present."""
    if voting_expected == 0:
        return False
    return Fraction(present_voting, voting_expected) > QUORUM["election" if election else "meeting"]


def checkin_window(starts_at: datetime, ends_at: datetime, *, before_minutes: int, after_minutes: int) -> tuple[datetime, datetime]:
    """When check-in opens and closes: the branch's minutes before the start and after the end."""
    return starts_at - timedelta(minutes=before_minutes), ends_at + timedelta(minutes=after_minutes)


def leave_deadline(starts_at: datetime, *, before_minutes: int) -> datetime:
    """Leave is asked in advance: until this long before the start (0: until the start)."""
    return starts_at - timedelta(minutes=before_minutes)


def proxy_deadline(checkin_closes_at: datetime, *, hours: int) -> datetime:
    """An officer may still check someone in on their behalf until this long after check-in closed."""
    return checkin_closes_at + timedelta(hours=hours)


def owes_makeup(status: AttendanceStatus) -> bool:
    """A member on approved leave owes a catch-up (补课)."""
    return status in EXCUSED


# --- who may act on whom --------------------------------------------------------------------

BRANCH_WIDE_ROLES = frozenset({Role.SECRETARY, Role.DEPUTY, Role.ORGANIZER, Role.PROPAGANDA})


def party_group_scope(roles: Iterable[Role], party_group: str | None) -> str | None:
    """The one party group an officer may act on, or None for the whole branch.

    A 党小组长 without a branch-wide role acts only on their own party group.
    """
    roles = set(roles)
    if roles & BRANCH_WIDE_ROLES or Role.GROUP_LEADER not in roles:
        return None
    return party_group or ""  # a group leader without a group may act on nobody
