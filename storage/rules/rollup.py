"""The committee roll-up: named indicators, one value per branch, and when a branch falls short.

Pure: no database. Each indicator is a key, a label, its columns (what a chart plots and an
.xlsx sheet has as columns, one row per branch) and a rule for falling short. Storage fills
the values (storage/committee/rollup.py); handlers word them. A new indicator (the dues
collection rate and volunteer hours were added so) is one more ``Indicator`` here and one compute
function there.

三会一课 compliance counts, for each requirement (storage.rules.meetings) whose period fits in
the period asked, every such sub-period (and party group, for a per-group meeting): met when a
meeting that counts for it was held in it (``storage.rules.meetings.standing``). A sub-period not
over yet counts only once met, so the current month is never "missing" a meeting that may still
be held; one that ended before the branch was set up in the bot is not counted (the bot has no
record of it), as in the summary and the 三会一课 ledger.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from storage.rules import meetings
from storage.rules.meetings import MONTHS, Requirement
from storage.rules.meetings import Period as Length
from storage.rules.periods import MONTHS as SPAN_MONTHS
from storage.rules.periods import Period, months_after
from storage.rules.vocabulary import ActivityKind, Audience, PartyStatus


def N_(message: str) -> str:
    """Marks a msgid for extraction; this package has no translations of its own."""
    return message


Value = int | Decimal | None


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # msgid
    unit: str = "count"  # count, percent, hours, yuan: how a sheet formats it


@dataclass(frozen=True)
class Cell:
    """One indicator for one branch."""

    values: Mapping[str, Value]
    short: bool = False
    missing: tuple[str, ...] = ()  # what is lacking, by key (the 三会一课 kinds not held)


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str  # msgid
    columns: tuple[Column, ...]
    #: The column a chart plots when it shows one figure per branch.
    headline: str
    #: Whether a branch falls short, given its cell values and the committee's settings.
    falls_short: Callable[[Mapping[str, Value], Mapping[str, object]], bool] = field(
        default=lambda values, settings: False)


def percent(part: int, whole: int) -> Decimal | None:
    """part/whole in percent to one decimal, or None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


# --- settings a committee may change (its settings JSON) ---------------------------------------

ATTENDANCE_MIN = "attendance_min_percent"
DUES_MIN = "dues_min_percent"
DEFAULTS: dict[str, object] = {ATTENDANCE_MIN: 80, DUES_MIN: 90}


def setting(settings: Mapping[str, object] | None, key: str) -> object:
    value = (settings or {}).get(key, DEFAULTS[key])
    return value if isinstance(value, int | float) and not isinstance(value, bool) else DEFAULTS[key]


# --- the indicators ------------------------------------------------------------------------------

MEMBERS = Indicator(
    "members", N_("Members"),
    (Column("full", N_("Full members")), Column("probationary", N_("Probationary members")),
     Column("party", N_("Party members")), Column("activist", N_("Activists"))),
    headline="party",
)

#: Short names of the kinds, for one line per branch and for column heads.
KIND_SHORT = {
    ActivityKind.THEME_DAY: N_("theme days"),
    ActivityKind.GENERAL_MEETING: N_("general meetings"),
    ActivityKind.COMMITTEE_MEETING: N_("committee meetings"),
    ActivityKind.GROUP_MEETING: N_("group meetings"),
    ActivityKind.PARTY_LECTURE: N_("lectures"),
    ActivityKind.LIFE_MEETING: N_("life meetings"),
    ActivityKind.DEMOCRATIC_REVIEW: N_("reviews"),
    ActivityKind.TALK: N_("talks"),
    ActivityKind.OTHER: N_("other"),
}

ACTIVITIES = Indicator(
    "activities", N_("Activities held"),
    tuple(Column(kind.value, KIND_SHORT[kind]) for kind in ActivityKind) + (Column("total", N_("All activities")),),
    headline="total",
)

MEETINGS = Indicator(
    "meetings", N_("三会一课 compliance"),
    (Column("required", N_("Meetings required")), Column("met", N_("Meetings held")),
     Column("rate", N_("Compliance"), "percent")),
    headline="rate",
    falls_short=lambda values, settings: (values.get("met") or 0) < (values.get("required") or 0),
)

ATTENDANCE = Indicator(
    "attendance", N_("Attendance"),
    (Column("expected", N_("Expected")), Column("present", N_("Present")), Column("on_leave", N_("On leave")),
     Column("rate", N_("Attendance rate"), "percent")),
    headline="rate",
    falls_short=lambda values, settings: values.get("rate") is not None
    and values["rate"] < Decimal(str(setting(settings, ATTENDANCE_MIN))),
)

#: Owed against settled (paid + waived) over the period's months, known amounts only; a branch that
#: keeps no dues in the ledger has no rate (shown "—", never 0%).
DUES = Indicator(
    "dues", N_("Dues collection"),
    (Column("owed", N_("Dues owed"), "yuan"), Column("paid", N_("Dues paid"), "yuan"),
     Column("waived", N_("Dues waived"), "yuan"), Column("outstanding", N_("Dues outstanding"), "yuan"),
     Column("rate", N_("Collection rate"), "percent")),
    headline="rate",
    falls_short=lambda values, settings: values.get("rate") is not None
    and values["rate"] < Decimal(str(setting(settings, DUES_MIN))),
)

#: Approved volunteer hours (the reporter and every confirmed teammate) and the people served.
SERVICE = Indicator(
    "service", N_("Volunteer service"),
    (Column("hours", N_("Volunteer hours"), "hours"), Column("people_served", N_("People served")),
     Column("reports", N_("Approved reports"))),
    headline="hours",
)

#: In the order the roll-up shows them.
INDICATORS: tuple[Indicator, ...] = (MEMBERS, ACTIVITIES, MEETINGS, ATTENDANCE, DUES, SERVICE)


def cell(indicator: Indicator, values: Mapping[str, Value], settings: Mapping[str, object] | None,
         missing: Iterable[str] = ()) -> Cell:
    return Cell(dict(values), indicator.falls_short(values, settings or {}), tuple(missing))


def members_cell(counts: Mapping[PartyStatus, int], settings: Mapping[str, object] | None = None) -> Cell:
    full, probationary = counts.get(PartyStatus.FULL, 0), counts.get(PartyStatus.PROBATIONARY, 0)
    return cell(MEMBERS, {"full": full, "probationary": probationary, "party": full + probationary,
                          "activist": counts.get(PartyStatus.ACTIVIST, 0)}, settings)


def activities_cell(counts: Mapping[ActivityKind, int], settings: Mapping[str, object] | None = None) -> Cell:
    values: dict[str, Value] = {kind.value: counts.get(kind, 0) for kind in ActivityKind}
    values["total"] = sum(counts.values())
    return cell(ACTIVITIES, values, settings)


def attendance_cell(expected: int, present: int, on_leave: int, settings: Mapping[str, object] | None = None) -> Cell:
    return cell(ATTENDANCE, {"expected": expected, "present": present, "on_leave": on_leave,
                             "rate": percent(present, expected)}, settings)


def dues_cell(owed_fen: int | None, paid_fen: int = 0, waived_fen: int = 0,
              settings: Mapping[str, object] | None = None) -> Cell:
    """``owed_fen`` None: the branch keeps no dues here (every figure None)."""
    if owed_fen is None:
        return cell(DUES, {c.key: None for c in DUES.columns}, settings)
    def yuan(fen: int) -> Decimal:
        return (Decimal(fen) / 100).quantize(Decimal("0.01"))
    return cell(DUES, {"owed": yuan(owed_fen), "paid": yuan(paid_fen), "waived": yuan(waived_fen),
                       "outstanding": yuan(owed_fen - paid_fen - waived_fen),
                       "rate": percent(paid_fen + waived_fen, owed_fen)}, settings)


def hours(minutes: int) -> Decimal:
    return (Decimal(minutes) / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def service_cell(minutes: int, people_served: int, reports: int, settings: Mapping[str, object] | None = None) -> Cell:
    return cell(SERVICE, {"hours": hours(minutes), "people_served": people_served, "reports": reports}, settings)


# --- 三会一课 compliance ---------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _pieces(period: Period, length: Length) -> tuple[tuple[date, date], ...]:
    """``length``'s periods in ``period``, in order; none when it is longer than ``period``."""
    months, span = MONTHS[length], SPAN_MONTHS[period.span]
    if months > span:
        return ()
    return tuple((months_after(period.start, i), months_after(period.start, i + months))
                 for i in range(0, span, months))


def compliance(period: Period, today: date, requirements: Iterable[Requirement], groups: Iterable[str],
               held: Iterable[meetings.Held], settings: Mapping[str, object] | None = None,
               founded: date | None = None) -> Cell:
    """How many of the meetings due in ``period`` were held (see the module's note); ``founded``: the
    (local) day the branch was set up in the bot."""

    def pieces(requirement: Requirement) -> list[tuple[date, date]]:
        return [p for p in _pieces(period, requirement.period) if founded is None or p[1] > founded]

    required = met = 0
    missing: list[str] = []
    for found in meetings.standing(requirements, pieces, groups, held):
        over, done = found.end <= today, found.met
        if done or over:
            required += 1
            met += done
        if over and not done and found.requirement.kind.value not in missing:
            missing.append(found.requirement.kind.value)
    return cell(MEETINGS, {"required": required, "met": met, "rate": percent(met, required)}, settings, missing)
