"""Hours of volunteer service: only approved hours count, a team report for each confirmed teammate;
/hours for a member and for the officers; the monthly recognition post with publicity on and off."""

from __future__ import annotations

from datetime import date

from storage.rules.periods import parse_period
from storage.rules.vocabulary import ServiceStatus, TeammateStatus
from storage.service import totals as totals_store
from tests.memory import GROUP
from tests.service_helpers import make_report
from tests.test_service_review import branch_with_officers

CONFIRMED, INVITED = TeammateStatus.CONFIRMED, TeammateStatus.INVITED


async def november(bot):
    """张三's team report with 李四 (confirmed) and 孙七 (only invited), approved: 2 hours each who counts;
    张三's pending 3 hours; 孙七's rejected 4 hours; 赵六's 1 hour sent back for a change; 王五's approved
    1.5 hours in October. None but the approved count."""
    await make_report(bot, "张三", minutes=120, people=8, teammates={"李四": CONFIRMED, "孙七": INVITED},
                      status=ServiceStatus.APPROVED)
    await make_report(bot, "张三", minutes=180, status=ServiceStatus.PENDING, category="宣传政策法规")
    await make_report(bot, "孙七", minutes=240, status=ServiceStatus.REJECTED)
    await make_report(bot, "赵六", minutes=60, status=ServiceStatus.CHANGES)
    await make_report(bot, "王五", minutes=90, served_on=date(2026, 10, 15), category="宣传政策法规",
                      status=ServiceStatus.APPROVED, people=2)


async def test_only_approved_hours_count_and_a_team_report_counts_for_each_confirmed(bot):
    await branch_with_officers(bot)
    await november(bot)
    async with bot.db.session() as s:
        branch_id = 1
        nov = parse_period("2026-11", date(2026, 11, 27))
        totals = await totals_store.branch_totals(s, branch_id, nov.start, nov.end)
        assert totals.minutes == 240 and totals.people_served == 8 and totals.reports == 1
        names = {m: v for m, v in totals.by_member.items()}
        assert sorted(names.values()) == [120, 120] and totals.by_group == {"第一党小组": 240}
        assert totals.by_category == {"关爱空巢老人": 240}
        q4 = parse_period("2026Q4", date(2026, 11, 27))
        assert (await totals_store.branch_totals(s, branch_id, q4.start, q4.end)).minutes == 330
        assert await totals_store.people_served(s, branch_id, q4.start, q4.end) == 10


async def test_hours_for_a_member_privately(bot):
    sec, zhang, wang, li, zhao, sun, zhou = await branch_with_officers(bot)
    await november(bot)
    mine = (await bot.say(zhang, "/hours"))[-1].text
    assert "This month (2026-11): 2 hours" in mine and "This year (2026): 2 hours" in mine
    assert "By category this year: 关爱空巢老人 2h" in mine
    assert "2026-11-26 · 2 hours · 关爱空巢老人 — approved" in mine
    assert "2026-11-26 · 3 hours · 宣传政策法规 — waiting for review" in mine
    teammate = (await bot.say(li, "/hours"))[-1].text
    assert "This month (2026-11): 2 hours" in teammate and "— approved (in a team)" in teammate
    invited = (await bot.say(sun, "/hours"))[-1].text  # never confirmed the team report; own one rejected
    assert "This month (2026-11): 0 hours" in invited and "4 hours · 关爱空巢老人 — not approved" in invited
    assert "2 hours" not in invited
    changes = (await bot.say(zhao, "/hours"))[-1].text
    assert "0 hours" in changes and "— a change was asked for" in changes
    october = (await bot.say(wang, "/hours"))[-1].text
    assert "This month (2026-11): 0 hours" in october and "This year (2026): 1.5 hours" in october
    # The branch's totals are for officers only.
    assert "Only the" in (await bot.say(sun, "/hours 2026-11"))[-1].text


async def test_officers_see_totals_per_member_group_and_category_for_any_period(bot):
    sec, zhang, wang, li, zhao, sun, zhou = await branch_with_officers(bot)
    await november(bot)
    month = (await bot.say(sec, "/hours 2026-11"))[-1].text
    assert "Volunteer service in 2026-11 (approved hours only):" in month
    assert "Total: 4 hours from 1 reports; 8 people served." in month
    assert "By member: 张三 2h · 李四 2h" in month or "By member: 李四 2h · 张三 2h" in month
    assert "孙七" not in month.split("No approved service")[0] and "赵六" not in month.split("No approved service")[0]
    assert "By party group: 第一党小组 4h" in month and "By category: 关爱空巢老人 4h" in month
    assert "Waiting for review, not counted: 1 reports" in month
    assert "No approved service this quarter (2026Q4): Secretary Li, 赵六, 孙七, 周八" in month
    quarter = (await bot.say(sec, "/hours 2026Q4"))[-1].text
    assert "Total: 5.5 hours from 2 reports; 10 people served." in quarter and "王五 1.5h" in quarter
    assert "第二党小组 1.5h" in quarter and "宣传政策法规 1.5h" in quarter
    year = (await bot.say(wang, "/hours 2026"))[-1].text
    assert "Volunteer service in 2026 (approved hours only)" in year and "5.5 hours" in year
    assert "Total: 0 hours" in (await bot.say(sec, "/hours 2026-09"))[-1].text
    assert "cannot read “2026-13” as a period" in (await bot.say(sec, "/hours 2026-13"))[-1].text
    # A 党小组长 sees their own group's members.
    leader = (await bot.say(li, "/hours 2026Q4"))[-1].text
    assert "李四 2h" in leader and "王五" not in leader.split("By party group")[0]
    assert "No approved service this quarter (2026Q4): -" in leader


async def test_monthly_recognition_post_shows_totals_only_without_publicity(bot):
    sec, *_ = await branch_with_officers(bot)
    await november(bot)
    bot.clock.advance(days=4)  # 2026-12-01 08:00 in Beijing: not yet
    assert [s for s in await bot.tick() if s.chat_id == GROUP.id and "Volunteer service" in s.text] == []
    bot.clock.advance(hours=1, minutes=5)
    posts = [s for s in await bot.tick() if s.chat_id == GROUP.id and "Volunteer service" in s.text]
    assert len(posts) == 1
    assert posts[0].text == ("Volunteer service in 2026-11: 4 hours by 2 members, 8 people served. Thank you all!")
    bot.clock.advance(days=1)
    assert [s for s in await bot.tick() if s.chat_id == GROUP.id and "Volunteer service" in s.text] == []


async def test_monthly_recognition_post_names_the_top_members_with_publicity(bot):
    sec, *_ = await branch_with_officers(bot)
    await bot.group(sec, "/set publicity 1")
    await november(bot)
    await make_report(bot, "周八", minutes=300, people=3, status=ServiceStatus.APPROVED, category="推进移风易俗")
    bot.clock.advance(days=4, hours=2)
    posts = [s for s in await bot.tick() if s.chat_id == GROUP.id and "Volunteer service" in s.text]
    assert len(posts) == 1
    assert "Volunteer service in 2026-11: 9 hours by 3 members, 11 people served." in posts[0].text
    assert "Most hours: 1. 周八 5 · 2. 张三 2 · 3. 李四 2" in posts[0].text or \
           "Most hours: 1. 周八 5 · 2. 李四 2 · 3. 张三 2" in posts[0].text
    assert "孙七" not in posts[0].text and "赵六" not in posts[0].text  # rejected, waiting: never shown
    assert [s for s in await bot.tick() if s.chat_id == GROUP.id and "Volunteer service" in s.text] == []


async def test_a_month_with_nothing_approved_gets_no_post(bot):
    await branch_with_officers(bot)
    await make_report(bot, "张三", status=ServiceStatus.PENDING)
    bot.clock.advance(days=4, hours=2)
    assert [s for s in await bot.tick() if s.chat_id == GROUP.id and "Volunteer service" in s.text] == []


def test_periods_are_read_as_people_write_them():
    today = date(2026, 12, 1)
    def spans(typed):
        period = parse_period(typed, today)
        return period.start, period.end, period.label

    assert spans("2026-11") == (date(2026, 11, 1), date(2026, 12, 1), "2026-11")
    assert parse_period("2026年11月", today).label == "2026-11"
    assert spans("2026Q4") == (date(2026, 10, 1), date(2027, 1, 1), "2026Q4")
    assert parse_period("2026年第四季度", today).label == "2026Q4"
    assert parse_period("2026 q1", today).label == "2026Q1"
    assert spans("2026") == (date(2026, 1, 1), date(2027, 1, 1), "2026")
    assert parse_period("２０２６－０３", today).label == "2026-03"
    assert parse_period("本月", today).label == "2026-12" and parse_period("上月", today).label == "2026-11"
    assert parse_period("本季度", today).label == "2026Q4" and parse_period("this year", today).label == "2026"
    for bad in ("2026-13", "2026Q5", "1999", "next week", "11"):
        assert parse_period(bad, today) is None, bad
