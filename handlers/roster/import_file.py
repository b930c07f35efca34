"""Parse a roster file a branch secretary uploads (CSV or .xlsx) into validated rows.

Reading the file is ``handlers.kit.sheets``'s job; this module knows the roster's columns and
what a valid member row is. The parser is pure: it takes the file's bytes and name and returns
the rows it accepted together with a report of every problem it found, each tied to the row
number the secretary sees in Excel or WPS (the header is row 1 when it sits at the top). A row with any problem is rejected as a
whole and all of its problems are reported. Problems with ``row=None`` concern the whole file;
when there is one, ``RosterParse.ok`` is false and nothing should be imported.

Nothing here touches the database or the chat transport.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from handlers.kit import sheets
from handlers.kit.i18n import N_, LazyText
from handlers.kit.sheets import Column, Problem, blank, cell_text, clean, fold, parse_date, shown
from storage.rules.names import name_key, normalize_name
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

# The roster's limits for the reader (see ``handlers.kit.sheets.Limits``).
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
_FILE_UNSUPPORTED = N_(
    "“{filename}” is not a supported file type. Send the roster as an Excel workbook (.xlsx) "
    "or as a CSV file (.csv or .txt)."
)
_FILE_NO_SHEET = N_(
    "The Excel workbook contains no worksheet. Put the roster on the first sheet and send it again."
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

#: The columns the reader looks for; the first title is the one asked for when it is missing.
_COLUMNS = (
    Column(_NAME, ("姓名", "名字", "name", "full name"), required=True),
    Column(_STATUS, ("政治面貌", "党员类别", "党员身份", "身份", "类别", "status", "party status"),
           required=True),
    Column(_GROUP, ("党小组", "所在党小组", "小组", "party group", "group")),
    Column(_DUES, ("党费类别", "缴费类别", "缴纳类别", "人员类别", "dues category", "dues")),
    Column(_PHONE, ("手机", "手机号", "手机号码", "电话", "联系电话", "phone", "mobile phone")),
    Column(_JOINED, ("入党时间", "入党日期", "join date", "joined")),
    Column(_MOBILE, ("流动党员", "mobile member", "mobile")),
)

#: The reader's problems in the roster's words.
_WORDING = {
    Problem.TOO_LARGE: _FILE_TOO_LARGE,
    Problem.EMPTY: _FILE_EMPTY,
    Problem.UNSUPPORTED: _FILE_UNSUPPORTED,
    Problem.NO_SHEET: _FILE_NO_SHEET,
    Problem.NO_DATA: _FILE_NO_DATA,
    Problem.MISSING_COLUMNS: _FILE_MISSING_COLUMNS,
    Problem.NO_ROWS: _FILE_NO_MEMBERS,
    Problem.TOO_MANY_ROWS: _FILE_TOO_MANY_ROWS,
    Problem.TOO_MANY_SHEET_ROWS: _FILE_TOO_MANY_SHEET_ROWS,
}


# --------------------------------------------------------------------------- value parsers

_STATUS_ALIASES: dict[str, PartyStatus] = {
    fold(alias): status
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
    fold(alias): category
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

_MOBILE_TRUE = frozenset(map(fold, ("是", "y", "yes", "true", "1", "流动", "流动党员", "√", "✓")))
_MOBILE_FALSE = frozenset(map(fold, ("否", "不是", "n", "no", "false", "0", "")))


def parse_status(text: str) -> PartyStatus | None:
    """The party status written in ``text`` (正式, 预备党员, activist, …), or None."""
    if text is None:
        return None
    return _STATUS_ALIASES.get(fold(cell_text(text)))


def parse_dues_category(text: str) -> DuesCategory | None:
    """The dues category written in ``text`` (在职, 离退休, 低保, …); None if empty or unknown."""
    if text is None:
        return None
    return _DUES_ALIASES.get(fold(cell_text(text)))


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
        value = unicodedata.normalize("NFKC", clean(str(text)))
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
    key = fold(cell_text(value))
    if key in _MOBILE_TRUE:
        return True
    if key in _MOBILE_FALSE:
        return False
    raise ValueError(f"not a yes/no value: {value!r}")


# --------------------------------------------------------------------------- the roster


def _check_row(
    number: int,
    values: dict[str, Any],
    first_row_of_name: dict[str, int],
    today: date,
) -> tuple[RosterRow | None, list[LazyText]]:
    reasons: list[LazyText] = []

    def problem(msgid: str, **params: Any) -> None:
        reasons.append(LazyText(msgid, {"row": number, **params}))

    name = normalize_name(cell_text(values.get(_NAME)))
    if not name:
        problem(_ROW_NAME_EMPTY)
    elif len(name) > MAX_TEXT_LENGTH:
        problem(_ROW_NAME_TOO_LONG, length=len(name), limit=MAX_TEXT_LENGTH)
    else:
        key = name_key(name)
        if key in first_row_of_name:
            problem(_ROW_NAME_DUPLICATE, name=name, first_row=first_row_of_name[key])
        else:
            first_row_of_name[key] = number

    raw_status = values.get(_STATUS)
    status = parse_status(cell_text(raw_status))
    if blank(raw_status):
        problem(_ROW_STATUS_EMPTY)
    elif status is None:
        problem(_ROW_STATUS_INVALID, value=shown(raw_status))

    party_group = cell_text(values.get(_GROUP)) or None
    if party_group is not None and len(party_group) > MAX_TEXT_LENGTH:
        problem(_ROW_GROUP_TOO_LONG, length=len(party_group), limit=MAX_TEXT_LENGTH)

    raw_dues = values.get(_DUES)
    dues_category = parse_dues_category(cell_text(raw_dues))
    if dues_category is None and not blank(raw_dues):
        problem(_ROW_DUES_INVALID, value=shown(raw_dues))

    raw_phone = values.get(_PHONE)
    phone: str | None = None
    try:
        phone = normalize_phone(raw_phone)
    except ValueError:
        quoted = shown(raw_phone)
        if isinstance(raw_phone, str) and _SCIENTIFIC.fullmatch(quoted.replace(" ", "")):
            problem(_ROW_PHONE_SCIENTIFIC, value=quoted)
        else:
            problem(_ROW_PHONE_INVALID, value=quoted)

    raw_joined = values.get(_JOINED)
    joined_on: date | None = None
    try:
        joined_on = parse_date(raw_joined)
    except ValueError:
        problem(_ROW_DATE_INVALID, value=shown(raw_joined))
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
        problem(_ROW_MOBILE_INVALID, value=shown(raw_mobile))

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




def parse_roster(data: bytes, filename: str, *, today: date | None = None) -> RosterParse:
    """Read a roster file (.xlsx, or CSV/.txt in UTF-8 or GB18030) into validated rows.

    ``today`` (default: the local date) is the latest join date accepted. Never raises for a
    bad file: every failure comes back as a problem.
    """
    if today is None:
        today = date.today()
    limits = sheets.Limits(  # read here, so a test may lower one
        max_bytes=MAX_FILE_BYTES,
        max_rows=MAX_ROWS,
        max_scanned_rows=MAX_SCANNED_ROWS,
        max_columns=MAX_COLUMNS,
        header_search_rows=HEADER_SEARCH_ROWS,
    )
    try:
        sheet = sheets.read_sheet(data, filename, _COLUMNS, limits=limits, wording=_WORDING)
    except sheets.Unreadable as unreadable:
        return RosterParse(rows=[], problems=[RosterProblem(row=None, reason=unreadable.reason)])
    rows: list[RosterRow] = []
    problems: list[RosterProblem] = []
    first_row_of_name: dict[str, int] = {}
    for line in sheet.rows:
        if line.errors:  # a formula error is no name, status or date: the row is only reported
            problems.extend(RosterProblem(row=line.row, reason=r) for r in sheets.row_errors(sheet, line))
            continue
        row, reasons = _check_row(line.row, line.values, first_row_of_name, today)
        if row is not None:
            rows.append(row)
        problems.extend(RosterProblem(row=line.row, reason=reason) for reason in reasons)
    return RosterParse(rows=rows, problems=problems)
