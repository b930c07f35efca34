"""What a branch secretary sees after uploading a roster file."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime

import openpyxl
import pytest

from handlers.roster import import_file as roster_file
from handlers.roster.import_file import (
    DuesCategory,
    PartyStatus,
    RosterParse,
    RosterProblem,
    RosterRow,
    normalize_phone,
    parse_date,
    parse_dues_category,
    parse_roster,
    parse_status,
)

TODAY = date(2024, 6, 1)


def identity(message: str) -> str:
    return message


def render(problem: RosterProblem) -> str:
    return problem.reason.render(identity)


def messages(result: RosterParse, row: int | None = None) -> list[str]:
    """Rendered reasons: all of them, or only those for one row."""
    return [render(p) for p in result.problems if row is None or p.row == row]


def file_problem(result: RosterParse) -> str:
    assert not result.ok
    assert result.rows == []
    file_level = [p for p in result.problems if p.row is None]
    assert len(file_level) == 1, result.problems
    return render(file_level[0])


def csv_bytes(lines: list[str], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    return "\n".join(delimiter.join(cells) for cells in _split(lines)).encode(encoding) + b"\n"


def _split(lines: list[str]) -> list[list[str]]:
    return [line.split("|") for line in lines]


def parse_csv(lines: list[str], **kwargs) -> RosterParse:
    return parse_roster(csv_bytes(lines, **kwargs), "roster.csv", today=TODAY)


def xlsx_bytes(rows: list[list[object]], *, title: str = "党员名册") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = "姓名|政治面貌|党小组|党费类别|手机|入党时间|流动党员"


# --------------------------------------------------------------------------- accepted rows


def test_csv_with_all_columns_gives_typed_rows():
    result = parse_csv(
        [
            HEADER,
            "张伟|正式党员|第一党小组|在职|13800138000|2021-07-01|否",
            "李娜|预备|第二党小组|离退休|139 0013 9000|2023/7/1|是",
            "王芳|积极分子||||",
        ]
    )

    assert result.ok
    assert result.problems == []
    assert result.rows == [
        RosterRow(
            row=2,
            name="张伟",
            status=PartyStatus.FULL,
            party_group="第一党小组",
            dues_category=DuesCategory.EMPLOYED,
            phone="13800138000",
            joined_on=date(2021, 7, 1),
            mobile=False,
        ),
        RosterRow(
            row=3,
            name="李娜",
            status=PartyStatus.PROBATIONARY,
            party_group="第二党小组",
            dues_category=DuesCategory.RETIRED,
            phone="13900139000",
            joined_on=date(2023, 7, 1),
            mobile=True,
        ),
        RosterRow(
            row=4,
            name="王芳",
            status=PartyStatus.ACTIVIST,
            party_group=None,
            dues_category=None,
            phone=None,
            joined_on=None,
            mobile=False,
        ),
    ]


def test_only_name_and_status_are_required():
    result = parse_csv(["姓名|政治面貌", "张伟|正式"])

    assert result.ok
    assert result.rows == [
        RosterRow(2, "张伟", PartyStatus.FULL, None, None, None, None, False)
    ]


def test_enum_values_are_plain_strings():
    assert PartyStatus.PROBATIONARY == "probationary"
    assert DuesCategory.SUBSISTENCE == "subsistence"
    assert [c.value for c in DuesCategory] == [
        "employed", "retired", "student", "unemployed", "subsistence", "rural", "other",
    ]


def test_names_are_stripped_and_inner_whitespace_collapsed():
    result = parse_csv(["姓名|政治面貌", "\u3000张  伟\u3000|正式", " Li\u3000 Na |正式"])

    assert [row.name for row in result.rows] == ["张 伟", "Li Na"]


def test_unknown_columns_are_ignored():
    result = parse_csv(["序号|姓名|性别|政治面貌|备注", "1|张伟|男|正式|班长"])

    assert result.ok
    assert result.problems == []
    assert [(row.row, row.name, row.status) for row in result.rows] == [
        (2, "张伟", PartyStatus.FULL)
    ]


def test_rows_with_only_unknown_columns_filled_are_skipped():
    # Templates often come with the 序号 column pre-numbered far below the last member.
    result = parse_csv(["序号|姓名|政治面貌", "1|张伟|正式", "2||", "3||"])

    assert result.problems == []
    assert [row.name for row in result.rows] == ["张伟"]


def test_quoted_csv_cells_may_contain_the_delimiter():
    data = '姓名,政治面貌,党小组\n"张伟",正式,"一组,二组"\n'.encode()

    result = parse_roster(data, "roster.csv", today=TODAY)

    assert result.rows[0].party_group == "一组,二组"


def test_leading_apostrophe_typed_to_force_text_is_removed():
    result = parse_csv(
        ["姓名|政治面貌|手机|入党时间", "'张伟|'正式|'13800138000|'20210701"]
    )

    assert result.problems == []
    row = result.rows[0]
    assert (row.name, row.status, row.phone, row.joined_on) == (
        "张伟", PartyStatus.FULL, "13800138000", date(2021, 7, 1)
    )


def test_title_row_above_the_header_is_skipped():
    result = parse_csv(["第一党支部党员名册||", "", HEADER, "张伟|正式||||"])

    assert result.ok
    assert [(row.row, row.name) for row in result.rows] == [(4, "张伟")]


# --------------------------------------------------------------------------- headers


@pytest.mark.parametrize(
    "name_title, status_title",
    [
        ("姓名", "政治面貌"),
        ("名字", "党员类别"),
        ("姓名（必填）", "党员身份*"),
        ("*姓名(必填)", "身份"),
        ("姓\u3000名", "类别"),
        ("Name", "Status"),
        ("FULL NAME", "Party Status"),
        (" full  name ", "party status【必填】"),
    ],
)
def test_header_aliases_for_required_columns(name_title, status_title):
    result = parse_csv([f"{name_title}|{status_title}", "张伟|正式"])

    assert result.ok
    assert [(row.name, row.status) for row in result.rows] == [("张伟", PartyStatus.FULL)]


@pytest.mark.parametrize(
    "titles",
    [
        "所在党小组|缴费类别|手机号|入党日期|流动党员",
        "小组|缴纳类别|手机号码|join date|mobile member",
        "party group|人员类别|电话|joined|mobile",
        "Group|Dues Category|联系电话|入党时间|流动党员",
        "党小组|dues|Mobile Phone|入党时间|Mobile",
        "党小组|党费类别|phone|入党时间|流动党员",
    ],
)
def test_header_aliases_for_optional_columns(titles):
    result = parse_csv(
        [f"姓名|政治面貌|{titles}", "张伟|正式|一组|学生|13800138000|2021-07-01|是"]
    )

    assert result.problems == []
    row = result.rows[0]
    assert row.party_group == "一组"
    assert row.dues_category is DuesCategory.STUDENT
    assert row.phone == "13800138000"
    assert row.joined_on == date(2021, 7, 1)
    assert row.mobile is True


def test_missing_name_column_names_it_and_lists_the_headers_found():
    result = parse_csv(["成员|政治面貌|手机", "张伟|正式|13800138000"])

    text = file_problem(result)
    assert "姓名" in text
    assert "政治面貌" not in text.split("Column titles found")[0]
    assert "“成员”" in text and "“政治面貌”" in text and "“手机”" in text


def test_missing_both_required_columns_names_both():
    result = parse_csv(["成员|面貌", "张伟|正式"])

    text = file_problem(result)
    assert "姓名" in text and "政治面貌" in text
    assert "“成员”" in text and "“面貌”" in text


def test_header_only_file_is_reported():
    text = file_problem(parse_csv(["姓名|政治面貌"]))

    assert "no members" in text


def test_empty_file_is_reported():
    assert "empty" in file_problem(parse_roster(b"", "roster.csv"))
    assert "empty" in file_problem(parse_roster(b" \r\n\r\n", "roster.csv"))


def test_file_with_only_blank_rows_is_reported():
    text = file_problem(parse_roster(b",,,\n,,\n", "roster.csv"))

    assert "no data" in text


# --------------------------------------------------------------------------- encodings and delimiters


def test_utf8_bom_csv():
    data = "\ufeff姓名,政治面貌,手机\n张伟,正式,13800138000\n".encode()
    assert data.startswith(b"\xef\xbb\xbf")

    result = parse_roster(data, "roster.csv", today=TODAY)

    assert result.ok
    assert [(row.name, row.phone) for row in result.rows] == [("张伟", "13800138000")]


def test_gb18030_csv_with_chinese_headers():
    data = csv_bytes(
        [HEADER, "张伟|中共党员|机关党小组|低保|13800138000|2021年7月1日|流动"],
        encoding="gb18030",
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")

    result = parse_roster(data, "党员名册.csv", today=TODAY)

    assert result.ok and result.problems == []
    row = result.rows[0]
    assert row.name == "张伟"
    assert row.status is PartyStatus.FULL
    assert row.party_group == "机关党小组"
    assert row.dues_category is DuesCategory.SUBSISTENCE
    assert row.joined_on == date(2021, 7, 1)
    assert row.mobile is True


def test_gbk_csv_is_read_through_gb18030():
    data = "姓名,政治面貌\n欧阳娜娜,预备党员\n".encode("gbk")

    result = parse_roster(data, "roster.csv", today=TODAY)

    assert [(row.name, row.status) for row in result.rows] == [
        ("欧阳娜娜", PartyStatus.PROBATIONARY)
    ]


def test_full_width_comma_csv():
    result = parse_csv(
        [HEADER, "张伟|正式|一组|在职|13800138000|2021-07-01|否"], delimiter="，"
    )

    assert result.ok and result.problems == []
    assert result.rows[0].party_group == "一组"
    assert result.rows[0].phone == "13800138000"


def test_tab_separated_txt():
    data = csv_bytes([HEADER, "张伟|预备|一组|学生|13800138000|2024.1.5|否"], delimiter="\t")

    result = parse_roster(data, "roster.txt", today=TODAY)

    assert result.ok and result.problems == []
    assert result.rows[0].status is PartyStatus.PROBATIONARY
    assert result.rows[0].joined_on == date(2024, 1, 5)


def test_semicolon_csv():
    result = parse_csv(["姓名|政治面貌|党小组", "张伟|正式|一组, 二组"], delimiter=";")

    assert result.rows[0].party_group == "一组, 二组"


def test_excel_unicode_text_utf16_is_read():
    text = "姓名\t政治面貌\r\n张伟\t正式\r\n"
    data = text.encode("utf-16")  # with byte-order mark, as Excel saves “Unicode text”

    result = parse_roster(data, "roster.txt", today=TODAY)

    assert [(row.name, row.status) for row in result.rows] == [("张伟", PartyStatus.FULL)]


def test_windows_line_endings_and_crlf_row_numbers():
    data = "姓名,政治面貌\r\n张伟,正式\r\n李娜,错\r\n".encode()

    result = parse_roster(data, "roster.csv", today=TODAY)

    assert [row.row for row in result.rows] == [2]
    assert [p.row for p in result.problems] == [3]


def test_undecodable_bytes_are_a_file_problem():
    data = b"name,status\nZhang\x80Wei,full\n"  # 0x80 is neither UTF-8 nor GB18030

    text = file_problem(parse_roster(data, "roster.csv"))

    assert "UTF-8" in text and "GB18030" in text


def test_binary_file_named_csv_is_a_file_problem():
    text = file_problem(parse_roster(b"\x00\x01\x02abc\x00", "roster.csv"))

    assert "could not be read as text" in text


def test_unmatched_quote_with_huge_cell_is_a_file_problem():
    data = b'\xe5\xa7\x93\xe5\x90\x8d,status\n"' + b"x" * 200_000 + b"\n"

    text = file_problem(parse_roster(data, "roster.csv"))

    assert "quotation mark" in text


# --------------------------------------------------------------------------- xlsx


def test_xlsx_with_numbers_dates_and_an_empty_row():
    data = xlsx_bytes(
        [
            ["姓名", "政治面貌", "党小组", "党费类别", "手机", "入党时间", "流动党员"],
            ["张伟", "正式党员", "一组", "在职", 13800138000, datetime(2021, 7, 1), "否"],
            [None, None, None, None, None, None, None],
            ["李娜", "预备党员", None, None, 13900139000.0, date(2023, 7, 1), True],
            ["王芳", "积极分子", 3, "学生", "'13700137000", "2022年5月", 1],
        ]
    )

    result = parse_roster(data, "名册.xlsx", today=TODAY)

    assert result.ok
    assert result.problems == []
    assert result.rows == [
        RosterRow(2, "张伟", PartyStatus.FULL, "一组", DuesCategory.EMPLOYED,
                  "13800138000", date(2021, 7, 1), False),
        RosterRow(4, "李娜", PartyStatus.PROBATIONARY, None, None,
                  "13900139000", date(2023, 7, 1), True),
        RosterRow(5, "王芳", PartyStatus.ACTIVIST, "3", DuesCategory.STUDENT,
                  "13700137000", date(2022, 5, 1), True),
    ]


def test_xlsx_rejections_use_sheet_row_numbers():
    data = xlsx_bytes(
        [
            ["姓名", "政治面貌", "手机"],
            [],
            ["张伟", "正式", 1380013800],  # a digit short
            [],
            [],
            ["李娜", "群众", 13900139000],
        ]
    )

    result = parse_roster(data, "名册.xlsx", today=TODAY)

    assert result.ok
    assert result.rows == []
    assert [p.row for p in result.problems] == [3, 6]
    assert "Row 3" in messages(result, 3)[0] and "1380013800" in messages(result, 3)[0]
    assert "Row 6" in messages(result, 6)[0] and "群众" in messages(result, 6)[0]


def test_xlsx_header_below_a_title_row_and_blank_rows():
    data = xlsx_bytes(
        [
            ["某某党支部党员花名册"],
            [None],
            ["序号", "姓名（必填）", "政治面貌*"],
            [1, "张伟", "正式"],
        ]
    )

    result = parse_roster(data, "名册.xlsx", today=TODAY)

    assert result.ok
    assert [(row.row, row.name) for row in result.rows] == [(4, "张伟")]


def test_xlsx_uses_the_first_worksheet():
    workbook = openpyxl.Workbook()
    first = workbook.active
    first.append(["姓名", "政治面貌"])
    first.append(["张伟", "正式"])
    second = workbook.create_sheet("其他")
    second.append(["姓名", "政治面貌"])
    second.append(["李娜", "正式"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = parse_roster(buffer.getvalue(), "名册.xlsx", today=TODAY)

    assert [row.name for row in result.rows] == ["张伟"]


def test_xlsx_is_recognised_by_content_whatever_the_name():
    data = xlsx_bytes([["姓名", "政治面貌"], ["张伟", "正式"]])

    for filename in ("roster.csv", "roster.xls", "roster", "roster.bin"):
        result = parse_roster(data, filename, today=TODAY)
        assert [row.name for row in result.rows] == ["张伟"], filename


def test_xlsx_formula_cells_use_their_values_and_missing_cache_is_empty():
    data = xlsx_bytes([["姓名", "政治面貌", "手机"], ["张伟", "正式", "=1+1"]])

    # openpyxl writes no cached value for the formula, so the cell reads as empty.
    result = parse_roster(data, "名册.xlsx", today=TODAY)

    assert result.problems == []
    assert result.rows[0].phone is None


def test_corrupt_xlsx_is_a_file_problem():
    data = xlsx_bytes([["姓名", "政治面貌"], ["张伟", "正式"]])
    truncated = data[: len(data) // 2]

    text = file_problem(parse_roster(truncated, "名册.xlsx"))

    assert "could not be opened as an Excel workbook" in text


def test_zip_that_is_not_a_workbook_is_a_file_problem():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")

    text = file_problem(parse_roster(buffer.getvalue(), "名册.xlsx"))

    assert "Excel workbook" in text


def test_damaged_worksheet_xml_is_a_file_problem():
    data = xlsx_bytes([["姓名", "政治面貌"], ["张伟", "正式"]])
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = content[: len(content) // 2]
            target.writestr(item, content)

    text = file_problem(parse_roster(buffer.getvalue(), "名册.xlsx"))

    assert "Excel workbook" in text


def test_text_named_xlsx_is_a_file_problem():
    text = file_problem(parse_roster(b"name,status\n", "名册.xlsx"))

    assert "Excel workbook" in text


def test_xls_is_refused_with_advice_to_save_as_xlsx_or_csv():
    ole_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100

    text = file_problem(parse_roster(ole_header, "名册.xls"))

    assert ".xls" in text and ".xlsx" in text and "CSV" in text


def test_password_protected_workbook_is_explained():
    ole_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100

    text = file_problem(parse_roster(ole_header, "名册.xlsx"))

    assert "password" in text and ".xlsx" in text


@pytest.mark.parametrize("filename", ["名册.pdf", "名册.docx.txt.doc", "名册", "", "名册.numbers"])
def test_other_file_types_list_what_is_accepted(filename):
    text = file_problem(parse_roster(b"%PDF-1.4 something", filename))

    assert ".xlsx" in text and ".csv" in text and ".txt" in text
    assert f"“{filename}”" in text


def test_extension_is_case_insensitive():
    result = parse_roster("姓名,政治面貌\n张伟,正式\n".encode(), "ROSTER.CSV", today=TODAY)

    assert [row.name for row in result.rows] == ["张伟"]


# --------------------------------------------------------------------------- limits


def test_file_too_large():
    data = b"a" * (roster_file.MAX_FILE_BYTES + 1)

    text = file_problem(parse_roster(data, "roster.csv"))

    assert "2 MB" in text and "2.0 MB" in text


def test_file_exactly_at_size_limit_is_read(monkeypatch):
    monkeypatch.setattr(roster_file, "MAX_FILE_BYTES", 64)
    data = "姓名,政治面貌\n张伟,正式\n".encode()
    data += b"\n" * (64 - len(data))

    result = parse_roster(data, "roster.csv", today=TODAY)

    assert result.ok and [row.name for row in result.rows] == ["张伟"]


def test_too_many_rows_returns_no_rows(monkeypatch):
    monkeypatch.setattr(roster_file, "MAX_ROWS", 3)
    lines = ["姓名|政治面貌"] + [f"党员{i}|正式" for i in range(4)]

    text = file_problem(parse_csv(lines))

    assert "more than 3 members" in text


def test_row_limit_counts_members_not_blank_rows(monkeypatch):
    monkeypatch.setattr(roster_file, "MAX_ROWS", 3)
    lines = ["姓名|政治面貌", "甲|正式", "|", "乙|正式", "|", "丙|错"]

    result = parse_csv(lines)

    assert result.ok
    assert [row.name for row in result.rows] == ["甲", "乙"]
    assert [p.row for p in result.problems] == [6]


def test_too_many_rows_in_xlsx(monkeypatch):
    monkeypatch.setattr(roster_file, "MAX_ROWS", 2)
    data = xlsx_bytes([["姓名", "政治面貌"], ["甲", "正式"], ["乙", "正式"], ["丙", "正式"]])

    text = file_problem(parse_roster(data, "名册.xlsx"))

    assert "more than 2" in text


def test_stray_cell_far_below_the_roster_is_reported(monkeypatch):
    monkeypatch.setattr(roster_file, "MAX_SCANNED_ROWS", 50)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "政治面貌"])
    sheet.append(["张伟", "正式"])
    sheet["A200"] = "x"
    buffer = io.BytesIO()
    workbook.save(buffer)

    text = file_problem(parse_roster(buffer.getvalue(), "名册.xlsx"))

    assert "more than 50 rows" in text and "empty rows" in text


# --------------------------------------------------------------------------- row problems


def test_invalid_status_names_the_row_and_value():
    result = parse_csv(["姓名|政治面貌", "张伟|正式", "李娜|群众"])

    assert [row.name for row in result.rows] == ["张伟"]
    assert messages(result) == ["Row 3: party status “群众” is not one of 正式, 预备, 积极分子."]
    assert result.problems[0].row == 3


def test_empty_status_is_reported():
    result = parse_csv(["姓名|政治面貌", "张伟|"])

    (text,) = messages(result, 2)
    assert "Row 2" in text and "party status is empty" in text and "正式" in text


def test_empty_name_on_a_filled_row_is_reported():
    result = parse_csv(["姓名|政治面貌|手机", "\u3000|正式|13800138000"])

    (text,) = messages(result, 2)
    assert "Row 2" in text and "name is empty" in text
    assert result.rows == []


def test_too_long_name_is_rejected_not_cut():
    long_name = "张" * 51
    result = parse_csv(["姓名|政治面貌", f"{long_name}|正式", f"{'李' * 50}|正式"])

    assert [row.name for row in result.rows] == ["李" * 50]
    (text,) = messages(result, 2)
    assert "Row 2" in text and "51 characters" in text and "50" in text


def test_too_long_party_group_is_rejected_not_cut():
    result = parse_csv(["姓名|政治面貌|党小组", f"张伟|正式|{'组' * 51}"])

    assert result.rows == []
    (text,) = messages(result, 2)
    assert "Row 2" in text and "party group" in text and "51 characters" in text


def test_duplicate_name_rejects_later_rows_and_points_to_the_first():
    result = parse_csv(
        ["姓名|政治面貌", "张伟|正式", "李娜|正式", "张伟|预备", " 张  伟 |正式", "张伟|积极分子"]
    )

    assert [(row.row, row.name) for row in result.rows] == [(2, "张伟"), (3, "李娜"), (5, "张 伟")]
    assert [p.row for p in result.problems] == [4, 6]
    for text, row in zip(messages(result), (4, 6)):
        assert f"Row {row}:" in text
        assert "“张伟”" in text and "row 2" in text
        assert "张伟(财务)" in text


def test_duplicate_names_ignore_letter_case():
    result = parse_csv(["name|status", "Li Na|full", "LI NA|full"])

    assert [row.row for row in result.rows] == [2]
    assert "row 2" in messages(result, 3)[0]


def test_unknown_dues_category_is_reported():
    result = parse_csv(["姓名|政治面貌|党费类别", "张伟|正式|个体户"])

    (text,) = messages(result, 2)
    assert "Row 2" in text and "“个体户”" in text and "在职" in text and "低保" in text


def test_invalid_phone_is_reported():
    result = parse_csv(["姓名|政治面貌|手机", "张伟|正式|1380013800a", "李娜|正式|138001380001"])

    assert result.rows == []
    assert "Row 2" in messages(result, 2)[0] and "1380013800a" in messages(result, 2)[0]
    assert "11-digit" in messages(result, 3)[0]


def test_phone_in_scientific_notation_tells_to_format_as_text():
    result = parse_csv(["姓名|政治面貌|手机", "张伟|正式|1.38001E+10"])

    (text,) = messages(result, 2)
    assert "Row 2" in text and "scientific notation" in text and "as text" in text


def test_impossible_date_is_reported():
    result = parse_csv(["姓名|政治面貌|入党时间", "张伟|正式|2021-02-30", "李娜|正式|2021年13月"])

    assert result.rows == []
    assert "Row 2" in messages(result, 2)[0] and "“2021-02-30”" in messages(result, 2)[0]
    assert "Row 3" in messages(result, 3)[0] and "2021年13月" in messages(result, 3)[0]


def test_garbage_date_is_reported():
    result = parse_csv(["姓名|政治面貌|入党时间", "张伟|正式|去年七月"])

    (text,) = messages(result, 2)
    assert "not a valid date" in text and "2021-07-01" in text


def test_future_join_date_is_reported():
    result = parse_csv(
        ["姓名|政治面貌|入党时间", "张伟|正式|2024-06-01", "李娜|预备|2024-06-02"]
    )

    assert [row.name for row in result.rows] == ["张伟"]
    (text,) = messages(result, 3)
    assert "Row 3" in text and "2024-06-02" in text and "future" in text


def test_future_date_uses_the_real_today_by_default():
    data = "姓名,政治面貌,入党时间\n张伟,正式,2999-01-01\n".encode()

    result = parse_roster(data, "roster.csv")

    assert "future" in messages(result, 2)[0]


def test_join_date_before_the_party_existed_is_reported():
    result = parse_csv(["姓名|政治面貌|入党时间", "张伟|正式|1021-07-01"])

    (text,) = messages(result, 2)
    assert "Row 2" in text and "1921" in text


def test_invalid_mobile_flag_is_reported():
    result = parse_csv(["姓名|政治面貌|流动党员", "张伟|正式|也许"])

    (text,) = messages(result, 2)
    assert "Row 2" in text and "“也许”" in text and "是" in text and "否" in text


def test_every_problem_of_a_row_is_reported_and_the_row_rejected():
    result = parse_csv(
        [
            HEADER,
            "张伟|正式|||||",
            "张伟|群众|一组|个体户|123|2021-02-30|也许",
            "李娜|正式||||",
        ]
    )

    assert [row.name for row in result.rows] == ["张伟", "李娜"]
    assert result.ok
    texts = messages(result, 3)
    assert len(texts) == 6
    assert all(text.startswith("Row 3:") for text in texts)
    joined = "\n".join(texts)
    for fragment in ("row 2", "“群众”", "“个体户”", "“123”", "“2021-02-30”", "“也许”"):
        assert fragment in joined


def test_long_values_are_shortened_in_messages():
    result = parse_csv(["姓名|政治面貌", f"张伟|{'x' * 100}"])

    (text,) = messages(result, 2)
    assert "x" * 39 + "…" in text and "x" * 40 not in text


def test_all_rows_rejected_is_still_not_a_file_problem():
    result = parse_csv(["姓名|政治面貌", "张伟|群众"])

    assert result.ok
    assert result.rows == []
    assert [p.row for p in result.problems] == [2]


def test_problems_render_through_the_translator():
    result = parse_csv(["姓名|政治面貌", "张伟|群众"])
    catalog = {
        "Row {row}: party status “{value}” is not one of 正式, 预备, 积极分子.":
            "第{row}行：政治面貌“{value}”不是正式、预备、积极分子之一。",
    }

    text = result.problems[0].reason.render(lambda message: catalog.get(message, message))

    assert text == "第2行：政治面貌“群众”不是正式、预备、积极分子之一。"


# --------------------------------------------------------------------------- value parsers


@pytest.mark.parametrize(
    "text, expected",
    [
        ("正式", PartyStatus.FULL),
        ("正式党员", PartyStatus.FULL),
        ("中共党员", PartyStatus.FULL),
        ("党员", PartyStatus.FULL),
        ("Full", PartyStatus.FULL),
        ("full member", PartyStatus.FULL),
        (" 中共 党员 ", PartyStatus.FULL),
        ("预备", PartyStatus.PROBATIONARY),
        ("预备党员", PartyStatus.PROBATIONARY),
        ("中共预备党员", PartyStatus.PROBATIONARY),
        ("PROBATIONARY", PartyStatus.PROBATIONARY),
        ("积极分子", PartyStatus.ACTIVIST),
        ("入党积极分子", PartyStatus.ACTIVIST),
        ("发展对象", PartyStatus.ACTIVIST),
        ("activist", PartyStatus.ACTIVIST),
        ("群众", None),
        ("共青团员", None),
        ("", None),
        ("正式x", None),
    ],
)
def test_parse_status(text, expected):
    assert parse_status(text) is expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("在职", DuesCategory.EMPLOYED),
        ("在职职工", DuesCategory.EMPLOYED),
        ("在职人员", DuesCategory.EMPLOYED),
        ("Employed", DuesCategory.EMPLOYED),
        ("离退休", DuesCategory.RETIRED),
        ("退休", DuesCategory.RETIRED),
        ("离休", DuesCategory.RETIRED),
        ("离退休人员", DuesCategory.RETIRED),
        ("retired", DuesCategory.RETIRED),
        ("学生", DuesCategory.STUDENT),
        ("student", DuesCategory.STUDENT),
        ("失业", DuesCategory.UNEMPLOYED),
        ("下岗", DuesCategory.UNEMPLOYED),
        ("无固定收入", DuesCategory.UNEMPLOYED),
        ("unemployed", DuesCategory.UNEMPLOYED),
        ("低保", DuesCategory.SUBSISTENCE),
        ("subsistence", DuesCategory.SUBSISTENCE),
        ("农民", DuesCategory.RURAL),
        ("农村", DuesCategory.RURAL),
        ("rural", DuesCategory.RURAL),
        ("其他", DuesCategory.OTHER),
        ("other", DuesCategory.OTHER),
        ("", None),
        ("个体户", None),
    ],
)
def test_parse_dues_category(text, expected):
    assert parse_dues_category(text) is expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2021-07-01", date(2021, 7, 1)),
        ("2021/7/1", date(2021, 7, 1)),
        ("2021.7.1", date(2021, 7, 1)),
        ("2021年7月1日", date(2021, 7, 1)),
        ("2021 年 7 月 1 日", date(2021, 7, 1)),
        ("２０２１年７月１日", date(2021, 7, 1)),
        ("20210701", date(2021, 7, 1)),
        ("2021-07", date(2021, 7, 1)),
        ("2021/7", date(2021, 7, 1)),
        ("2021年7月", date(2021, 7, 1)),
        ("2021-07-01 00:00:00", date(2021, 7, 1)),
        ("'2021-07-01", date(2021, 7, 1)),
        (datetime(2021, 7, 1, 9, 30), date(2021, 7, 1)),
        (date(2021, 7, 1), date(2021, 7, 1)),
        (20210701, date(2021, 7, 1)),
        (20210701.0, date(2021, 7, 1)),
        (44378, date(2021, 7, 1)),  # an Excel day number left without date formatting
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_parse_date_accepts(value, expected):
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "2021-02-30",
        "2021-13-01",
        "20211301",
        "2021年13月",
        "2021-00",
        "21-7-1",
        "7/1/2021",
        "2021",
        "去年",
        "2021-07-01-02",
        2021,
        2021.7,
        True,
    ],
)
def test_parse_date_rejects(value):
    with pytest.raises(ValueError):
        parse_date(value)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("13800138000", "13800138000"),
        ("138 0013 8000", "13800138000"),
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("+8613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("'13800138000", "13800138000"),
        ("１３８００１３８０００", "13800138000"),
        ("13800138000.0", "13800138000"),
        (13800138000, "13800138000"),
        (13800138000.0, "13800138000"),
        ("010-88886666", "01088886666"),
        ("(0755) 8888 6666", "075588886666"),
        ("88886666", "88886666"),
        ("+1 415 555 0100", "+14155550100"),
        ("+852 9123 4567", "+85291234567"),
        ("", None),
        ("  ", None),
        (None, None),
    ],
)
def test_normalize_phone_accepts(value, expected):
    assert normalize_phone(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "1380013800",  # mobile one digit short
        "138001380001",  # mobile one digit too many
        "123456",  # too short
        "1234567890123456",  # too long
        "13800138000/13900139000",
        "1.38001E+10",
        "138 0013 8000 转 1",
        "++8613800138000",
        13800138000.5,
        True,
    ],
)
def test_normalize_phone_rejects(value):
    with pytest.raises(ValueError):
        normalize_phone(value)


# --------------------------------------------------------------------------- module hygiene


def test_every_message_has_only_known_placeholders():
    import string

    msgids = [value for name, value in vars(roster_file).items()
              if name.startswith(("_FILE_", "_ROW_")) and isinstance(value, str)]
    assert len(msgids) > 20
    for msgid in msgids:
        fields = {field for _, field, _, _ in string.Formatter().parse(msgid) if field}
        assert fields <= {"row", "value", "name", "first_row", "length", "limit", "line",
                          "filename", "size_mb", "limit_mb", "missing", "found"}, msgid
        if msgid.startswith("Row {row}"):
            assert "row" in fields


@pytest.mark.parametrize("code", ["#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!"])
def test_formula_error_cells_are_no_names_and_the_row_is_reported(code):
    workbook = openpyxl.Workbook()
    for row in (["姓名", "政治面貌", "党小组"], [code, "正式", None], ["张伟", "正式", code], ["李娜", "预备", None]):
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = parse_roster(buffer.getvalue(), "r.xlsx", today=TODAY)

    assert [r.name for r in result.rows] == ["李娜"]
    assert messages(result, 2) == [f"Row 2: the cell under “姓名” shows the formula error {code} instead of a "
                                   "value. Correct the formula or type the value, and send the file again."]
    assert [p.row for p in result.problems] == [2, 3] and "“党小组”" in messages(result, 3)[0]
