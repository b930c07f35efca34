"""Dates for examples in help, prompts and errors: always ahead of today, never a fixed date.

A fixed example date falls in the past sooner or later, and someone copying it gets "in the past".
Every text that shows a date to copy takes these values with ``str.format``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers.kit.i18n import N_, Gettext

MONTHS = (
    N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"),
    N_("July"), N_("August"), N_("September"), N_("October"), N_("November"), N_("December"),
)
# "{month} {title}": the translations put the month where the language does (十二月主题党日).
MONTH_TITLE = N_("{month} {title}")


def month_title(t: Gettext, title: str, day: date) -> str:
    """``title`` with the month of ``day`` before it, as an activity of that month is called."""
    return t(MONTH_TITLE).format(month=t(MONTHS[day.month - 1]), title=title)


def example_day(now: datetime, tz: str, days: int = 7) -> date:
    """A day ``days`` ahead of today where the branch is."""
    return now.astimezone(ZoneInfo(tz)).date() + timedelta(days=days)


def examples(t: Gettext, now: datetime, tz: str) -> dict[str, str]:
    """The placeholders example texts may use: ``{date}`` (a day a week ahead), ``{date2}`` (a week
    after it), ``{start}`` (``{date} 09:00``), ``{month}`` (this month, ``YYYY-MM``) and ``{title}``
    (an activity title of ``{date}``'s month); for periods, ``{quarter}`` (this quarter, ``YYYYQn``)
    and ``{year}``."""
    day = example_day(now, tz)
    today = now.astimezone(ZoneInfo(tz)).date()
    later = day + timedelta(days=7)
    return {
        "date": day.isoformat(),
        "date2": later.isoformat(),
        "start": f"{day.isoformat()} 09:00",
        "start2": f"{later.isoformat()} 09:00",
        "month": now.astimezone(ZoneInfo(tz)).strftime("%Y-%m"),
        "title": month_title(t, t(N_("Theme Party Day")), day),
        "quarter": f"{today.year}Q{(today.month - 1) // 3 + 1}",
        "year": str(today.year),
    }
