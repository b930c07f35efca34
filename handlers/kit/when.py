"""Reading the dates and times people type, in the branch's time zone."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from storage.rules.dates import MAX_DURATION, plausible_year
from storage.rules.numbers import FULL_WIDTH_DIGITS

_DATE_TIME = re.compile(
    r"^(?:(?P<y>\d{4})[-/.年])?(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:\s*|T)(?P<H>\d{1,2})[:：点](?P<M>\d{2})?分?$", re.ASCII
)
_TIME = re.compile(r"^(?P<H>\d{1,2})[:：点](?P<M>\d{2})?分?$", re.ASCII)
# Lengths have few digits: 1e300 hours is not a length, and would overflow before any check.
_DURATION = re.compile(
    r"^(?:(?P<h>\d{1,4}(?:\.\d{1,2})?)\s*(?:h|小时|个小时))?\s*(?:(?P<m>\d{1,5})\s*(?:m|min|分钟))?$", re.I | re.ASCII
)


def _digits(text: str) -> str:
    """Only ASCII digits are digits here (the patterns are ASCII); full-width ones are read as such."""
    return text.strip().translate(FULL_WIDTH_DIGITS)


def parse_start(text: str, tz: str, now: datetime) -> datetime | None:
    """``2026-11-27 09:00``, ``11-27 9:00``, ``11月27日 9点``; a missing year is the next such date.
    None for anything else, and for a year no branch can mean (storage.rules.dates)."""
    match = _DATE_TIME.match(_digits(text))
    if not match:
        return None
    zone = ZoneInfo(tz)
    today = now.astimezone(zone).date()
    try:
        year = int(match["y"]) if match["y"] else today.year
        day = date(year, int(match["m"]), int(match["d"]))
        if not match["y"] and day < today - timedelta(days=1):
            day = day.replace(year=year + 1)
        moment = time(int(match["H"]), int(match["M"] or 0))
    except ValueError:
        return None
    if not plausible_year(day.year, today):
        return None
    return datetime.combine(day, moment, zone).astimezone(ZoneInfo("UTC"))


def parse_end(text: str, start: datetime, tz: str, now: datetime) -> datetime | None:
    """A time on the start's day (``11:00``), a full date and time, or a duration (``2h``, ``90分钟``)
    of at most MAX_DURATION."""
    text = _digits(text)
    zone = ZoneInfo(tz)
    match = _TIME.match(text)
    if match:
        try:
            moment = time(int(match["H"]), int(match["M"] or 0))
        except ValueError:
            return None
        return datetime.combine(start.astimezone(zone).date(), moment, zone).astimezone(ZoneInfo("UTC"))
    duration = _DURATION.match(text)
    if duration and (duration["h"] or duration["m"]):
        length = timedelta(hours=float(duration["h"] or 0), minutes=int(duration["m"] or 0))
        return start + length if length <= MAX_DURATION else None
    return parse_start(text, tz, now)
