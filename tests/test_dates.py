"""Dates and lengths: only years a branch can mean and lengths up to a maximum, in every time zone
and with any settings; a stored value outside them cannot break later reads."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo, available_timezones

import pytest
from sqlalchemy import func, select

from handlers.kit.pipeline import FAILED
from handlers.kit.when import parse_end, parse_start
from storage.models import Activity, RuleException, ScheduleRule
from storage.rules.dates import FIRST_YEAR, MAX_DURATION, YEARS_AHEAD
from storage.rules.recurrence import Offset, parse_offsets
from storage.rules.settings import REGISTRY
from tests.test_flow import setup_branch

NOW = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
ZONES = sorted(available_timezones())
STARTS = ["0001-01-01 00:00", "1999-12-31 23:59", "2000-01-01 00:00", f"{NOW.year + YEARS_AHEAD}-12-31 23:59",
          f"{NOW.year + YEARS_AHEAD + 1}-01-01 00:00", "9999-12-31 23:59", "99999-01-01 09:00", "12-31 23:59",
          "01-01 00:00", "02-29 09:00", "２０２６-１２-０４ ０９:００", "٢٠٢٦-١٢-٠٤ ٠٩:٠٠", "2026-12-04 ٠٩:٠٠",
          "2026-13-01 09:00", "2026-12-04 24:00", "2026年12月4日 9点"]
LENGTHS = ["99999999999999h", "1e308h", "9999h", "745h", "72h", "44641m", "99999m", "0.5h", "2h 30m", "１.５h",
           "२h", "11:00", "9999-12-31 23:59", "2026-12-04 11:00", ""]


def test_only_years_a_branch_can_mean_in_every_time_zone():
    for zone in ZONES:
        for text in STARTS:
            start = parse_start(text, zone, NOW)
            if start is not None:
                assert FIRST_YEAR - 1 <= start.year <= NOW.year + YEARS_AHEAD + 1, (zone, text, start)
                assert FIRST_YEAR <= start.astimezone(ZoneInfo(zone)).year, (zone, text)
        for base in ("2000-01-01 00:00", f"{NOW.year + YEARS_AHEAD}-12-31 23:59"):
            start = parse_start(base, zone, NOW)
            assert start is not None, (zone, base)
            for text in LENGTHS:
                end = parse_end(text, start, zone, NOW)  # never raises
                assert end is None or end - start <= MAX_DURATION or end.year <= NOW.year + YEARS_AHEAD + 1, (zone, text)
    assert parse_start("２０２６-１２-０４ ０９:００", "Asia/Shanghai", NOW) == datetime(2026, 12, 4, 1, 0, tzinfo=UTC)
    assert parse_start("٢٠٢٦-١٢-٠٤ ٠٩:٠٠", "Asia/Shanghai", NOW) is None  # only ASCII (and full-width) digits
    assert parse_start("9999-12-31 23:59", "UTC", NOW) is None and parse_start("1999-12-31 09:00", "UTC", NOW) is None


def test_reminders_and_lengths_are_bounded_so_no_stored_one_overflows():
    for days, hours in ((367, 0), (10**12, 0), (0, 24 * 31 + 1), (0, 10**15)):
        with pytest.raises(ValueError):
            Offset(days=days, hours=hours)
        with pytest.raises(ValueError):
            Offset.from_json({"days": days, "hours": hours, "at": None})
    with pytest.raises(ValueError):
        parse_offsets("提前999天")
    assert parse_offsets("提前366天 09:00, 提前744小时") == [Offset(days=366, at=time(9, 0)), Offset(hours=744)]
    start = parse_start("2026-12-04 09:00", "UTC", NOW)
    assert parse_end("745h", start, "UTC", NOW) is None and parse_end("744h", start, "UTC", NOW) == start + MAX_DURATION


async def _answers(bot, who, text):
    replies = await bot.say(who, text)
    assert replies, text
    for reply in replies:
        assert FAILED not in reply.text, f"{text}: {reply.text}"
    return replies[-1].text


async def _count(bot, model):
    async with bot.db.session() as s:
        return await s.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "Asia/Shanghai", "America/St_Johns"])
async def test_extreme_dates_and_lengths_are_refused_by_every_command_with_any_settings(bot, zone):
    sec = await setup_branch(bot)
    await _answers(bot, sec, f"/set timezone {zone}")
    await _answers(bot, sec, "/rule 主题党日 | 每月第一个周五 09:00 | 2h | 三楼会议室 | 全体 | 提前3天 09:00")
    far = f"{NOW.year + YEARS_AHEAD + 1}-01-02 09:00"
    for hour, values in ((20, {e.key: e.high for e in REGISTRY}), (18, {e.key: e.low for e in REGISTRY})):
        for key, value in values.items():
            await _answers(bot, sec, f"/set {key} {value}")
        activities, exceptions = await _count(bot, Activity), await _count(bot, RuleException)
        for line in ("/new 主题党日 | T | 9999-12-31 23:59 | 2h | R | 全体", f"/new 主题党日 | T | {far} | 2h | R | 全体",
                     "/new 主题党日 | T | 0001-01-01 00:00 | 2h | R | 全体",
                     "/new 主题党日 | T | 2026-12-04 09:00 | 99999999999999h | R | 全体",
                     "/new 主题党日 | T | 2026-12-04 09:00 | 1e308h | R | 全体",
                     "/new 主题党日 | T | 2026-12-04 09:00 | 9999-12-31 23:59 | R | 全体",
                     "/skip 1 9999-12-31", "/skip 1 0001-01-05", "/move 1 2026-12-04 9999-12-31 09:00",
                     f"/move 1 2026-12-04 {far}", "/move 1 9999-12-03 2026-12-05 09:00",
                     "/rule 主题党日 | 每月20日 09:00 | 99999999999999h | R | 全体 | 提前1天",
                     "/rule 主题党日 | 每月20日 09:00 | 2h | R | 全体 | 提前999天",
                     "/rule 主题党日 | 每月20日 09:00 | 2h | R | 全体 | 提前999小时"):
            await _answers(bot, sec, line)
        assert await _count(bot, Activity) == activities and await _count(bot, RuleException) == exceptions
        # The farthest date that is taken works through check-in, records and the calendar.
        latest = f"{NOW.year + YEARS_AHEAD}-12-31 {hour}:00"  # another start each time: not "already exists"
        before = await _count(bot, Activity)
        await _answers(bot, sec, f"/new 主题党日 | Late | {latest} | 72h | R | 全体")
        assert await _count(bot, Activity) == before + 1
        await bot.tick()
        await _answers(bot, sec, "/upcoming 12")
        await _answers(bot, sec, "/activities")


async def test_a_stored_extreme_rule_does_not_break_the_calendar_for_anyone(bot):
    sec = await setup_branch(bot)
    await _answers(bot, sec, "/rule 主题党日 | 每月第一个周五 09:00 | 2h | 三楼会议室 | 全体 | 提前3天 09:00")
    async with bot.db.session() as s:
        good = await s.get(ScheduleRule, 1)
        bad = ScheduleRule(branch_id=good.branch_id, purpose="activity", kind=good.kind, title="Broken",
                           duration_minutes=10**9, place=None, audience=good.audience, recurrence=good.recurrence,
                           offsets=[{"days": 10**12, "hours": 0, "at": None}], active=True, created_at=good.created_at)
        s.add(bad)
    assert "Broken" not in await _answers(bot, sec, "/upcoming 12")
    assert "#2 Broken: stored with values I cannot read" in await _answers(bot, sec, "/rules")
    assert "no recurring date number 2" in await _answers(bot, sec, "/skip 2 2026-12-04")
    # The calendar engine refuses the branch loudly (a ValueError, not an overflow) until the rule is stopped.
    assert "#2 is stopped" in await _answers(bot, sec, "/stoprule 2")
    bot.clock.advance(days=5)
    await bot.tick()
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(Activity).where(Activity.rule_id == 1)) == 1


async def test_paid_takes_a_month_a_branch_can_mean_in_ascii_or_full_width_digits(bot):
    sec = await setup_branch(bot)
    for month in ("9999-12", "1999-12", "2026-13", "2026-00", "2026-1x", "٢٠٢٦-١١", "2026-²", "20261-1", "2026"):
        assert "Write the month like" in await _answers(bot, sec, f"/paid {month}"), month
    assert "#1, 2026-11, amount not known yet" in await _answers(bot, sec, "/paid ２０２６-１１")
    assert "#1 for 2026-11 is still waiting" in await _answers(bot, sec, "/paid 2026-11")
    assert "for 2026-03: that is before their membership" in await _answers(bot, sec, "/paid 2026-3")
