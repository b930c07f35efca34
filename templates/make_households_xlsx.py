"""Write templates/households.xlsx from templates/households.csv: the same columns and example rows,
with a drop-down list of the kinds (类别) and the phone column kept as text (so that Excel does not
turn 13800000000 into 1.38E+10).

Run it after changing the CSV:  .venv/bin/python templates/make_households_xlsx.py
A test checks that the shipped workbook matches the CSV and that both import cleanly.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

HERE = Path(__file__).parent
KINDS = ("空巢老人", "留守儿童", "困难户", "其他")


def build(csv_path: Path = HERE / "households.csv") -> Workbook:
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    book = Workbook()
    sheet = book.active
    sheet.title = "联系户"
    header = rows[0]
    for row in rows:
        sheet.append(row)
    last = 2000
    column = chr(ord("A") + header.index("类别"))
    check = DataValidation(type="list", formula1='"' + ",".join(KINDS) + '"', allow_blank=True)
    check.add(f"{column}2:{column}{last}")
    sheet.add_data_validation(check)
    column = chr(ord("A") + header.index("电话"))
    for r in range(2, last + 1):
        sheet[f"{column}{r}"].number_format = "@"
    for column, width in zip("ABCDE", (10, 16, 10, 20, 15)):
        sheet.column_dimensions[column].width = width
    return book


def main(out: str = str(HERE / "households.xlsx")) -> None:
    build().save(out)


if __name__ == "__main__":
    main(*sys.argv[1:])
