"""A branch's dues collection month by month, kept so that many branches can be read at once.

The figures are derived, never entered: ``figures`` says what storage.dues.ledger's lines come to in
each month, and a stored row (``DuesMonthTotal``) holds them as computed at the branch's
``dues_version``. Every write that can change a branch's dues figures raises that version in its own
transaction: payments and their allocations, waivers, amounts, the membership history, a member's
dues category or status, the branch's settings and time zone (storage.dues.versions). A row computed
before then no longer holds and is computed again.

Reading the version before the ledger makes a refresh safe next to concurrent writes: a write that
commits after the version was read has raised it, so the rows written now are already out of date.

``read`` gives the figures for many branches over some months: the stored rows where they hold, the
ledger for the months that are not, so it is always what the ledger says now. ``refresh`` (the
calendar runs it on every tick) keeps stored what committees ask for: every branch that keeps its
dues here, from January of last year to the month after the current one (a month's figures do not
change with time, only with writes, so the new month is stored before it begins).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import Database
from storage.dues.ledger import Line, Totals, ledger
from storage.dues.ledger import keeping as dues_keeping
from storage.models import Branch, DuesMonthTotal
from storage.rules import dues as rules
from storage.rules.dues import to_fen

log = logging.getLogger(__name__)

#: The version of the ledger's rules the stored figures were computed by: raise it with any change
#: to storage.dues.ledger or storage.rules.dues that changes what a month comes to, and every stored
#: row is computed again.
RULES = 1
REFRESH_BUDGET = 3.0  # seconds of refreshing per calendar tick (every 20 s); the rest waits for the next one


@dataclass
class Figures:
    """The collection over some member-months: what the rate counts are those whose amount is known."""

    owed_fen: int = 0
    paid_fen: int = 0
    waived_fen: int = 0
    owing: int = 0  # member-months owed
    settled: int = 0  # of them, settled (paid or waived)
    unknown: int = 0  # of them, the amount not known (no basis declared): not in the money figures

    def add(self, other: Figures) -> None:
        self.owed_fen += other.owed_fen
        self.paid_fen += other.paid_fen
        self.waived_fen += other.waived_fen
        self.owing += other.owing
        self.settled += other.settled
        self.unknown += other.unknown


COLUMNS = ("owed_fen", "paid_fen", "waived_fen", "owing", "settled", "unknown")


def figures(lines: Iterable[Line], months: Iterable[str]) -> dict[str, Figures]:
    """The ledger's lines summed per month (every one of ``months``, zero where nothing was owed), as
    the ledger's own ``Totals`` sum them."""
    sums = {month: Totals() for month in months}
    for line in lines:
        if line.month in sums:
            sums[line.month].add(line)
    return {month: Figures(to_fen(t.owed), to_fen(t.paid_known), to_fen(t.waived), t.owing, t.settled, t.unknown)
            for month, t in sums.items()}


def _holds():
    """A stored row holds: computed at its branch's current dues version, by these rules."""
    return and_(Branch.id == DuesMonthTotal.branch_id, Branch.dues_version == DuesMonthTotal.version,
                DuesMonthTotal.rules == RULES)


async def read(session: AsyncSession, branch_ids: Iterable[int], first: str, last: str) -> dict[int, Figures]:
    """Each branch's figures over the months ``first``..``last``, as its ledger says now."""
    ids = sorted(set(branch_ids))
    months = list(rules.months_from(first, last))
    stored: dict[int, dict[str, Figures]] = {}
    for row in await session.execute(
            select(DuesMonthTotal.branch_id, DuesMonthTotal.month, *(getattr(DuesMonthTotal, c) for c in COLUMNS))
            .join(Branch, _holds())
            .where(DuesMonthTotal.branch_id.in_(ids), DuesMonthTotal.month >= first, DuesMonthTotal.month <= last)):
        stored.setdefault(row[0], {})[row[1]] = Figures(*row[2:])
    found = {}
    for branch_id in ids:
        parts = stored.get(branch_id, {})
        missing = [m for m in months if m not in parts]
        if missing:  # not stored yet, or out of date: the ledger itself, for those months
            book = await ledger(session, branch_id, missing[0], missing[-1])
            parts = {**figures(book.lines.values(), missing), **parts}
        total = Figures()
        for month in months:
            total.add(parts[month])
        found[branch_id] = total
    return found


def window(now: datetime, zone: str) -> tuple[str, str]:
    """The months ``refresh`` keeps stored for a branch: January of last year to next month."""
    today = now.astimezone(ZoneInfo(zone)).date()
    return f"{today.year - 1:04d}-01", rules.add_months(rules.month_of(today), 1)


async def refresh(db: Database, now: datetime, budget: float = REFRESH_BUDGET) -> int:
    """Store again the months that no longer hold (or never were) of each branch that keeps its dues
    here, for about ``budget`` seconds; returns how many branches were brought up to date.

    Each branch is read in a read session and written in a short transaction of its own, which
    first locks the branch's row and finds its version unchanged (else the rows would be out of date
    already: they are left for the next tick). A branch that fails is logged and the others go on."""
    async with db.read() as session:
        keeping = await dues_keeping(session)
        windows = {}
        for branch_id, zone in await session.execute(
                select(Branch.id, Branch.timezone).where(Branch.id.in_(keeping)).order_by(Branch.id)):
            try:
                windows[branch_id] = window(now, zone)
            except (ValueError, KeyError):  # an unreadable time zone (only possible by hand): not kept
                log.error("branch %s has an unreadable time zone %r: its dues totals are not kept", branch_id, zone)
        if not windows:
            return 0
        lowest, highest = min(w[0] for w in windows.values()), max(w[1] for w in windows.values())
        fresh: dict[int, set[str]] = {}
        for branch_id, month in await session.execute(
                select(DuesMonthTotal.branch_id, DuesMonthTotal.month).join(Branch, _holds())
                .where(DuesMonthTotal.month >= lowest, DuesMonthTotal.month <= highest)):
            fresh.setdefault(branch_id, set()).add(month)
    stale = [b for b, (first, last) in windows.items() if not set(rules.months_from(first, last)) <= fresh.get(b, set())]
    started, done = time.monotonic(), 0
    for branch_id in stale:
        if time.monotonic() - started > budget:
            break
        try:
            done += await _store(db, branch_id, *windows[branch_id])
        except Exception:
            log.exception("the dues totals of branch %s could not be stored; they are read from its ledger meanwhile",
                          branch_id)
    return done


async def _store(db: Database, branch_id: int, first: str, last: str) -> bool:
    months = list(rules.months_from(first, last))
    async with db.read() as session:
        version = await session.scalar(select(Branch.dues_version).where(Branch.id == branch_id))
        book = await ledger(session, branch_id, first, last)
        found = figures(book.lines.values(), months)
    async with db.session() as session:
        now_at = await session.scalar(select(Branch.dues_version).where(Branch.id == branch_id).with_for_update())
        if now_at != version:  # written to meanwhile: these figures are out of date already
            return False
        await session.execute(delete(DuesMonthTotal).where(
            DuesMonthTotal.branch_id == branch_id, DuesMonthTotal.month >= first, DuesMonthTotal.month <= last))
        await session.execute(insert(DuesMonthTotal), [
            {"branch_id": branch_id, "month": month, "version": version, "rules": RULES,
             **{c: getattr(f, c) for c in COLUMNS}} for month, f in found.items()])
    return True
