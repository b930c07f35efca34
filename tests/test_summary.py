"""The monthly summary as people get it: once on the 1st, aggregates in the group, the detail to the
officers entitled, a member's own figures on /summary; and the chart really draws Chinese."""

from __future__ import annotations

import io
import warnings

import pytest
from sqlalchemy import func, select

from bot.core import BotCore
from handlers.kit import charts, offload
from storage.models import AuditEntry, OutboxFile, OutboxMessage, ScheduledEvent
from tests.memory import GROUP, UNLIMITED
from tests.test_activities import linked
from tests.test_calendar import at
from tests.test_flow import setup_branch


@pytest.fixture(autouse=True)
def _stop_workers():
    yield
    offload.shutdown()


async def november(bot):
    """A branch with a theme day and a committee meeting in November 2026.

    张三 (organisation committee member) and the secretary come; 王五 is on leave (“Travelling”);
    宣传员 (publicity committee member) misses the theme day without leave.
    """
    bot.clock.now = at("2026-11-16 10:00")
    sec = await setup_branch(bot)
    zhang = await linked(bot, sec, 2, "张三")
    wang = await linked(bot, sec, 3, "王五")
    publicity = await linked(bot, sec, 4, "宣传员")
    await bot.say(sec, "/grant 张三 组织委员")
    await bot.say(sec, "/grant 宣传员 宣传委员")
    post = next(s for s in await bot.say(sec, "/new 主题党日 | 十一月主题党日 | 2026-11-20 09:00 | 10:00 | Hall | 全体")
                if s.chat_id == GROUP.id)
    await bot.press(wang, post, post.button("Ask for leave"))
    request = next(s for s in await bot.say(wang, "Travelling") if s.chat_id == sec.id)
    await bot.press(sec, request, request.button("Approve"))
    bot.clock.now = at("2026-11-20 09:10")
    for user in (sec, zhang):
        assert "you are checked in" in (await bot.say(user, "/checkin"))[-1].text
    return sec, zhang, wang, publicity


async def test_the_monthly_summary_goes_out_once_aggregates_to_the_group_detail_to_officers(bot):
    sec, zhang, wang, publicity = await november(bot)
    bot.clock.now = at("2026-12-01 08:59")
    assert not [s for s in await bot.tick() if "activity summary" in s.text]
    bot.clock.now = at("2026-12-01 09:00")
    sent = await bot.tick()
    group = [s for s in sent if s.chat_id == GROUP.id]
    assert len(group) == 1 and group[0].kind == "photo" and group[0].data.startswith(b"\x89PNG")
    text = group[0].text
    assert "activity summary of the month 2026-11" in text
    assert "Attendance: 2 of 4 expected were present (50%); 1 on leave." in text
    assert "✓ Theme Party Day (2026-11): held 1" in text
    assert "✗ Branch committee meeting (2026-11): not held" in text
    assert "… General meeting of Party members (2026Q4): not held yet, due by 2026-12-31" in text
    for private in ("张三", "王五", "宣传员", "Travelling", "Secretary Li"):  # aggregates only
        assert private not in text
    # The detail, privately, to the secretary and the organisation committee member; not to the
    # publicity member (an officer, but not entitled), nor to the members.
    detail = {s.chat_id: s for s in sent if s.chat_id > 0}
    assert sorted(detail) == [sec.id, zhang.id]
    body = detail[sec.id].text + "".join(s.text for s in sent if s.chat_id == sec.id)
    assert "王五 (on leave: Travelling)" in body and "宣传员 (absent)" in body
    assert "· 王五 — 11-20 Theme Party Day" in body  # owes 补课
    assert "宣传员: 0/1, on leave 0, absent 1" in body
    assert detail[sec.id].data == group[0].data  # the same chart
    # Exactly once: again, and after a restart on the same database.
    assert not [s for s in await bot.tick() if "summary" in s.text]
    await bot.core.close()
    bot.core = BotCore(bot.transport, bot.db, clock=bot.clock, limits=UNLIMITED)
    bot.clock.now = at("2026-12-01 09:30")
    assert not [s for s in await bot.tick() if "summary" in s.text]
    async with bot.db.session() as s:
        assert await s.scalar(select(func.count()).select_from(ScheduledEvent).where(
            ScheduledEvent.key.like("summary:%"))) == 1
        assert await s.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.purpose == "summary", OutboxMessage.upload_id.is_not(None))) == 3
        assert await s.scalar(select(func.count()).select_from(OutboxFile)) == 1  # one stored file for all three


async def test_a_restart_between_claim_and_send_still_sends_once(bot):
    """The claim and the messages are one transaction: a crash before the sender ran leaves the rows
    queued; the new process sends them and claims nothing again."""
    await november(bot)
    bot.clock.now = at("2026-12-01 09:05")
    await bot.core.run_calendar()  # queued, not sent yet
    await bot.core.close()
    bot.core = BotCore(bot.transport, bot.db, clock=bot.clock, limits=UNLIMITED)
    sent = await bot.tick()
    assert len([s for s in sent if s.chat_id == GROUP.id and "activity summary" in s.text]) == 1
    assert not [s for s in await bot.tick() if "summary" in s.text]


async def test_the_day_and_hour_are_the_branchs(bot):
    sec, *_ = await november(bot)
    assert "(summary_day): 3 of the month" in (await bot.group(sec, "/set summary_day 3"))[-1].text
    assert "(summary_hour): 18 o'clock" in (await bot.group(sec, "/set 小结时间 18"))[-1].text
    bot.clock.now = at("2026-12-01 09:00")
    assert not [s for s in await bot.tick() if "activity summary" in s.text]
    bot.clock.now = at("2026-12-03 17:59")
    assert not [s for s in await bot.tick() if "activity summary" in s.text]
    bot.clock.now = at("2026-12-03 18:00")
    assert [s.chat_id for s in await bot.tick() if "activity summary" in s.text] == [GROUP.id]


async def test_summary_on_demand_officer_detail_member_own_figures_and_bad_periods(bot):
    sec, zhang, wang, publicity = await november(bot)
    bot.clock.now = at("2026-12-02 10:00")
    [mine] = await bot.say(wang, "/summary")  # a member's own figures come without a chart
    mine = mine.text
    assert "王五, your figures" in mine and "present 0, on leave 1, absent 0" in mine
    assert "11-20 Theme Party Day (on leave: Travelling)" in mine and "Catch-up (补课) you still owe" in mine
    assert "张三" not in mine and "宣传员" not in mine
    own = (await bot.say(publicity, "/summary 2026-11"))[-1].text  # an officer, not entitled: their own only
    assert "宣传员, your figures" in own and "王五" not in own
    detail, chart = await bot.say(zhang, "/summary 2026Q4")  # the detail, then its chart, both privately
    assert (detail.chat_id, chart.chat_id, chart.kind) == (zhang.id, zhang.id, "photo")
    assert chart.data[:4] == b"\x89PNG" and chart.text == "第一党支部, the quarter 2026Q4: the summary's chart (aggregates only)."
    detail = detail.text
    assert "the quarter 2026Q4" in detail and "王五 (on leave: Travelling)" in detail
    assert "is not over yet" in detail
    year = "\n".join(s.text for s in await bot.say(sec, "/summary 2026年"))
    assert "the year 2026" in year and "宣传员 (absent)" in year
    assert "(2026-10)" not in year  # months before the branch was set up here are not held against it
    assert "✗ Theme Party Day (2026-12)" not in year and "… Theme Party Day (2026-12): not held yet" in year
    for bad in ("2026-13", "next week", "2026Q5"):
        reply = (await bot.say(sec, f"/summary {bad}"))[-1].text
        assert f"“{bad}” is not a period I can read" in reply and "/summary 2026-11" in reply and "/summary 2026Q3" in reply
    assert "has not begun" in (await bot.say(sec, "/summary 2027"))[-1].text
    assert "in a private chat" in (await bot.group(sec, "/summary"))[-1].text  # never figures in the group
    assert not any("your figures" in s.text or "detail for officers" in s.text for s in bot.to(GROUP.id))
    async with bot.db.session() as s:
        views = list(await s.scalars(select(AuditEntry.target).where(AuditEntry.action == "summary.view")))
    assert views == ["2026Q4", "2026"]


async def test_a_summary_on_demand_is_read_and_drawn_before_the_transaction(bot, monkeypatch):
    """A year of a large branch takes a while to read and draw: done in a read session, SQLite's one
    writer is not held meanwhile. A chart that cannot be drawn leaves the text to go alone."""
    from handlers.kit import offload
    from handlers.summary import commands
    from storage.db import _ReadOnlySession

    sec, zhang, wang, _ = await november(bot)
    bot.clock.now = at("2026-12-02 10:00")
    real, sessions = commands.make, []

    async def make(session, *args):
        sessions.append(isinstance(session.sync_session, _ReadOnlySession))
        return await real(session, *args)

    monkeypatch.setattr(commands, "make", make)
    assert [s.kind for s in await bot.say(sec, "/summary 2026")] == ["text", "photo"] and sessions == [True]
    sessions.clear()
    assert "your figures" in (await bot.say(wang, "/summary"))[-1].text and sessions == [True]

    async def fails(*_args, **_kwargs):
        raise offload.Failed("timeout")

    monkeypatch.setattr(offload, "run", fails)
    sessions.clear()
    sent = await bot.say(zhang, "/summary 2026-11")
    assert [s.kind for s in sent] == ["text"] and "activity summary" in sent[0].text and sessions == [True]


def test_the_chart_draws_chinese_glyphs_not_boxes():
    from matplotlib.ft2font import FT2Font

    text = "第一党支部活动小结出勤率主题党日支委会党小组会党课组织生活会"
    face = FT2Font(str(charts.FONT_FILE))
    assert all(face.get_char_index(ord(c)) for c in text)  # the bundled font has every glyph
    assert charts.missing(text + "（），、·：0123456789%") == set()
    assert charts.missing("\U0010fffd") == {"\U0010fffd"}  # it does notice a character no font has

    def drawn(chars: str):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        figure = Figure(figsize=(1, 1), dpi=50)
        canvas = FigureCanvasAgg(figure)
        figure.text(0.1, 0.3, chars, fontfamily=[charts.FAMILY], fontsize=20)
        canvas.draw()
        return bytes(canvas.buffer_rgba())

    with pytest.warns(UserWarning, match="missing from font"):
        tofu = drawn("\U000f0000")  # a private-use character: the font's empty box
    seen = {drawn(c) for c in "党支部"}
    assert len(seen) == 3 and tofu not in seen  # three different glyphs, none of them the box
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for a box
        png = charts.render("第一党支部 · 2026年11月", [charts.Bars("各次活动出勤率", ("11-20 主题党日",), (50.0,),
                                                                  unit="%", high=100)], "* 未达要求")
    from matplotlib.image import imread
    image = imread(io.BytesIO(png))
    assert image.shape[1] == int(charts.WIDTH_INCHES * charts.DPI)
    with pytest.warns(UserWarning, match="missing from font"):
        charts.render("\U000f0000", [])


async def test_a_branch_set_up_after_the_moment_waits_for_next_month(bot):
    bot.clock.now = at("2026-12-01 10:00")
    sec = await setup_branch(bot)
    await linked(bot, sec, 2, "张三")
    bot.clock.now = at("2026-12-01 10:05")
    assert not [s for s in await bot.tick() if "activity summary" in s.text]  # no November here to sum up
    bot.clock.now = at("2027-01-01 09:00")
    group = [s for s in await bot.tick() if s.chat_id == GROUP.id and "activity summary" in s.text]
    assert len(group) == 1 and "the month 2026-12" in group[0].text
    assert "Attendance: 0 of 0 expected were present (—); 0 on leave." in group[0].text


async def test_after_long_downtime_the_summary_is_not_sent_weeks_late(bot):
    await november(bot)
    bot.clock.now = at("2026-12-08 08:59")  # within a week of the 1st: still sent
    assert [s.chat_id for s in await bot.tick() if "activity summary of the month 2026-11" in s.text] == [GROUP.id]
    bot.clock.now = at("2027-01-09 09:01")  # December's, eight days late: recorded as missed, not sent
    assert not [s for s in await bot.tick() if "activity summary" in s.text]
    async with bot.db.session() as s:
        outcomes = dict((await s.execute(select(ScheduledEvent.key, ScheduledEvent.outcome).where(
            ScheduledEvent.key.like("summary:%")))).all())
    assert outcomes == {"summary:1:2026-11": "done", "summary:1:2026-12": "missed"}


async def _dues_and_service(bot) -> None:
    """November's dues (30 元 each; 张三 paid, the others not) and 张三's approved two hours of service."""
    from datetime import date
    from decimal import Decimal

    from storage.dues import payments
    from storage.roster import members as member_store
    from storage.rules.vocabulary import DuesCategory, ServiceStatus
    from storage.service import categories, reports, reviews

    now = at("2026-11-25 10:00")
    async with bot.db.session() as s:
        roster = {m.name: m for m in await member_store.roster(s, 1)}
        sec = next(m for name, m in roster.items() if name not in ("张三", "王五", "宣传员"))
        for member in roster.values():
            payments.set_amount(s, member, "2026-11", DuesCategory.EMPLOYED, Decimal("30.00"), basis=Decimal(3000),
                                source="set", by=sec.id, now=now)
        await s.flush()
        await payments.record(s, roster["张三"], ["2026-11"], None, method="cash", status="confirmed", source="officer",
                              by=sec.id, now=now)
        category = (await categories.ensure(s, 1, now))[0]
        report = await reports.submit(s, 1, roster["张三"].id, reports.ReportData(
            date(2026, 11, 22), 120, category.id, "社区", 6, "探望老人"), now)
        await reviews.decide(s, report.report.id, sec.id, ServiceStatus.APPROVED, None, now)


@pytest.mark.parametrize("public", [False, True])
async def test_the_post_gives_dues_and_service_totals_and_names_only_with_publicity(bot, public):
    sec, zhang, wang, publicity = await november(bot)
    await _dues_and_service(bot)
    await bot.say(sec, "/grant 宣传员 副书记")
    if public:
        assert "(publicity)" in (await bot.group(sec, "/set publicity 1"))[-1].text
    bot.clock.now = at("2026-12-01 09:00")
    sent = await bot.tick()
    group = [s for s in sent if s.chat_id == GROUP.id and "activity summary" in s.text]
    assert len(group) == 1
    text = group[0].text
    assert "Approved volunteer hours: 2 hours by 1 members, 6 people served." in text
    assert "Party dues: 25% of what was owed collected (paid or waived); 1 of 4 member-months settled." in text
    assert "3 members still owe dues for the period." in text
    assert "30.00" not in text and "元" not in text and "Travelling" not in text  # never an amount or a reason
    if public:
        assert "Most hours: 1. 张三 2" in text
        assert "Not paid yet (党务公开): " in text and "王五" in text and "宣传员" in text
    else:
        for name in ("张三", "王五", "宣传员"):
            assert name not in text
    body = "".join(s.text for s in sent if s.chat_id == zhang.id)  # the detail, privately
    assert "· 王五: 30.00 元 (2026-11)" in body and "Most hours: 1. 张三 2" in body
    assert "Owed 120.00 元, paid 30.00 元, waived 0.00 元, outstanding 90.00 元." in body
    # The deputy gets the detail with the branch's dues totals but no member's amount (not the dues' keeper).
    deputy = "".join(s.text for s in sent if s.chat_id == publicity.id)
    assert "Owed 120.00 元, paid 30.00 元, waived 0.00 元, outstanding 90.00 元." in deputy
    assert "3 members still owe dues for the period." in deputy and "Most hours: 1. 张三 2" in deputy
    assert "Dues outstanding:" not in deputy and "王五: 30.00 元" not in deputy
    bot.clock.now = at("2026-12-02 10:00")
    mine = (await bot.say(wang, "/summary"))[-1].text
    assert "Your Party dues: owed 30.00 元, paid 0.00 元, waived 0.00 元, outstanding 30.00 元." in mine
    assert "Your volunteer service: 0 approved hours." in mine and "张三" not in mine
