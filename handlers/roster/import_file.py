"""Parse a roster file a branch secretary uploads (CSV or .xlsx) into validated rows.

The parser is pure: it takes the file's bytes and name and returns the rows it accepted together
with a report of every problem it found, each tied to the row number the secretary sees in Excel
or WPS (the header is row 1 when it sits at the top). A row with any problem is rejected as a
whole and all of its problems are reported. Problems with ``row=None`` concern the whole file;
when there is one, ``RosterParse.ok`` is false and nothing should be imported.

Nothing here touches the database or the chat transport.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import warnings
from collections.abc import Generator, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from handlers.kit.i18n import N_, LazyText
from storage.rules.vocabulary import DuesCategory, PartyStatus

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_ROWS",
    "DuesCategory",
    "PartyStatus",
    "RosterParse",
    "RosterProblem",
    "RosterRow",
    "normalize_phone",
    "parse_date",
    "parse_dues_category",
    "parse_roster",
    "parse_status",
]

MAX_FILE_BYTES = 2_000_000
MAX_ROWS = 5000

#: Longest name or party group accepted; longer values are rejected rather than cut.
MAX_TEXT_LENGTH = 50
#: Physical rows (blank ones included) read before giving up on a sheet.
MAX_SCANNED_ROWS = 100_000
#: Columns read from each spreadsheet row; a roster never needs more.
MAX_COLUMNS = 100
#: Non-empty rows looked at when searching for the header below a title row.
HEADER_SEARCH_ROWS = 10
#: The Communist Party of China was founded in 1921; earlier join dates are typing mistakes.
EARLIEST_JOIN_YEAR = 1921


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True)
class RosterRow:
    row: int
    name: str
    status: PartyStatus
    party_group: str | None
    dues_category: DuesCategory | None
    phone: str | None
    joined_on: date | None
    mobile: bool = False


@dataclass(frozen=True)
class RosterProblem:
    row: int | None  # None: the problem concerns the whole file
    reason: LazyText


@dataclass(frozen=True)
class RosterParse:
    rows: list[RosterRow]
    problems: list[RosterProblem]

    @property
    def ok(self) -> bool:
        """True when no problem concerns the whole file (single rows may still be rejected)."""
        return all(problem.row is not None for problem in self.problems)


# --------------------------------------------------------------------------- messages

_FILE_TOO_LARGE = N_(
    "The file is {size_mb} MB, larger than the {limit_mb} MB limit. Delete unused sheets, "
    "pictures and formatting, or split the roster into several smaller files."
)
_FILE_EMPTY = N_(
    "The file is empty. Send the roster as an Excel workbook (.xlsx) or a CSV file."
)
_FILE_XLS = N_(
    "Old Excel .xls files cannot be read. Open the file in Excel or WPS, save it as an Excel "
    "workbook (.xlsx) or as CSV, and send it again."
)
_FILE_OLE = N_(
    "This file is in the old .xls format or is protected by a password, so it cannot be read. "
    "Remove any password, save it as an Excel workbook (.xlsx) or as CSV, and send it again."
)
_FILE_UNSUPPORTED = N_(
    "“{filename}” is not a supported file type. Send the roster as an Excel workbook (.xlsx) "
    "or as a CSV file (.csv or .txt)."
)
_FILE_BAD_XLSX = N_(
    "The file could not be opened as an Excel workbook; it may be damaged or not really an "
    ".xlsx file. Open it in Excel or WPS, save it again as .xlsx or CSV, and send it again."
)
_FILE_NO_SHEET = N_(
    "The Excel workbook contains no worksheet. Put the roster on the first sheet and send it again."
)
_FILE_BAD_ENCODING = N_(
    "The file could not be read as text: it is neither UTF-8 nor GB18030/GBK. In Excel or WPS "
    "choose “Save as” → “CSV UTF-8”, or save it as .xlsx, and send it again."
)
_FILE_BAD_CSV = N_(
    "The CSV file could not be read near line {line}. Check for a quotation mark without its "
    "partner or an extremely long cell, or save the file again from Excel or WPS."
)
_FILE_NO_DATA = N_(
    "The file contains no data. Put the column titles (such as 姓名 and 政治面貌) in the first "
    "row and one member per row below them."
)
_FILE_MISSING_COLUMNS = N_(
    "The roster has no column for {missing}. Add it with exactly that title in the header row. "
    "Column titles found: {found}."
)
_FILE_NO_MEMBERS = N_(
    "The file has column titles but no members below them. Put one member per row under the "
    "header row."
)
_FILE_TOO_MANY_ROWS = N_(
    "The file has more than {limit} members. Split it into files of at most {limit} rows each "
    "and send them one after another."
)
_FILE_TOO_MANY_SHEET_ROWS = N_(
    "The sheet has more than {limit} rows, counting empty ones. Delete the empty rows below the "
    "roster (or copy the roster to a new sheet) and send it again."
)

_ROW_NAME_EMPTY = N_(
    "Row {row}: the name is empty. Fill in the member's name, or delete the row."
)
_ROW_NAME_TOO_LONG = N_(
    "Row {row}: the name has {length} characters; at most {limit} are allowed. Shorten it."
)
_ROW_NAME_DUPLICATE = N_(
    "Row {row}: the name “{name}” already appears in row {first_row}. If they are two different "
    "people, add a distinguishing mark to the name, such as 张伟(财务); otherwise delete this row."
)
_ROW_STATUS_EMPTY = N_(
    "Row {row}: the party status is empty. Fill in one of 正式, 预备, 积极分子."
)
_ROW_STATUS_INVALID = N_(
    "Row {row}: party status “{value}” is not one of 正式, 预备, 积极分子."
)
_ROW_GROUP_TOO_LONG = N_(
    "Row {row}: the party group name has {length} characters; at most {limit} are allowed. "
    "Shorten it."
)
_ROW_DUES_INVALID = N_(
    "Row {row}: dues category “{value}” is not recognised. Use one of 在职, 离退休, 学生, 失业, "
    "低保, 农民, 其他, or leave the cell empty."
)
_ROW_PHONE_INVALID = N_(
    "Row {row}: phone number “{value}” is not valid. Enter one 11-digit mobile number such as "
    "13800138000, or a landline number with its area code."
)
_ROW_PHONE_SCIENTIFIC = N_(
    "Row {row}: phone number “{value}” was turned into scientific notation by Excel and its "
    "digits are lost. Format the phone column as text, type the number again, and resend the file."
)
_ROW_DATE_INVALID = N_(
    "Row {row}: join date “{value}” is not a valid date. Check the year, month and day, and "
    "write it like 2021-07-01 or 2021年7月1日."
)
_ROW_DATE_FUTURE = N_(
    "Row {row}: join date {value} is in the future. Check the year, month and day."
)
_ROW_DATE_TOO_EARLY = N_(
    "Row {row}: join date {value} is before the Party was founded in 1921. Check the year."
)
_ROW_MOBILE_INVALID = N_(
    "Row {row}: mobile member value “{value}” is not understood. Write 是 for a mobile Party "
    "member (流动党员), or 否 or nothing otherwise."
)


# --------------------------------------------------------------------------- columns

_NAME = "name"
_STATUS = "status"
_GROUP = "party_group"
_DUES = "dues_category"
_PHONE = "phone"
_JOINED = "joined_on"
_MOBILE = "mobile"

_REQUIRED = (_NAME, _STATUS)
#: The title a secretary should give a missing column.
_CANONICAL_TITLE = {_NAME: "姓名", _STATUS: "政治面貌"}

_HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    _NAME: ("姓名", "名字", "name", "full name"),
    _STATUS: ("政治面貌", "党员类别", "党员身份", "身份", "类别", "status", "party status"),
    _GROUP: ("党小组", "所在党小组", "小组", "party group", "group"),
    _DUES: ("党费类别", "缴费类别", "缴纳类别", "人员类别", "dues category", "dues"),
    _PHONE: ("手机", "手机号", "手机号码", "电话", "联系电话", "phone", "mobile phone"),
    _JOINED: ("入党时间", "入党日期", "join date", "joined"),
    _MOBILE: ("流动党员", "mobile member", "mobile"),
}

_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕|<[^>]*>|《[^》]*》")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def _fold(text: str) -> str:
    """Matching key: width-normalised, case-folded, without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def _header_key(text: str) -> str:
    key = unicodedata.normalize("NFKC", text)
    key = _BRACKETED.sub("", key)
    return "".join(key.casefold().split()).strip("*:")


_HEADER_FIELDS: dict[str, str] = {
    _header_key(alias): field for field, aliases in _HEADER_ALIASES.items() for alias in aliases
}


# --------------------------------------------------------------------------- value parsers

_STATUS_ALIASES: dict[str, PartyStatus] = {
    _fold(alias): status
    for status, aliases in {
        PartyStatus.FULL: (
            "正式", "正式党员", "中共党员", "中共正式党员", "党员", "共产党员",
            "中国共产党党员", "full", "full member",
        ),
        PartyStatus.PROBATIONARY: (
            "预备", "预备党员", "中共预备党员", "中国共产党预备党员", "probationary",
            "probationary member",
        ),
        PartyStatus.ACTIVIST: ("积极分子", "入党积极分子", "发展对象", "activist"),
    }.items()
    for alias in aliases
}

_DUES_ALIASES: dict[str, DuesCategory] = {
    _fold(alias): category
    for category, aliases in {
        DuesCategory.EMPLOYED: ("在职", "在职职工", "在职人员", "employed"),
        DuesCategory.RETIRED: ("离退休", "退休", "离休", "离退休人员", "退休人员", "retired"),
        DuesCategory.STUDENT: ("学生", "在校学生", "student"),
        DuesCategory.UNEMPLOYED: ("失业", "下岗", "无固定收入", "失业人员", "unemployed"),
        DuesCategory.SUBSISTENCE: ("低保", "低保人员", "subsistence"),
        DuesCategory.RURAL: ("农民", "农村", "农民党员", "rural"),
        DuesCategory.OTHER: ("其他", "其它", "other"),
    }.items()
    for alias in aliases
}

_MOBILE_TRUE = frozenset(map(_fold, ("是", "y", "yes", "true", "1", "流动", "流动党员", "√", "✓")))
_MOBILE_FALSE = frozenset(map(_fold, ("否", "不是", "n", "no", "false", "0", "")))


def _clean(text: str) -> str:
    """Strip whitespace (full-width too), invisible marks and a leading apostrophe.

    Excel users type an apostrophe in front of a value to keep it as text ('13800138000); it
    is never part of the value.
    """
    text = text.translate(_INVISIBLE).strip()
    if text[:1] in ("'", "‘", "’"):
        text = text[1:].strip()
    return text


def _cell_text(value: Any) -> str:
    """The text of a cell as the secretary sees it, cleaned."""
    if value is None:
        return ""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return _clean(str(value))


def _shown(value: Any, limit: int = 40) -> str:
    """A value quoted back to the secretary in a message."""
    text = _cell_text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_status(text: str) -> PartyStatus | None:
    """The party status written in ``text`` (正式, 预备党员, activist, …), or None."""
    if text is None:
        return None
    return _STATUS_ALIASES.get(_fold(_cell_text(text)))


def parse_dues_category(text: str) -> DuesCategory | None:
    """The dues category written in ``text`` (在职, 离退休, 低保, …); None if empty or unknown."""
    if text is None:
        return None
    return _DUES_ALIASES.get(_fold(_cell_text(text)))


_TIME_SUFFIX = re.compile(r"(?:\s+|T)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
_FULL_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_YEAR_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
#: Excel stores dates as day numbers; five digits cover 1927–2173.
_EXCEL_SERIALS = range(10_000, 100_000)


def parse_date(text: Any) -> date | None:
    """A date from a cell: ``date``/``datetime`` values or text such as 2021-07-01, 2021/7/1,
    2021.7.1, 2021年7月1日, 20210701, 2021-07 or 2021年7月 (a month alone means its first day).

    Returns None for an empty cell and raises ValueError for anything else that is not a real
    calendar date.
    """
    if text is None:
        return None
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    if isinstance(text, bool):
        raise ValueError(f"not a date: {text!r}")
    if isinstance(text, (int, float)):
        if isinstance(text, float) and not (math.isfinite(text) and text.is_integer()):
            raise ValueError(f"not a date: {text!r}")
        number = int(text)
        if 10_000_000 <= number <= 99_999_999:
            return parse_date(str(number))
        if number in _EXCEL_SERIALS:
            return date(1899, 12, 30) + timedelta(days=number)
        raise ValueError(f"not a date: {text!r}")
    if not isinstance(text, str):
        raise ValueError(f"not a date: {text!r}")
    value = unicodedata.normalize("NFKC", _clean(text))
    if not value:
        return None
    value = _TIME_SUFFIX.sub("", value).strip()
    for pattern in (_FULL_DATE, _COMPACT_DATE):
        match = pattern.fullmatch(value)
        if match:
            year, month, day = map(int, match.groups())
            return date(year, month, day)  # ValueError for 2021-02-30 and the like
    match = _YEAR_MONTH.fullmatch(value)
    if match:
        year, month = map(int, match.groups())
        return date(year, month, 1)
    raise ValueError(f"not a date: {text!r}")


_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—()]")
_PHONE_SHAPE = re.compile(r"(\+?)(\d+)")
_TRAILING_ZERO_FRACTION = re.compile(r"(\d+)\.0+")
_SCIENTIFIC = re.compile(r"\d(?:\.\d+)?e[+-]?\d+", re.IGNORECASE)


def normalize_phone(text: str) -> str | None:
    """Digits of a phone number (with a leading + for international numbers), or None if empty.

    Mainland mobiles are 11 digits starting with 1; a +86/86/0086 prefix is dropped from them.
    Other numbers of 7–15 digits are kept as written, minus spaces, dashes and brackets.
    Raises ValueError for anything else.
    """
    if text is None:
        return None
    if isinstance(text, bool):
        raise ValueError(f"not a phone number: {text!r}")
    if isinstance(text, int):
        value = str(text)
    elif isinstance(text, float):
        if not (math.isfinite(text) and text.is_integer()):
            raise ValueError(f"not a phone number: {text!r}")
        value = str(int(text))
    else:
        value = unicodedata.normalize("NFKC", _clean(str(text)))
    value = _PHONE_SEPARATORS.sub("", value)
    if not value:
        return None
    zero_fraction = _TRAILING_ZERO_FRACTION.fullmatch(value)  # 13800138000.0 from a spreadsheet
    if zero_fraction:
        value = zero_fraction.group(1)
    match = _PHONE_SHAPE.fullmatch(value)
    if not match:
        raise ValueError(f"not a phone number: {text!r}")
    plus, digits = match.groups()
    if plus:
        if len(digits) == 13 and digits.startswith("861"):
            return digits[2:]
        if 7 <= len(digits) <= 15:
            return "+" + digits
        raise ValueError(f"not a phone number: {text!r}")
    if len(digits) == 15 and digits.startswith("00861"):
        digits = digits[4:]
    elif len(digits) == 13 and digits.startswith("861"):
        digits = digits[2:]
    if digits.startswith("1"):
        # Mainland mobiles; local landline numbers never start with 1.
        if len(digits) == 11:
            return digits
        raise ValueError(f"not a phone number: {text!r}")
    if 7 <= len(digits) <= 15:
        return digits
    raise ValueError(f"not a phone number: {text!r}")


def _parse_mobile_flag(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    key = _fold(_cell_text(value))
    if key in _MOBILE_TRUE:
        return True
    if key in _MOBILE_FALSE:
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


# --------------------------------------------------------------------------- reading files


class _Unreadable(Exception):
    """The file as a whole cannot be read; carries the problem to report."""

    def __init__(self, reason: LazyText) -> None:
        super().__init__(reason.msgid)
        self.reason = reason


_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
_CSV_EXTENSIONS = (".csv", ".txt")
_DELIMITERS = (",", "\t", ";", "，")

Table = Generator[tuple[int, Sequence[Any]], None, None]


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)  # Excel's "Unicode text"
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break  # binary, or UTF-16 without its byte-order mark
        return text.lstrip("\ufeff")
    raise _Unreadable(LazyText(_FILE_BAD_ENCODING, {}))


def _sniff_delimiter(text: str) -> str:
    """The delimiter used most on any one of the first lines (a title line has few or none)."""
    best, best_count = ",", 0
    for line in text[:20_000].splitlines()[:HEADER_SEARCH_ROWS]:
        for delimiter in _DELIMITERS:  # on a tie the earlier delimiter wins
            count = line.count(delimiter)
            if count > best_count:
                best, best_count = delimiter, count
    return best


def _csv_rows(data: bytes) -> Table:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff_delimiter(text))
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            raise _Unreadable(LazyText(_FILE_BAD_CSV, {"line": reader.line_num})) from error
        number += 1
        yield number, cells


def _quietly(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an openpyxl call without its warnings about styles and extensions it skips."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


def _xlsx_rows(data: bytes) -> Table:
    import openpyxl  # only needed for spreadsheets

    bad_file = LazyText(_FILE_BAD_XLSX, {})
    try:
        workbook = _quietly(
            openpyxl.load_workbook,
            io.BytesIO(data),
            read_only=True,
            data_only=True,
            keep_links=False,
        )
    except Exception as error:  # zipfile, XML and openpyxl errors alike
        raise _Unreadable(bad_file) from error
    try:
        if not workbook.worksheets:
            raise _Unreadable(LazyText(_FILE_NO_SHEET, {}))
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some programs write a wrong used range
        rows = sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True)
        number = 0
        while True:
            try:
                cells = _quietly(next, rows)
            except StopIteration:
                return
            except Exception as error:  # the sheet's XML is read lazily, row by row
                raise _Unreadable(bad_file) from error
            number += 1
            yield number, cells
    finally:
        workbook.close()


def _open_table(data: bytes, filename: str) -> Table:
    extension = ""
    name = (filename or "").strip().lower()
    if "." in name:
        extension = name[name.rindex(".") :]
    if data.startswith(_ZIP_MAGIC):
        return _xlsx_rows(data)
    if extension == ".xls":
        raise _Unreadable(LazyText(_FILE_XLS, {}))
    if data.startswith(_OLE_MAGIC):
        raise _Unreadable(LazyText(_FILE_OLE, {}))
    if extension == ".xlsx":
        raise _Unreadable(LazyText(_FILE_BAD_XLSX, {}))
    if extension in _CSV_EXTENSIONS:
        return _csv_rows(data)
    raise _Unreadable(LazyText(_FILE_UNSUPPORTED, {"filename": filename or ""}))


# --------------------------------------------------------------------------- the roster


def _blank(value: Any) -> bool:
    return _cell_text(value) == ""


def _header_fields(cells: Sequence[Any]) -> dict[str, int]:
    """Column index of each recognised field; the first column wins if a field repeats."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field = _HEADER_FIELDS.get(_header_key(_cell_text(cell)))
        if field is not None and field not in columns:
            columns[field] = index
    return columns


def _find_header(
    table: Table,
) -> tuple[Sequence[Any], dict[str, int], list[tuple[int, Sequence[Any]]]] | None:
    """The header row, its columns and the rows after it already read.

    The header is normally the first non-empty row; a title row above it (“某某党支部党员名册”)
    is skipped when a later row among the first few names at least two known columns.
    """
    seen: list[tuple[int, Sequence[Any]]] = []
    for number, cells in table:
        if number > MAX_SCANNED_ROWS:
            break
        if all(_blank(cell) for cell in cells):
            continue
        seen.append((number, cells))
        columns = _header_fields(cells)
        if len(columns) >= 2:
            return cells, columns, []
        if len(seen) >= HEADER_SEARCH_ROWS:
            break
    if not seen:
        return None
    first_cells = seen[0][1]
    return first_cells, _header_fields(first_cells), seen[1:]


def _check_row(
    number: int,
    values: dict[str, Any],
    first_row_of_name: dict[str, int],
    today: date,
) -> tuple[RosterRow | None, list[LazyText]]:
    reasons: list[LazyText] = []

    def problem(msgid: str, **params: Any) -> None:
        reasons.append(LazyText(msgid, {"row": number, **params}))

    name = " ".join(_cell_text(values.get(_NAME)).split())
    if not name:
        problem(_ROW_NAME_EMPTY)
    elif len(name) > MAX_TEXT_LENGTH:
        problem(_ROW_NAME_TOO_LONG, length=len(name), limit=MAX_TEXT_LENGTH)
    else:
        key = name.casefold()
        if key in first_row_of_name:
            problem(_ROW_NAME_DUPLICATE, name=name, first_row=first_row_of_name[key])
        else:
            first_row_of_name[key] = number

    raw_status = values.get(_STATUS)
    status = parse_status(_cell_text(raw_status))
    if _blank(raw_status):
        problem(_ROW_STATUS_EMPTY)
    elif status is None:
        problem(_ROW_STATUS_INVALID, value=_shown(raw_status))

    party_group = _cell_text(values.get(_GROUP)) or None
    if party_group is not None and len(party_group) > MAX_TEXT_LENGTH:
        problem(_ROW_GROUP_TOO_LONG, length=len(party_group), limit=MAX_TEXT_LENGTH)

    raw_dues = values.get(_DUES)
    dues_category = parse_dues_category(_cell_text(raw_dues))
    if dues_category is None and not _blank(raw_dues):
        problem(_ROW_DUES_INVALID, value=_shown(raw_dues))

    raw_phone = values.get(_PHONE)
    phone: str | None = None
    try:
        phone = normalize_phone(raw_phone)
    except ValueError:
        shown = _shown(raw_phone)
        if isinstance(raw_phone, str) and _SCIENTIFIC.fullmatch(shown.replace(" ", "")):
            problem(_ROW_PHONE_SCIENTIFIC, value=shown)
        else:
            problem(_ROW_PHONE_INVALID, value=shown)

    raw_joined = values.get(_JOINED)
    joined_on: date | None = None
    try:
        joined_on = parse_date(raw_joined)
    except ValueError:
        problem(_ROW_DATE_INVALID, value=_shown(raw_joined))
    if joined_on is not None:
        if joined_on > today:
            problem(_ROW_DATE_FUTURE, value=joined_on.isoformat())
            joined_on = None
        elif joined_on.year < EARLIEST_JOIN_YEAR:
            problem(_ROW_DATE_TOO_EARLY, value=joined_on.isoformat())
            joined_on = None

    raw_mobile = values.get(_MOBILE)
    mobile = False
    try:
        mobile = _parse_mobile_flag(raw_mobile)
    except ValueError:
        problem(_ROW_MOBILE_INVALID, value=_shown(raw_mobile))

    if reasons or status is None:
        return None, reasons
    return (
        RosterRow(
            row=number,
            name=name,
            status=status,
            party_group=party_group,
            dues_category=dues_category,
            phone=phone,
            joined_on=joined_on,
            mobile=mobile,
        ),
        [],
    )


def _file_problem(msgid: str, **params: Any) -> RosterParse:
    return RosterParse(rows=[], problems=[RosterProblem(row=None, reason=LazyText(msgid, params))])


def _parse_table(table: Table, today: date) -> RosterParse:
    found = _find_header(table)
    if found is None:
        return _file_problem(_FILE_NO_DATA)
    header, columns, pending = found
    missing = [field for field in _REQUIRED if field not in columns]
    if missing:
        titles = [_cell_text(cell) for cell in header if not _blank(cell)]
        return _file_problem(
            _FILE_MISSING_COLUMNS,
            missing="、".join(_CANONICAL_TITLE[field] for field in missing),
            found=", ".join(f"“{_shown(title, 30)}”" for title in titles[:20]),
        )

    rows: list[RosterRow] = []
    problems: list[RosterProblem] = []
    first_row_of_name: dict[str, int] = {}
    members = 0

    def rest() -> Iterable[tuple[int, Sequence[Any]]]:
        yield from pending
        yield from table

    for number, cells in rest():
        if number > MAX_SCANNED_ROWS:
            return _file_problem(_FILE_TOO_MANY_SHEET_ROWS, limit=MAX_SCANNED_ROWS)
        values = {field: cells[i] if i < len(cells) else None for field, i in columns.items()}
        if all(_blank(value) for value in values.values()):
            continue
        members += 1
        if members > MAX_ROWS:
            return _file_problem(_FILE_TOO_MANY_ROWS, limit=MAX_ROWS)
        row, reasons = _check_row(number, values, first_row_of_name, today)
        if row is not None:
            rows.append(row)
        problems.extend(RosterProblem(row=number, reason=reason) for reason in reasons)

    if members == 0:
        return _file_problem(_FILE_NO_MEMBERS)
    return RosterParse(rows=rows, problems=problems)


def parse_roster(data: bytes, filename: str, *, today: date | None = None) -> RosterParse:
    """Read a roster file (.xlsx, or CSV/.txt in UTF-8 or GB18030) into validated rows.

    ``today`` (default: the local date) is the latest join date accepted. Never raises for a
    bad file: every failure comes back as a problem.
    """
    if today is None:
        today = date.today()
    if len(data) > MAX_FILE_BYTES:
        return _file_problem(
            _FILE_TOO_LARGE,
            size_mb=f"{len(data) / 1_000_000:.1f}",
            limit_mb=f"{MAX_FILE_BYTES / 1_000_000:g}",
        )
    if not data.strip():
        return _file_problem(_FILE_EMPTY)
    try:
        table = _open_table(data, filename)
        try:
            return _parse_table(table, today)
        finally:
            table.close()  # releases the workbook when reading stopped early
    except _Unreadable as unreadable:
        return RosterParse(rows=[], problems=[RosterProblem(row=None, reason=unreadable.reason)])
