"""Read a spreadsheet a secretary uploads (CSV or .xlsx) into a table of rows under a located header.

The reader is pure: file bytes and name in; out a ``Sheet`` whose rows carry the number Excel or
WPS shows for them (the header is row 1 when it sits at the top) and the raw cell under each
column the caller asked for. A file that cannot be read as a whole raises ``Unreadable`` with a
translatable reason. What the values mean, and which of them are wrong, is the caller's business:
each import (roster, dues, volunteer service) declares its own columns and checks its own rows.

Nothing here touches the database or the chat transport.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
import warnings
import zipfile
from collections.abc import Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from handlers.kit.i18n import N_, LazyText

__all__ = [
    "FORMULA_ERRORS",
    "Column",
    "Limits",
    "Problem",
    "Sheet",
    "SheetRow",
    "Unreadable",
    "blank",
    "cell_text",
    "clean",
    "fold",
    "formula_error",
    "parse_date",
    "read_sheet",
    "report_csv",
    "row_errors",
    "shown",
]


# --------------------------------------------------------------------------- what the caller declares


@dataclass(frozen=True)
class Column:
    """A column the caller looks for, under any of its titles; the first title is the one to ask for."""

    field: str
    titles: tuple[str, ...]
    required: bool = False


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 2_000_000
    #: Rows with something in a known column; more are refused rather than cut.
    max_rows: int = 5000
    #: Physical rows (blank ones included) read before giving up on a sheet.
    max_scanned_rows: int = 100_000
    #: Columns read from each spreadsheet row.
    max_columns: int = 100
    #: Non-empty rows looked at when searching for the header below a title row.
    header_search_rows: int = 10
    #: All members of an .xlsx unpacked, as declared and as really read: a zip bomb of a few KB
    #: declares or unpacks to gigabytes.
    max_unzipped_bytes: int = 50_000_000
    #: Filled cells: counted in the worksheets' XML before parsing, and in a CSV as it is read.
    max_cells: int = 500_000
    #: Entries of an .xlsx's shared string table (openpyxl loads the whole table at once).
    max_shared_strings: int = 200_000


class Problem(StrEnum):
    """Why a whole file was refused; a caller may word any of them its own way."""

    TOO_LARGE = "too_large"  # {size_mb}, {limit_mb}
    EMPTY = "empty"
    XLS = "xls"
    OLE = "ole"
    UNSUPPORTED = "unsupported"  # {filename}
    BAD_XLSX = "bad_xlsx"
    NO_SHEET = "no_sheet"
    BAD_ENCODING = "bad_encoding"
    BAD_CSV = "bad_csv"  # {line}
    NO_DATA = "no_data"
    MISSING_COLUMNS = "missing_columns"  # {missing}, {found}
    NO_ROWS = "no_rows"
    TOO_MANY_ROWS = "too_many_rows"  # {limit}
    TOO_MANY_SHEET_ROWS = "too_many_sheet_rows"  # {limit}
    TOO_LARGE_UNZIPPED = "too_large_unzipped"  # {limit_mb}
    TOO_MANY_CELLS = "too_many_cells"  # {limit}
    TOO_MANY_STRINGS = "too_many_strings"  # {limit}
    TOO_SLOW = "too_slow"  # the reading was stopped from outside (see handlers.kit.offload)


_FILE_TOO_LARGE = N_(
    "The file is {size_mb} MB, larger than the {limit_mb} MB limit. Delete unused sheets, "
    "pictures and formatting, or split it into several smaller files."
)
_FILE_EMPTY = N_("The file is empty. Send it as an Excel workbook (.xlsx) or a CSV file.")
_FILE_XLS = N_(
    "Old Excel .xls files cannot be read. Open the file in Excel or WPS, save it as an Excel "
    "workbook (.xlsx) or as CSV, and send it again."
)
_FILE_OLE = N_(
    "This file is in the old .xls format or is protected by a password, so it cannot be read. "
    "Remove any password, save it as an Excel workbook (.xlsx) or as CSV, and send it again."
)
_FILE_UNSUPPORTED = N_(
    "“{filename}” is not a supported file type. Send an Excel workbook (.xlsx) or a CSV file "
    "(.csv or .txt)."
)
_FILE_BAD_XLSX = N_(
    "The file could not be opened as an Excel workbook; it may be damaged or not really an "
    ".xlsx file. Open it in Excel or WPS, save it again as .xlsx or CSV, and send it again."
)
_FILE_NO_SHEET = N_(
    "The Excel workbook contains no worksheet. Put the table on the first sheet and send it again."
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
    "The file contains no data. Put the column titles in the first row and one entry per row "
    "below them."
)
_FILE_MISSING_COLUMNS = N_(
    "The file has no column for {missing}. Add it with exactly that title in the header row. "
    "Column titles found: {found}."
)
_FILE_NO_ROWS = N_(
    "The file has column titles but nothing below them. Put one entry per row under the header row."
)
_FILE_TOO_MANY_ROWS = N_(
    "The file has more than {limit} rows of data. Split it into files of at most {limit} rows "
    "each and send them one after another."
)
_FILE_TOO_MANY_SHEET_ROWS = N_(
    "The sheet has more than {limit} rows, counting empty ones. Delete the empty rows below the "
    "table (or copy it to a new sheet) and send it again."
)
_FILE_TOO_LARGE_UNZIPPED = N_(
    "The workbook unpacks to more than {limit_mb} MB, far more than a table needs; it may hold "
    "hidden sheets, pictures or a great many formatted cells. Copy the table alone into a new "
    "workbook, or save it as CSV, and send it again."
)
_FILE_TOO_MANY_CELLS = N_(
    "The file has more than {limit} filled cells. Delete the columns and sheets that are not "
    "needed, or split the table into smaller files and send them one after another."
)
_FILE_TOO_MANY_STRINGS = N_(
    "The workbook holds more than {limit} different texts. Delete the sheets that are not "
    "needed, or copy the table alone into a new workbook or save it as CSV, and send it again."
)
_FILE_TOO_SLOW = N_(
    "Reading the file took too long and was stopped. Copy the table alone into a new workbook, "
    "or save it as CSV, and send it again."
)
_ROW_FORMULA_ERROR = N_(
    "Row {row}: the cell under “{column}” shows the formula error {code} instead of a value. "
    "Correct the formula or type the value, and send the file again."
)

WORDING: dict[Problem, str] = {
    Problem.TOO_LARGE: _FILE_TOO_LARGE,
    Problem.EMPTY: _FILE_EMPTY,
    Problem.XLS: _FILE_XLS,
    Problem.OLE: _FILE_OLE,
    Problem.UNSUPPORTED: _FILE_UNSUPPORTED,
    Problem.BAD_XLSX: _FILE_BAD_XLSX,
    Problem.NO_SHEET: _FILE_NO_SHEET,
    Problem.BAD_ENCODING: _FILE_BAD_ENCODING,
    Problem.BAD_CSV: _FILE_BAD_CSV,
    Problem.NO_DATA: _FILE_NO_DATA,
    Problem.MISSING_COLUMNS: _FILE_MISSING_COLUMNS,
    Problem.NO_ROWS: _FILE_NO_ROWS,
    Problem.TOO_MANY_ROWS: _FILE_TOO_MANY_ROWS,
    Problem.TOO_MANY_SHEET_ROWS: _FILE_TOO_MANY_SHEET_ROWS,
    Problem.TOO_LARGE_UNZIPPED: _FILE_TOO_LARGE_UNZIPPED,
    Problem.TOO_MANY_CELLS: _FILE_TOO_MANY_CELLS,
    Problem.TOO_MANY_STRINGS: _FILE_TOO_MANY_STRINGS,
    Problem.TOO_SLOW: _FILE_TOO_SLOW,
}


class Unreadable(Exception):
    """The file as a whole cannot be used; carries the problem and the reason to show."""

    def __init__(self, problem: Problem, reason: LazyText) -> None:
        super().__init__(reason.msgid)
        self.problem = problem
        self.reason = reason


# --------------------------------------------------------------------------- the result


@dataclass(frozen=True)
class SheetRow:
    row: int  # as Excel or WPS numbers it
    values: dict[str, Any]  # the raw cell under each column found (None past the row's end)
    cells: Sequence[Any] = field(default=(), repr=False)  # the whole row as read
    #: Columns whose cell shows a formula error such as #DIV/0!; their value is None, never the
    #: error's text, and the caller reports the row (``row_errors``).
    errors: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Sheet:
    header_row: int
    header: tuple[str, ...]  # the header's cell texts
    columns: dict[str, int]  # index of each column found
    rows: list[SheetRow]  # every row with something in a found column


# --------------------------------------------------------------------------- cells

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕|<[^>]*>|《[^》]*》")


def fold(text: str) -> str:
    """Matching key: width-normalised, case-folded, without any whitespace."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def header_key(text: str) -> str:
    """Matching key of a column title: like ``fold``, and without notes such as (必填) or a *."""
    key = unicodedata.normalize("NFKC", text)
    key = _BRACKETED.sub("", key)
    return "".join(key.casefold().split()).strip("*:")


def clean(text: str) -> str:
    """Strip whitespace (full-width too), invisible marks and a leading apostrophe.

    Excel users type an apostrophe in front of a value to keep it as text ('13800138000); it
    is never part of the value.
    """
    text = text.translate(_INVISIBLE).strip()
    if text[:1] in ("'", "‘", "’"):
        text = text[1:].strip()
    return text


def cell_text(value: Any) -> str:
    """The text of a cell as the secretary sees it, cleaned."""
    if value is None:
        return ""
    if isinstance(value, str):
        return clean(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return clean(str(value))


#: What Excel and WPS show in a cell whose formula failed; in a CSV export they are plain text.
FORMULA_ERRORS = frozenset({
    "#DIV/0!", "#N/A", "#REF!", "#VALUE!", "#NAME?", "#NULL!", "#NUM!",
    "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!",
})


def formula_error(value: Any) -> str | None:
    """The error a cell shows (#DIV/0!, #N/A, …), or None for a cell holding a value."""
    if not isinstance(value, str) or not value[:8].lstrip().startswith("#"):
        return None
    code = unicodedata.normalize("NFKC", clean(value)).upper()
    return code if code in FORMULA_ERRORS else None


def blank(value: Any) -> bool:
    return cell_text(value) == ""


def shown(value: Any, limit: int = 40) -> str:
    """A value quoted back to the secretary in a message."""
    text = cell_text(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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
    value = unicodedata.normalize("NFKC", clean(text))
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


# --------------------------------------------------------------------------- reading files

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and password-protected .xlsx
_CSV_EXTENSIONS = (".csv", ".txt")
_DELIMITERS = (",", "\t", ";", "，")

_Rows = Generator[tuple[int, Sequence[Any]], None, None]

# Tags counted in an .xlsx's XML before openpyxl parses it (with or without a namespace prefix).
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s>/]")
_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
# Excel never writes a DTD; entities are how an XML bomb multiplies itself.
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_CHUNK = 1 << 20
_OVERLAP = 64  # bytes of one chunk kept in front of the next, so no tag is cut in two


class _Reader:
    """One reading of one file: its limits and the wording of its problems."""

    def __init__(self, limits: Limits, wording: Mapping[Problem, str]) -> None:
        self.limits = limits
        self.wording = wording

    def fail(self, problem: Problem, **params: Any) -> Unreadable:
        return Unreadable(problem, LazyText(self.wording.get(problem, WORDING[problem]), params))

    def decode(self, data: bytes) -> str:
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
        raise self.fail(Problem.BAD_ENCODING)

    def sniff_delimiter(self, text: str) -> str:
        """The delimiter used most on any one of the first lines (a title line has few or none)."""
        best, best_count = ",", 0
        for line in text[:20_000].splitlines()[: self.limits.header_search_rows]:
            for delimiter in _DELIMITERS:  # on a tie the earlier delimiter wins
                count = line.count(delimiter)
                if count > best_count:
                    best, best_count = delimiter, count
        return best

    def csv_rows(self, data: bytes) -> _Rows:
        text = self.decode(data)
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.sniff_delimiter(text))
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise self.fail(Problem.BAD_CSV, line=reader.line_num) from error
            number += 1
            yield number, cells

    def check_archive(self, data: bytes) -> None:
        """Refuse a workbook that unpacks to too much before openpyxl is given it.

        The sizes the zip declares are checked first (a bomb usually declares its gigabytes);
        then every member is unpacked in chunks and counted, so a member that declares less than
        it holds is stopped at the limit too. Cells and shared strings are counted in the XML on
        the way, which is far cheaper than parsing them.
        """
        limit = self.limits.max_unzipped_bytes
        too_large = self.fail(Problem.TOO_LARGE_UNZIPPED, limit_mb=f"{limit / 1_000_000:g}")
        try:
            archive = zipfile.ZipFile(io.BytesIO(data))
            members = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
            raise self.fail(Problem.BAD_XLSX) from error
        if sum(member.file_size for member in members) > limit:
            raise too_large
        total = cells = strings = 0
        try:
            for member in members:
                name = member.filename.lower()
                counter = None
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    counter = _CELL_TAG
                elif name.endswith("sharedstrings.xml"):
                    counter = _STRING_TAG
                tail = b""
                with archive.open(member) as stream:
                    while chunk := stream.read(_CHUNK):
                        total += len(chunk)
                        if total > limit:
                            raise too_large
                        window = tail + chunk
                        if _DTD.search(window):
                            raise self.fail(Problem.BAD_XLSX)
                        if counter is not None:
                            # Tags ending inside the kept tail were counted with the last chunk.
                            found = sum(1 for m in counter.finditer(window) if m.end() > len(tail))
                            if counter is _CELL_TAG:
                                cells += found
                                if cells > self.limits.max_cells:
                                    raise self.fail(Problem.TOO_MANY_CELLS, limit=self.limits.max_cells)
                            else:
                                strings += found
                                if strings > self.limits.max_shared_strings:
                                    raise self.fail(
                                        Problem.TOO_MANY_STRINGS, limit=self.limits.max_shared_strings
                                    )
                        tail = window[-_OVERLAP:]
        except Unreadable:
            raise
        except Exception as error:  # bad CRC, unknown compression, truncated data
            raise self.fail(Problem.BAD_XLSX) from error

    def counted(self, rows: _Rows) -> _Rows:
        """Rows as read, refused once they hold more filled cells than the limit."""
        filled = 0
        try:
            for number, cells in rows:
                filled += sum(1 for cell in cells if cell is not None and cell != "")
                if filled > self.limits.max_cells:
                    raise self.fail(Problem.TOO_MANY_CELLS, limit=self.limits.max_cells)
                yield number, cells
        finally:
            rows.close()

    def xlsx_rows(self, data: bytes) -> _Rows:
        import openpyxl  # only needed for spreadsheets

        self.check_archive(data)
        try:
            workbook = _quietly(
                openpyxl.load_workbook,
                io.BytesIO(data),
                read_only=True,
                data_only=True,
                keep_links=False,
            )
        except Exception as error:  # zipfile, XML and openpyxl errors alike
            raise self.fail(Problem.BAD_XLSX) from error
        try:
            if not workbook.worksheets:
                raise self.fail(Problem.NO_SHEET)
            sheet = workbook.worksheets[0]
            sheet.reset_dimensions()  # some programs write a wrong used range
            rows = sheet.iter_rows(min_row=1, max_col=self.limits.max_columns, values_only=True)
            number = 0
            while True:
                try:
                    cells = _quietly(next, rows)
                except StopIteration:
                    return
                except Exception as error:  # the sheet's XML is read lazily, row by row
                    raise self.fail(Problem.BAD_XLSX) from error
                number += 1
                yield number, cells
        finally:
            workbook.close()

    def open(self, data: bytes, filename: str) -> _Rows:
        extension = ""
        name = (filename or "").strip().lower()
        if "." in name:
            extension = name[name.rindex(".") :]
        if data.startswith(_ZIP_MAGIC):
            return self.xlsx_rows(data)
        if extension == ".xls":
            raise self.fail(Problem.XLS)
        if data.startswith(_OLE_MAGIC):
            raise self.fail(Problem.OLE)
        if extension == ".xlsx":
            raise self.fail(Problem.BAD_XLSX)
        if extension in _CSV_EXTENSIONS:
            return self.csv_rows(data)
        raise self.fail(Problem.UNSUPPORTED, filename=filename or "")

    def find_header(
        self, rows: _Rows, fields: Mapping[str, str], enough: int
    ) -> tuple[int, Sequence[Any], dict[str, int], list[tuple[int, Sequence[Any]]]] | None:
        """The header row's number, cells and columns, and the rows after it already read.

        The header is normally the first non-empty row; a title row above it (“某某党支部党员名册”)
        is skipped when a later row among the first few names ``enough`` known columns.
        """
        seen: list[tuple[int, Sequence[Any]]] = []
        for number, cells in rows:
            if number > self.limits.max_scanned_rows:
                break
            if all(blank(cell) for cell in cells):
                continue
            seen.append((number, cells))
            columns = _header_columns(cells, fields)
            if len(columns) >= enough:
                return number, cells, columns, []
            if len(seen) >= self.limits.header_search_rows:
                break
        if not seen:
            return None
        first_number, first_cells = seen[0]
        return first_number, first_cells, _header_columns(first_cells, fields), seen[1:]

    def table(self, rows: _Rows, columns: Sequence[Column]) -> Sheet:
        fields = {header_key(title): c.field for c in columns for title in c.titles}
        found = self.find_header(rows, fields, enough=min(2, len(columns)))
        if found is None:
            raise self.fail(Problem.NO_DATA)
        header_row, header_cells, positions, pending = found
        header = tuple(cell_text(cell) for cell in header_cells)
        missing = [c for c in columns if c.required and c.field not in positions]
        if missing:
            titles = [title for title in header if title]
            raise self.fail(
                Problem.MISSING_COLUMNS,
                missing="、".join(c.titles[0] for c in missing),
                found=", ".join(f"“{shown(title, 30)}”" for title in titles[:20]),
            )

        def rest() -> Iterable[tuple[int, Sequence[Any]]]:
            yield from pending
            yield from rows

        kept: list[SheetRow] = []
        for number, cells in rest():
            if number > self.limits.max_scanned_rows:
                raise self.fail(Problem.TOO_MANY_SHEET_ROWS, limit=self.limits.max_scanned_rows)
            values = {f: cells[i] if i < len(cells) else None for f, i in positions.items()}
            errors = {f: code for f, value in values.items() if (code := formula_error(value))}
            for f in errors:
                values[f] = None
            if not errors and all(blank(value) for value in values.values()):
                continue
            if len(kept) >= self.limits.max_rows:
                raise self.fail(Problem.TOO_MANY_ROWS, limit=self.limits.max_rows)
            kept.append(SheetRow(number, values, tuple(cells), errors))
        if not kept:
            raise self.fail(Problem.NO_ROWS)
        return Sheet(header_row=header_row, header=header, columns=positions, rows=kept)


def _header_columns(cells: Sequence[Any], fields: Mapping[str, str]) -> dict[str, int]:
    """Column index of each recognised field; the first column wins if a field repeats."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(cells):
        found = fields.get(header_key(cell_text(cell)))
        if found is not None and found not in columns:
            columns[found] = index
    return columns


def _quietly(call: Any, *args: Any, **kwargs: Any) -> Any:
    """Run an openpyxl call without its warnings about styles and extensions it skips."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


def read_sheet(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    *,
    limits: Limits = Limits(),
    wording: Mapping[Problem, str] | None = None,
) -> Sheet:
    """The first sheet of an .xlsx file, or a CSV/.txt file in UTF-8, GB18030 or UTF-16, as rows
    under the header that names ``columns``.

    Raises ``Unreadable`` for a file that cannot be used as a whole, worded by ``wording`` where
    it names the problem and by this module otherwise.
    """
    reader = _Reader(limits, wording or {})
    if len(data) > limits.max_bytes:
        raise reader.fail(
            Problem.TOO_LARGE,
            size_mb=f"{len(data) / 1_000_000:.1f}",
            limit_mb=f"{limits.max_bytes / 1_000_000:g}",
        )
    if not data.strip():
        raise reader.fail(Problem.EMPTY)
    rows = reader.counted(reader.open(data, filename))
    try:
        return reader.table(rows, columns)
    finally:
        rows.close()  # releases the workbook when reading stopped early


def row_errors(sheet: Sheet, row: SheetRow) -> list[LazyText]:
    """One problem for each formula error in ``row``, naming the column as the header titles it."""
    return [
        LazyText(_ROW_FORMULA_ERROR, {
            "row": row.row,
            "column": shown(sheet.header[sheet.columns[f]], 30) or f,
            "code": code,
        })
        for f, code in row.errors.items()
    ]


def report_csv(headings: Sequence[str], lines: Iterable[Sequence[Any]]) -> bytes:
    """A report to attach to a reply: CSV in UTF-8 with a byte-order mark, so that Excel and WPS
    open it with its Chinese intact, and with Windows line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headings)
    writer.writerows(["" if cell is None else cell for cell in line] for line in lines)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
