"""Volunteer service (志愿服务) as people type it: the day, the hours, the people served; the day's limit.

Pure: no database. What a Chinese user types is read (full-width digits, 3小时, 3.5h, 半小时,
两个半小时, 14:00-17:30); what cannot be meant is refused with the reason, for the handler to
put in a sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum

from storage.rules.dates import plausible
from storage.rules.numbers import FULL_WIDTH_DIGITS, whole

STEP_MINUTES = 30  # hours are reported in half-hour steps
DAY_MINUTES = 24 * 60  # one person serves at most 24 hours in one day, all their reports together
MAX_PHOTOS = 10  # a report's photos: Telegram's album holds as many
MAX_PLACE = 100
MAX_DESCRIPTION = 1000
MAX_PEOPLE = 100_000

# The five kinds of service of a branch's 党员志愿服务队, plus 其他: each branch starts with them.
DEFAULT_CATEGORIES = ("关爱空巢老人", "关爱留守儿童", "排解矛盾纠纷", "宣传政策法规", "推进移风易俗", "其他")


class HoursProblem(StrEnum):
    UNREADABLE = "unreadable"
    NOT_POSITIVE = "not_positive"
    NOT_HALF_HOUR = "not_half_hour"
    TOO_LONG = "too_long"  # more than 24 hours
    END_BEFORE_START = "end_before_start"


@dataclass(frozen=True)
class Hours:
    minutes: int
    start: time | None = None  # when given as start and end times
    end: time | None = None


_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_NUMBER = re.compile(r"[零一二两俩三四五六七八九十]+")
_SPAN = re.compile(r"^(\d{1,2})[:：点.](\d{2})\s*(?:-|–|—|~|～|至|到)\s*(\d{1,2})[:：点.](\d{2})$")
_LENGTH = re.compile(
    r"^(?P<num>\d{1,3}(?:\.\d{1,2})?)?\s*(?P<unit>h|hr|hrs|hour|hours|小时|个小时|钟头|个钟头|个半小时|个半钟头|半小时|"
    r"m|min|mins|minutes|分|分钟)?$", re.I)


def _cn_number(word: str) -> str:
    """一 → 1, 十二 → 12, 二十四 → 24: the small numbers of hours and people, as typed in Chinese."""
    if "十" in word:
        tens, _, ones = word.partition("十")
        value = (_CN_DIGITS.get(tens, -100) if tens else 1) * 10 + (_CN_DIGITS.get(ones, -100) if ones else 0)
    else:
        value = 0
        for c in word:
            if c not in _CN_DIGITS:
                return word
            value = value * 10 + _CN_DIGITS[c]
    return str(value) if value >= 0 else word


def _plain(text: str) -> str:
    text = text.strip().translate(FULL_WIDTH_DIGITS).replace("．", ".").replace("：", ":").lower()
    return _CN_NUMBER.sub(lambda m: _cn_number(m.group()), text)


def parse_hours(text: str) -> Hours | HoursProblem:
    """``3h``, ``3小时``, ``3.5``, ``半小时``, ``两个半小时``, ``90分钟``, ``14:00-17:30`` → minutes."""
    plain = " ".join(_plain(text).split())
    if plain.startswith(("-", "−", "负")):
        return HoursProblem.NOT_POSITIVE
    span = _SPAN.match(plain)
    if span:
        try:
            start, end = time(int(span[1]), int(span[2])), time(int(span[3]), int(span[4]))
        except ValueError:
            return HoursProblem.UNREADABLE
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        if minutes <= 0:
            return HoursProblem.END_BEFORE_START
        checked = _checked(minutes)
        return Hours(minutes, start, end) if isinstance(checked, int) else checked
    match = _LENGTH.match(plain.replace(" ", ""))
    if not match or not (match["num"] or match["unit"]):
        return HoursProblem.UNREADABLE
    unit = (match["unit"] or "h").lower()
    if unit == "半小时":
        if match["num"]:
            return HoursProblem.UNREADABLE
        return _hours(30)
    if not match["num"]:
        return HoursProblem.UNREADABLE
    number = float(match["num"])
    if unit in ("m", "min", "mins", "minutes", "分", "分钟"):
        minutes = number
    else:
        minutes = number * 60 + (30 if unit.startswith("个半") else 0)
    if minutes != int(minutes):
        return HoursProblem.NOT_HALF_HOUR
    return _hours(int(minutes))


def _checked(minutes: int) -> int | HoursProblem:
    if minutes <= 0:
        return HoursProblem.NOT_POSITIVE
    if minutes % STEP_MINUTES:
        return HoursProblem.NOT_HALF_HOUR
    if minutes > DAY_MINUTES:
        return HoursProblem.TOO_LONG
    return minutes


def _hours(minutes: int) -> Hours | HoursProblem:
    checked = _checked(minutes)
    return Hours(checked) if isinstance(checked, int) else checked


def hours_text(minutes: int) -> str:
    """180 → "3", 210 → "3.5": hours as a person reads them."""
    return f"{minutes // 60}" if minutes % 60 == 0 else f"{minutes / 60:.1f}"


class DateProblem(StrEnum):
    UNREADABLE = "unreadable"
    FUTURE = "future"
    TOO_OLD = "too_old"


_DATE = re.compile(r"^(?:(\d{4})\s*[-/.年]\s*)?(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$")
_RELATIVE = {"今天": 0, "今日": 0, "today": 0, "昨天": 1, "昨日": 1, "yesterday": 1, "前天": 2}


def parse_day(text: str, today: date, max_age_days: int) -> date | DateProblem:
    """The day the service was done: ``2026-11-27``, ``2026年11月27日``, ``11-27``, ``11月27日``, 今天, 昨天.

    A date without a year is the latest such date not after ``today``. Refused: a day after
    ``today``, and one more than ``max_age_days`` before it.
    """
    plain = _plain(text)
    if plain in _RELATIVE:
        day = today - timedelta(days=_RELATIVE[plain])
    else:
        match = _DATE.match(plain)
        if not match:
            return DateProblem.UNREADABLE
        try:
            year = int(match[1]) if match[1] else today.year
            day = date(year, int(match[2]), int(match[3]))
            if not match[1] and day > today:
                day = day.replace(year=year - 1)
        except ValueError:
            return DateProblem.UNREADABLE
        if not plausible(day, today):
            return DateProblem.UNREADABLE
    if day > today:
        return DateProblem.FUTURE
    if (today - day).days > max_age_days:
        return DateProblem.TOO_OLD
    return day


_PEOPLE = re.compile(r"^(\d+)\s*(?:人|位|名|户|人次|个人|people|persons?)?$", re.I)


def parse_people(text: str) -> int | None:
    """How many people were served: ``5``, ``5人``, ``５位``, ``五人``; None for anything else."""
    match = _PEOPLE.match(_plain(text).replace(" ", ""))
    return whole(match[1], 0, MAX_PEOPLE) if match else None


def over_the_day(minutes: int, others: int) -> bool:
    """Whether ``minutes`` more on a day already holding ``others`` (their other reports) passes 24 hours."""
    return minutes + others > DAY_MINUTES


def split_names(text: str) -> list[str]:
    """Teammates as typed: ``张三、李四``, ``张三,李四``, ``张三；李四``; each once, in order."""
    names: list[str] = []
    for part in re.split(r"[、,，;；]+", text.strip()):
        part = " ".join(part.split())
        if part and part not in names:
            names.append(part)
    return names
