"""The roll-up as a chart and as an .xlsx: cell by cell against the roll-up, every glyph drawn, no personal
figure anywhere, sent privately through the outbox, audited, refused to a branch secretary."""

from __future__ import annotations

import io
import random
import warnings

from sqlalchemy import select

from bot.i18n import Catalogs
from handlers.committee import files
from handlers.kit import charts, workbook
from storage.committee import committees as store
from storage.committee import rollup as rollup_store
from storage.committee.rollup import Heading, Rollup, Row
from storage.models import AuditEntry, Member
from storage.rules import rollup as rules
from storage.rules.periods import parse_period
from tests.test_committee import create_committee, link_and_decide
from tests.test_committee_rollup import NOW, TODAY, generate
from tests.test_flow import setup_branch
from tests.xlsx_check import open_checked, rows

CATALOGS = Catalogs("zh_CN")


async def _generated(db, label="2026Q4"):
    async with db.session() as session:
        world, committee, branches = await generate(session, random.Random(7))
    async with db.session() as session:
        committee = await store.get(session, committee.id)
        result = await rollup_store.compute(session, committee, parse_period(label, TODAY), NOW)
        names = [m.name for m in await session.scalars(select(Member))]
    return result, names


async def test_the_xlsx_has_a_sheet_per_indicator_and_a_row_per_branch_cell_by_cell(db):
    result, names = await _generated(db)
    t = CATALOGS.gettext("zh_CN")
    book = open_checked(workbook.write(files.book(t, result)))
    assert book.sheetnames == [t(i.label)[:31] for i in result.indicators]
    assert "党费收缴" in book.sheetnames and "志愿服务" in book.sheetnames
    seen, texts = set(), set()
    for indicator, sheet in zip(result.indicators, book.worksheets, strict=True):
        found = rows(sheet)
        assert found[0][0] == f"党工委 {t(indicator.label)} 2026Q4"  # the title row: committee, indicator, period
        assert found[1][0].startswith("截至 2026-11-27")
        assert list(found[2]) == ["支部", *[t(c.label) for c in indicator.columns], "备注"]
        _, table = result.sheet(indicator.key)
        assert len(found) == 3 + len(result.rows)
        for got, row, (name, values) in zip(found[3:], result.rows, table, strict=True):
            assert got[0] == name == row.branch_name
            for column, value, cell in zip(indicator.columns, values, got[1:-1], strict=True):
                if value is None:
                    assert cell is None
                elif column.unit == "percent":
                    assert abs(cell - float(value) / 100) < 1e-9
                elif column.unit in ("yuan", "hours"):
                    assert abs(cell - float(value)) < 1e-9
                else:
                    assert cell == value and isinstance(cell, int)
            short = row.cells[indicator.key].short
            assert got[-1] == ("未达标" if short else "—" if all(v is None for v in values) else None)
            seen.add((indicator.key, got[-1]))
        for line in sheet.iter_rows(values_only=True):
            texts.update(str(v) for v in line if v is not None)
    # Falling short is marked, a branch keeping no dues shows "—", and the generated data has some of each.
    assert ("dues", "—") in seen and ("attendance", "未达标") in seen
    dues_sheet = rows(book.worksheets[[i.key for i in result.indicators].index("dues")])
    money = book.worksheets[[i.key for i in result.indicators].index("dues")].cell(4, 2)
    assert money.number_format == "0.00" and dues_sheet[3][1] is not None
    # Per-branch aggregates only: no member's name anywhere in the workbook.
    text = " ".join(texts)
    assert names and not [n for n in names if n in text]


async def test_the_chart_has_a_panel_per_indicator_and_draws_every_glyph(db):
    result, names = await _generated(db, "2026")
    t = CATALOGS.gettext("zh_CN")
    title, panels, note = files.chart(t, result)
    assert title == "党工委：2026 汇总"
    assert [p.title.split(":")[0] for p in panels] == [t(i.label) for i in result.indicators]
    dues = panels[[i.key for i in result.indicators].index("dues")]
    keeping = [r for r in result.rows if r.cells["dues"].values["rate"] is not None]
    assert len(dues.labels) == len(keeping) < len(result.rows)  # no bar for the branch keeping no dues
    assert dues.short == tuple(r.cells["dues"].short for r in keeping) and dues.high == 100
    attendance = panels[[i.key for i in result.indicators].index("attendance")]
    assert any(attendance.short)
    drawn = files.chart_text(title, panels, note)
    assert charts.missing(drawn) == set()
    assert not [n for n in names if n in drawn]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from the fonts would warn
        png = charts.render(title, panels, note)
    from matplotlib.image import imread
    assert imread(io.BytesIO(png)).shape[1] == int(charts.WIDTH_INCHES * charts.DPI)


def test_a_chart_of_many_branches_shows_the_lowest_and_says_so():
    period = parse_period("2026-11", TODAY)
    committee = Heading(1, "区委", "Asia/Shanghai")
    found = [Row(i, f"支部{i:03d}", {"attendance": rules.attendance_cell(100, 50 + i % 50, 0)}) for i in range(300)]
    result = Rollup(committee, period, NOW, (rules.ATTENDANCE,), found)
    t = CATALOGS.gettext("en")
    _, (panel,), note = files.chart(t, result)
    assert len(panel.labels) == files.CHART_BARS
    assert list(panel.values) == sorted(panel.values) and panel.values[0] == 50.0  # the lowest first
    assert all(panel.short)  # all under 80%
    assert "300 branches" in note and f"the {files.CHART_BARS} lowest" in note


async def _committee_with_data(bot):
    """A linked branch with a member who owes dues and paid some, and an approved volunteer report."""
    from storage.models import DuesAllocation, DuesAmount, DuesPayment, ServiceCategory, ServiceReport

    sec = await setup_branch(bot)
    chair, code = await create_committee(bot)
    await link_and_decide(bot, sec, chair, code)
    async with bot.db.session() as s:
        member = await s.scalar(select(Member).order_by(Member.id))
        member.name = "李书记"
        s.add(DuesAmount(member_id=member.id, effective_month="2026-01", category="employed", basis_fen=876543,
                         amount_fen=4321, extra_fen=0, source="set", created_at=bot.clock.now))
        payment = DuesPayment(branch_id=member.branch_id, member_id=member.id, amount_fen=4321, method="cash",
                              status="confirmed", source="officer", created_at=bot.clock.now)
        s.add(payment)
        await s.flush()
        s.add(DuesAllocation(payment_id=payment.id, member_id=member.id, month="2026-11", amount_fen=4321))
        category = ServiceCategory(branch_id=member.branch_id, name="助老", created_at=bot.clock.now)
        s.add(category)
        await s.flush()
        s.add(ServiceReport(branch_id=member.branch_id, member_id=member.id, served_on=bot.clock.now.date(), minutes=90, category_id=category.id, place="社区", people_served=4,
                            description="陪护", status="approved", created_at=bot.clock.now, updated_at=bot.clock.now))
    return sec, chair


async def test_rollup_files_are_sent_privately_audited_and_refused_to_a_branch_secretary(bot):
    sec, chair = await _committee_with_data(bot)
    text = (await bot.say(chair, "/rollup 2026-11"))[-1]
    assert "dues 100.0%" in text.text and "volunteering 1.5 h, 4 served" in text.text

    sent = await bot.say(chair, "/rollup 2026-11 xlsx")
    documents = [s for s in sent if s.kind == "document"]
    assert len(documents) == 1 and documents[0].chat_id == chair.id
    assert documents[0].filename.endswith("2026-11.xlsx")
    book = open_checked(documents[0].data)
    dues = rows(book["Dues collection"])
    assert dues[0][0] == "街道党工委 Dues collection 2026-11"
    assert dues[3] == ("第一党支部", 43.21, 43.21, 0, 0, 1.0, None)
    service = rows(book["Volunteer service"])
    assert service[3] == ("第一党支部", 1.5, 4, 1, None)
    cells = " ".join(str(v) for sheet in book.worksheets for line in rows(sheet) for v in line if v is not None)
    for private in ("李书记", "8765", "Secretary"):  # no name, no income basis
        assert private not in cells

    sent = await bot.say(chair, "/rollup 2026-11 chart")
    photos = [s for s in sent if s.kind == "photo"]
    assert len(photos) == 1 and photos[0].chat_id == chair.id and photos[0].data[:4] == b"\x89PNG"

    # The buttons under the roll-up send the same, privately.
    _, toast = await bot.press(chair, text, text.button("Excel"))
    async with bot.db.session() as s:
        audited = list(await s.scalars(select(AuditEntry).where(AuditEntry.action == "committee.rollup_export")))
    assert [(e.details["format"], e.details["period"]) for e in audited] == [
        ("xlsx", "2026-11"), ("chart", "2026-11"), ("xlsx", "2026-11")]
    assert all(e.actor_user_id == chair.id for e in audited)

    # A branch secretary gets neither, by command or by a forged button; the refusal is audited.
    for command in ("/rollup 2026-11 xlsx", "/rollup 2026-11 chart"):
        sent = await bot.say(sec, command)
        assert "Only officers of a committee" in sent[-1].text and not [s for s in sent if s.kind != "text"]
    sent, toast = await bot.press(sec, text, "cmf:1:2026-11")
    assert "Only officers of a committee" in toast and not [s for s in sent if s.kind != "text"]
    async with bot.db.session() as s:
        assert len(list(await s.scalars(select(AuditEntry).where(
            AuditEntry.action == "committee.rollup_export")))) == 3


async def test_the_rollup_and_its_files_are_made_before_the_transaction(bot, monkeypatch):
    """A year of a thousand branches takes seconds to read and draw: done in a read session, SQLite's one
    writer is not held meanwhile; made again in the transaction only for someone not yet admitted before."""
    from handlers.committee import rollup as rollup_module
    from handlers.kit import offload
    from storage.db import _ReadOnlySession

    sec, chair = await _committee_with_data(bot)
    real_make, real_run, sessions, draws = rollup_module.make, offload.run, [], []

    async def make(session, *args):
        sessions.append(isinstance(session.sync_session, _ReadOnlySession))
        return await real_make(session, *args)

    async def run(fn, *args, **kwargs):
        draws.append(fn.__name__)
        if fn.__name__ == "render":
            raise offload.Failed("timeout")
        return await real_run(fn, *args, **kwargs)

    monkeypatch.setattr(rollup_module, "make", make)
    monkeypatch.setattr(offload, "run", run)
    text = (await bot.say(chair, "/rollup 2026-11"))[-1]
    assert "#1 " in text.text and sessions == [True]
    sessions.clear()
    await bot.press(chair, text, text.button("Only those falling short"))  # the message is edited in place
    assert sessions == [True] and text.button("All branches")  # turned, and read outside the writer's turn
    sessions.clear()
    sent = await bot.say(chair, "/rollup 2026-11 xlsx")
    assert [s.kind for s in sent if s.kind == "document"] == ["document"]
    assert sessions == [True] and draws == ["write"]
    sessions.clear()
    draws.clear()
    sent, toast = await bot.press(chair, text, text.button("Chart"))
    assert "took too long" in toast and not [s for s in sent if s.kind == "photo"]
    assert sessions == [True] and draws == ["render"]  # not drawn a second time inside the transaction

    # Someone who is no committee officer is refused in the transaction; nothing was made for them.
    sessions.clear()
    sent = await bot.say(sec, "/rollup 2026-11 xlsx")
    assert "Only officers of a committee" in sent[-1].text and sessions == []
    async with bot.db.session() as s:
        audited = list(await s.scalars(select(AuditEntry.details).where(
            AuditEntry.action == "committee.rollup_export")))
    assert [d["format"] for d in audited] == ["xlsx"]
