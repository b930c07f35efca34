"""The six-month line (自行脱党): months without taking part in organisational life.

A member who, without good reason, takes part in no organisational life (or pays no dues) for
six consecutive months is treated as having left the Party. The branch is warned privately long
before: at two and at four months, once per stage; at six the member is flagged for the branch to
decide. Counted in calendar months from the first activity missed after the member last took part,
never in numbers of activities.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

WARN_AT_MONTHS = (2, 4)
LINE_MONTHS = 6


def months_between(start: date, end: date) -> int:
    """Whole months from ``start`` to ``end`` (Jan 31 → Mar 30 is one month, → Mar 31 two)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(months, 0)


@dataclass(frozen=True)
class Lapse:
    since: date  # the first activity missed without leave after the member last took part
    months: int

    @property
    def stage(self) -> int:
        """0, 2, 4 or 6: the highest line reached."""
        return max((m for m in (*WARN_AT_MONTHS, LINE_MONTHS) if self.months >= m), default=0)


def lapse(history: Iterable[tuple[date, bool]], today: date) -> Lapse | None:
    """The member's current lapse from their record, or None when they are not lapsing.

    ``history`` holds, for every activity the member was expected at that has ended, its date and
    whether they took part (present, or on approved leave: a good reason).
    """
    since = None
    for day, took_part in sorted(history):
        if took_part:
            since = None
        elif since is None:
            since = day
    if since is None:
        return None
    return Lapse(since, months_between(since, today))


def dues_arrears(months: Iterable[tuple[date, bool]], last: date) -> Lapse | None:
    """The run of months without dues that ends with ``last`` (the last month already due), or None.

    ``months`` holds, for each month the member owed (its first day), whether it is settled:
    paid, or waived (减免) — a waived month is settled and never counts as arrears. A month not
    owed (before admission, after leaving) is simply absent. ``months`` counts the months of the
    run, so two unpaid months are stage 2.
    """
    settled = dict(months)
    run: list[date] = []
    for day in sorted(settled, reverse=True):
        if day > last:
            continue
        if settled[day]:
            break
        if run and (run[-1].year * 12 + run[-1].month) - (day.year * 12 + day.month) != 1:
            break  # a month not owed in between (off the roster): the run ends there
        run.append(day)
    if not run:
        return None
    return Lapse(run[-1], len(run))
