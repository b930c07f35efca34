"""Reading the dates and times people type, in the branch's time zone."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DATE_TIME = re.compile(
    r"^(?:(?P<y>\d{4})[-/.年])?(?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?"
    r"(?:\s*|T)(?P<H>\d{1,2})[:：点](?P<M>\d{2})?分?$"
)
_TIME = re.compile(r"^(?P<H>\d{1,2})[:：点](?P<M>\d{2})?分?$")
_DURATION = re.compile(
    r"^(?:(?P<h>\d+(?:\.\d+)?)\s*(?:h|小时|个小时))?\s*(?:(?P<m>\d+)\s*(?:m|min|分钟))?$", re.I
)


def parse_start(text: str, tz: str, now: datetime) -> datetime | None:
    """``2026-11-27 09:00``, ``11-27 9:00``, ``11月27日 9点``; a missing year is the next such date."""
    match = _DATE_TIME.match(text.strip())
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
    return datetime.combine(day, moment, zone).astimezone(ZoneInfo("UTC"))


def parse_end(text: str, start: datetime, tz: str, now: datetime) -> datetime | None:
    """A time on the start's day (``11:00``), a full date and time, or a duration (``2h``, ``90分钟``)."""
    text = text.strip()
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
        return start + timedelta(hours=float(duration["h"] or 0), minutes=int(duration["m"] or 0))
    return parse_start(text, tz, now)
