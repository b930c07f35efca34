"""/export: the ledgers (台账) re-opened and checked cell by cell against what happened; who may have them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select

from handlers.kit.api import Chat, ChatType, Event, Request
from storage.models import AuditEntry, Household, Member, ServicePost, ServiceReport
from storage.roster import members
from storage.roster.members import MemberData
from storage.rules.vocabulary import HouseholdKind, PartyStatus, ServiceStatus, TeammateStatus
from tests.memory import GROUP
from tests.service_helpers import make_report, submitted
from tests.test_activities import announce, linked
from tests.test_calendar import at
from tests.test_service_review import card_of
from tests.xlsx_check import open_checked, rows

MEETING = "/new 支部党员大会 | 十一月党员大会 | 2026-11-27 09:00 | 11:00 | Room 3 | 全体"
LECTURE = "/new 党课 | 十一月党课 | 2026-11-30 09:00 | 10:00 | 党员活动室 | 全体"
DAY = datetime(2026, 11, 27)
NOTE = "制表人：李书记　制表时间：2026-11-27 11:45　数据截至：{asof}"
THIRD = Decimal(1) / 3


async def chinese_branch(bot):
    """A branch that speaks 简体中文 (so its ledgers are in Chinese); its secretary reads English privately."""
    sec = bot.user(1, "Secretary", "Li", "en")
    bot.transport.admins.add((GROUP.id, sec.id))
    await bot.say(sec, "/start")
    await bot.group(sec, "/setup 第一党支部 | 李书记")
    return sec


async def history(bot):
    """张三 (预备, 第一党小组) is on approved leave and catches up; 王五 (正式, 第二党小组) checks in;
    the secretary misses the meeting; afterwards 张三 becomes a full member and 王五 leaves the roster."""
    sec = await chinese_branch(bot)
    zhang = await linked(bot, sec, 2, "张三", status="预备", extra="第一党小组")
    wang = await linked(bot, sec, 3, "王五", status="正式", extra="第二党小组")
    post = await announce(bot, sec, MEETING)
    await announce(bot, sec, LECTURE)  # later this month: check-in not open when exporting
    await bot.press(zhang, post, post.button("请假"))
    request = next(s for s in await bot.say(zhang, "出差") if s.chat_id == sec.id)
    await bot.press(sec, request, request.button("Approve"))
    bot.clock.advance(minutes=45)  # 08:45 Beijing
    await bot.press(wang, post, post.button("签到"))
    bot.clock.advance(hours=3)  # 11:45: the meeting is over
    assert "caught up" in (await bot.say(zhang, "/makeup 1"))[-1].text
    await bot.upload(sec, "roster.csv", "姓名,政治面貌,党小组\n张三,正式,第一党小组\n".encode())
    ask = (await bot.say(sec, "/remove 王五"))[-1]
    await bot.press(sec, ask, ask.button("Take off"))
    return sec, zhang, wang


async def export(bot, user, args: str):
    """The document /export sent (to whom, its name, caption and workbook), and every message."""
    sent = await bot.say(user, f"/export {args}")
    documents = [s for s in sent if s.kind == "document"]
    assert len(documents) <= 1
    if not documents:
        return None, sent
    doc = documents[0]
    assert doc.chat_id == user.id  # privately, to the one who asked
    return (doc, open_checked(doc.data)), sent


async def audit(bot, action):
    async with bot.db.session() as s:
        return list(await s.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


async def test_attendance_ledger_cell_by_cell(bot):
    sec, _, _ = await history(bot)
    (doc, book), _ = await export(bot, sec, "attendance 2026-11")
    assert doc.filename == "会议签到台账-第一党支部-2026-11.xlsx"
    assert doc.text.startswith("Attendance ledger, 第一党支部, 2026-11.")
    assert book.sheetnames == ["活动一览", "签到明细", "个人出勤汇总"]
    overview, detail, people = book.worksheets
    assert overview["A1"].value == "第一党支部会议签到台账（2026年11月）"
    assert detail["A1"].value == "第一党支部会议签到台账 · 签到明细（2026年11月）"
    assert overview["A2"].value == NOTE.format(asof="2026-11-27")
    assert all(sheet.freeze_panes == "A4" for sheet in book.worksheets)
    assert rows(overview, 3) == [
        ("序号", "日期", "时间", "类型", "主题", "地点", "参加范围", "应到", "实到", "请假", "缺席", "出席率", "备注"),
        (1, DAY, "09:00–11:00", "支部党员大会", "十一月党员大会", "Room 3", "支部全体党员", 3, 1, 1, 1, float(round(THIRD, 4)),
         None),
        (2, datetime(2026, 11, 30), "09:00–10:00", "党课", "十一月党课", "党员活动室", "支部全体党员", None, None, None, None,
         None, "尚未开始签到"),
        ("合计", None, None, None, None, None, None, 3, 1, 1, 1, float(round(THIRD, 4)), None),
    ]
    assert overview["B4"].is_date and overview["B4"].number_format == "yyyy-mm-dd"
    assert overview["L4"].number_format == "0.0%"
    assert rows(detail, 3) == [
        ("序号", "日期", "活动", "类型", "姓名", "当日政治面貌", "党小组", "出勤情况", "签到时间", "签到方式", "请假事由", "补课",
         "补课时间"),
        # 张三 was probationary on the day, whatever the roster says now; 王五 is listed though off the roster.
        (1, DAY, "十一月党员大会", "支部党员大会", "张三", "预备党员", "第一党小组", "请假", None, None, "出差", "已补课",
         datetime(2026, 11, 27, 11, 45)),
        (2, DAY, "十一月党员大会", "支部党员大会", "李书记", "正式党员", None, "缺席", None, None, None, None, None),
        (3, DAY, "十一月党员大会", "支部党员大会", "王五", "正式党员", "第二党小组", "出席", datetime(2026, 11, 27, 8, 45), "按钮",
         None, None, None),
    ]
    assert detail["I6"].number_format == "yyyy-mm-dd hh:mm"
    assert rows(people, 3) == [
        ("序号", "姓名", "党小组", "应到", "实到", "请假", "缺席", "出席率", "待补课次数"),
        (1, "张三", "第一党小组", 1, 0, 1, 0, 0, 0),
        (2, "李书记", None, 1, 0, 0, 1, 0, 0),
        (3, "王五", "第二党小组", 1, 1, 0, 0, 1, 0),
        ("合计", None, None, 3, 1, 1, 1, float(round(THIRD, 4)), 0),
    ]
    [entry] = await audit(bot, "export")
    assert entry.target == "attendance" and entry.actor_member_id is not None
    assert entry.details == {"period": "2026-11", "filename": doc.filename, "size": len(doc.data)}


async def test_roster_ledger_with_status_history(bot):
    sec, _, _ = await history(bot)
    (doc, book), _ = await export(bot, sec, "花名册")  # no period: this year so far
    assert doc.filename == "花名册-第一党支部-2026.xlsx"
    roster, changes = book.worksheets
    assert book.sheetnames == ["花名册", "身份变动记录"]
    assert roster["A1"].value == "第一党支部花名册（2026年度）"
    assert roster["A2"].value == NOTE.format(asof="2026-11-27")
    assert rows(roster, 3) == [
        ("序号", "姓名", "政治面貌", "党小组", "职务", "党费类别", "手机号码", "入党日期", "流动党员", "在册", "转出日期"),
        (1, "张三", "正式党员", "第一党小组", None, None, None, None, "否", "是", None),
        (2, "李书记", "正式党员", None, "书记", None, None, None, "否", "是", None),
        (3, "王五", "正式党员", "第二党小组", None, None, None, None, "否", "否", DAY),
    ]
    assert roster["K6"].is_date
    assert rows(changes, 3) == [
        ("序号", "姓名", "日期", "变动事项", "政治面貌", "党小组", "在册"),
        (1, "张三", DAY, "列入名册", "预备党员", "第一党小组", "是"),
        (2, "李书记", DAY, "列入名册", "正式党员", None, "是"),
        (3, "王五", DAY, "列入名册", "正式党员", "第二党小组", "是"),
        (4, "张三", DAY, "转为正式党员", "正式党员", "第一党小组", "是"),
        (5, "王五", DAY, "转出（移出名册）", "正式党员", "第二党小组", "否"),
    ]
    # A year before the branch existed here: nobody on the roster, and still a valid file.
    (_, before), _ = await export(bot, sec, "roster 2025")
    assert rows(before.worksheets[0], 4) == [] and rows(before.worksheets[1], 4) == []


async def test_meetings_record_counts_what_the_calendar_counts(bot):
    sec, _, _ = await history(bot)
    (doc, book), _ = await export(bot, sec, "三会一课 2026Q4")
    assert doc.filename == "三会一课-第一党支部-2026Q4.xlsx"
    summary, detail = book.worksheets
    assert summary["A1"].value == "第一党支部三会一课（2026年第4季度）"
    assert rows(summary, 3)[0] == ("序号", "会议类型", "要求", "党小组", "应开期数", "已开期数", "未开期数", "召开次数", "完成率")
    by_kind = {(r[1], r[3]): r[2:] for r in rows(summary, 4)}
    assert by_kind["支部党员大会", None] == ("每季度一次", None, 1, 1, 0, 1, 1)
    assert by_kind["党课", None] == ("每季度一次", None, 0, 0, 0, 0, None)  # the lecture has not happened yet
    assert by_kind["党小组会", "第一党小组"] == ("每月一次（各党小组）", "第一党小组", 0, 0, 0, 0, None)
    assert ("党小组会", "第二党小组") not in by_kind  # nobody of the Party is in it any more
    lines = {(r[1], r[3], r[4]): r[5:] for r in rows(detail, 4)}
    assert lines["支部党员大会", None, "2026Q4"] == ("已召开", 1, "2026-11-27", "十一月党员大会")
    assert lines["主题党日", None, "2026-10"] == ("启用前无记录", 0, None, None)  # before the branch was set up
    assert lines["主题党日", None, "2026-11"] == ("未到期", 0, None, None)
    assert lines["支委会", None, "2026-12"] == ("未到期", 0, None, None)
    assert lines["组织生活会", None, "2026"] == ("未到期", 0, None, None)
    assert len(lines) == len(rows(detail, 4))
    # At the end of the year the missing ones are missing.
    bot.clock.advance(days=40)
    (_, later), _ = await export(bot, sec, "meetings 2026Q4")
    lines = {(r[1], r[3], r[4]): r[5] for r in rows(later.worksheets[1], 4)}
    assert lines["主题党日", None, "2026-11"] == "未召开" and lines["党课", None, "2026Q4"] == "未召开"
    by_kind = {(r[1], r[3]): r[4:] for r in rows(later.worksheets[0], 4)}
    assert by_kind["主题党日", None] == (2, 0, 2, 0, 0)


async def test_who_may_export(bot):
    sec, zhang, _ = await history(bot)
    mark = len(bot.transport.sent)
    # A member without the role, in English.
    refused = (await bot.say(zhang, "/export roster"))[-1].text
    assert refused == "Only the secretary, deputy secretary, organisation committee member can do this."
    # A Party group leader is not given the whole branch's personal information either.
    await bot.say(sec, "/grant 张三 党小组长")
    assert "Only the secretary" in (await bot.say(zhang, "/export attendance"))[-1].text
    # The organisation committee member is.
    await bot.say(sec, "/revoke 张三 党小组长")
    await bot.say(sec, "/grant 张三 组织委员")
    (doc, _), _ = await export(bot, zhang, "roster")
    assert doc.chat_id == zhang.id
    # In the group: nothing is sent there.
    assert (await bot.group(sec, "/export roster"))[-1].text == "请在与我的私聊中发送此命令。"  # the group speaks 简体中文
    # Someone on no roster.
    stranger = bot.user(9, "Stranger", lang="en")
    assert "not on any branch roster" in (await bot.say(stranger, "/export roster"))[-1].text
    # The secretary of another branch gets their own branch's roster, nothing of ours.
    other_group = Chat(-100600, ChatType.SUPERGROUP, "第二党支部群")
    other = bot.user(20, "Wang", "Secretary", "en")
    bot.transport.admins.add((other_group.id, other.id))
    await bot.say(other, "/start")
    await bot.say(other, "/setup 第二党支部 | 王书记", other_group)
    (theirs, book), _ = await export(bot, other, "roster")
    assert theirs.filename == "花名册-第二党支部-2026.xlsx"
    names = {cell for sheet in book.worksheets for row in rows(sheet) for cell in row if isinstance(cell, str)}
    assert "王书记" in names and not names & {"张三", "李书记", "王五", "出差"}
    documents = [s for s in bot.transport.sent[mark:] if s.kind == "document"]
    assert [d.chat_id for d in documents] == [zhang.id, other.id]
    refusals = await audit(bot, "refused")
    assert [(r.target, r.details.get("reason")) for r in refusals[-3:]] == [
        ("export", "role"), ("export", "role"), ("/export", "not_in_roster")]
    assert [e.target for e in await audit(bot, "export")] == ["roster", "roster"]


async def test_bad_kinds_and_periods_are_explained_and_nothing_is_sent(bot):
    sec = await chinese_branch(bot)
    cases = {
        "": "Send /export and a ledger",
        "财务": "There is no ledger called “财务”. Ledgers: roster (Roster), attendance (Attendance ledger), "
               "meetings (Three meetings and one lecture), dues (Party-dues ledger), "
               "service (Volunteer service ledger). Example: /export roster 2026.",
        "roster 2026-13": "I cannot read “2026-13” as a period. Write a month, quarter, half-year or year, "
                          "for example 2026-11, 2026Q4, 2026H2, 2026.",
        "roster 1999": "I cannot read “1999” as a period",
        "attendance 2027": "2027 has not begun yet. Choose a period up to today, for example attendance 2026.",
        "meetings 2026Q5": "cannot read “2026Q5”",
    }
    for args, expected in cases.items():
        found, sent = await export(bot, sec, args)
        assert found is None
        assert expected in sent[-1].text, (args, sent[-1].text)
    assert await audit(bot, "export") == []
    # In Chinese for someone who reads Chinese.
    zh = bot.user(1, "Secretary", "Li", "zh-hans")
    assert "没有名为“财务”的台账" in (await bot.say(zh, "/export 财务"))[-1].text


async def test_a_redelivered_export_sends_one_file(bot):
    sec = await chinese_branch(bot)
    request = Request(999, Event.MESSAGE, Chat(sec.id, ChatType.PRIVATE), sec, text="/export roster",
                      command="export", args="roster")
    first = await bot.send(request)
    again = await bot.send(request)
    assert [s.kind for s in first] == ["document"] and again == []
    assert len(await audit(bot, "export")) == 1


async def test_a_new_ledger_is_one_entry_in_the_registry(bot, monkeypatch):
    """How a ledger slots in: one LedgerKind; /export, the check, the audit and the upload follow."""
    from handlers.kit.workbook import MONEY, Book, Column, Sheet
    from handlers.ledgers import kinds
    from handlers.ledgers.books import period_text

    async def dues(job: kinds.Job) -> Book:
        columns = [Column("姓名")] + [Column(h, MONEY, group=f"{y}-{m:02d}")
                                      for y, m in job.period.months() for h in ("应缴", "实缴")]
        title = f"{job.branch.name}党费收缴台账（{period_text(job.t, job.period)}）"
        return Book([Sheet("党费收缴", title, columns, [["张三"] + [Decimal("12.50"), Decimal("12.5")] * 3],
                           totals=["合计"] + [Decimal("12.50")] * 6)])

    monkeypatch.setattr(kinds, "KINDS", kinds.KINDS + (kinds.LedgerKind("sample", "Sample ledger", ("示例台账",), dues),))
    sec = await chinese_branch(bot)
    (doc, book), _ = await export(bot, sec, "示例台账 2026Q4")
    assert doc.filename == "Sample ledger-第一党支部-2026Q4.xlsx"  # no catalog entry in this test: the msgid
    sheet = book.active
    assert sheet["A1"].value == "第一党支部党费收缴台账（2026年第4季度）"
    assert rows(sheet, 2)[:2] == [("姓名", "2026-10", None, "2026-11", None, "2026-12", None),
                                  (None, "应缴", "实缴", "应缴", "实缴", "应缴", "实缴")]
    assert rows(sheet, 4) == [("张三", 12.5, 12.5, 12.5, 12.5, 12.5, 12.5), ("合计", 12.5, 12.5, 12.5, 12.5, 12.5, 12.5)]
    assert sheet["B4"].number_format == "0.00"
    assert [e.target for e in await audit(bot, "export")] == ["sample"]
    assert "sample (Sample ledger)" in (await bot.say(sec, "/export"))[-1].text


async def test_the_ledger_is_made_before_the_transaction_and_again_inside_only_if_that_failed(bot, monkeypatch):
    from handlers.kit import offload
    from handlers.ledgers import export as export_module
    from storage.db import _ReadOnlySession

    sec = await chinese_branch(bot)
    real, sessions, failures = export_module.make, [], []

    async def make(session, *args):
        sessions.append(isinstance(session.sync_session, _ReadOnlySession))
        if failures:
            failures.pop()
            raise offload.Failed("timeout")
        return await real(session, *args)

    monkeypatch.setattr(export_module, "make", make)
    (doc, _), _ = await export(bot, sec, "roster")
    assert sessions == [True]  # made once, in a read session: SQLite's writer was not held meanwhile
    failures.append(True)
    sessions.clear()
    (again, _), _ = await export(bot, sec, "roster")
    assert sessions == [True, False] and again.filename == doc.filename  # the worker failed: made in the transaction
    failures.extend([True, True])
    sessions.clear()
    found, sent = await export(bot, sec, "attendance 2026")
    assert found is None and sent[-1].text == ("The ledger took too long to make. Try a shorter period, "
                                               "for example attendance 2026-11.")
    assert [e.target for e in await audit(bot, "export")] == ["roster", "roster"]


# --- 党费收缴台账 ------------------------------------------------------------------------------


async def dues_half_year(bot):
    """From March: 张三 (在职 4500: 45.00 a month) and 王五 (退休 3800: 19.00), 老王 (在职 6000: 90.00) who is
    taken off the roster in May, 新人 an activist admitted in June (学生: 0.20), and the secretary with no
    amount known. In April: 张三 pays April and May in cash; 张三 pays 王五's April for him (代缴, a
    self-report the secretary confirms); 老王's April is recorded twice and the second corrected. In May
    王五's May and June are waived (减免). In June: 新人 pays June; 张三 reports June, rejected, and again,
    still pending."""
    bot.clock.now = at("2026-03-10 10:00")
    sec = await chinese_branch(bot)
    zhang = await linked(bot, sec, 2, "张三", extra="第一党小组")
    wang = await linked(bot, sec, 3, "王五", extra="第二党小组")
    async with bot.db.session() as s:
        branch_id = await s.scalar(select(Member.branch_id).limit(1))
        await members.import_roster(s, branch_id, [MemberData("新人", PartyStatus.ACTIVIST),
                                                   MemberData("老王", PartyStatus.FULL)], bot.clock.now)
    for command in ("/duesset 张三 | 在职 4500 | 2026-03", "/duesset 王五 | 退休 3800 | 2026-03",
                    "/duesset 老王 | 在职 6000 | 2026-03"):
        assert "from 2026-03" in (await bot.say(sec, command))[-1].text, command
    bot.clock.now = at("2026-04-20 10:00")
    assert "Recorded:" in (await bot.say(sec, "/duespay 张三 | 2026-04~2026-05 | 90 | 现金"))[0].text
    [ask] = [s for s in await bot.say(zhang, "/paid 2026-04 19 代 王五") if s.chat_id == sec.id]
    await bot.press(sec, ask, ask.button("Confirm"))
    bot.clock.advance(minutes=5)
    await bot.say(sec, "/duespay 老王 | 2026-04 | 90 | 微信")
    bot.clock.advance(minutes=5)
    await bot.say(sec, "/duespay 老王 | 2026-04 | 90 | 微信")
    bot.clock.advance(minutes=5)
    assert "#4 is reversed by #5" in (await bot.say(sec, "/duesfix #4 重复登记"))[0].text
    bot.clock.now = at("2026-05-20 10:00")
    async with bot.db.session() as s:
        await members.remove(s, await members.by_name(s, branch_id, "老王"), bot.clock.now)
    assert "Waived" in (await bot.say(sec, "/dueswaive 王五 | 2026-05~2026-06 | 支委会决定：重病住院"))[-1].text
    bot.clock.now = at("2026-06-18 10:00")
    async with bot.db.session() as s:
        await members.import_roster(s, branch_id, [MemberData("新人", PartyStatus.PROBATIONARY)], bot.clock.now)
    await bot.say(sec, "/duesset 新人 | 学生")
    assert "Recorded:" in (await bot.say(sec, "/duespay 新人 | 2026-06 | 0.2 | 支付宝"))[0].text
    bot.clock.now = at("2026-06-25 10:00")
    [ask] = [s for s in await bot.say(zhang, "/paid 2026-06 45 微信") if s.chat_id == sec.id]
    await bot.press(sec, ask, ask.button("Reject"))
    await bot.say(sec, "没有收到转账")
    bot.clock.advance(hours=1)
    await bot.say(zhang, "/paid 2026-06 45 微信")
    bot.clock.now = at("2026-07-15 10:00")
    return sec, zhang, wang


async def test_dues_ledger_cell_by_cell(bot):
    sec, _, _ = await dues_half_year(bot)
    (doc, book), _ = await export(bot, sec, "dues 2026Q2")
    assert doc.filename == "党费收缴台账-第一党支部-2026Q2.xlsx"
    assert book.sheetnames == ["党费收缴", "缴费记录", "减免记录"]
    grid, paid, waivers = book.worksheets
    assert grid["A1"].value == "第一党支部党费收缴台账（2026年第2季度）"
    assert paid["A1"].value == "第一党支部党费收缴台账 · 缴费记录（2026年第2季度）"
    assert grid["A2"].value == "制表人：李书记　制表时间：2026-07-15 10:00　数据截至：2026-06-30"
    assert grid["A3"].value.startswith("实缴只计已确认的缴费")
    assert grid.freeze_panes == "A6" and paid.freeze_panes == "A5" and waivers.freeze_panes == "A4"
    months = ("2026年4月", None, None, "2026年5月", None, None, "2026年6月", None, None)
    assert rows(grid, 4)[:2] == [
        ("序号", "姓名", "党小组", *months, "合计", None, None, None),
        (None, None, None, *("应缴", "实缴", "减免") * 3, "应缴", "实缴", "减免", "欠缴"),
    ]
    # Owed, paid, waived per month; then the member's owed, paid, waived, outstanding. Pending and
    # rejected reports count for nothing; 老王's April counts once; 新人 owes from June; 老王 to May.
    assert rows(grid, 6) == [
        (1, "张三", "第一党小组", 45, 45, 0, 45, 45, 0, 45, 0, 0, 135, 90, 0, 45),
        (2, "王五", "第二党小组", 19, 19, 0, 19, 0, 19, 19, 0, 19, 57, 19, 38, 0),
        (3, "新人", None, None, None, None, None, None, None, 0.2, 0.2, 0, 0.2, 0.2, 0, 0),
        (4, "李书记", None, None, 0, 0, None, 0, 0, None, 0, 0, None, 0, 0, None),  # no amount known
        (5, "老王", None, 90, 90, 0, 90, 0, 0, None, None, None, 180, 90, 0, 90),
        ("合计", None, None, 154, 154, 0, 154, 45, 19, 64.2, 0.2, 19, 372.2, 199.2, 38, 135),
    ]
    assert {grid.cell(6, c).number_format for c in range(4, 17)} == {"0.00"}
    assert rows(paid, 3) == [
        ("只有已确认的缴费计入实缴；待确认和已退回的记录列于此处，但不计入。更正为一笔金额为负的已确认记录。",
         None, None, None, None, None, None, None, None),
        ("序号", "登记时间", "姓名", "所缴月份", "金额（元）", "缴纳方式", "代缴人", "状态", "备注"),
        (1, datetime(2026, 4, 20, 10, 0), "张三", "2026-04、2026-05", 90, "现金", None, "已确认", None),
        (2, datetime(2026, 4, 20, 10, 0), "王五", "2026-04", 19, "未说明", "张三", "已确认", None),
        (3, datetime(2026, 4, 20, 10, 5), "老王", "2026-04", 90, "微信", None, "已确认", None),
        (4, datetime(2026, 4, 20, 10, 10), "老王", "2026-04", 90, "微信", None, "已确认", None),
        (5, datetime(2026, 4, 20, 10, 15), "老王", "2026-04", -90, "微信", None, "已确认", "更正第4笔：重复登记"),
        (6, datetime(2026, 6, 18, 10, 0), "新人", "2026-06", 0.2, "支付宝", None, "已确认", None),
        (7, datetime(2026, 6, 25, 10, 0), "张三", "2026-06", 45, "微信", None, "已退回", "没有收到转账"),
        (8, datetime(2026, 6, 25, 11, 0), "张三", "2026-06", 45, "微信", None, "待确认", None),
    ]
    assert paid["E5"].number_format == "0.00" and paid["B5"].number_format == "yyyy-mm-dd hh:mm"
    assert rows(waivers, 3) == [
        ("序号", "姓名", "起始月份", "截止月份", "事由", "登记人", "登记时间", "状态"),
        (1, "王五", "2026-05", "2026-06", "支委会决定：重病住院", "李书记", datetime(2026, 5, 20, 10, 0), "有效"),
    ]
    [entry] = await audit(bot, "export")
    assert entry.target == "dues" and entry.details["period"] == "2026Q2"
    # The whole year so far: January to July (no months to come), 新人 and 老王 for the months they owed.
    await bot.say(sec, "/duesfix w1 搞错了")
    (_, year), _ = await export(bot, sec, "党费 2026")
    grid = year.worksheets[0]
    assert [c for c in rows(grid, 4)[0] if c] == ["序号", "姓名", "党小组", *(f"2026年{m}月" for m in range(1, 8)), "合计"]
    by_name = {r[1]: r for r in rows(grid, 6)}
    assert by_name["新人"][3:24] == (None,) * 15 + (0.2, 0.2, 0, 0.2, 0, 0)  # June paid; July owed
    assert by_name["老王"][3:24] == (None,) * 6 + (90, 0, 0, 90, 90, 0, 90, 0, 0) + (None,) * 6  # March to May
    assert by_name["王五"][-4:] == (95, 19, 0, 76)  # March to July; the waiver reversed
    assert rows(year.worksheets[2], 4) == [
        (1, "王五", "2026-05", "2026-06", "支委会决定：重病住院", "李书记", datetime(2026, 5, 20, 10, 0), "已于2026-07-15撤销")]


async def test_the_dues_ledger_is_for_the_secretary_and_the_organizer_only(bot):
    sec, zhang, wang = await dues_half_year(bot)
    mark = len(bot.transport.sent)
    for role in ("党小组长", "宣传委员"):  # not given the ledgers at all
        await bot.say(sec, f"/grant 张三 {role}")
        assert (await bot.say(zhang, "/export dues"))[-1].text == (
            "Only the secretary, deputy secretary, organisation committee member can do this.")
        await bot.say(sec, f"/revoke 张三 {role}")
    await bot.say(sec, "/grant 张三 副书记")  # has the other ledgers, not the personal dues figures
    assert (await bot.say(zhang, "/export 党费台账 2026Q2"))[-1].text == (
        "Only the secretary, organisation committee member can do this.")
    (roster, _), _ = await export(bot, zhang, "roster")
    await bot.say(sec, "/grant 王五 组织委员")
    (doc, _), _ = await export(bot, wang, "dues")
    documents = [s for s in bot.transport.sent[mark:] if s.kind == "document"]
    assert [(d.chat_id, d.filename) for d in documents] == [(zhang.id, roster.filename), (wang.id, doc.filename)]
    refusals = [(r.target, r.details.get("reason")) for r in await audit(bot, "refused")]
    assert refusals[-3:] == [("export", "role"), ("export", "role"), ("manage_dues", "role")]
    assert [e.target for e in await audit(bot, "export")] == ["roster", "dues"]


# --- 志愿服务台账 ------------------------------------------------------------------------------


async def service_month(bot):
    """November: 张三's team report with 李四 (confirmed) and 孙七 (invited only) on a visit to his household
    王奶奶; 王五's report at his post; 张三's own hour; all three approved by the secretary. 孙七's report
    waits for review, 李四's is rejected, 王五's October report is approved but outside the month."""
    bot.clock.now = at("2026-11-20 10:00")
    sec = await chinese_branch(bot)
    await linked(bot, sec, 2, "张三", extra="第一党小组")
    await linked(bot, sec, 3, "李四", extra="第一党小组")
    await linked(bot, sec, 4, "王五", extra="第二党小组")
    await linked(bot, sec, 5, "孙七", extra="第二党小组")
    team = await make_report(bot, "张三", served_on=date(2026, 11, 5), minutes=120, people=8,
                             teammates={"李四": TeammateStatus.CONFIRMED, "孙七": TeammateStatus.INVITED})
    post = await make_report(bot, "王五", served_on=date(2026, 11, 12), minutes=90, people=30, category="宣传政策法规",
                             description="讲解医保新政策")
    own = await make_report(bot, "张三", served_on=date(2026, 11, 15), minutes=60, people=3, category="宣传政策法规",
                            description="发放宣传册")
    await make_report(bot, "孙七", served_on=date(2026, 11, 16), minutes=240, description="待审核的服务")
    await make_report(bot, "李四", served_on=date(2026, 11, 17), minutes=180, status=ServiceStatus.REJECTED,
                      description="未通过的服务")
    await make_report(bot, "王五", served_on=date(2026, 10, 20), minutes=30, status=ServiceStatus.APPROVED,
                      description="十月的服务")
    async with bot.db.session() as s:
        people = {m.name: m for m in await s.scalars(select(Member))}
        household = Household(branch_id=1, member_id=people["张三"].id, label="王奶奶（空巢）", kind=HouseholdKind.EMPTY_NEST,
                              address="幸福村3号", phone="13800001234", created_at=bot.clock())
        station = ServicePost(branch_id=1, name="政策宣传员", created_at=bot.clock())
        s.add_all([household, station])
        await s.flush()
        (await s.get(ServiceReport, team)).household_id = household.id
        (await s.get(ServiceReport, post)).post_id = station.id
    for rid in (team, post, own):
        card = card_of(await submitted(bot, rid), sec.id)
        bot.clock.advance(minutes=10)
        await bot.press(sec, card, card.button("Approve"))
    return sec


async def test_service_ledger_cell_by_cell(bot):
    sec = await service_month(bot)
    (doc, book), _ = await export(bot, sec, "志愿服务 2026-11")
    assert doc.filename == "志愿服务台账-第一党支部-2026-11.xlsx"
    assert book.sheetnames == ["服务记录", "个人分类汇总"]
    reports, totals = book.worksheets
    assert reports["A1"].value == "第一党支部志愿服务台账（2026年11月）"
    assert totals["A1"].value == "第一党支部志愿服务台账 · 个人分类汇总（2026年11月）"
    approved_only = "只列入并统计已审核通过的记录；待审核、退回修改、未通过和已撤回的记录不在其中。"
    assert reports["A2"].value == "制表人：李书记　制表时间：2026-11-20 10:30　数据截至：2026-11-20"
    assert reports["A3"].value == approved_only and totals["A3"].value == approved_only
    assert totals["A4"].value.startswith("时长按人计算")
    assert reports.freeze_panes == "A5" and totals.freeze_panes == "A7"
    description = "打扫卫生、陪老人聊天"
    assert rows(reports, 4) == [
        ("序号", "日期", "姓名", "同行队友（已确认）", "服务时长（小时）", "类别", "地点", "服务人数", "服务内容", "联系户", "岗位",
         "审核人", "审核时间"),
        (1, datetime(2026, 11, 5), "张三", "李四", 2, "关爱空巢老人", "幸福村", 8, description, "王奶奶（空巢）", None,
         "李书记", datetime(2026, 11, 20, 10, 10)),
        (2, datetime(2026, 11, 12), "王五", None, 1.5, "宣传政策法规", "幸福村", 30, "讲解医保新政策", None, "政策宣传员",
         "李书记", datetime(2026, 11, 20, 10, 20)),
        (3, datetime(2026, 11, 15), "张三", None, 1, "宣传政策法规", "幸福村", 3, "发放宣传册", None, None,
         "李书记", datetime(2026, 11, 20, 10, 30)),
        ("合计", None, None, None, None, None, None, 41, None, None, None, None, None),
    ]
    assert reports["E5"].number_format == "0.0" and reports["B5"].is_date
    assert rows(totals, 5) == [
        ("序号", "姓名", "党小组", "关爱空巢老人", None, "宣传政策法规", None, "合计", None),
        (None, None, None, *("服务时长（小时）", "记录数") * 3),
        (1, "张三", "第一党小组", 2, 1, 1, 1, 3, 2),
        (2, "李四", "第一党小组", 2, 1, None, None, 2, 1),
        (3, "王五", "第二党小组", None, None, 1.5, 1, 1.5, 1),
        ("合计", None, None, 4, 1, 2.5, 2, 6.5, 3),  # each report once in the counts; hours per person
    ]
    assert totals["D7"].number_format == "0.0"
    cells = {str(cell) for sheet in book.worksheets for row in rows(sheet) for cell in row if cell is not None}
    text = " ".join(cells)
    assert "幸福村3号" not in text and "13800001234" not in text  # the household by its label only
    assert not {"待审核的服务", "未通过的服务", "十月的服务", "孙七"} & cells
    [entry] = await audit(bot, "export")
    assert (entry.target, entry.details["period"]) == ("service", "2026-11")
    # Outside the month nothing of it; the quarter has October's report too.
    (_, quarter), _ = await export(bot, sec, "service 2026Q4")
    assert [r[2] for r in rows(quarter.worksheets[0], 5)] == ["王五", "张三", "王五", "张三", None]  # and the total row


async def test_the_service_ledger_is_for_the_keepers_of_the_ledgers(bot):
    sec = await service_month(bot)
    leader = bot.user(3, "user3", lang="en")  # 李四
    await bot.say(sec, "/grant 李四 党小组长")
    assert (await bot.say(leader, "/export service"))[-1].text == (
        "Only the secretary, deputy secretary, organisation committee member can do this.")
    await bot.say(sec, "/grant 李四 组织委员")
    (doc, _), _ = await export(bot, leader, "志愿")
    assert doc.chat_id == leader.id and doc.filename == "志愿服务台账-第一党支部-2026.xlsx"
