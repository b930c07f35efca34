"""The spreadsheet reader the imports share, with columns that are nobody's roster."""

from __future__ import annotations

import io
import string
import struct
import time
import zipfile
import zlib
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


# --------------------------------------------------------------------------- heavy and hostile files


def rezipped(data: bytes, replace: dict[str, bytes | list[bytes]]) -> bytes:
    """``data``'s zip with members replaced (a list of chunks is streamed, so it may be huge)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        names = [info.filename for info in source.infolist()]
        for name in names + [name for name in replace if name not in names]:
            body = replace[name] if name in replace else source.read(name)
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            with target.open(info.filename, "w") as stream:
                for chunk in body if isinstance(body, list) else [body]:
                    stream.write(chunk)
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
HEAD = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
TAIL = b"</sheetData></worksheet>"


def bomb(megabytes: int, declared: int | None = None) -> bytes:
    """A workbook of a few MB whose sheet unpacks to ``megabytes`` of identical cells, declaring
    ``declared`` bytes (default: the truth). Built by hand: deflating a gigabyte takes too long,
    but a block deflated after a full flush is the same bytes every time, so it is repeated."""
    row = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>'
    block = row * (1_000_000 // len(row))
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = deflate.compress(HEAD + block) + deflate.flush(zlib.Z_FULL_FLUSH)
    again = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    assert deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH) == again  # the repetition holds
    sheet = head + again * (megabytes - 1) + deflate.compress(TAIL) + deflate.flush()
    size = len(HEAD) + len(block) * megabytes + len(TAIL)
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["volunteer", "hours"]])))
    members = []
    for info in source.infolist():
        body = source.read(info.filename)
        packed = zlib.compressobj(9, zlib.DEFLATED, -15)
        members.append((info.filename.encode(), packed.compress(body) + packed.flush(), len(body), zlib.crc32(body)))
    at = [i for i, m in enumerate(members) if m[0] == SHEET.encode()][0]
    members[at] = (SHEET.encode(), sheet, size if declared is None else declared, 0)
    out, central = io.BytesIO(), io.BytesIO()
    for name, data, length, crc in members:
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0x21, crc, len(data), length, len(name), 0))
        out.write(name + data)
        central.write(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0x21, crc, len(data), length,
                                  len(name), 0, 0, 0, 0, 0, offset) + name)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central.getvalue()), start, 0))
    return out.getvalue()


def test_zip_bomb_is_refused_in_seconds_before_it_is_unpacked():
    data = bomb(2000)  # 2 GB
    assert len(data) < 7_000_000 and zipfile.ZipFile(io.BytesIO(data)).getinfo(SHEET).file_size > 1_900_000_000

    started = time.monotonic()
    problem = refused(data, "x.xlsx", limits=Limits(max_bytes=10_000_000))

    assert time.monotonic() - started < 2
    assert problem.problem is Problem.TOO_LARGE_UNZIPPED
    assert "unpacks to more than 50 MB" in problem.reason.render(identity)


def test_a_member_declaring_less_than_it_holds_is_stopped_while_it_is_read():
    lying = bomb(1000, declared=1000)  # 1 GB in a sheet that claims to be 1 KB
    assert zipfile.ZipFile(io.BytesIO(lying)).getinfo(SHEET).file_size == 1000

    started = time.monotonic()
    problem = refused(lying, "x.xlsx", limits=Limits(max_bytes=10_000_000, max_unzipped_bytes=20_000_000))

    assert time.monotonic() - started < 2
    assert problem.problem in (Problem.TOO_LARGE_UNZIPPED, Problem.BAD_XLSX)


def test_each_limit_of_a_workbook_is_refused_with_its_sentence():
    rows = [["volunteer", "hours"]] + [[f"V{i}", i] for i in range(300)]
    data = xlsx_bytes(rows)
    assert read_sheet(data, "x.xlsx", COLUMNS)  # within the defaults

    unzipped = refused(data, "x.xlsx", limits=Limits(max_unzipped_bytes=5_000))
    cells = refused(data, "x.xlsx", limits=Limits(max_cells=500))
    table = b"<sst>" + b"<si><t>a</t></si>" * 101 + b"</sst>"
    strings = refused(rezipped(data, {"xl/sharedStrings.xml": table}), "x.xlsx", limits=Limits(max_shared_strings=100))

    assert unzipped.problem is Problem.TOO_LARGE_UNZIPPED
    assert "The workbook unpacks to more than 0.005 MB" in unzipped.reason.render(identity)
    assert cells.problem is Problem.TOO_MANY_CELLS and "more than 500 filled cells" in cells.reason.render(identity)
    assert strings.problem is Problem.TOO_MANY_STRINGS
    assert "more than 100 different texts" in strings.reason.render(identity)


def test_cells_counted_across_a_chunk_boundary_once():
    cell = b'<c r="A1"><v>1</v></c>'
    body = HEAD + b'<row r="1">' + cell * 60_000 + b"</row>" + TAIL  # > 1 MB: several chunks
    data = rezipped(xlsx_bytes([["volunteer", "hours"]]), {SHEET: body})

    assert refused(data, "x.xlsx", limits=Limits(max_cells=59_999)).problem is Problem.TOO_MANY_CELLS
    assert refused(data, "x.xlsx", limits=Limits(max_cells=60_000)).problem is Problem.MISSING_COLUMNS


def test_huge_shared_string_table_is_refused_before_openpyxl_loads_it():
    table = [b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">']
    table += [b"<si><t>a</t></si>" * 50_000] * 20 + [b"</sst>"]  # a million strings
    data = rezipped(xlsx_bytes([["volunteer", "hours"], ["张伟", "a"]]), {"xl/sharedStrings.xml": table})

    started = time.monotonic()
    problem = refused(data, "x.xlsx")

    assert time.monotonic() - started < 3
    assert problem.problem is Problem.TOO_MANY_STRINGS


def test_workbook_with_a_dtd_is_refused():
    data = xlsx_bytes([["volunteer", "hours"], ["A", 1]])
    body = zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    evil = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>' + body.split(b"?>", 1)[-1]

    assert refused(rezipped(data, {SHEET: evil}), "x.xlsx").problem is Problem.BAD_XLSX


def test_csv_cells_are_limited_as_they_are_read():
    data = ("volunteer,hours\n" + "A,1\n" * 100).encode()

    assert read_sheet(data, "x.csv", COLUMNS, limits=Limits(max_cells=202))
    assert refused(data, "x.csv", limits=Limits(max_cells=201)).problem is Problem.TOO_MANY_CELLS


# --------------------------------------------------------------------------- formula errors

ERRORS = ["#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!"]


def test_formula_error_cells_of_a_workbook_are_no_value_and_mark_the_row():
    rows = [["volunteer", "hours", "date"]] + [[code, 1, code] for code in ERRORS] + [["张伟", "#N/A", None]]
    sheet = read_sheet(xlsx_bytes(rows), "x.xlsx", COLUMNS)

    assert [r.row for r in sheet.rows] == list(range(2, 10))
    for row, code in zip(sheet.rows, ERRORS):
        assert row.values == {"who": None, "hours": 1, "day": None}
        assert row.errors == {"who": code, "day": code}
    last = sheet.rows[-1]
    assert last.values["who"] == "张伟" and last.errors == {"hours": "#N/A"}
    assert [r.render(identity) for r in sheets.row_errors(sheet, last)] == [
        "Row 9: the cell under “hours” shows the formula error #N/A instead of a value. "
        "Correct the formula or type the value, and send the file again."
    ]


def test_formula_errors_exported_to_csv_are_no_value_either():
    sheet = read_sheet("volunteer,hours\n#DIV/0!,1\n #n/a ,2\n#1 group,3\n".encode(), "x.csv", COLUMNS)

    assert [(r.values["who"], r.errors) for r in sheet.rows] == [
        (None, {"who": "#DIV/0!"}), (None, {"who": "#N/A"}), ("#1 group", {})]
    # A row whose only filled cell is an error is still reported, not skipped as blank.
    only = read_sheet("volunteer,hours\nA,1\n#REF!,\n".encode(), "x.csv", COLUMNS)
    assert [(r.row, r.errors) for r in only.rows] == [(2, {}), (3, {"who": "#REF!"})]


def test_report_csv_opens_in_excel_with_its_chinese():
    data = sheets.report_csv(("行", "问题"), [(2, "第 2 行：姓名为空"), (None, "x,y")])

    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig") == '行,问题\r\n2,第 2 行：姓名为空\r\n,"x,y"\r\n'
