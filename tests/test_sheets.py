"""The spreadsheet reader the imports share, with columns that are nobody's roster."""

from __future__ import annotations

import io
import string
from datetime import date, datetime

import openpyxl
import pytest

from handlers.kit import sheets
from handlers.kit.sheets import Column, Limits, Problem, Unreadable, read_sheet

# A volunteer-service sheet: no 姓名/政治面貌 anywhere.
COLUMNS = (
    Column("who", ("志愿者", "volunteer"), required=True),
    Column("hours", ("时长", "hours"), required=True),
    Column("day", ("服务日期", "date")),
)


def identity(message: str) -> str:
    return message


def refused(data: bytes, filename: str, columns=COLUMNS, **kwargs) -> Unreadable:
    with pytest.raises(Unreadable) as caught:
        read_sheet(data, filename, columns, **kwargs)
    return caught.value


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_gb18030_csv_below_a_title_row():
    text = "某某党支部志愿服务登记表,,\n志愿者,时长,服务日期\n张伟,2,2024年5月4日\n,,\n李娜,1.5,\n"
    data = text.encode("gb18030")
    assert data.decode("gb18030") == text and b"\xd5\xc5" in data  # really GB18030, not UTF-8

    sheet = read_sheet(data, "登记表.csv", COLUMNS)

    assert sheet.header_row == 2
    assert sheet.header == ("志愿者", "时长", "服务日期")
    assert sheet.columns == {"who": 0, "hours": 1, "day": 2}
    # Row numbers as the spreadsheet program shows them; the blank row 4 is skipped, not renumbered.
    assert [(r.row, r.values) for r in sheet.rows] == [
        (3, {"who": "张伟", "hours": "2", "day": "2024年5月4日"}),
        (5, {"who": "李娜", "hours": "1.5", "day": ""}),
    ]
    assert sheets.parse_date(sheet.rows[0].values["day"]) == date(2024, 5, 4)


def test_xlsx_header_on_row_3_with_typed_cells():
    data = xlsx_bytes([
        ["二〇二四年志愿服务"],
        [None],
        ["备注", "Volunteer", "Hours (小时)", "Date"],
        ["x", "张伟", 2, datetime(2024, 5, 4)],
        ["y", "李娜"],  # a short row: the missing cells are None
    ])

    sheet = read_sheet(data, "volunteers.xlsx", COLUMNS)

    assert sheet.header_row == 3
    assert sheet.columns == {"who": 1, "hours": 2, "day": 3}
    assert [r.row for r in sheet.rows] == [4, 5]
    first, second = sheet.rows
    assert first.values == {"who": "张伟", "hours": 2, "day": datetime(2024, 5, 4)}
    assert second.values == {"who": "李娜", "hours": None, "day": None}
    assert sheets.cell_text(first.values["day"]) == "2024-05-04"
    assert sheets.parse_date(first.values["day"]) == date(2024, 5, 4)


def test_empty_file():
    for data in (b"", b" \r\n\t "):
        problem = refused(data, "x.csv")
        assert problem.problem is Problem.EMPTY
        assert "The file is empty" in problem.reason.render(identity)


def test_file_over_the_size_limit():
    problem = refused(b"a" * 101, "x.csv", limits=Limits(max_bytes=100))

    assert problem.problem is Problem.TOO_LARGE
    assert problem.reason.params == {"size_mb": "0.0", "limit_mb": "0.0001"}
    assert read_sheet(b"volunteer,hours\nA,1\n" + b" " * 80, "x.csv", COLUMNS, limits=Limits(max_bytes=100))


def test_file_over_the_row_limit_counts_only_filled_rows():
    lines = ["volunteer,hours"] + ["A,1", ",", "B,2", ",", "C,3"]
    data = "\n".join(lines).encode()
    limits = Limits(max_rows=3)
    assert [r.row for r in read_sheet(data, "x.csv", COLUMNS, limits=limits).rows] == [2, 4, 6]

    problem = refused(data + b"\nD,4", "x.csv", limits=limits)

    assert problem.problem is Problem.TOO_MANY_ROWS
    assert "more than 3 rows of data" in problem.reason.render(identity)


def test_sheet_with_too_many_physical_rows():
    workbook = openpyxl.Workbook()
    workbook.active.append(["volunteer", "hours"])
    workbook.active["A60"] = "stray"
    buffer = io.BytesIO()
    workbook.save(buffer)

    problem = refused(buffer.getvalue(), "x.xlsx", limits=Limits(max_scanned_rows=50))

    assert problem.problem is Problem.TOO_MANY_SHEET_ROWS
    assert "more than 50 rows" in problem.reason.render(identity)


def test_missing_required_column_names_its_first_title_and_what_was_found():
    problem = refused("volunteer,date\nA,2024-01-01\n".encode(), "x.csv")

    assert problem.problem is Problem.MISSING_COLUMNS
    assert problem.reason.params == {"missing": "时长", "found": "“volunteer”, “date”"}


@pytest.mark.parametrize(
    ("data", "filename", "expected"),
    [
        ("volunteer,hours\n".encode(), "x.csv", Problem.NO_ROWS),
        (b",,\n,,\n", "x.csv", Problem.NO_DATA),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "x.xls", Problem.XLS),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "x.xlsx", Problem.OLE),
        (b"PK\x03\x04broken", "x.xlsx", Problem.BAD_XLSX),
        (b"hello", "x.pdf", Problem.UNSUPPORTED),
        (b"a,b\n\x80\x80\x80", "x.csv", Problem.BAD_ENCODING),
    ],
)
def test_whole_file_problems(data, filename, expected):
    assert refused(data, filename).problem is expected


def test_a_caller_words_problems_its_own_way():
    wording = {Problem.EMPTY: "Send the dues list, not an empty file."}

    problem = refused(b"", "x.csv", wording=wording)

    assert problem.reason.render(identity) == "Send the dues list, not an empty file."
    # Problems it does not word keep the reader's words.
    assert "not a supported file type" in refused(b"x", "a.pdf", wording=wording).reason.render(identity)


def test_one_column_is_enough_to_find_a_header_below_a_title():
    sheet = read_sheet("名单\n志愿者\n张伟\n".encode(), "x.csv", (Column("who", ("志愿者",), required=True),))

    assert sheet.header_row == 2 and [r.values for r in sheet.rows] == [{"who": "张伟"}]


def test_every_message_is_worded_and_has_known_placeholders():
    assert set(sheets.WORDING) == set(Problem)
    for msgid in sheets.WORDING.values():
        fields = {field for _, field, _, _ in string.Formatter().parse(msgid) if field}
        assert fields <= {"line", "filename", "size_mb", "limit_mb", "missing", "found", "limit"}, msgid
