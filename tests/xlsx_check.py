"""What every generated .xlsx must be for Excel and WPS to open it cleanly, checked on the bytes."""

from __future__ import annotations

import io
import re
import warnings
import zipfile

import openpyxl

REQUIRED_PARTS = ("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/styles.xml", "xl/sharedStrings.xml")
BAD_SHEET_CHARS = set("[]:*?/\\")


def open_checked(data: bytes) -> openpyxl.Workbook:
    """The workbook, after checking it as Excel would: a sound zip with the parts Excel needs, text
    in shared strings, no formula anywhere, valid unique sheet names, and openpyxl loading it
    without a single warning."""
    assert data[:2] == b"PK", "not a zip file"
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        for part in REQUIRED_PARTS:
            assert part in names, f"{part} missing"
        sheets = [n for n in names if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)]
        assert sheets
        for name in sheets:
            xml = archive.read(name).decode("utf-8")
            assert "<f>" not in xml and "<f " not in xml, f"a formula in {name}"
            assert 't="str"' not in xml, f"a formula result in {name}"
            assert 't="inlineStr"' not in xml, f"inline text in {name}: WPS prefers shared strings"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        book = openpyxl.load_workbook(io.BytesIO(data))
    titles = book.sheetnames
    assert len({t.casefold() for t in titles}) == len(titles), titles
    for title in titles:
        assert 1 <= len(title) <= 31 and not set(title) & BAD_SHEET_CHARS, title
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {sheet.title}!{cell.coordinate}"
    return book


def rows(sheet, first: int = 1) -> list[tuple]:
    """The sheet's values from row ``first`` on, as tuples."""
    return [tuple(r) for r in sheet.iter_rows(min_row=first, values_only=True)]
