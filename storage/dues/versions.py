"""Each branch's ``dues_version``: raised by every write that can change the branch's dues figures.

storage.dues.totals keeps figures computed at a version; once the version is raised they no longer
hold. The ORM listener here sees every such write made through any session (storage.db imports this
module, so it is always in place): rows of the dues tables and of the membership history, a
member's dues category, status or branch, the branch's time zone or a setting the dues table reads.
No writer has to remember it. A statement that bypasses the ORM (the conditional UPDATEs confirming
and rejecting a self-report, a data migration) calls ``touch``; a change of the ledger's own rules
raises ``storage.dues.totals.RULES`` instead.
"""

from __future__ import annotations

from itertools import chain

from sqlalchemy import event, inspect, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.models import Branch, DuesAllocation, DuesAmount, DuesPayment, DuesWaiver, Member, MembershipChange
from storage.rules import dues as dues_rules
from storage.rules.settings import REGISTRY


async def touch(session: AsyncSession, branch_id: int) -> None:
    """The branch's dues figures change in this transaction: what is stored of them no longer holds."""
    await session.execute(_raise(Branch.id == branch_id))


def _raise(where):
    return update(Branch).where(where).values(dues_version=Branch.dues_version + 1).execution_options(
        synchronize_session=False)


# What a write can change the figures through: rows of these tables, and these columns.
_BY_BRANCH = (DuesPayment, DuesWaiver)
_BY_MEMBER = (DuesAllocation, DuesAmount, MembershipChange)
_MEMBER_COLUMNS = ("dues_category", "status", "active", "created_at", "branch_id")


def _changed(obj, columns: tuple[str, ...]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[c].history.has_changes() for c in columns)


def _old(obj, column: str) -> list:
    """The values ``column`` had before this flush changed it."""
    return list(inspect(obj).attrs[column].history.deleted)


def _dues_table(settings) -> dues_rules.Table:
    return dues_rules.table(REGISTRY.values(settings or {}))


def _table_changed(branch: Branch) -> bool:
    """Whether the time zone, or the dues table the settings make (cap, rural amount, rounding), changed."""
    if _changed(branch, ("timezone",)):
        return True
    return _changed(branch, ("settings",)) and any(
        _dues_table(old) != _dues_table(branch.settings) for old in _old(branch, "settings"))


@event.listens_for(Session, "after_flush")
def _raise_versions(session: Session, _context) -> None:
    branch_ids: set[int] = set()
    member_ids: set[int] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, _BY_BRANCH):
            branch_ids.add(obj.branch_id)
        elif isinstance(obj, _BY_MEMBER):
            member_ids.add(obj.member_id)
        elif isinstance(obj, Member) and obj not in session.new and _changed(obj, _MEMBER_COLUMNS):
            branch_ids.update([obj.branch_id, *_old(obj, "branch_id")])  # moved: the branch left as well
        elif isinstance(obj, Branch) and obj not in session.new and _table_changed(obj):
            branch_ids.add(obj.id)
    branch_ids.discard(None)
    member_ids.discard(None)
    if not branch_ids and not member_ids:
        return
    where = []
    if branch_ids:
        where.append(Branch.id.in_(sorted(branch_ids)))
    if member_ids:
        where.append(Branch.id.in_(select(Member.branch_id).where(Member.id.in_(sorted(member_ids)))))
    session.connection().execute(_raise(or_(*where)))
