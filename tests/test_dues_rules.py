"""The dues table and the ledger's arithmetic, without a database; and the ledger's balance over a generated year."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import update

from storage import branches
from storage.dues import ledger as dues_ledger
from storage.dues import payments as dues_payments
from storage.models import MembershipChange
from storage.roster import members
from storage.roster.members import MemberData
from storage.rules import dues as rules
from storage.rules.dues import Table, allocate, months_owed, parse_months, table
from storage.rules.lapse import dues_arrears
from storage.rules.numbers import MoneyProblem, money
from storage.rules.vocabulary import DuesCategory, PartyStatus

D = Decimal
E, R = DuesCategory.EMPLOYED, DuesCategory.RETIRED


@pytest.mark.parametrize("basis, employed, retired", [
    ("0", "0.00", "0.00"),
    ("2999.99", "15.00", "15.00"),
    ("3000", "15.00", "15.00"),  # upper bounds are inclusive
    ("3000.01", "30.00", "15.00"),
    ("4999.99", "50.00", "25.00"),
    ("5000", "50.00", "25.00"),
    ("5000.01", "75.00", "50.00"),
    ("9999.99", "150.00", "100.00"),
    ("10000", "150.00", "100.00"),
    ("10000.01", "200.00", "100.00"),
    ("49999.99", "1000.00", "500.00"),
    ("50000", "1000.00", "500.00"),  # 2% of 50000 is the cap
    ("50000.01", "1000.00", "500.00"),  # capped
    ("200000", "1000.00", "1000.00"),
])
def test_brackets_at_every_boundary_both_sides(basis, employed, retired):
    t = Table()
    assert rules.monthly(t, E, D(basis)) == D(employed)
    assert rules.monthly(t, R, D(basis)) == D(retired)


def test_fixed_categories_rural_cap_rounding_and_extras():
    t = table({})
    for category in (DuesCategory.STUDENT, DuesCategory.UNEMPLOYED, DuesCategory.SUBSISTENCE):
        assert rules.monthly(t, category) == D("0.20") and rules.monthly(t, category, D(9000)) == D("0.20")
    assert rules.monthly(t, DuesCategory.RURAL) == D("0.20")
    assert rules.monthly(table({"dues_rural_fen": 100}), DuesCategory.RURAL) == D("1.00")
    with pytest.raises(ValueError):
        Table(rural=D("1.01"))
    with pytest.raises(ValueError):
        Table(rural=D("0.19"))
    assert rules.monthly(t, E, None) is None and rules.monthly(t, DuesCategory.OTHER, D(5000)) is None
    # The cap is a setting.
    assert rules.monthly(table({"dues_cap_yuan": 500}), E, D(30000)) == D("500.00")
    assert rules.monthly(table({"dues_cap_yuan": 500}), E, D(20000)) == D("400.00")
    # Rounding to the 分: half up by default, down or up where the branch says so.
    assert rules.monthly(t, E, D("3001.50")) == D("30.02")  # 30.015 → 30.02
    assert rules.monthly(t, E, D("3000.50")) == D("30.01")  # 30.005 → 30.01 (half up, not to even)
    assert rules.monthly(table({"dues_rounding": 1}), E, D("3001.50")) == D("30.01")
    assert rules.monthly(table({"dues_rounding": 2}), E, D("3001.01")) == D("30.02")
    assert t.rounding == ROUND_HALF_UP
    # Voluntary extras go beyond the cap; what is owed does not.
    assert rules.with_extra(D("1000.00"), D("500")) == D("1500.00")
    with pytest.raises(ValueError):
        rules.with_extra(D("30"), D("-1"))
    assert all(isinstance(rules.monthly(t, E, D(b)), Decimal) for b in ("1", "12345.67"))


def test_amounts_as_a_chinese_user_types_them():
    for text, value in (("30", "30.00"), ("3000,00", "3000.00"), ("3千", "3000.00"), ("３０００", "3000.00"),
                        ("1.2万", "12000.00"), ("3,000", "3000.00"), ("1,234.50", "1234.50"), ("￥30.5元", "30.50"),
                        ("３０．５", "30.50"), ("0", "0.00")):
        assert money(text) == D(value), text
    for text, problem in (("-5", MoneyProblem.NEGATIVE), ("负5", MoneyProblem.NEGATIVE),
                          ("30.005", MoneyProblem.TOO_PRECISE), ("1e3", MoneyProblem.NOT_A_NUMBER),
                          ("²", MoneyProblem.NOT_A_NUMBER), ("三十", MoneyProblem.NOT_A_NUMBER),
                          ("", MoneyProblem.NOT_A_NUMBER), ("12,3456", MoneyProblem.NOT_A_NUMBER),
                          ("NaN", MoneyProblem.NOT_A_NUMBER), ("99999999", MoneyProblem.TOO_LARGE)):
        assert money(text) == problem, text


def test_months_typed_and_owed():
    assert parse_months("2026-11~2027-01") == ["2026-11", "2026-12", "2027-01"]
    assert parse_months("2026年11月、2026-12") == ["2026-11", "2026-12"]
    assert parse_months("２０２６-１１ 至 ２０２６-１２") == ["2026-11", "2026-12"]
    for bad in ("2026-13", "2026-00", "11月", "2027-01~2026-11", "2020-01~2026-01", "x", ""):
        assert parse_months(bad) is None, bad
    history = [(date(2026, 3, 15), False), (date(2026, 6, 18), True), (date(2026, 9, 5), False)]
    assert months_owed(history, "2026-01", "2026-12") == ["2026-06", "2026-07", "2026-08", "2026-09"]
    assert rules.back_payment_needs_override("2026-05", "2026-11") is False
    assert rules.back_payment_needs_override("2026-04", "2026-11") is True


def test_allocation_covers_months_in_order_and_keeps_the_extra():
    owed = [("2026-11", D(30)), ("2026-12", D(30))]
    assert allocate(D(60), owed) == {"2026-11": D(30), "2026-12": D(30)}
    assert allocate(D(40), owed) == {"2026-11": D(30), "2026-12": D(10)}
    assert allocate(D(100), owed) == {"2026-11": D(30), "2026-12": D(70)}
    assert allocate(None, [("2026-11", D(30)), ("2026-12", None)]) == {"2026-11": D(30), "2026-12": None}


def test_arrears_stages_count_months_in_a_row_and_waived_months_settle():
    months = lambda *flags: [(date(2026, m + 1, 1), f) for m, f in enumerate(flags)]  # noqa: E731
    assert dues_arrears(months(True, False, False), date(2026, 3, 1)).stage == 2
    assert dues_arrears(months(False, False, False, False), date(2026, 4, 1)).months == 4
    assert dues_arrears(months(*[False] * 6), date(2026, 6, 1)).stage == 6
    assert dues_arrears(months(False, True, False), date(2026, 3, 1)).stage == 0  # a settled (waived) month between
    assert dues_arrears(months(False, False, True), date(2026, 3, 1)) is None
    assert dues_arrears([], date(2026, 3, 1)) is None


NOW = datetime(2026, 12, 20, 2, 0, tzinfo=timezone.utc)


async def test_the_ledger_balances_over_a_generated_year(db):
    """owed = paid + waived + outstanding for every member-month, whatever happened in the year."""
    rng = random.Random(20261201)
    months = list(rules.months_from("2026-01", "2026-12"))
    async with db.session() as s:
        branch, sec = await branches.create_branch(s, chat_id=-1, name="B", timezone="Asia/Shanghai", locale="zh_CN",
                                                   founder_user_id=1, founder_name="书记", now=NOW)
        await members.import_roster(s, branch.id, [MemberData(f"m{i}", PartyStatus.FULL) for i in range(12)], NOW)
        roster = await members.roster(s, branch.id)
        await s.execute(update(MembershipChange).values(at=datetime(2025, 12, 1, tzinfo=timezone.utc)))
        for member in roster:
            dues_payments.set_amount(s, member, "2026-01", E, D(30), basis=D(3000), source="set", by=sec.id, now=NOW)
            for _ in range(rng.randint(0, 3)):  # amounts change during the year
                category = rng.choice([E, R, DuesCategory.STUDENT, DuesCategory.RURAL])
                basis = D(rng.randint(0, 40000)) if rules.needs_basis(category) else None
                dues_payments.set_amount(s, member, rng.choice(months), category, rules.monthly(Table(), category, basis),
                                         basis=basis, source="set", by=sec.id, now=NOW)
            await s.flush()
            for _ in range(rng.randint(0, 6)):
                start = rng.randrange(12)
                covered = months[start:start + rng.randint(1, 4)]
                amount = rng.choice([None, D(rng.randint(1, 30000)) / 100])
                status = rng.choice(["confirmed", "confirmed", "pending"])
                payment = await dues_payments.record(s, member, covered, amount, method="cash", status=status,
                                                     source="officer", by=sec.id, now=NOW)
                if status == "pending" and rng.random() < 0.5:
                    await dues_payments.confirm(s, payment, sec.id, NOW)
                elif status == "confirmed" and rng.random() < 0.2:
                    await dues_payments.reverse(s, payment, sec.id, "wrong", NOW)
            if rng.random() < 0.3:
                first = rng.randrange(12)
                dues_payments.waive(s, member, months[first], months[min(first + rng.randint(0, 3), 11)], "支委会", sec.id, NOW)
        await members.remove(s, roster[0], datetime(2026, 7, 10, tzinfo=timezone.utc))
        await s.flush()
        book = await dues_ledger.ledger(s, branch.id, "2026-01", "2026-12")
    checked = 0
    for line in book.lines.values():
        assert line.paid >= 0 and line.extra >= 0 and line.waived >= 0
        if line.owed is not None:
            assert line.owed == line.paid + line.waived + line.outstanding, line
            assert line.outstanding >= 0
            checked += 1
    assert checked > 100
    assert {m for m, mo in book.lines if book.lines[m, mo].owing and m == roster[0].id} and all(
        mo <= "2026-07" for m, mo in book.lines if m == roster[0].id and book.lines[m, mo].owing)
    totals = book.totals()
    assert totals.owed == totals.paid - sum((line.paid for line in book.lines.values() if line.owed is None), D(0)) \
        + totals.waived + totals.outstanding
    assert sum((book.member_totals(m).outstanding for m in book.members), D(0)) == totals.outstanding
    assert sum((book.month_totals(m).outstanding for m in months), D(0)) == totals.outstanding


async def test_the_ledger_of_500_members_over_a_year_takes_a_fixed_handful_of_queries(db):
    from sqlalchemy import event

    async with db.session() as s:
        branch, sec = await branches.create_branch(s, chat_id=-2, name="B", timezone="Asia/Shanghai", locale="zh_CN",
                                                   founder_user_id=1, founder_name="书记", now=NOW - timedelta(days=400))
        await members.import_roster(s, branch.id, [MemberData(f"m{i}", PartyStatus.FULL) for i in range(500)], NOW)
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine.sync_engine, "before_cursor_execute", listener)
    try:
        async with db.read() as s:
            book = await dues_ledger.ledger(s, branch.id, "2026-01", "2026-12")
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", listener)
    assert len(book.members) == 501
    # The branch, the members (and their roles, loaded with them), history, amounts, money, waivers.
    assert len([q for q in statements if q.lstrip().upper().startswith("SELECT")]) <= 8


def test_months_owed_agrees_with_the_day_by_day_reading():
    """Owed when a Party member on any day of the month: checked day by day against random histories."""
    import random
    from datetime import timedelta

    rng = random.Random(7)
    for _ in range(300):
        day, steps = date(2025, 1, 1) + timedelta(days=rng.randrange(700)), []
        for _ in range(rng.randrange(1, 6)):
            steps.append((day, rng.random() < 0.6))
            day += timedelta(days=rng.choice((0, 1, 3, 30, 45, 200)))
        first = rules.from_index(rng.randrange(2025 * 12, 2027 * 12))
        last = rules.add_months(first, rng.randrange(0, 24))
        member_on: set[str] = set()
        day, end = rules.first_day(first), rules.first_day(rules.add_months(last, 1))
        while day < end:
            state = [party for since, party in steps if since <= day]
            if state and state[-1]:
                member_on.add(rules.month_of(day))
            day += timedelta(days=1)
        assert months_owed(steps, first, last) == sorted(member_on), (steps, first, last)
