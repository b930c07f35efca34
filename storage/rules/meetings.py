"""Which meetings a branch must hold, how often, and for whom (三会一课, 主题党日 and the yearly ones).

Pure data and date arithmetic: the calendar engine asks this module what is due and when to
warn; storage answers whether it was held. Local rules differ, so a branch may override a
kind's period or switch a requirement off in its settings JSON, under ``SETTINGS_KEY``::

    {"meeting_rules": {"party_lecture": "month", "talk": "off"}}

Keys are ``ActivityKind`` values; values are a ``Period`` value or ``"off"``. A kind that is
not in the table and is given a period becomes a requirement for any audience.

Whether a requirement was met is counted here too (``standing``), for the calendar's reminder,
the summary, the 三会一课 ledger and the committee roll-up alike: each reads the meetings held
(ended, not cancelled, someone present) as ``Held`` records and says which of a requirement's
periods it asks about; a meeting counts in a period when it is of the requirement's kind,
started in that period and was for the requirement's audience (any, for a requirement of
none), and for a per-group requirement only for the party group it was held for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from storage.rules.vocabulary import ActivityKind, Audience


class Period(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


MONTHS = {Period.MONTH: 1, Period.QUARTER: 3, Period.YEAR: 12}
# Officers are told this many days before the period ends (counted to the first day of the next):
# from the 21st of a 30-day month, early in a quarter's last month, and all through December.
WARN_DAYS_BEFORE_END = {Period.MONTH: 10, Period.QUARTER: 30, Period.YEAR: 31}

SETTINGS_KEY = "meeting_rules"
OFF = "off"


@dataclass(frozen=True)
class Requirement:
    """One kind of meeting to hold at least once per period.

    ``audience`` None: any audience counts. ``Audience.BRANCH``: only one for the whole branch
    counts. ``Audience.GROUP``: each party group needs its own, for that group.
    """

    kind: ActivityKind
    period: Period
    audience: Audience | None = None

    @property
    def per_group(self) -> bool:
        return self.audience == Audience.GROUP


REQUIRED: tuple[Requirement, ...] = (
    Requirement(ActivityKind.THEME_DAY, Period.MONTH),  # 主题党日
    Requirement(ActivityKind.COMMITTEE_MEETING, Period.MONTH),  # 支委会
    Requirement(ActivityKind.GROUP_MEETING, Period.MONTH, Audience.GROUP),  # 党小组会, per party group
    Requirement(ActivityKind.GENERAL_MEETING, Period.QUARTER, Audience.BRANCH),  # 支部党员大会
    Requirement(ActivityKind.PARTY_LECTURE, Period.QUARTER),  # 党课
    Requirement(ActivityKind.LIFE_MEETING, Period.YEAR),  # 组织生活会
    Requirement(ActivityKind.DEMOCRATIC_REVIEW, Period.YEAR),  # 民主评议党员
    Requirement(ActivityKind.TALK, Period.YEAR),  # 谈心谈话
)

# Kinds that are only what they are when the whole branch is called: a 支部党员大会 of one group is none.
WHOLE_BRANCH_KINDS = frozenset(r.kind for r in REQUIRED if r.audience == Audience.BRANCH)


def parse_overrides(raw: object) -> dict[ActivityKind, Period | None]:
    """A branch's overrides (None for a requirement switched off); ValueError names a bad entry."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ValueError(f"{SETTINGS_KEY} must map activity kinds to a period or {OFF!r}")
    overrides: dict[ActivityKind, Period | None] = {}
    for key, value in raw.items():
        try:
            kind = ActivityKind(key)
        except ValueError:
            raise ValueError(f"{SETTINGS_KEY}: {key!r} is not an activity kind") from None
        if value == OFF:
            overrides[kind] = None
            continue
        try:
            overrides[kind] = Period(value)
        except ValueError:
            raise ValueError(f"{SETTINGS_KEY}: {key} is {value!r}, not one of "
                             f"{', '.join(p.value for p in Period)} or {OFF}") from None
    return overrides


def requirements(raw_overrides: object = None) -> list[Requirement]:
    """The table with a branch's overrides applied, in table order (kinds only overridden come last)."""
    overrides = parse_overrides(raw_overrides)
    result = []
    for requirement in REQUIRED:
        if requirement.kind not in overrides:
            result.append(requirement)
        elif (period := overrides[requirement.kind]) is not None:
            result.append(replace(requirement, period=period))
    known = {r.kind for r in REQUIRED}
    result += [Requirement(kind, period) for kind, period in overrides.items()
               if kind not in known and period is not None]
    return result


def period_containing(day: date, period: Period) -> tuple[date, date]:
    """The month, quarter or calendar year holding ``day``: [its first day, the first day of the next)."""
    months = MONTHS[period]
    first_month = (day.month - 1) // months * months + 1
    start = date(day.year, first_month, 1)
    end_month = first_month + months
    end = date(day.year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    return start, end


def warn_now(day: date, period: Period) -> bool:
    """Whether ``day`` is close enough to the end of its period to tell the officers what is missing."""
    _start, end = period_containing(day, period)
    return (end - day).days <= WARN_DAYS_BEFORE_END[period]


def windows(start: date, end: date, period: Period) -> list[tuple[date, date]]:
    """The months, quarters or years (``period``) overlapping [start, end), in order, each whole."""
    found, day = [], start
    while day < end:
        found.append(period_containing(day, period))
        day = found[-1][1]
    return found


@dataclass(frozen=True)
class Held:
    """A meeting held (it ended, was not cancelled and someone was present), as ``standing`` counts it."""

    kind: ActivityKind
    audience: Audience
    group: str | None  # the party group it was held for
    on: date  # the (local) day it started, or any day of the period it is counted in (read by month or period)
    count: int = 1  # this many alike
    ref: object = None  # the caller's own, handed back in ``Standing.meetings``


@dataclass(frozen=True)
class Standing:
    """One requirement over one of its periods [start, end) (and one party group, for a per-group one)."""

    requirement: Requirement
    start: date
    end: date  # exclusive
    group: str | None
    meetings: tuple[Held, ...]  # those that count, in the order given
    held: int  # how many they are
    required: int = 1  # at least once per period

    @property
    def met(self) -> bool:
        return self.held >= self.required


Windows = Callable[[Requirement], Iterable[tuple[date, date]]]
Groups = Iterable[str] | Callable[[date, date], Iterable[str]]


def standing(required: Iterable[Requirement], periods: tuple[date, date] | Windows, groups: Groups,
             held: Iterable[Held], *, groups_that_held: bool = False) -> list[Standing]:
    """For each requirement, each of its periods and (per-group ones) each party group: the meetings counted.

    ``periods``: [start, end), every requirement's periods overlapping it (``windows``); or a function
    giving a requirement's periods (none: it is not asked about), each [start, end) to count in.
    ``groups``: the party groups that each owe their own meeting, or a function of a period giving them
    (asked only for per-group requirements). ``groups_that_held``: a group that held one in a period is
    listed for it as well, owing or not. In requirement order, then period order, then by group.
    """
    if callable(periods):
        periods_of = periods
    else:
        first, last = periods

        def periods_of(requirement: Requirement) -> Iterable[tuple[date, date]]:
            return windows(first, last, requirement.period)

    if callable(groups):
        groups_of = groups
    else:
        fixed = tuple(groups)

        def groups_of(start: date, end: date) -> Iterable[str]:
            return fixed

    by_kind: dict[ActivityKind, list[Held]] = {}
    for h in held:
        by_kind.setdefault(h.kind, []).append(h)
    result: list[Standing] = []
    for requirement in required:
        fits = [h for h in by_kind.get(requirement.kind, ())
                if requirement.audience is None or h.audience == requirement.audience]
        for start, end in periods_of(requirement):
            inside = tuple(h for h in fits if start <= h.on < end)
            if not requirement.per_group:
                result.append(Standing(requirement, start, end, None, inside, sum(h.count for h in inside)))
                continue
            by_group: dict[str | None, list[Held]] = {}
            for h in inside:
                by_group.setdefault(h.group, []).append(h)
            owing = set(groups_of(start, end))
            if groups_that_held:
                owing |= {g for g in by_group if g}
            for group in sorted(owing):
                mine = tuple(by_group.get(group, ()))
                result.append(Standing(requirement, start, end, group, mine, sum(h.count for h in mine)))
    return result
