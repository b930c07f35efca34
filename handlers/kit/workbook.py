"""Write a ledger (台账) as .xlsx bytes from a plain description: pure, for any feature's export.

A ``Book`` is sheets; a ``Sheet`` is a title row (the branch and the period), optional note rows,
one header row (two when columns are grouped under a merged heading), typed columns and rows of
plain values, and an optional totals row. What comes out opens cleanly in Excel and WPS:

- values are written, never formulas (a viewer that cannot calculate would show 0); totals are
  the caller's sums, written as numbers;
- dates are real dates (yyyy-mm-dd), money is a number rounded to the 分 with the 0.00 format,
  hours and the like a number to one decimal (0.0), percentages are fractions with the 0.0% format, integers are numbers;
- text is always written as text: "=1+1" or "0012" stay what was typed;
- the rows above the data are frozen, the header has a filter, and printing repeats it;
- column widths fit the longest value, CJK characters counting double;
- sheet names are made valid for Excel: at most 31 characters, none of []:*?/\\, unique.

    book = Book([Sheet("花名册", title="第一党支部 花名册 2026年", columns=[
        Column("姓名"), Column("入党日期", DATE), Column("党费", MONEY, group="2026-01")],
        rows=[["张三", date(2020, 7, 1), Decimal("12.50")]])])
    data = write(book)

Nothing here touches the database or the chat transport.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

import xlsxwriter

__all__ = ["Book", "Column", "DATE", "DATETIME", "DECIMAL1", "INTEGER", "Kind", "MONEY", "PERCENT", "Sheet", "TEXT",
           "display_width", "sheet_names", "write"]


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    DATETIME = "datetime"  # a naive local wall-clock time (convert aware UTC times before)
    INTEGER = "integer"
    MONEY = "money"  # Decimal, rounded half up to the 分 (0.01)
    PERCENT = "percent"  # a fraction: 0.875 shows as 87.5%
    DECIMAL1 = "decimal1"  # Decimal or int, rounded half up to one decimal (hours: 2.5)


TEXT, DATE, DATETIME, INTEGER, MONEY, PERCENT = Kind.TEXT, Kind.DATE, Kind.DATETIME, Kind.INTEGER, Kind.MONEY, Kind.PERCENT
DECIMAL1 = Kind.DECIMAL1

FORMATS = {
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
    Kind.INTEGER: "0",
    Kind.MONEY: "0.00",
    Kind.PERCENT: "0.0%",
    Kind.DECIMAL1: "0.0",
}
#: What a value of each kind takes on screen, for the column width.
SHOWN_WIDTH = {Kind.DATE: 10, Kind.DATETIME: 16, Kind.PERCENT: 6}
MIN_WIDTH, MAX_WIDTH = 6, 60
MAX_SHEET_NAME = 31
_BAD_SHEET_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})
MAX_CELL_TEXT = 32767  # Excel's limit for one cell
CENT, TENTH = Decimal("0.01"), Decimal("0.1")
_WRITE = {Kind.TEXT: "write_string", Kind.DATE: "write_datetime", Kind.DATETIME: "write_datetime",
          Kind.INTEGER: "write_number", Kind.MONEY: "write_number", Kind.PERCENT: "write_number",
          Kind.DECIMAL1: "write_number"}


@dataclass(frozen=True)
class Column:
    """A column: its header, the kind of its values, and optionally the heading it sits under
    (consecutive columns with the same ``group`` share one merged cell above their headers)."""

    header: str
    kind: Kind = Kind.TEXT
    group: str | None = None
    width: float | None = None  # characters; None: fitted to the values


@dataclass(frozen=True)
class Sheet:
    name: str  # the tab; made valid for Excel (see ``sheet_names``)
    title: str  # the first row: the branch, the ledger and the period
    columns: Sequence[Column]
    rows: Sequence[Sequence[Any]]  # one value per column; None leaves the cell empty
    notes: Sequence[str] = ()  # rows under the title (when it was made, what counts)
    totals: Sequence[Any] | None = None  # a last row in bold: sums the caller computed; text allowed in any column


@dataclass(frozen=True)
class Book:
    sheets: Sequence[Sheet]
    properties: dict[str, Any] = field(default_factory=dict)  # title, author, created, ... (file metadata)


def display_width(text: str) -> int:
    """How many columns ``text`` takes in a fixed-width font: CJK and full-width characters count double
    (the longest line, for text with line breaks)."""
    if "\n" in text:
        return max(display_width(line) for line in text.split("\n"))
    if text.isascii():
        return len(text)
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def sheet_names(names: Sequence[str]) -> list[str]:
    """Valid, unique (case-insensitively, as Excel compares) tab names for ``names``, in order."""
    taken: set[str] = set()
    result = []
    for raw in names:
        base = (raw.translate(_BAD_SHEET_CHARS).strip().strip("'") or "Sheet")[:MAX_SHEET_NAME]
        name, n = base, 1
        while name.casefold() in taken:
            n += 1
            suffix = f"({n})"
            name = base[:MAX_SHEET_NAME - len(suffix)] + suffix
        taken.add(name.casefold())
        result.append(name)
    return result


def money(value: Decimal | int | str) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def _tenths(value: Decimal | int) -> Decimal:
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def _shown(kind: Kind, value: Any) -> str:
    if kind in SHOWN_WIDTH:
        return "0" * SHOWN_WIDTH[kind]
    if kind == Kind.MONEY:
        return f"{money(value):.2f}"
    if kind == Kind.DECIMAL1:
        return f"{_tenths(value):.1f}"
    return str(value)


def _check(kind: Kind, value: Any) -> Any:
    """The value as xlsxwriter takes it; TypeError for a value that is not of its column's kind."""
    if kind == Kind.TEXT:
        return str(value)[:MAX_CELL_TEXT]
    if kind == Kind.INTEGER and isinstance(value, int) and not isinstance(value, bool):
        return value
    if kind == Kind.MONEY and isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return float(money(value))  # a double holds every amount to the 分 exactly enough to read back
    if kind == Kind.DECIMAL1 and isinstance(value, (Decimal, int)) and not isinstance(value, bool):
        return float(_tenths(value))
    if kind == Kind.PERCENT and isinstance(value, (Decimal, float, int)) and not isinstance(value, bool):
        return float(value)
    if kind == Kind.DATETIME and isinstance(value, datetime):
        if value.tzinfo is not None:
            raise TypeError("a ledger shows local wall-clock times: convert aware times first")
        return value
    if kind == Kind.DATE and isinstance(value, date) and not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day)
    raise TypeError(f"{value!r} is not a {kind.value} value")


def write(book: Book) -> bytes:
    """The workbook as .xlsx bytes."""
    if not book.sheets:
        raise ValueError("a workbook needs at least one sheet")
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out, {
        "in_memory": True,
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
    })
    wb.set_properties(dict(book.properties))
    base = {"font_name": "宋体", "font_size": 11, "valign": "vcenter"}
    title_fmt = wb.add_format({**base, "bold": True, "font_size": 14})
    note_fmt = wb.add_format({**base, "font_color": "#555555"})
    head_fmt = wb.add_format({**base, "bold": True, "border": 1, "align": "center", "text_wrap": True,
                              "bg_color": "#D9E1F2"})
    cell_fmt: dict[tuple[Kind, bool], Any] = {}
    for kind in Kind:
        for bold in (False, True):
            spec = {**base, "border": 1}
            if kind in FORMATS:
                spec["num_format"] = FORMATS[kind]
            if kind == Kind.TEXT:
                spec["num_format"] = "@"
            if bold:
                spec.update(bold=True, top=2)
            cell_fmt[kind, bold] = wb.add_format(spec)

    for sheet, name in zip(book.sheets, sheet_names([s.name for s in book.sheets]), strict=True):
        ws = wb.add_worksheet(name)
        columns = list(sheet.columns)
        if not columns:
            raise ValueError(f"sheet {sheet.name!r} has no columns")
        last_col = len(columns) - 1
        if last_col > 0:
            ws.merge_range(0, 0, 0, last_col, sheet.title, title_fmt)
        else:
            ws.write_string(0, 0, sheet.title, title_fmt)
        ws.set_row(0, 24)
        row = 1
        for note in sheet.notes:
            ws.write_string(row, 0, note, note_fmt)
            row += 1
        grouped = any(c.group for c in columns)
        header_row = row + 1 if grouped else row
        c = 0
        while c < len(columns):  # grouped: a merged heading over its columns; the others span both rows
            group = columns[c].group
            stop = c
            while group and stop + 1 < len(columns) and columns[stop + 1].group == group:
                stop += 1
            if not grouped:
                ws.write_string(header_row, c, columns[c].header, head_fmt)
            elif group is None:
                ws.merge_range(row, c, header_row, c, columns[c].header, head_fmt)
            else:
                if stop > c:
                    ws.merge_range(row, c, row, stop, group, head_fmt)
                else:
                    ws.write_string(row, c, group, head_fmt)
                for g in range(c, stop + 1):
                    ws.write_string(header_row, g, columns[g].header, head_fmt)
            c = stop + 1
        widths = [max(display_width(column.header), MIN_WIDTH) for column in columns]
        for c, column in enumerate(columns):
            if column.group and grouped:
                members = sum(1 for other in columns if other.group == column.group)
                widths[c] = max(widths[c], display_width(column.group) / members)
        row = header_row + 1
        data_rows = list(sheet.rows) + ([list(sheet.totals)] if sheet.totals is not None else [])
        plan = [(c, column.kind, cell_fmt[column.kind, False], _WRITE[column.kind]) for c, column in enumerate(columns)]
        for c, column in enumerate(columns):  # dates and percentages take the same room whatever their value
            if column.kind in SHOWN_WIDTH and column.width is None:
                widths[c] = max(widths[c], SHOWN_WIDTH[column.kind])
        texts: list[set[str]] = [set() for _ in columns]  # measured once each at the end
        for r, values in enumerate(data_rows):
            if len(values) != len(columns):
                raise ValueError(f"sheet {sheet.name!r}, row {r + 1}: {len(values)} values for {len(columns)} columns")
            bold = sheet.totals is not None and r == len(data_rows) - 1
            for (c, kind, fmt, method), value in zip(plan, values):
                if bold:
                    fmt = cell_fmt[kind, True]
                if value is None or value == "":
                    ws.write_blank(row, c, None, fmt)
                elif kind == Kind.TEXT or (bold and isinstance(value, str)):  # and the totals' label ("合计")
                    text = value[:MAX_CELL_TEXT] if isinstance(value, str) else str(value)[:MAX_CELL_TEXT]
                    ws.write_string(row, c, text, fmt)
                    texts[c].add(text)
                else:
                    getattr(ws, method)(row, c, _check(kind, value), fmt)
                    if kind in (Kind.INTEGER, Kind.MONEY, Kind.DECIMAL1):
                        texts[c].add(_shown(kind, value))
            row += 1
        for c, seen in enumerate(texts):
            if seen:
                widths[c] = max(widths[c], max(display_width(text) for text in seen))
        for c, column in enumerate(columns):
            width = column.width if column.width is not None else min(widths[c], MAX_WIDTH) + 2
            ws.set_column(c, c, width)
        ws.freeze_panes(header_row + 1, 0)
        ws.autofilter(header_row, 0, max(header_row, row - 1 - (1 if sheet.totals is not None else 0)), last_col)
        ws.repeat_rows(header_row - 1 if grouped else header_row, header_row)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_paper(9)  # A4
    wb.close()
    return out.getvalue()
