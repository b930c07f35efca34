"""The monthly dues totals kept for the committee roll-up always say what each branch's ledger says.

A branch's stored months hold only while its ``dues_version`` is the one they were computed at:
every kind of write that changes the figures (payments, confirmations, rejections, corrections,
waivers and their reversal, amounts, the roster and its history, a member's category, the branch's
settings and time zone) must raise it, or a committee would read last week's figures. Each step
below is one such write, made through the same storage calls the bot makes, after the totals were
refreshed; the figures read right after it must be the ledger's, computed afresh.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update

from storage import branches
from storage.dues import ledger as dues_ledger
from storage.dues import payments
from storage.dues import totals
from storage.models import Branch, DuesMonthTotal, DuesPayment, DuesWaiver, Member
from storage.roster import members
from storage.roster.members import MemberData
from storage.rules.vocabulary import DuesCategory, PartyStatus

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
WINDOW = ("2025-01", "2026-12")  # January of last year to next month
ASKED = (("2026-01", "2026-11"), ("2026-11", "2026-11"), ("2025-03", "2026-06"))


async def world(db) -> tuple[int, int]:
    async with db.session() as s:
        one, sec = await branches.create_branch(s, chat_id=-1, name="一支部", timezone="Asia/Shanghai", locale="zh_CN",
                                                founder_user_id=1, founder_name="书记", now=NOW - timedelta(days=700))
        two, _ = await branches.create_branch(s, chat_id=-2, name="二支部", timezone="Asia/Shanghai", locale="zh_CN",
                                              founder_user_id=2, founder_name="书记二", now=NOW - timedelta(days=700))
        await members.import_roster(s, one.id, [
            MemberData("张三", PartyStatus.FULL), MemberData("李四", PartyStatus.FULL),
            MemberData("王五", PartyStatus.PROBATIONARY), MemberData("赵六", PartyStatus.FULL, dues_category=DuesCategory.STUDENT),
            MemberData("钱七", PartyStatus.ACTIVIST), MemberData("周九", PartyStatus.FULL, dues_category=DuesCategory.RURAL)], NOW - timedelta(days=400))
        await members.import_roster(s, two.id, [MemberData("孙八", PartyStatus.FULL)], NOW - timedelta(days=400))
        for member in await members.roster(s, one.id):
            if member.name in ("张三", "李四", "王五"):
                payments.set_amount(s, member, "2025-06", DuesCategory.EMPLOYED, Decimal(30), basis=Decimal(3000),
                                    source="set", by=sec.id, now=NOW)
        return one.id, two.id


async def member(s, name: str) -> Member:
    return await s.scalar(select(Member).where(Member.name == name))


async def officer(s) -> int:
    return (await member(s, "书记")).id


async def record(s, name: str, months: list[str], amount, status="confirmed") -> DuesPayment:
    return await payments.record(s, await member(s, name), months, None if amount is None else Decimal(amount),
                                 method="cash", status=status, source="officer", by=await officer(s), now=NOW)


async def pay_confirmed(s):
    await record(s, "张三", ["2026-09", "2026-10"], 60)


async def pay_part(s):
    await record(s, "李四", ["2026-11"], 12)


async def confirm_report(s):
    payment = await record(s, "王五", ["2026-08"], None, status="pending")
    await s.flush()
    assert await payments.confirm(s, payment, await officer(s), NOW) == payments.Decision.DONE


async def reject_report(s):
    payment = await s.scalar(select(DuesPayment).where(DuesPayment.status == "pending"))
    assert await payments.reject(s, payment, await officer(s), "没有收到", NOW) == payments.Decision.DONE


async def report_pending(s):
    await record(s, "李四", ["2026-10"], 30, status="pending")


async def reverse_payment(s):
    payment = await s.scalar(select(DuesPayment).where(DuesPayment.amount_fen == 6000))
    assert await payments.reverse(s, payment, await officer(s), "记错了", NOW) is not None


async def waive(s):
    payments.waive(s, await member(s, "李四"), "2026-03", "2026-05", "支委会决定", await officer(s), NOW)


async def reverse_waiver(s):
    waiver = await s.scalar(select(DuesWaiver))
    assert await payments.reverse_waiver(s, waiver, await officer(s), "撤销", NOW) is not None


async def raise_amount(s):
    payments.set_amount(s, await member(s, "张三"), "2026-07", DuesCategory.EMPLOYED, Decimal(45), basis=Decimal(4500),
                        source="set", by=await officer(s), now=NOW)


async def transfer_out(s):
    await members.remove(s, await member(s, "王五"), NOW - timedelta(days=100))


async def admit(s):  # 1 July, 11:00 in Beijing: still 30 June in Los Angeles (the time zone step)
    one = await s.scalar(select(Branch).where(Branch.name == "一支部"))
    await members.import_roster(s, one.id, [MemberData("钱七", PartyStatus.PROBATIONARY)], datetime(2026, 7, 1, 3, tzinfo=UTC))


async def category(s):
    (await member(s, "赵六")).dues_category = DuesCategory.EMPLOYED  # 0.20 a month as a student; now not known


async def settings(s):
    one = await s.scalar(select(Branch).where(Branch.name == "一支部"))
    branches.save_settings(one, branches.BranchSettings.of(one).with_value("dues_rural_fen", 100))


async def timezone(s):
    branches.set_timezone(await s.scalar(select(Branch).where(Branch.name == "一支部")), "America/Los_Angeles")


STEPS = (pay_confirmed, pay_part, report_pending, confirm_report, reject_report, reverse_payment, waive,
         reverse_waiver, raise_amount, transfer_out, admit, category, settings, timezone)


async def from_ledger(db, branch_id: int, first: str, last: str) -> totals.Figures:
    async with db.read() as s:
        book = await dues_ledger.ledger(s, branch_id, first, last)
    found = totals.Figures()
    for part in totals.figures(book.lines.values(), book.months).values():
        found.add(part)
    return found


async def assert_true_to_the_ledger(db, ids) -> None:
    for first, last in ASKED:
        async with db.read() as s:
            read = await totals.read(s, ids, first, last)
        for branch_id in ids:
            assert read[branch_id] == await from_ledger(db, branch_id, first, last), (branch_id, first, last)


async def stored(db) -> dict[int, int]:
    """How many months hold, per branch."""
    async with db.read() as s:
        return dict((await s.execute(select(DuesMonthTotal.branch_id, func.count()).join(
            Branch, (Branch.id == DuesMonthTotal.branch_id) & (Branch.dues_version == DuesMonthTotal.version))
            .group_by(DuesMonthTotal.branch_id))).all())


async def test_every_write_that_changes_dues_makes_the_stored_months_count_again(db):
    one, two = await world(db)
    assert await totals.refresh(db, NOW) == 1  # the second branch keeps no dues here: nothing to store
    assert await totals.refresh(db, NOW) == 0  # nothing changed: nothing to do
    assert await stored(db) == {one: 24}  # January 2025 to December 2026
    await assert_true_to_the_ledger(db, [one, two])
    for step in STEPS:
        before = await from_ledger(db, one, *WINDOW)
        async with db.session() as s:
            await step(s)
        # (a report still pending, or rejected, changes no figure: the version is raised all the same)
        assert await from_ledger(db, one, *WINDOW) != before or step in (report_pending, reject_report), step.__name__
        await assert_true_to_the_ledger(db, [one, two])  # stale rows are not read: the ledger is asked
        assert await totals.refresh(db, NOW) == 1, step.__name__  # only the branch that changed
        await assert_true_to_the_ledger(db, [one, two])  # and the stored rows, once refreshed


async def test_months_kept_are_read_where_they_hold_and_the_ledger_gives_the_rest(db):
    one, two = await world(db)
    await totals.refresh(db, NOW)
    async with db.session() as s:  # the branch's stored months stop holding
        await pay_confirmed(s)
    assert await stored(db) == {}
    await assert_true_to_the_ledger(db, [one, two])
    async with db.read() as s:  # a month the calendar does not keep (before last year) comes from the ledger
        read = await totals.read(s, [one], "2024-11", "2025-02")
    assert read[one] == await from_ledger(db, one, "2024-11", "2025-02")


async def test_a_new_month_is_stored_before_it_begins(db):
    one, _ = await world(db)
    await totals.refresh(db, datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # 23:00 on 30 November in Beijing
    assert await stored(db) == {one: 24}
    async with db.read() as s:  # 1 December: December holds already, nothing to ask the ledger for
        months = set(await s.scalars(select(DuesMonthTotal.month).where(DuesMonthTotal.branch_id == one)))
    assert "2026-12" in months
    assert await totals.refresh(db, datetime(2026, 11, 30, 16, 5, tzinfo=UTC)) == 1  # January joins the window
    assert await stored(db) == {one: 25}


async def test_a_member_moved_to_another_branch_changes_both(db):
    one, two = await world(db)
    await totals.refresh(db, NOW)
    async with db.session() as s:
        before = {b: await s.scalar(select(Branch.dues_version).where(Branch.id == b)) for b in (one, two)}
        (await member(s, "张三")).branch_id = two
    async with db.read() as s:
        after = {b: await s.scalar(select(Branch.dues_version).where(Branch.id == b)) for b in (one, two)}
    assert after[one] > before[one] and after[two] > before[two]
    await assert_true_to_the_ledger(db, [one, two])


async def test_only_settings_the_dues_table_reads_make_the_months_count_again(db):
    one, _ = await world(db)
    await totals.refresh(db, NOW)
    async with db.session() as s:
        branch = await s.get(Branch, one)
        branches.save_settings(branch, branches.BranchSettings.of(branch).with_value("invite_days", 3))
    assert await stored(db) == {one: 24}
    async with db.session() as s:
        branch = await s.get(Branch, one)
        branches.save_settings(branch, branches.BranchSettings.of(branch).with_value("dues_cap_yuan", 500))
    assert await stored(db) == {}


async def test_a_branch_that_cannot_be_stored_holds_up_no_other(db, caplog):
    one, two = await world(db)
    async with db.session() as s:
        payments.set_amount(s, await member(s, "孙八"), "2025-06", DuesCategory.EMPLOYED, Decimal(10), basis=Decimal(2000),
                            source="set", by=None, now=NOW)
        await s.execute(update(Branch).where(Branch.id == one).values(timezone="Nowhere/Atlantis"))
    assert await totals.refresh(db, NOW) == 1
    assert await stored(db) == {two: 24}
    assert "unreadable time zone" in caplog.text
