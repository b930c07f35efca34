"""Recurring rules of a branch (支部): pure calendar logic, no database and no bot.

A branch keeps recurring dates: the monthly theme-activity day (主题党日), the monthly 支委会 and
党小组会, the quarterly 支部党员大会 and 党课, the monthly party-dues deadline. Each is a `Rule`
("the first Friday of every month at 09:00", "quarterly, on the 15th of the first month at 14:30")
with reminder `Offset`s ("3 days before at 09:00", "2 hours before").

Rules
-----
A rule is MONTHLY or QUARTERLY and names exactly one day of the month, either

* a fixed day, ``day`` = 1..31, or
* the ``nth`` (1..5, or -1 for the last) ``weekday`` (0 = Monday .. 6 = Sunday) of the month,

at the local wall-clock time ``at`` (default 09:00). A QUARTERLY rule happens in one month of each
calendar quarter, ``month_of_quarter`` = 1..3 (1 = January, April, July, October; the default).
A MONTHLY rule keeps ``month_of_quarter`` = 1.

Month ends and missing weekdays
-------------------------------
* A fixed day that a month lacks (29, 30, 31) falls on that month's last day: the 31st gives
  April 30, and the 30th or 31st gives February 28 (February 29 in a leap year).
* A fifth weekday (``nth`` = 5) in a month that has only four of them gives no occurrence in that
  month; it never spills into the next month. ``nth`` = -1 is always the last such weekday.

Time zones
----------
Times are wall-clock times in the branch's time zone (an IANA name for ``zoneinfo``). A date ``d``
becomes a moment as ``datetime.combine(d, rule.at, tzinfo=ZoneInfo(tz))`` converted to UTC, i.e.
with ``fold=0``. What zoneinfo does with ``fold=0`` (PEP 495), checked and tested:

* In a gap (spring forward: 02:30 does not exist on 2027-03-14 in America/New_York) ``fold=0``
  takes the offset in force *before* the transition (EST, -05:00). The result is 07:30 UTC, which
  reads 03:30 EDT: the occurrence happens after the gap, shifted forward by the gap's length.
* On an ambiguous time (fall back: 01:30 happens twice on 2027-11-07 in America/New_York)
  ``fold=0`` is the first of the two (EDT, -04:00): 05:30 UTC.

China (Asia/Shanghai) has no DST; branches abroad may use any zone.

Occurrences, moved and skipped
------------------------------
Every occurrence is identified by its ``key``: the local date the rule gives, which stays the same
when a single occurrence is moved. ``occurrences(rule, tz, start, end, moved=..., skipped=...)``
returns the occurrences with ``start <= at < end`` sorted by ``at`` (then by key), where

* ``skipped`` is a set of keys that are cancelled (skipping wins over moving);
* ``moved`` maps a key to its new aware datetime. A moved occurrence is included if and only if
  its NEW moment lies in the window, so an occurrence moved out of the window disappears from it
  and one moved into the window appears even when its original date lies outside.
* Keys in ``moved``/``skipped`` that are not dates of the rule (left over after the rule was
  changed) are ignored.

Offsets
-------
An ``Offset`` is a reminder before an occurrence (``days`` >= 0, ``hours`` >= 0, not both zero):

* ``Offset(days=3, at=time(9, 0))``: the occurrence's local date minus 3 days, at 09:00 local;
* ``Offset(hours=2)``: two hours (of real time) before the occurrence;
* ``Offset(days=1)``: the same local clock time one day earlier. This is wall-clock arithmetic,
  so it stays at the same clock time across a DST change (then re-localised with ``fold=0``);
* ``Offset(days=1, hours=2)``: one local day earlier, then two hours before that.

``at`` needs ``days`` >= 1 and cannot be combined with ``hours``.

Text
----
``parse_rule`` and ``parse_offsets`` read Chinese and English, e.g. "每月第一个周五 09:00",
"每季度第一个月15日 14:30", "monthly on the 20th at 18:00", "quarterly second tuesday" and
"提前3天 09:00, 提前2小时", "3 days before at 09:00; 2h". A missing time means 09:00. Bad input
raises ``ValueError`` saying what was not understood, with an example.

* Weekdays: 周一..周日, 星期一..星期日/星期天, 礼拜一..礼拜天; monday..sunday, mon..sun (also tue/tues,
  thu/thur/thurs). Ordinals: 第一个/第1个 .. 第五个, 最后一个 (倒数第一个); first..fifth, 1st..5th, last.
* Days: 20日, 20号, 二十日; the 20th, 20th, day 20. A bare number ("monthly 20") is refused as
  ambiguous between a day and a time.
* Times: 09:00, 9:00, 18：00, 9am, 2:30pm, at 9, noon, 9点, 9点30分, 下午3点半, 晚上8点.
* Month of the quarter (quarterly only): 第一个月..第三个月, 首月, 最后一个月; first..third month,
  1st..3rd month, last month (of the quarter). Without one, the first month.
* Offsets are separated by commas, semicolons (ASCII or full-width), 、 or new lines; units are
  天/日/days/d and 小时/hours/hrs/h; a time of day needs days. Exact duplicates are dropped.

``describe_rule`` and
``describe_offset`` write a rule back in either language ("zh…" locales give Chinese, any other
English); what they write parses back to the same rule or offset.

JSON
----
``Rule.to_json()`` / ``Offset.to_json()`` give plain dicts with always the same keys, for a JSON
database column; ``from_json`` reads them back (missing optional keys take their defaults, unknown
keys are refused) and validates like the constructors.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from storage.rules.dates import MAX_REMINDER_DAYS, MAX_REMINDER_HOURS

__all__ = [
    "Frequency",
    "Occurrence",
    "Offset",
    "Rule",
    "describe_offset",
    "describe_rule",
    "occurrence_dates",
    "occurrences",
    "parse_offsets",
    "parse_rule",
]


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


# --------------------------------------------------------------------------- validation helpers


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_time(value: object, name: str) -> None:
    if not isinstance(value, time):
        raise ValueError(f"{name} must be a datetime.time, not {value!r}")
    if value.tzinfo is not None:
        raise ValueError(f"{name} must be a local (naive) time without tzinfo, not {value!r}")


def _time_to_json(value: time) -> str:
    return value.isoformat(timespec="seconds" if value.second or value.microsecond else "minutes")


def _time_from_json(value: object, name: str) -> time:
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a string like '09:00', not {value!r}")
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name} must be a time like '09:00', not {value!r}") from None
    if parsed.tzinfo is not None:
        raise ValueError(f"{name} must be a local time without an offset, not {value!r}")
    return parsed


def _json_fields(cls_name: str, data: object, allowed: tuple[str, ...]) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"{cls_name} JSON must be an object, not {data!r}")
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValueError(f"{cls_name} JSON has unknown keys {unknown}; expected only {list(allowed)}")
    return data


def _zone(tz: ZoneInfo | str) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    if isinstance(tz, str):
        try:
            return ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {tz!r}; use an IANA name like 'Asia/Shanghai'") from None
    raise ValueError(f"time zone must be a ZoneInfo or an IANA name like 'Asia/Shanghai', not {tz!r}")


def _require_aware(value: object, name: str) -> datetime:
    if not isinstance(value, datetime):
        raise ValueError(f"{name} must be a datetime, not {value!r}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, not the naive {value!r}")
    return value


def _local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The UTC moment of wall-clock `at` on `day` in `zone` (fold=0, see the module docstring)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


# --------------------------------------------------------------------------- Rule


_RULE_KEYS = ("frequency", "day", "weekday", "nth", "month_of_quarter", "at")


@dataclass(frozen=True)
class Rule:
    frequency: Frequency
    day: int | None = None  # 1..31: a fixed day of the month
    weekday: int | None = None  # 0=Monday .. 6=Sunday, with nth
    nth: int | None = None  # 1..5, or -1 for the last such weekday of the month
    month_of_quarter: int = 1  # 1..3, for QUARTERLY: which month of each quarter
    at: time = time(9, 0)  # local time of day

    def __post_init__(self) -> None:
        try:
            frequency = Frequency(self.frequency)
        except ValueError:
            raise ValueError(
                f"frequency must be 'monthly' or 'quarterly', not {self.frequency!r}"
            ) from None
        object.__setattr__(self, "frequency", frequency)

        for name in ("day", "weekday", "nth"):
            value = getattr(self, name)
            if value is not None and not _is_int(value):
                raise ValueError(f"{name} must be an integer or None, not {value!r}")
        if not _is_int(self.month_of_quarter):
            raise ValueError(f"month_of_quarter must be an integer 1..3, not {self.month_of_quarter!r}")

        by_weekday = self.weekday is not None or self.nth is not None
        if self.day is not None and by_weekday:
            raise ValueError(
                "a rule takes either a fixed day of the month (day) or a weekday with nth, not both"
            )
        if self.day is None and not by_weekday:
            raise ValueError(
                "a rule needs a day of the month (day=20) or a weekday with nth "
                "(weekday=4, nth=1 for the first Friday)"
            )
        if self.day is not None and not 1 <= self.day <= 31:
            raise ValueError(f"day must be 1..31, not {self.day}")
        if by_weekday:
            if self.weekday is None or self.nth is None:
                raise ValueError(
                    "weekday and nth go together: e.g. weekday=4, nth=1 for the first Friday, "
                    "nth=-1 for the last"
                )
            if not 0 <= self.weekday <= 6:
                raise ValueError(f"weekday must be 0 (Monday) .. 6 (Sunday), not {self.weekday}")
            if self.nth not in (1, 2, 3, 4, 5, -1):
                raise ValueError(f"nth must be 1..5, or -1 for the last, not {self.nth}")
        if not 1 <= self.month_of_quarter <= 3:
            raise ValueError(f"month_of_quarter must be 1..3, not {self.month_of_quarter}")
        if frequency is Frequency.MONTHLY and self.month_of_quarter != 1:
            raise ValueError("month_of_quarter applies only to quarterly rules; keep it 1 for monthly")
        _check_time(self.at, "at")

    def to_json(self) -> dict[str, Any]:
        return {
            "frequency": self.frequency.value,
            "day": self.day,
            "weekday": self.weekday,
            "nth": self.nth,
            "month_of_quarter": self.month_of_quarter,
            "at": _time_to_json(self.at),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Rule:
        fields = _json_fields("Rule", data, _RULE_KEYS)
        if "frequency" not in fields:
            raise ValueError("Rule JSON needs 'frequency' ('monthly' or 'quarterly')")
        return cls(
            frequency=fields["frequency"],
            day=fields.get("day"),
            weekday=fields.get("weekday"),
            nth=fields.get("nth"),
            month_of_quarter=fields.get("month_of_quarter", 1),
            at=_time_from_json(fields["at"], "at") if "at" in fields else time(9, 0),
        )


# --------------------------------------------------------------------------- Offset


_OFFSET_KEYS = ("days", "hours", "at")


@dataclass(frozen=True)
class Offset:
    days: int = 0  # 3 → three days before (at `at` local time if given, else same clock time)
    hours: int = 0  # 2 → two hours before the occurrence
    at: time | None = None  # with days: the local time of that day, e.g. 09:00

    def __post_init__(self) -> None:
        for name in ("days", "hours"):
            value = getattr(self, name)
            if not _is_int(value) or value < 0:
                raise ValueError(f"{name} must be a whole number >= 0, not {value!r}")
        # Bounded, so that no stored reminder can overflow the date arithmetic of a later read.
        if self.days > MAX_REMINDER_DAYS or self.hours > MAX_REMINDER_HOURS:
            raise ValueError(f"a reminder comes at most {MAX_REMINDER_DAYS} days or {MAX_REMINDER_HOURS} hours ahead")
        if self.days == 0 and self.hours == 0:
            raise ValueError("an offset needs days or hours before the occurrence, e.g. Offset(hours=2)")
        if self.at is not None:
            _check_time(self.at, "at")
            if self.days < 1:
                raise ValueError("a time of day (at) needs days >= 1, e.g. Offset(days=1, at=time(9, 0))")
            if self.hours:
                raise ValueError("an offset takes either a time of day (at) or hours, not both")

    def moment(self, occurrence: datetime, tz: ZoneInfo | str) -> datetime:
        """The aware UTC moment of this reminder for an occurrence happening at `occurrence`."""
        _require_aware(occurrence, "occurrence")
        zone = _zone(tz)
        if self.at is not None:
            day = occurrence.astimezone(zone).date() - timedelta(days=self.days)
            return _local_to_utc(day, self.at, zone)
        result = occurrence.astimezone(UTC)
        if self.days:
            wall = occurrence.astimezone(zone).replace(tzinfo=None, fold=0) - timedelta(days=self.days)
            result = wall.replace(tzinfo=zone).astimezone(UTC)
        return result - timedelta(hours=self.hours)

    def to_json(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "hours": self.hours,
            "at": None if self.at is None else _time_to_json(self.at),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Offset:
        fields = _json_fields("Offset", data, _OFFSET_KEYS)
        at = fields.get("at")
        return cls(
            days=fields.get("days", 0),
            hours=fields.get("hours", 0),
            at=None if at is None else _time_from_json(at, "at"),
        )


# --------------------------------------------------------------------------- calendar


@dataclass(frozen=True)
class Occurrence:
    key: date  # the date the rule itself gives: the identity of this occurrence, stable when moved
    at: datetime  # aware UTC moment it actually happens (moved or not)
    moved: bool


def _months(start: date, end: date):
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        month += 1
        if month == 13:
            year, month = year + 1, 1


def _date_in_month(rule: Rule, year: int, month: int) -> date | None:
    """The rule's date in this month, or None (a fifth weekday the month lacks, a quarter's other month)."""
    if rule.frequency is Frequency.QUARTERLY and (month - 1) % 3 != rule.month_of_quarter - 1:
        return None
    last = calendar.monthrange(year, month)[1]
    if rule.day is not None:
        return date(year, month, min(rule.day, last))
    assert rule.weekday is not None and rule.nth is not None
    if rule.nth == -1:
        last_weekday = date(year, month, last).weekday()
        return date(year, month, last - (last_weekday - rule.weekday) % 7)
    first = 1 + (rule.weekday - date(year, month, 1).weekday()) % 7
    day = first + 7 * (rule.nth - 1)
    return date(year, month, day) if day <= last else None


def _is_rule_date(rule: Rule, day: date) -> bool:
    return _date_in_month(rule, day.year, day.month) == day


def occurrence_dates(rule: Rule, start: date, end: date) -> list[date]:
    """The local dates the rule gives in [start, end], both included, in order."""
    if start > end:
        return []
    result = []
    for year, month in _months(start, end):
        day = _date_in_month(rule, year, month)
        if day is not None and start <= day <= end:
            result.append(day)
    return result


def occurrences(
    rule: Rule,
    tz: ZoneInfo | str,
    start: datetime,
    end: datetime,
    *,
    moved: Mapping[date, datetime] | None = None,
    skipped: set[date] | frozenset[date] | None = None,
) -> list[Occurrence]:
    """Occurrences with start <= at < end, sorted by `at`; see the module docstring for moved/skipped."""
    zone = _zone(tz)
    _require_aware(start, "start")
    _require_aware(end, "end")
    moved = dict(moved or {})
    skipped = set(skipped or ())
    for key, new in moved.items():
        if isinstance(key, datetime) or not isinstance(key, date):
            raise ValueError(f"moved keys must be dates (the rule's date), not {key!r}")
        _require_aware(new, f"moved[{key}]")
    if end <= start:
        return []

    result = []
    first = start.astimezone(zone).date() - timedelta(days=2)
    last = end.astimezone(zone).date() + timedelta(days=2)
    for day in occurrence_dates(rule, first, last):
        if day in skipped or day in moved:
            continue
        at = _local_to_utc(day, rule.at, zone)
        if start <= at < end:
            result.append(Occurrence(key=day, at=at, moved=False))
    for key, new in moved.items():
        if key in skipped or not _is_rule_date(rule, key):
            continue
        at = new.astimezone(UTC)
        if start <= at < end:
            result.append(Occurrence(key=key, at=at, moved=True))
    result.sort(key=lambda o: (o.at, o.key))
    return result


# --------------------------------------------------------------------------- parsing

RULE_EXAMPLES = (
    "e.g. '每月第一个周五 09:00', '每月20日 18:00', '每季度第一个月15日 14:30', "
    "'monthly first friday 09:00', 'monthly on the 20th at 18:00' or 'quarterly second tuesday 15:00'"
)
OFFSET_EXAMPLES = "e.g. '提前3天 09:00, 提前2小时' or '3 days before at 09:00, 2 hours before'"

_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# Arabic digits, or a Chinese number up to 九十九 not glued to a weekday name (周五十点 is 周五 10:00).
_NUM = (
    r"(?:(?<!\d)\d{1,3}(?!\d)"
    r"|(?<![周期拜])(?:[一二两三四五六七八九]?十[一二三四五六七八九]?|[零〇一二两三四五六七八九]))"
)

_EN_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_EN_WEEKDAYS = {
    "monday": 0, "mon": 0,
    "tuesday": 1, "tues": 1, "tue": 1,
    "wednesday": 2, "weds": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3,
    "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
_EN_WEEKDAY = r"(?:" + "|".join(sorted(_EN_WEEKDAYS, key=len, reverse=True)) + r")"
_ZH_WEEKDAY = r"(?:周|星期|礼拜)\s*[一二三四五六日天]"
_EN_ORDINAL = r"(?:first|second|third|fourth|fifth|last|\d{1,2}\s*(?:st|nd|rd|th))"


def _number(text: str) -> int:
    """An Arabic or a small Chinese number (一 .. 九十九)."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            raise ValueError(f"not a number: {text!r}")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    if len(text) != 1 or text not in _CN_DIGITS:
        raise ValueError(f"not a number: {text!r}")
    return _CN_DIGITS[text]


def _ordinal(text: str) -> int:
    text = re.sub(r"\s+", "", text)
    if text in _EN_ORDINALS:
        return _EN_ORDINALS[text]
    return _number(re.sub(r"(st|nd|rd|th)$", "", text))


def _normalize(text: str) -> str:
    # NFKC folds full-width digits and punctuation (：，；) into their ASCII forms.
    return unicodedata.normalize("NFKC", text).lower().strip()


class _Scanner:
    """Takes recognised pieces out of a text, leaving a blank in their place."""

    def __init__(self, text: str) -> None:
        self.text = text

    def take(self, pattern: str) -> list[re.Match[str]]:
        found = list(re.finditer(pattern, self.text))
        if found:
            self.text = re.sub(pattern, " ", self.text)
        return found

    def leftover(self, fillers: str) -> list[str]:
        rest = re.sub(fillers, " ", self.text)
        return rest.split()


_PERIOD = r"(?P<period>上午|早上|早晨|凌晨|中午|下午|傍晚|晚上)"
_AMPM = r"(?P<ampm>a\.?m\.?|p\.?m\.?)(?![a-z])"
_TIME_PATTERNS = (
    # 09:00, 09:00:30, 9:00 pm, 下午2:30
    (
        rf"(?:{_PERIOD}\s*)?(?<!\d)(?P<hour>\d{{1,2}})\s*:\s*(?P<minute>\d{{2}})(?::(?P<second>\d{{2}}))?(?!\d)"
        rf"(?:\s*{_AMPM})?"
    ),
    # 9am, 2 pm
    rf"(?<!\d)(?P<hour>\d{{1,2}})\s*{_AMPM}",
    # 9点, 9点30分, 下午3点半, 十四时
    rf"(?:{_PERIOD}\s*)?(?P<hour>{_NUM})\s*[点时](?:\s*(?P<minute>{_NUM}|半)\s*分?|\s*整)?",
    # at 9
    r"\bat\s+(?P<hour>\d{1,2})(?![\d:])(?!\s*(?:st|nd|rd|th|d|h|day|hour))",
    # noon
    r"\b(?P<noon>noon)\b",
)


def _take_time(scanner: _Scanner, what: str) -> time | None:
    matches = []
    for pattern in _TIME_PATTERNS:
        matches.extend(scanner.take(pattern))
    if len(matches) > 1:
        raise ValueError(
            f"more than one time of day in {what}: "
            + ", ".join(repr(m.group(0).strip()) for m in matches)
            + "; give one, e.g. '09:00' or '18:30'"
        )
    if not matches:
        return None
    match = matches[0]
    found = match.groupdict()
    if found.get("noon"):
        return time(12, 0)
    hour = _number(found["hour"])
    minute_text = found.get("minute")
    minute = 30 if minute_text == "半" else _number(minute_text) if minute_text else 0
    second = int(found["second"]) if found.get("second") else 0
    period, ampm = found.get("period"), found.get("ampm")
    if ampm:
        if not 1 <= hour <= 12:
            raise ValueError(
                f"{match.group(0).strip()!r} in {what} is not a time: with am/pm the hour is 1..12, "
                f"e.g. '9am', '2:30pm'"
            )
        hour = hour % 12 + (12 if ampm.startswith("p") else 0)
    elif period in ("下午", "傍晚", "晚上") and hour < 12 or period == "中午" and hour < 11:
        hour += 12
    if not (0 <= hour <= 23 and 0 <= minute <= 59 and 0 <= second <= 59):
        raise ValueError(
            f"{match.group(0).strip()!r} in {what} is not a time of day; use 00:00 .. 23:59, "
            f"e.g. '09:00' or '18:30'"
        )
    return time(hour, minute, second)


_RULE_FILLERS = r"\b(?:on|the|at|of|in|every|each|month|quarter|day)\b|[,.;:、。!?\-/()]|的|在|于"


def parse_rule(text: str) -> Rule:
    """A rule from Chinese or English text; ValueError says what was not understood."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"empty rule: say how often and which day, {RULE_EXAMPLES}")
    scanner = _Scanner(_normalize(text))
    original = text.strip()

    at = _take_time(scanner, repr(original))

    quarterly = scanner.take(
        r"每个?季度?|按季度?|季度|\bquarterly\b|\b(?:every|each|per|a)\s+quarter\b"
    )
    monthly = scanner.take(r"每个?月|按月|月度|\bmonthly\b|\b(?:every|each|per|a)\s+month\b")
    if quarterly and monthly:
        raise ValueError(f"{original!r} says both monthly and quarterly; choose one, {RULE_EXAMPLES}")
    if not quarterly and not monthly:
        raise ValueError(
            f"{original!r} does not say how often: start with 每月/每季度 or monthly/quarterly, "
            f"{RULE_EXAMPLES}"
        )
    frequency = Frequency.QUARTERLY if quarterly else Frequency.MONTHLY

    months = [
        *(("n", m.group(1)) for m in scanner.take(rf"第\s*({_NUM})\s*个?\s*月")),
        *(("n", "1") for _ in scanner.take(r"首月")),
        *(("n", "3") for _ in scanner.take(r"末月|最后\s*一?\s*个?\s*月")),
        *(("n", m.group(1)) for m in scanner.take(rf"\b({_EN_ORDINAL})\s+month\b(?:\s+of\s+the\s+quarter\b)?")),
    ]
    month_of_quarter = 1
    if len(months) > 1:
        raise ValueError(f"{original!r} names more than one month of the quarter; {RULE_EXAMPLES}")
    if months:
        if frequency is Frequency.MONTHLY:
            raise ValueError(
                f"{original!r}: a month of the quarter only fits a quarterly rule (每季度 / quarterly); "
                f"{RULE_EXAMPLES}"
            )
        month_of_quarter = _ordinal(months[0][1])
        if month_of_quarter == -1:
            month_of_quarter = 3
        if not 1 <= month_of_quarter <= 3:
            raise ValueError(f"{original!r}: a quarter has months 1..3 only; {RULE_EXAMPLES}")

    weekdays: list[tuple[str, int, str]] = []
    for m in scanner.take(
        rf"(?:(倒数第\s*[一1]|最后)\s*一?\s*个?|第\s*({_NUM})\s*个?)\s*的?\s*(?:周|星期|礼拜)\s*([一二三四五六日天])"
    ):
        weekdays.append((m.group(0), -1 if m.group(1) else _number(m.group(2)), _ZH_WEEKDAYS[m.group(3)]))
    for m in scanner.take(rf"\b({_EN_ORDINAL})\s+({_EN_WEEKDAY})\b"):
        weekdays.append((m.group(0), _ordinal(m.group(1)), _EN_WEEKDAYS[m.group(2)]))
    lone = re.search(rf"{_ZH_WEEKDAY}|\b{_EN_WEEKDAY}\b", scanner.text)
    if lone:
        raise ValueError(
            f"{original!r}: which {lone.group(0)!r} of the month? Say e.g. '第一个周五', '最后一个周三', "
            f"'first friday' or 'last wednesday'"
        )

    days = [m.group(1) for m in scanner.take(rf"({_NUM})\s*[日号]")]
    days += [m.group(1) for m in scanner.take(r"(?<![\d.:])\b(\d{1,2})\s*(?:st|nd|rd|th)\b")]
    days += [m.group(1) for m in scanner.take(r"\bday\s+(\d{1,2})\b")]

    rest = scanner.leftover(_RULE_FILLERS)
    if rest:
        hint = (
            " (a bare number is ambiguous: write a day as '20日' / 'the 20th' and a time as '18:00')"
            if any(token.isdigit() for token in rest)
            else ""
        )
        raise ValueError(f"could not understand {' '.join(rest)!r} in {original!r}{hint}; {RULE_EXAMPLES}")
    if len(weekdays) + len(days) > 1:
        raise ValueError(f"{original!r} names more than one day of the month; choose one, {RULE_EXAMPLES}")
    if not weekdays and not days:
        raise ValueError(
            f"{original!r} does not say which day: a date like '20日' / 'the 20th' or a weekday like "
            f"'第一个周五' / 'first friday', {RULE_EXAMPLES}"
        )
    at = at or time(9, 0)
    if days:
        day = _number(days[0])
        if not 1 <= day <= 31:
            raise ValueError(f"{original!r}: day {day} is not a day of the month (1..31); {RULE_EXAMPLES}")
        return Rule(frequency, day=day, month_of_quarter=month_of_quarter, at=at)
    phrase, nth, weekday = weekdays[0]
    if nth not in (1, 2, 3, 4, 5, -1):
        raise ValueError(
            f"{original!r}: {phrase.strip()!r} cannot happen; a month has at most five of each weekday "
            f"(say 1st..5th or last / 第一..第五 or 最后一个), e.g. '每月最后一个周五' or 'monthly last friday'"
        )
    return Rule(frequency, weekday=weekday, nth=nth, month_of_quarter=month_of_quarter, at=at)


_OFFSET_FILLERS = (
    r"\b(?:before|earlier|ahead|prior|in\s+advance|at|the|of|on|and)\b|提前|之前|以前|前|的|在|[.:!\-]"
)


def _parse_offset(piece: str, original: str) -> Offset:
    scanner = _Scanner(piece)
    at = _take_time(scanner, repr(original))
    days = [m.group(1) for m in scanner.take(rf"({_NUM})\s*(?:天|日|days?(?![a-z])|d(?![a-z]))")]
    hours = [
        m.group(1)
        for m in scanner.take(rf"({_NUM})\s*(?:个?\s*小时|个?\s*钟头|hours?(?![a-z])|hrs?(?![a-z])|h(?![a-z]))")
    ]
    rest = scanner.leftover(_OFFSET_FILLERS)
    if rest:
        raise ValueError(f"could not understand {' '.join(rest)!r} in reminder {original!r}; {OFFSET_EXAMPLES}")
    if len(days) > 1 or len(hours) > 1:
        raise ValueError(f"reminder {original!r} gives days or hours twice; {OFFSET_EXAMPLES}")
    if not days and not hours:
        raise ValueError(f"reminder {original!r} does not say how many days or hours before; {OFFSET_EXAMPLES}")
    n_days = _number(days[0]) if days else 0
    n_hours = _number(hours[0]) if hours else 0
    if at is not None and (n_days < 1 or n_hours):
        raise ValueError(
            f"reminder {original!r}: a time of day goes with a number of days only, "
            f"e.g. '提前1天 09:00' / '1 day before at 09:00'"
        )
    if n_days == 0 and n_hours == 0:
        raise ValueError(f"reminder {original!r} is zero days and zero hours before; {OFFSET_EXAMPLES}")
    return Offset(days=n_days, hours=n_hours, at=at)


def parse_offsets(text: str) -> list[Offset]:
    """Reminder offsets separated by commas, semicolons, 、 or new lines; empty text gives []."""
    if text is None:
        return []
    if not isinstance(text, str):
        raise ValueError(f"reminders must be text, not {text!r}")
    result: list[Offset] = []
    for raw in re.split(r"[,;、\n]", _normalize(text)):
        piece = raw.strip()
        if not piece:
            continue
        offset = _parse_offset(piece, piece)
        if offset not in result:
            result.append(offset)
    return result


# --------------------------------------------------------------------------- describing

_ZH_WEEKDAY_NAMES = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")
_EN_WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_ZH_NTH = {1: "第一个", 2: "第二个", 3: "第三个", 4: "第四个", 5: "第五个", -1: "最后一个"}
_EN_NTH = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
_ZH_MONTH_OF_QUARTER = {1: "第一个月", 2: "第二个月", 3: "第三个月"}
_EN_MONTH_OF_QUARTER = {1: "first", 2: "second", 3: "third"}


def _chinese(locale: str) -> bool:
    return locale.lower().replace("-", "_").startswith("zh")


def _clock(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def _en_day(day: int) -> str:
    suffix = "th" if 11 <= day % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def describe_rule(rule: Rule, locale: str) -> str:
    """The rule in words: Chinese for a 'zh…' locale, English otherwise."""
    at = _clock(rule.at)
    if _chinese(locale):
        which = (
            f"{rule.day}日"
            if rule.day is not None
            else f"{_ZH_NTH[rule.nth]}{_ZH_WEEKDAY_NAMES[rule.weekday]}"  # type: ignore[index]
        )
        if rule.frequency is Frequency.MONTHLY:
            return f"每月{which} {at}"
        return f"每季度{_ZH_MONTH_OF_QUARTER[rule.month_of_quarter]} {which} {at}"
    which = (
        f"the {_en_day(rule.day)}"
        if rule.day is not None
        else f"the {_EN_NTH[rule.nth]} {_EN_WEEKDAY_NAMES[rule.weekday]}"  # type: ignore[index]
    )
    if rule.frequency is Frequency.MONTHLY:
        return f"{which} of every month at {at}"
    return f"quarterly, on {which} of the {_EN_MONTH_OF_QUARTER[rule.month_of_quarter]} month at {at}"


def describe_offset(offset: Offset, locale: str) -> str:
    """The reminder in words: '提前3天 09:00' / '3 days before at 09:00', '提前2小时' / '2 hours before'."""
    if _chinese(locale):
        text = "提前" + (f"{offset.days}天" if offset.days else "") + (f"{offset.hours}小时" if offset.hours else "")
        return f"{text} {_clock(offset.at)}" if offset.at is not None else text
    parts = []
    if offset.days:
        parts.append(f"{offset.days} day{'s' if offset.days != 1 else ''}")
    if offset.hours:
        parts.append(f"{offset.hours} hour{'s' if offset.hours != 1 else ''}")
    text = " ".join(parts) + " before"
    return f"{text} at {_clock(offset.at)}" if offset.at is not None else text
