"""Write templates/roster.xlsx from templates/roster.csv: the same columns and example rows, with
drop-down lists of every allowed 政治面貌 and 党费类别, and the phone column kept as text (so that
Excel does not turn 13800138000 into 1.38E+10).

Run it after changing the CSV:  .venv/bin/python templates/make_roster_xlsx.py
A test checks that the shipped workbook matches the CSV and that both import cleanly.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).parent
STATUSES = ("正式", "预备", "积极分子")
DUES_CATEGORIES = ("在职", "离退休", "学生", "失业", "低保", "农民", "其他")


def build(csv_path: Path = HERE / "roster.csv") -> Workbook:
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    book = Workbook()
    sheet = book.active
    sheet.title = "名册"
    header = rows[0]
    for row in rows:
        sheet.append(row)
    last = 1000  # the lists apply to this many rows
    for title, values in (("政治面貌", STATUSES), ("党费类别", DUES_CATEGORIES), ("流动党员", ("是", "否"))):
        column = chr(ord("A") + header.index(title))
        check = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        check.add(f"{column}2:{column}{last}")
        sheet.add_data_validation(check)
    for title in ("手机", "入党时间"):
        column = chr(ord("A") + header.index(title))
        for r in range(2, last + 1):
            sheet[f"{column}{r}"].number_format = "@"  # text: digits stay digits
    for column, width in zip("ABCDEFG", (10, 10, 14, 10, 15, 12, 10)):
        sheet.column_dimensions[column].width = width
    return book


def main(out: str = str(HERE / "roster.xlsx")) -> None:
    build().save(out)


if __name__ == "__main__":
    main(*sys.argv[1:])
