"""The ledger writer: every value comes back from the file as written, typed, and the file is valid for Excel."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest

from handlers.kit import workbook
from handlers.kit.workbook import DATE, DATETIME, DECIMAL1, INTEGER, MONEY, PERCENT, Book, Column, Sheet, write
from tests.xlsx_check import open_checked, rows


def one(columns, data, **extra) -> Book:
    return Book([Sheet("台账", "第一党支部 · 台账 · 2026年度", columns, data, **extra)])


def test_values_come_back_typed_to_the_fen():
    columns = [Column("姓名"), Column("日期", DATE), Column("时间", DATETIME), Column("人数", INTEGER),
               Column("金额", MONEY), Column("出席率", PERCENT)]
    data = [
        ["张三", date(2026, 1, 5), datetime(2026, 1, 5, 9, 30), 12, Decimal("12.345"), Decimal("0.875")],
        ["=SUM(A1:A2)", date(2026, 12, 31), None, 0, Decimal("0.1"), 0],
        ["0012", None, None, None, Decimal("1000"), 1],
        ["@李四", date(2000, 2, 29), datetime(2026, 2, 1, 23, 59), 2**31 - 1, Decimal("0.005"), 0.5],
    ]
    sheet = open_checked(write(one(columns, data, notes=["制表人：李书记"]))).active
    assert sheet["A1"].value == "第一党支部 · 台账 · 2026年度"
    assert sheet["A2"].value == "制表人：李书记"
    assert rows(sheet, 3)[0] == ("姓名", "日期", "时间", "人数", "金额", "出席率")
    got = rows(sheet, 4)
    assert got[0] == ("张三", datetime(2026, 1, 5), datetime(2026, 1, 5, 9, 30), 12, 12.35, 0.875)
    assert got[1] == ("=SUM(A1:A2)", datetime(2026, 12, 31), None, 0, 0.1, 0)  # text, not a formula
    assert got[2] == ("0012", None, None, None, 1000, 1)
    assert got[3] == ("@李四", datetime(2000, 2, 29), datetime(2026, 2, 1, 23, 59), 2**31 - 1, 0.01, 0.5)
    # Amounts are numbers that read back to the 分, rounded half up.
    assert [Decimal(str(r[4])).quantize(Decimal("0.01")) for r in got] == [
        Decimal("12.35"), Decimal("0.10"), Decimal("1000.00"), Decimal("0.01")]
    formats = {c.column_letter: c.number_format for c in sheet[4]}
    assert formats == {"A": "@", "B": "yyyy-mm-dd", "C": "yyyy-mm-dd hh:mm", "D": "0", "E": "0.00", "F": "0.0%"}
    assert [c.data_type for c in sheet[4]] == ["s", "d", "d", "n", "n", "n"]
    assert sheet.freeze_panes == "A4"  # the title, the note and the header stay in view
    assert sheet.auto_filter.ref == "A3:F7"
    assert sheet.print_title_rows == "$3:$3"


def test_hours_to_one_decimal_rounded_half_up():
    data = [[Decimal(150) / 60], [Decimal("0.25")], [3], [Decimal(10) / 60]]
    sheet = open_checked(write(one([Column("时长", DECIMAL1)], data, totals=[Decimal("6.1")]))).active
    assert rows(sheet, 3) == [(2.5,), (0.3,), (3,), (0.2,), (6.1,)]
    assert {sheet.cell(r, 1).number_format for r in range(3, 8)} == {"0.0"}
    assert [sheet.cell(r, 1).data_type for r in range(3, 8)] == ["n"] * 5


def test_widths_fit_the_longest_value_and_cjk_counts_double():
    columns = [Column("姓名"), Column("Name"), Column("备注", width=30)]
    data = [["欧阳修远", "Li", "x"], ["王五", "Alexandra Smith", "y"]]
    sheet = open_checked(write(one(columns, data))).active
    width = {k: int(v.width) for k, v in sheet.column_dimensions.items()}  # Excel adds a little padding
    assert width["A"] == 8 + 2  # four CJK characters: 8 columns, plus padding
    assert width["B"] == 15 + 2
    assert width["C"] == 30
    assert workbook.display_width("党费ａ1") == 7


def test_grouped_headers_and_totals_for_a_month_by_member_grid():
    """The dues ledger's shape: members down, months across (owed, paid), a written totals row."""
    columns = [Column("姓名")]
    for month in ("2026-01", "2026-02"):
        columns += [Column("应缴", MONEY, group=month), Column("实缴", MONEY, group=month)]
    data = [["张三", Decimal("10"), Decimal("10"), Decimal("10.5"), None],
            ["李四", Decimal("0.2"), Decimal("0.2"), Decimal("0.2"), Decimal("0.2")]]
    totals = ["合计", Decimal("10.2"), Decimal("10.2"), Decimal("10.7"), Decimal("0.2")]
    sheet = open_checked(write(one(columns, data, totals=totals))).active
    assert rows(sheet, 2)[:2] == [("姓名", "2026-01", None, "2026-02", None), (None, "应缴", "实缴", "应缴", "实缴")]
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:E1", "A2:A3", "B2:C2", "D2:E2"}
    assert rows(sheet, 4) == [("张三", 10, 10, 10.5, None), ("李四", 0.2, 0.2, 0.2, 0.2), ("合计", 10.2, 10.2, 10.7, 0.2)]
    assert sheet["A6"].font.b and sheet["B6"].font.b and not sheet["A5"].font.b
    assert sheet.freeze_panes == "A4"  # both header rows stay in view
    assert sheet.print_title_rows == "$2:$3"
    assert sheet.auto_filter.ref == "A3:E5"  # the filter leaves the totals out


def test_one_sheet_per_indicator_one_row_per_branch():
    """The committee roll-up's shape: many sheets, names that Excel would refuse made valid and unique."""
    names = ["党员人数", "三会一课完成率", "出席率", "a/b:c?*[d]", "x" * 40, "X" * 40, "出席率", "'quoted'"]
    book = Book([Sheet(n, f"党委 · {n} · 2026年第四季度", [Column("支部"), Column(n, PERCENT)],
                       [["第一党支部", 0.9], ["第二党支部", Decimal("0.45")]]) for n in names])
    loaded = open_checked(write(book))
    assert loaded.sheetnames == ["党员人数", "三会一课完成率", "出席率", "a_b_c___d_", "x" * 31, "X" * 28 + "(2)",
                                 "出席率(2)", "quoted"]
    assert workbook.sheet_names(names) == loaded.sheetnames
    for sheet, name in zip(loaded.worksheets, names, strict=True):
        assert sheet["A1"].value == f"党委 · {name} · 2026年第四季度"
        assert rows(sheet, 3) == [("第一党支部", 0.9), ("第二党支部", 0.45)]


def test_values_of_the_wrong_kind_are_refused():
    for kind, value in ((MONEY, 1.5), (INTEGER, "3"), (DATE, datetime(2026, 1, 1)), (INTEGER, True),
                        (DATETIME, datetime(2026, 1, 1, tzinfo=timezone.utc)), (PERCENT, "50%"), (DECIMAL1, 1.5),
                        (DECIMAL1, "2.5")):
        with pytest.raises(TypeError):
            write(one([Column("x", kind)], [[value]]))
    with pytest.raises(ValueError):
        write(one([Column("a"), Column("b")], [["only one"]]))
    with pytest.raises(ValueError):
        write(Book([]))


def test_an_empty_ledger_is_still_a_valid_file_with_its_header():
    sheet = open_checked(write(one([Column("姓名"), Column("日期", DATE)], []))).active
    assert rows(sheet) == [("第一党支部 · 台账 · 2026年度", None), ("姓名", "日期")]
    assert sheet.freeze_panes == "A3"
